// Delivered messages: their text per channel, GET /inbox (a page for people) and GET /inbox.json.
import { createHash } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { DeliveredMessage, VerifyEmulator } from "../../testing/index.js";
import { ALICE, CAROL, raw, sdkClient, start } from "./helpers.js";

let emu: VerifyEmulator;
let client: ReturnType<typeof sdkClient>;
const svc = () => client.verify.v2.services(emu.defaultServiceSid);

const KEYS = ["body", "channel", "code", "dateCreated", "serviceSid", "to", "verificationSid"];

/** Checks one /inbox.json entry field by field (a missing or mistyped field fails). */
function expectMessage(value: unknown): DeliveredMessage {
  expect(value).toBeTypeOf("object");
  const message = value as Record<string, unknown>;
  expect(Object.keys(message).sort()).toEqual(KEYS);
  expect(message.to).toBeTypeOf("string");
  expect(["sms", "call", "email", "whatsapp"]).toContain(message.channel);
  expect(message.code).toBeTypeOf("string");
  expect(message.body).toBeTypeOf("string");
  expect(message.verificationSid).toMatch(/^VE[0-9a-f]{32}$/);
  expect(message.serviceSid).toMatch(/^VA[0-9a-f]{32}$/);
  expect(message.dateCreated).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  return message as unknown as DeliveredMessage;
}

async function inboxJson(query = ""): Promise<DeliveredMessage[]> {
  const res = await raw(emu, `/inbox.json${query}`);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  expect(Array.isArray(res.json)).toBe(true);
  return (res.json as unknown[]).map(expectMessage);
}

beforeAll(async () => {
  emu = await start();
  client = sdkClient(emu);
});
afterAll(async () => {
  await emu.close();
});
beforeEach(() => {
  emu.reset();
});

describe("message text", () => {
  it("reads like Verify's deliveries on every channel", async () => {
    await svc().verifications.create({ to: ALICE, channel: "sms" });
    await svc().verifications.create({ to: CAROL, channel: "call" });
    await svc().verifications.create({ to: "bob@example.com", channel: "email" });
    await svc().verifications.create({ to: "+447911123456", channel: "whatsapp" });
    const [sms, call, email, whatsapp] = emu.messages();
    expect(sms?.body).toBe(`Your Verify Emulator verification code is: ${sms?.code}`);
    expect(call?.body).toContain(
      `Your Verify Emulator verification code is: ${[...(call?.code ?? "")].join(", ")}.`,
    );
    expect(call?.body).toContain("Once again");
    expect(email?.body).toMatch(/^Subject: Your Verify Emulator verification code\n\n/);
    expect(email?.body).toContain(`verification code is: ${email?.code}`);
    expect(whatsapp?.body).toBe(
      `*${whatsapp?.code}* is your verification code. For your security, do not share this code.`,
    );
    expect(emu.messages().map((m) => m.channel)).toEqual(["sms", "call", "email", "whatsapp"]);
  });

  it("records every send and resend, with the emulator's clock", async () => {
    emu.advanceClock(3_600_000);
    await svc().verifications.create({ to: ALICE, channel: "sms" });
    await svc().verifications.create({ to: ALICE, channel: "sms" });
    const messages = emu.messages({ to: ALICE });
    expect(messages).toHaveLength(2);
    const created = Date.parse(messages[1]?.dateCreated ?? "");
    expect(Math.abs(created - emu.now())).toBeLessThan(2000);
    expect(emu.lastCode(ALICE)).toBe(messages[1]?.code);
    expect(emu.lastCode("+1 (501) 712-2661")).toBe(messages[1]?.code);
    expect(emu.lastCode(CAROL)).toBeUndefined();
    // a copy, not the emulator's own list
    messages.pop();
    expect(emu.messages({ to: ALICE })).toHaveLength(2);
  });
});

describe("GET /inbox.json", () => {
  it("lists messages oldest first, filtered by ?to= (with +, %2B or an e-mail)", async () => {
    await svc().verifications.create({ to: ALICE, channel: "sms" });
    await svc().verifications.create({ to: CAROL, channel: "sms" });
    await svc().verifications.create({ to: "bob@example.com", channel: "email" });
    const all = await inboxJson();
    expect(all.map((m) => m.to)).toEqual([ALICE, CAROL, "bob@example.com"]);
    expect(all).toEqual(emu.messages());

    expect((await inboxJson("?to=+15017122661")).map((m) => m.to)).toEqual([ALICE]);
    expect((await inboxJson("?to=%2B12025550123")).map((m) => m.to)).toEqual([CAROL]);
    expect((await inboxJson("?to=BOB@example.com")).map((m) => m.channel)).toEqual(["email"]);
    expect(await inboxJson("?to=%2B19999999999")).toEqual([]);
  });
});

describe("GET /inbox", () => {
  it("is a server-rendered page, newest first, with each code prominent", async () => {
    await svc().verifications.create({ to: ALICE, channel: "sms" });
    await svc().verifications.create({ to: CAROL, channel: "call" });
    const res = await raw(emu, "/inbox");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const html = res.text;
    const [alice, carol] = emu.messages();
    expect(html).toContain(`<div class="code" aria-label="Code">${alice?.code}</div>`);
    expect(html.indexOf(`>${carol?.code}<`)).toBeLessThan(html.indexOf(`>${alice?.code}<`));
    expect(html).toContain(ALICE);
    expect(html).toContain(">call<");
    expect(html).toContain(`<time datetime="${alice?.dateCreated}">`);
    expect(html).toContain('name="viewport"');
    expect(html).toMatch(/development and test tool/i);
  });

  it("has no script, and a CSP that allows only its own style block", async () => {
    const res = await raw(emu, "/inbox");
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).not.toContain("script-src");
    expect(res.text).not.toMatch(/<script|\son\w+=/i);
    const style = /<style>([\s\S]*?)<\/style>/.exec(res.text)?.[1] ?? "";
    const hash = createHash("sha256").update(style).digest("base64");
    expect(csp).toContain(`style-src 'sha256-${hash}'`);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
  });

  it("escapes what it shows", async () => {
    await svc().verifications.create({ to: ALICE, channel: "sms", customFriendlyName: `<img src=x>&"'` });
    const res = await raw(emu, "/inbox?to=%3Cb%3E");
    expect(res.text).not.toContain("<b>");
    expect(res.text).toContain("&#60;b&#62;");
    const all = await raw(emu, "/inbox");
    expect(all.text).not.toContain("<img src=x>");
    expect(all.text).toContain("&#60;img src=x&#62;&#38;&#34;&#39;");
  });

  it("filters by ?to= and says when there is nothing", async () => {
    await svc().verifications.create({ to: ALICE, channel: "sms" });
    const none = await raw(emu, `/inbox?to=${encodeURIComponent(CAROL)}`);
    expect(none.text).toContain("No messages to +12025550123 yet");
    const some = await raw(emu, "/inbox?to=+15017122661");
    expect(some.text).toContain(`>${emu.lastCode(ALICE)}<`);
    expect(some.text).toContain('value="+15017122661"');
  });

  it("redirects / to the inbox and refuses other methods", async () => {
    const res = await fetch(`${emu.url}/`, { redirect: "manual" });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/inbox");
    const post = await raw(emu, "/inbox", { method: "POST" });
    expect(post.status).toBe(405);
  });
});
