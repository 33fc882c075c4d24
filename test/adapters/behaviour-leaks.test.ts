// Behaviour suite, what leaves the server: no response (status line, headers, cookies, body), event
// or log line carries a code or the full phone number, on Express 5 and 4 and Koa 3 and 2, through
// supertest, the real twilio SDK and the Verify emulator.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startEmulator, type VerifyEmulator } from "../../testing/index.js";
import { FRAMEWORKS, USERS } from "../helpers/apps/index.js";
import { Browser, type FlowApp, startFlowApp, wrongCode } from "./harness.js";

const ALICE = USERS.alice?.phone ?? "";

let emu: VerifyEmulator;
const running: FlowApp[] = [];

beforeAll(async () => {
  emu = await startEmulator({ port: 0 });
});
afterAll(async () => {
  await emu.close();
});
beforeEach(() => emu.reset());
afterEach(async () => {
  await Promise.all(running.splice(0).map((app) => app.close()));
});

/** A digit string standing on its own (not inside a longer number such as a timestamp). */
function standalone(digits: string): RegExp {
  return new RegExp(`(?<!\\d)${digits}(?!\\d)`);
}

describe.each(FRAMEWORKS)("%s: nothing leaks", (framework) => {
  it("carries no code and no full phone number in any response, cookie, event or log line", async () => {
    const app = await startFlowApp(framework, emu);
    running.push(app);
    const browser = new Browser(app);
    await browser.login("alice");
    await browser.get("/account");
    const token = await browser.csrf();

    // A code, a wrong guess, a resend of the same code, a switch to a call, the JSON state, a refusal.
    expect((await browser.post("/2fa/send", { channel: "sms", _csrf: token })).status).toBe(303);
    const code = emu.lastCode(ALICE) ?? "";
    const guesses = [wrongCode(code), wrongCode(code, 3)];
    await browser.post("/2fa/verify", { code: guesses[0] ?? "", _csrf: token });
    await browser.get("/2fa");
    app.clock.advance(31_000);
    expect((await browser.post("/2fa/send", { channel: "sms", _csrf: token })).status).toBe(303);
    await browser.json("get", "/2fa");
    await browser.json("post", "/2fa/verify", { code: guesses[1] }).set("x-csrf-token", token);
    await browser.post("/2fa/verify", { code: "12ab", _csrf: token });
    await browser.post("/2fa/send", { channel: "sms", _csrf: "forged" });
    app.clock.advance(3000);
    expect((await browser.post("/2fa/send", { channel: "call", _csrf: token })).status).toBe(303);
    const callCode = emu.lastCode(ALICE) ?? "";
    await browser.get("/2fa");
    const passed = await browser.post("/2fa/verify", { code: callCode, _csrf: token });
    expect(passed.status).toBe(303);
    await browser.get("/2fa");
    await browser.json("get", "/2fa");
    await browser.get("/account").expect(200);

    const codes = [...new Set([...emu.messages().map((message) => message.code), ...guesses])];
    expect(codes.length).toBeGreaterThanOrEqual(3);
    const transcript = app.transcript.join("\n\n");
    const events = app.events.map((event) => JSON.stringify(event));
    const logs = app.logs;
    expect(app.transcript.length).toBeGreaterThan(15);
    expect(events.length).toBeGreaterThan(5);

    // The matcher finds a code where one is meant to be: in the message the user received.
    expect(emu.messages()[0]?.body).toMatch(standalone(code));
    const nationalNumber = ALICE.slice(2);
    for (const [where, text] of [
      ["responses", transcript],
      ["events", events.join("\n")],
      ["logs", logs.join("\n")],
    ] as const) {
      for (const secret of codes) expect(text, `a code in the ${where}`).not.toMatch(standalone(secret));
      expect(text, `the phone number in the ${where}`).not.toContain(nationalNumber);
      expect(text, `the phone number in the ${where}`).not.toContain(encodeURIComponent(ALICE));
    }
    // The masked destination is what the user sees instead.
    expect(transcript).toContain("2661");

    // Flow responses are not cacheable and carry no CORS headers.
    const flowResponses = app.transcript.filter((entry) => / \/2fa/.test(entry.split("\n")[0] ?? ""));
    expect(flowResponses.length).toBeGreaterThan(10);
    for (const entry of flowResponses) {
      const headers = JSON.parse(entry.split("\n")[1] ?? "{}") as Record<string, unknown>;
      expect(headers["cache-control"]).toBe("no-store");
      expect(Object.keys(headers).filter((name) => name.startsWith("access-control-"))).toEqual([]);
    }
  });
});
