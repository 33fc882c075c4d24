// Twilio-shaped errors for bad input, bad auth, unknown paths and hostile HTTP; the emulator never crashes or hangs.
import { connect } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { VerifyEmulator } from "../../testing/index.js";
import { expectTwilioError } from "../helpers/openapi.js";
import { ACCOUNT_SID, ALICE, AUTH_TOKEN, raw, sdkClient, sdkError, start } from "./helpers.js";

let emu: VerifyEmulator;
let client: ReturnType<typeof sdkClient>;
const svc = () => client.verify.v2.services(emu.defaultServiceSid);
const verifications = () => `/v2/Services/${emu.defaultServiceSid}/Verifications`;
const check = () => `/v2/Services/${emu.defaultServiceSid}/VerificationCheck`;

beforeAll(async () => {
  emu = await start({ bodyTimeoutMs: 300 });
  client = sdkClient(emu);
});
afterAll(async () => {
  await emu.close();
});
beforeEach(() => {
  emu.reset();
});

/** Sends raw bytes over TCP and returns everything the server sends back until it closes. */
function rawHttp(url: string, chunks: string[], gapMs = 0): Promise<{ text: string; elapsedMs: number }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(Number(port), hostname);
    let text = "";
    socket.setEncoding("utf8");
    socket.on("data", (d: string) => {
      text += d;
    });
    socket.on("close", () => resolve({ text, elapsedMs: Date.now() - started }));
    socket.on("error", reject);
    socket.setTimeout(5000, () => {
      socket.destroy();
      reject(new Error(`no close within 5 s; got ${JSON.stringify(text)}`));
    });
    let delay = 0;
    for (const chunk of chunks) {
      setTimeout(() => socket.writable && socket.write(chunk), delay);
      delay += gapMs;
    }
  });
}

function splitHttp(text: string): { status: number; body: unknown } {
  const [head = "", body = ""] = text.split("\r\n\r\n");
  const status = Number(head.split(" ")[1]);
  return { status, body: JSON.parse(body) as unknown };
}

describe("invalid parameters (60200)", () => {
  it.each([
    ["5017122661", "sms"],
    ["+1555", "sms"],
    ["+1 501 712 2661", "sms"],
    ["alice@example.com", "sms"],
    [ALICE, "email"],
    ["not-an-email", "email"],
  ])("refuses To=%s on %s", async (to, channel) => {
    const error = await sdkError(svc().verifications.create({ to, channel }));
    expect(error.status).toBe(400);
    expect(error.code).toBe(60200);
    expect(error.message).toBe(`Invalid parameter \`To\`: ${to}`);
  });

  it.each(["pigeon", "sna", "auto", "SMS", ""])("refuses Channel=%j", async (channel) => {
    const res = await raw(emu, verifications(), { form: { To: ALICE, Channel: channel } });
    expect(res.status).toBe(400);
    expect(expectTwilioError(res.json, 60200).message).toBe("Invalid parameter: Channel");
  });

  it("refuses a missing To", async () => {
    const res = await raw(emu, verifications(), { form: { Channel: "sms" } });
    expect(expectTwilioError(res.json, 60200).message).toBe("Invalid parameter `To`: ");
  });

  it.each(["12", "123", "12345678901", ""])("refuses Code=%j", async (code) => {
    await svc().verifications.create({ to: ALICE, channel: "sms" });
    const error = await sdkError(svc().verificationChecks.create({ to: ALICE, code }));
    expect(error.status).toBe(400);
    expect(error.code).toBe(60200);
    expect(error.message).toBe("Invalid parameter: Code");
  });

  it("refuses a bad Locale, RateLimits or DeviceIp", async () => {
    for (const [field, value] of [
      ["Locale", "not a locale"],
      ["RateLimits", "{not json"],
      ["DeviceIp", "999.1.1.1"],
    ] as const) {
      const res = await raw(emu, verifications(), { form: { To: ALICE, Channel: "sms", [field]: value } });
      expect(expectTwilioError(res.json, 60200).message).toBe(`Invalid parameter: ${field}`);
    }
    expect(emu.messages()).toHaveLength(0);
  });

  it("answers 60221 to a check with neither To nor VerificationSid", async () => {
    const error = await sdkError(svc().verificationChecks.create({ code: "123456" }));
    expect(error.status).toBe(400);
    expect(error.code).toBe(60221);
  });
});

describe("authentication (20003)", () => {
  it("refuses a request without Basic auth even when no credentials are configured", async () => {
    const res = await raw(emu, verifications(), { form: { To: ALICE, Channel: "sms" }, auth: false });
    expect(res.status).toBe(401);
    expectTwilioError(res.json, 20003);
    expect(res.headers.get("www-authenticate")).toMatch(/^Basic/);
    const bearer = await raw(emu, "/v2/Services", { headers: { Authorization: "Bearer abc" } });
    expect(bearer.status).toBe(401);
  });

  it("accepts only the configured credentials when started with some", async () => {
    const locked = await start({ credentials: { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN } });
    try {
      const ok = await sdkClient(locked).verify.v2.services(locked.defaultServiceSid).fetch();
      expect(ok.sid).toBe(locked.defaultServiceSid);
      expect(ok.accountSid).toBe(ACCOUNT_SID);
      const basic = (user: string, password: string) =>
        `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
      const badToken = await raw(locked, "/v2/Services", {
        headers: { Authorization: basic(ACCOUNT_SID, "nope") },
      });
      expect(badToken.status).toBe(401);
      expect(expectTwilioError(badToken.json, 20003).message).toBe("Authenticate");
      const badSid = await raw(locked, "/v2/Services", {
        headers: { Authorization: basic(`AC${"9".repeat(32)}`, AUTH_TOKEN) },
      });
      expect(expectTwilioError(badSid.json, 20003).message).toBe("Authentication Error - invalid username");
      const none = await raw(locked, "/v2/Services", { auth: false });
      expect(none.status).toBe(401);
    } finally {
      await locked.close();
    }
  });
});

describe("unknown paths and methods", () => {
  it.each([
    "/v2/Services/VA00000000000000000000000000000000/Verifications/+15017122661",
    "/v2/Services/nope",
    "/v2/Services/{sid}/Nope",
    "/v2/Services/{sid}/Verifications/VE00000000000000000000000000000000",
    "/v2/Services/{sid}/Verifications/%E0%A4%A",
    "/v2/Services/{sid}/Verifications/x/y",
    "/v2",
    "/v2/Attempts",
    "/v3/Services",
    "/nope",
  ])("answers 20404 to %s", async (template) => {
    const path = template.replace("{sid}", emu.defaultServiceSid);
    const res = await raw(emu, path);
    expect(res.status).toBe(404);
    const error = expectTwilioError(res.json, 20404);
    if (!path.includes("%")) expect(error.message).toBe(`The requested resource ${path} was not found`);
  });

  it("answers an unknown service through the SDK with 20404", async () => {
    const error = await sdkError(
      client.verify.v2.services(`VA${"0".repeat(32)}`).verifications.create({ to: ALICE, channel: "sms" }),
    );
    expect(error.code).toBe(20404);
  });

  it("answers a wrong method with 405 / 20004 and an Allow header", async () => {
    const res = await raw(emu, check());
    expect(res.status).toBe(405);
    expectTwilioError(res.json, 20004);
    expect(res.headers.get("allow")).toBe("POST");
    const del = await raw(emu, verifications(), { method: "DELETE" });
    expect(del.status).toBe(405);
  });
});

describe("hostile bodies", () => {
  it("treats junk form bytes as missing parameters", async () => {
    const junk = new Uint8Array([0xff, 0xfe, 0x00, 0x26, 0x3d, 0x3d, 0x25, 0x25, 0x80]);
    const res = await raw(emu, verifications(), {
      body: junk,
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    });
    expect(res.status).toBe(400);
    expectTwilioError(res.json, 60200);
  });

  it.each([
    ["application/json", JSON.stringify({ To: ALICE, Channel: "sms" })],
    ["text/plain", "To=+15017122661&Channel=sms"],
    ["multipart/form-data; boundary=x", "--x--"],
  ])("refuses Content-Type %s with 415 / 20415", async (type, body) => {
    const res = await raw(emu, verifications(), { body, headers: { "Content-Type": type } });
    expect(res.status).toBe(415);
    expectTwilioError(res.json, 20415);
    expect(emu.messages()).toHaveLength(0);
  });

  it("refuses a body without Content-Type", async () => {
    const res = await raw(emu, verifications(), { body: "To=x" });
    // fetch adds text/plain to a string body; a bare socket sends none
    expect(res.status).toBe(415);
    const bare = await rawHttp(emu.url, [
      `POST ${verifications()} HTTP/1.1\r\nHost: ${new URL(emu.url).host}\r\nAuthorization: Basic YTpi\r\nContent-Length: 4\r\nConnection: close\r\n\r\nTo=x`,
    ]);
    const parsed = splitHttp(bare.text);
    expect(parsed.status).toBe(415);
    expectTwilioError(parsed.body, 20415);
  });

  it("refuses a body over 64 KiB with 413 / 20413", async () => {
    const res = await raw(emu, verifications(), {
      form: { To: ALICE, Channel: "sms", Pad: "x".repeat(70 * 1024) },
    });
    expect(res.status).toBe(413);
    expectTwilioError(res.json, 20413);
    const declared = await rawHttp(emu.url, [
      `POST ${verifications()} HTTP/1.1\r\nHost: ${new URL(emu.url).host}\r\nAuthorization: Basic YTpi\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000000\r\n\r\nTo=`,
    ]);
    expect(splitHttp(declared.text).status).toBe(413);
  });

  it("hangs up after refusing a request whose body it did not read", async () => {
    const result = await rawHttp(emu.url, [
      `POST ${verifications()} HTTP/1.1\r\nHost: ${new URL(emu.url).host}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000000\r\n\r\nTo=`,
    ]);
    expect(result.text).toMatch(/^HTTP\/1\.1 401 /);
    expect(result.text.toLowerCase()).toContain("connection: close");
    expect(result.elapsedMs).toBeLessThan(2000);
  });

  it("answers a body that never finishes with 408 after the body timeout and hangs up", async () => {
    const result = await rawHttp(emu.url, [
      `POST ${verifications()} HTTP/1.1\r\nHost: ${new URL(emu.url).host}\r\nAuthorization: Basic YTpi\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 50\r\n\r\nTo=%2B1`,
    ]);
    const parsed = splitHttp(result.text);
    expect(parsed.status).toBe(408);
    expectTwilioError(parsed.body, 20408);
    expect(result.elapsedMs).toBeGreaterThanOrEqual(250);
    expect(result.elapsedMs).toBeLessThan(3000);
  });

  it("answers unparseable HTTP with a Twilio-shaped 400", async () => {
    const result = await rawHttp(emu.url, ["THIS IS NOT HTTP\r\n\r\n"]);
    const parsed = splitHttp(result.text);
    expect(parsed.status).toBe(400);
    expectTwilioError(parsed.body, 20400);
  });

  it("is still healthy after all of that", async () => {
    const res = await raw(emu, "/health");
    expect(res.status).toBe(200);
    const v = await svc().verifications.create({ to: ALICE, channel: "sms" });
    expect(v.status).toBe("pending");
  });
});
