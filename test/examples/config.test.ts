/**
 * The examples' environment rules (DESIGN §7) as unit tests of the config module: real Twilio vs an
 * emulator URL vs an embedded emulator, the production refusal, PORT, STEP_UP_MAX_AGE,
 * SESSION_SECRET and REDIS_URL.
 */
import { createServer } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { ExampleConfigError, loadConfig } from "../../examples/shared/config.js";
import { deriveSecondFactorSecret, prepareExample } from "../../examples/shared/setup.js";
import { limitsFor, openStorage } from "../../examples/shared/storage.js";
import { connectVerify } from "../../examples/shared/verify.js";
import { startEmulator, type VerifyEmulator } from "../../testing/index.js";

const ACCOUNT_SID = `AC${"a1".repeat(16)}`;
const SERVICE_SID = `VA${"b2".repeat(16)}`;
const TWILIO = {
  TWILIO_ACCOUNT_SID: ACCOUNT_SID,
  TWILIO_AUTH_TOKEN: "auth-token-auth-token",
  TWILIO_VERIFY_SERVICE_SID: SERVICE_SID,
};
const SECRET = { SESSION_SECRET: "a-session-secret-long-enough-to-keep" };

describe("choosing Twilio or an emulator", () => {
  it("uses real Twilio when all three Twilio variables are set, and no emulator", () => {
    const { config } = loadConfig({ ...SECRET, ...TWILIO }, { port: 3000 });
    expect(config.verify).toEqual({
      kind: "twilio",
      accountSid: ACCOUNT_SID,
      authToken: "auth-token-auth-token",
      serviceSid: SERVICE_SID,
    });
  });

  it("prefers real Twilio over TWILIO_VERIFY_EMULATOR_URL, and says the URL is ignored", () => {
    const { config, warnings } = loadConfig(
      { ...SECRET, ...TWILIO, TWILIO_VERIFY_EMULATOR_URL: "http://127.0.0.1:4010" },
      { port: 3000 },
    );
    expect(config.verify.kind).toBe("twilio");
    expect(warnings.join("\n")).toMatch(/TWILIO_VERIFY_EMULATOR_URL is ignored/);
  });

  it("uses the emulator at TWILIO_VERIFY_EMULATOR_URL, with TWILIO_VERIFY_SERVICE_SID or none", () => {
    const withService = loadConfig(
      {
        ...SECRET,
        TWILIO_VERIFY_EMULATOR_URL: "http://127.0.0.1:4010",
        TWILIO_VERIFY_SERVICE_SID: SERVICE_SID,
      },
      { port: 3000 },
    ).config.verify;
    expect(withService).toMatchObject({
      kind: "emulator-url",
      url: "http://127.0.0.1:4010",
      serviceSid: SERVICE_SID,
    });
    const without = loadConfig(
      { ...SECRET, TWILIO_VERIFY_EMULATOR_URL: "http://127.0.0.1:4010" },
      { port: 3000 },
    ).config.verify;
    expect(without).toMatchObject({ kind: "emulator-url", serviceSid: undefined });
  });

  it("embeds an emulator when nothing is set, and treats empty variables as unset", () => {
    expect(loadConfig({ ...SECRET }, { port: 3000 }).config.verify).toEqual({ kind: "embedded" });
    const empty = loadConfig(
      { ...SECRET, TWILIO_ACCOUNT_SID: "", TWILIO_AUTH_TOKEN: " ", TWILIO_VERIFY_EMULATOR_URL: "" },
      { port: 3000 },
    );
    expect(empty.config.verify).toEqual({ kind: "embedded" });
    expect(empty.warnings).toEqual([]);
  });

  it("embeds an emulator when only some Twilio variables are set, and names the missing ones", () => {
    const { config, warnings } = loadConfig(
      { ...SECRET, TWILIO_ACCOUNT_SID: ACCOUNT_SID, TWILIO_AUTH_TOKEN: "token" },
      { port: 3000 },
    );
    expect(config.verify.kind).toBe("embedded");
    expect(warnings.join("\n")).toMatch(
      /TWILIO_VERIFY_SERVICE_SID is not: using the embedded Verify emulator/,
    );
  });

  it("refuses any emulator under NODE_ENV=production, naming what to set", () => {
    expect(() => loadConfig({ ...SECRET, NODE_ENV: "production" }, { port: 3000 })).toThrow(
      ExampleConfigError,
    );
    expect(() => loadConfig({ ...SECRET, NODE_ENV: "production" }, { port: 3000 })).toThrow(
      /production.*TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_VERIFY_SERVICE_SID/,
    );
    expect(() =>
      loadConfig(
        { ...SECRET, NODE_ENV: "production", TWILIO_VERIFY_EMULATOR_URL: "http://127.0.0.1:4010" },
        { port: 3000 },
      ),
    ).toThrow(/TWILIO_VERIFY_EMULATOR_URL is set/);
    expect(() =>
      loadConfig({ ...SECRET, NODE_ENV: "production", TWILIO_ACCOUNT_SID: ACCOUNT_SID }, { port: 3000 }),
    ).toThrow(/TWILIO_AUTH_TOKEN, TWILIO_VERIFY_SERVICE_SID/);
    expect(
      loadConfig({ ...SECRET, ...TWILIO, NODE_ENV: "production" }, { port: 3000 }).config.verify.kind,
    ).toBe("twilio");
  });

  it("never starts an emulator when production is refused", async () => {
    await expect(prepareExample({ NODE_ENV: "production" }, { defaultPort: 0 })).rejects.toThrow(
      ExampleConfigError,
    );
  });
});

describe("PORT, STEP_UP_MAX_AGE and SESSION_SECRET", () => {
  it("defaults PORT to the app's port and takes 0 to 65535", () => {
    expect(loadConfig(SECRET, { port: 3000 }).config.port).toBe(3000);
    expect(loadConfig(SECRET, { port: 3001 }).config.port).toBe(3001);
    expect(loadConfig({ ...SECRET, PORT: "8080" }, { port: 3000 }).config.port).toBe(8080);
    expect(loadConfig({ ...SECRET, PORT: "0" }, { port: 3000 }).config.port).toBe(0);
    for (const bad of ["abc", "70000", "-1", "80.5", "3000x"]) {
      expect(() => loadConfig({ ...SECRET, PORT: bad }, { port: 3000 })).toThrow(
        /PORT must be a port number/,
      );
    }
  });

  it("defaults STEP_UP_MAX_AGE to 5m and accepts 2s, 10m, 1h and milliseconds", () => {
    expect(loadConfig(SECRET, { port: 3000 }).config).toMatchObject({
      stepUpMaxAge: "5m",
      stepUpMaxAgeMs: 300_000,
    });
    const cases: [string, number][] = [
      ["2s", 2000],
      ["10m", 600_000],
      ["1h", 3_600_000],
      ["1500", 1500],
    ];
    for (const [given, ms] of cases) {
      expect(loadConfig({ ...SECRET, STEP_UP_MAX_AGE: given }, { port: 3000 }).config.stepUpMaxAgeMs).toBe(
        ms,
      );
    }
    for (const bad of ["5 minutes", "0s", "-2s", "2x", "1.5m"]) {
      expect(() => loadConfig({ ...SECRET, STEP_UP_MAX_AGE: bad }, { port: 3000 })).toThrow(
        /STEP_UP_MAX_AGE must be/,
      );
    }
  });

  it("defaults MANAGE_MAX_AGE to 10m, accepts durations and milliseconds, and refuses the rest", () => {
    expect(loadConfig(SECRET, { port: 3000 }).config).toMatchObject({
      manageMaxAge: "10m",
      manageMaxAgeMs: 600_000,
    });
    expect(loadConfig({ ...SECRET, MANAGE_MAX_AGE: "2m" }, { port: 3000 }).config).toMatchObject({
      manageMaxAge: "2m",
      manageMaxAgeMs: 120_000,
    });
    expect(loadConfig({ ...SECRET, MANAGE_MAX_AGE: "90000" }, { port: 3000 }).config.manageMaxAgeMs).toBe(
      90_000,
    );
    for (const bad of ["ten minutes", "0s", "-1m"]) {
      expect(() => loadConfig({ ...SECRET, MANAGE_MAX_AGE: bad }, { port: 3000 })).toThrow(
        /MANAGE_MAX_AGE must be/,
      );
    }
  });

  it("reads DATABASE_URL for the enrolled factors, unset when empty", () => {
    expect(loadConfig(SECRET, { port: 3000 }).config.databaseUrl).toBeUndefined();
    expect(loadConfig({ ...SECRET, DATABASE_URL: " " }, { port: 3000 }).config.databaseUrl).toBeUndefined();
    expect(
      loadConfig({ ...SECRET, DATABASE_URL: "postgres://127.0.0.1:5432/app" }, { port: 3000 }).config
        .databaseUrl,
    ).toBe("postgres://127.0.0.1:5432/app");
  });

  it("uses SESSION_SECRET, or a random one with a warning", () => {
    const set = loadConfig(SECRET, { port: 3000 });
    expect(set.config.sessionSecret).toBe(SECRET.SESSION_SECRET);
    expect(set.config.sessionSecretGenerated).toBe(false);
    expect(set.warnings).toEqual([]);

    const first = loadConfig({}, { port: 3000 });
    const second = loadConfig({}, { port: 3000 });
    expect(first.config.sessionSecretGenerated).toBe(true);
    expect(first.config.sessionSecret.length).toBeGreaterThanOrEqual(32);
    expect(first.config.sessionSecret).not.toBe(second.config.sessionSecret);
    expect(first.warnings.join("\n")).toMatch(/SESSION_SECRET is not set/);

    expect(loadConfig({ SESSION_SECRET: "short" }, { port: 3000 }).warnings.join("\n")).toMatch(
      /only 5 characters/,
    );
  });

  it("derives the library's budget secret from the session secret: same input, same secret", () => {
    const one = deriveSecondFactorSecret("shared-secret");
    expect(one).toHaveLength(32);
    expect(Buffer.from(one).equals(Buffer.from(deriveSecondFactorSecret("shared-secret")))).toBe(true);
    expect(Buffer.from(one).equals(Buffer.from(deriveSecondFactorSecret("other-secret")))).toBe(false);
  });

  it("keeps sessions and budgets in memory without REDIS_URL, and refuses a REDIS_URL it cannot use", async () => {
    const memory = await openStorage(undefined);
    expect(memory.storage).toEqual({ kind: "memory" });
    expect(limitsFor(memory.storage)).toBeUndefined();
    await expect(openStorage("http://127.0.0.1:6379")).rejects.toThrow(
      /REDIS_URL must start with redis:\/\//,
    );
    await expect(openStorage("not a url")).rejects.toThrow(ExampleConfigError);
    const port = await closedPort();
    const refused = openStorage(`redis://:hunter2-secret@127.0.0.1:${port}`);
    await expect(refused).rejects.toThrow(
      new RegExp(`Could not connect to Redis at redis://127\\.0\\.0\\.1:${port}`),
    );
    await expect(refused).rejects.not.toThrow(/hunter2/);
  });
});

describe("connecting to Verify", () => {
  let emulator: VerifyEmulator | undefined;
  afterEach(async () => {
    await emulator?.close();
    emulator = undefined;
  });

  it("asks an emulator at a URL for its first service when no service SID is given", async () => {
    emulator = await startEmulator({ port: 0 });
    const verify = await connectVerify({
      kind: "emulator-url",
      url: emulator.url,
      serviceSid: undefined,
      accountSid: undefined,
      authToken: undefined,
    });
    expect(verify.serviceSid).toBe(emulator.defaultServiceSid);
    expect(verify.inboxUrl).toBe(`${emulator.url}/inbox`);
    const sent = await verify.provider.start({ to: "+15017122661", channel: "sms" });
    expect(sent.status).toBe("pending");
    expect(emulator.lastCode("+15017122661")).toMatch(/^\d+$/);
  });

  it("says clearly when the emulator at the URL cannot be reached or the URL is not one", async () => {
    emulator = await startEmulator({ port: 0 });
    const port = new URL(emulator.url).port;
    await emulator.close();
    emulator = undefined;
    const unreachable = {
      kind: "emulator-url",
      url: `http://127.0.0.1:${port}`,
      serviceSid: undefined,
      accountSid: undefined,
      authToken: undefined,
    } as const;
    await expect(connectVerify(unreachable)).rejects.toThrow(
      /Could not reach the Verify emulator at http:\/\/127\.0\.0\.1/,
    );
    await expect(connectVerify({ ...unreachable, url: "not a url" })).rejects.toThrow(ExampleConfigError);
    await expect(connectVerify({ ...unreachable, url: "ftp://127.0.0.1:21" })).rejects.toThrow(
      /http\(s\) URL/,
    );
  });

  it("starts and stops an embedded emulator on 127.0.0.1", async () => {
    const verify = await connectVerify({ kind: "embedded" });
    try {
      expect(verify.emulatorUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(verify.emulator?.defaultServiceSid).toBe(verify.serviceSid);
    } finally {
      await verify.close();
    }
    await expect(fetch(`${verify.emulatorUrl}/inbox.json`)).rejects.toThrow();
  });

  it("builds a real Twilio provider from the credentials, without contacting anything", async () => {
    const verify = await connectVerify({
      kind: "twilio",
      accountSid: ACCOUNT_SID,
      authToken: "token",
      serviceSid: SERVICE_SID,
    });
    expect(verify.emulatorUrl).toBeUndefined();
    expect(verify.inboxUrl).toBeUndefined();
    expect(verify.provider.name).toMatch(/twilio/i);
    await expect(
      connectVerify({ kind: "twilio", accountSid: "not-a-sid", authToken: "token", serviceSid: SERVICE_SID }),
    ).rejects.toThrow(/accountSid/);
  });
});

/** A port on 127.0.0.1 that nothing listens on (it was free a moment ago). */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

describe("PUBLIC_URL (the passkeys' relying party)", () => {
  it("defaults to http://localhost:PORT (rpId localhost), and takes an origin on a host name", () => {
    expect(loadConfig(SECRET, { port: 3001 }).config.publicUrl).toEqual({
      origin: "http://localhost:3001",
      rpId: "localhost",
    });
    expect(loadConfig({ ...SECRET, PORT: "4000" }, { port: 3000 }).config.publicUrl.origin).toBe(
      "http://localhost:4000",
    );
    expect(
      loadConfig({ ...SECRET, PUBLIC_URL: "https://bank.example.com/" }, { port: 3000 }).config.publicUrl,
    ).toEqual({ origin: "https://bank.example.com", rpId: "bank.example.com" });
  });

  it("refuses an IP address, a path or another scheme, naming the variable", () => {
    for (const bad of [
      "http://127.0.0.1:3000",
      "http://[::1]:3000",
      "https://example.com/app",
      "ftp://example.com",
    ]) {
      expect(() => loadConfig({ ...SECRET, PUBLIC_URL: bad }, { port: 3000 }), bad).toThrow(
        ExampleConfigError,
      );
      expect(() => loadConfig({ ...SECRET, PUBLIC_URL: bad }, { port: 3000 }), bad).toThrow(/PUBLIC_URL/);
    }
  });
});
