// startEmulator's options: validated once, loopback by default, remote only with a token and credentials; close() never hangs.
import { createServer } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { type EmulatorOptions, startEmulator, type VerifyEmulator } from "../../testing/index.js";
import { ACCOUNT_SID, ALICE, AUTH_TOKEN, BASIC, raw, sdkClient } from "./helpers.js";

const TOKEN = "a-long-enough-test-token";
const CREDENTIALS = { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN };
const started: VerifyEmulator[] = [];

async function launch(options?: EmulatorOptions): Promise<VerifyEmulator> {
  const emu = await startEmulator(options);
  started.push(emu);
  return emu;
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((e) => e.close()));
});

describe("defaults", () => {
  it("listens on 127.0.0.1 on a free port, with a default service and an account", async () => {
    const emu = await launch();
    expect(emu.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(emu.defaultServiceSid).toMatch(/^VA[0-9a-f]{32}$/);
    expect(emu.accountSid).toMatch(/^AC[0-9a-f]{32}$/);
    expect((await raw(emu, "/health")).json).toEqual({ status: "ok" });
  });

  it("logs through `log` (a development-tool banner and one line per request, never a code)", async () => {
    const lines: string[] = [];
    const emu = await launch({ log: (line) => lines.push(line) });
    expect(lines[0]).toMatch(/development\/test tool/);
    expect(lines[0]).toContain(emu.url);
    await sdkClient(emu)
      .verify.v2.services(emu.defaultServiceSid)
      .verifications.create({ to: ALICE, channel: "sms" });
    await new Promise((r) => setTimeout(r, 20));
    expect(lines).toContain(`POST /v2/Services/${emu.defaultServiceSid}/Verifications 201`);
    const code = emu.lastCode(ALICE) ?? "none";
    expect(lines.some((l) => l.includes(code))).toBe(false);
  });
});

describe("option validation", () => {
  it.each([
    [{ port: -1 }, /"port"/],
    [{ port: 1.5 }, /"port"/],
    [{ port: "80" }, /"port"/],
    [{ host: "" }, /"host"/],
    [{ allowRemote: "yes" }, /"allowRemote"/],
    [{ token: "short" }, /"token"/],
    [{ credentials: { accountSid: "nope", authToken: "x" } }, /accountSid/],
    [{ credentials: { accountSid: ACCOUNT_SID, authToken: "" } }, /authToken/],
    [{ log: "console" }, /"log"/],
    [{ bogus: true }, /unknown option "bogus"/],
    [{ maxBodyBytes: 1 }, /"maxBodyBytes"/],
  ])("refuses %j", async (options, message) => {
    await expect(startEmulator(options as EmulatorOptions)).rejects.toMatchObject({
      code: "ERR_SF_INVALID_OPTION",
      message: expect.stringMatching(message),
    });
  });

  it("does not mutate the caller's options", async () => {
    const options = Object.freeze({ port: 0, credentials: Object.freeze({ ...CREDENTIALS }) });
    const emu = await launch(options);
    expect(emu.accountSid).toBe(ACCOUNT_SID);
  });

  it("reports a port in use clearly", async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", r));
    const address = blocker.address();
    const port = typeof address === "object" && address ? address.port : 0;
    try {
      await expect(startEmulator({ port })).rejects.toMatchObject({
        code: "ERR_SF_MISCONFIGURED",
        message: expect.stringContaining(`port ${port} is already in use`),
      });
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });
});

describe("remote binding", () => {
  it("refuses a non-loopback host without allowRemote, a token and credentials", async () => {
    await expect(startEmulator({ host: "0.0.0.0" })).rejects.toThrow(/allowRemote/);
    await expect(startEmulator({ host: "0.0.0.0", allowRemote: true })).rejects.toThrow(/token/);
    await expect(startEmulator({ host: "0.0.0.0", allowRemote: true, token: TOKEN })).rejects.toThrow(
      /credentials/,
    );
  });

  it("needs the token on the inbox and the control API, and credentials on the Verify API", async () => {
    const emu = await launch({ host: "0.0.0.0", allowRemote: true, token: TOKEN, credentials: CREDENTIALS });
    expect(emu.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    for (const path of ["/inbox", "/inbox.json", "/control/faults"]) {
      const refused = await raw(emu, path);
      expect(refused.status).toBe(401);
      expect(refused.headers.get("www-authenticate")).toMatch(/^Bearer/);
      const wrong = await raw(emu, path, { headers: { Authorization: "Bearer not-the-token-at-all" } });
      expect(wrong.status).toBe(401);
      expect((await raw(emu, path, { headers: { Authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
      expect((await raw(emu, `${path}?token=${TOKEN}`)).status).toBe(200);
    }
    const reset = await raw(emu, "/control/reset", { method: "POST" });
    expect(reset.status).toBe(401);
    const inbox = await raw(emu, `/inbox?token=${TOKEN}`);
    expect(inbox.text).toContain(`name="token" value="${TOKEN}"`);

    const anyBasic = `Basic ${Buffer.from(`AC${"0".repeat(32)}:whatever`).toString("base64")}`;
    expect((await raw(emu, "/v2/Services", { headers: { Authorization: anyBasic } })).status).toBe(401);
    expect((await raw(emu, "/v2/Services", { headers: { Authorization: BASIC } })).status).toBe(200);
  });

  it("enforces a token given on loopback too", async () => {
    const emu = await launch({ token: TOKEN });
    expect((await raw(emu, "/inbox.json")).status).toBe(401);
    expect((await raw(emu, "/inbox.json", { headers: { Authorization: `Bearer ${TOKEN}` } })).status).toBe(
      200,
    );
  });
});

describe("close()", () => {
  it("closes keep-alive connections of the SDK, is idempotent, and stops answering", async () => {
    const emu = await startEmulator();
    const client = sdkClient(emu);
    await client.verify.v2.services(emu.defaultServiceSid).fetch();
    const started = Date.now();
    await Promise.all([emu.close(), emu.close()]);
    await emu.close();
    expect(Date.now() - started).toBeLessThan(1000);
    await expect(fetch(`${emu.url}/health`)).rejects.toThrow();
  });

  it("does not wait for a request held by a delay fault", async () => {
    const emu = await startEmulator();
    emu.addFault({ path: "Verifications", delayMs: 60_000 });
    const pending = sdkClient(emu)
      .verify.v2.services(emu.defaultServiceSid)
      .verifications.create({ to: ALICE, channel: "sms" })
      .then(
        () => "answered",
        () => "failed",
      );
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    await emu.close();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await pending).toBe("failed");
    expect(emu.messages()).toEqual([]);
  });
});
