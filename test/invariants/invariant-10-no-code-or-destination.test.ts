// Invariant 10: no code and no full destination appear in any page, JSON body, cookie, event or log line; checks go to the provider by Verify SID, not by number.
import { describe, expect, it } from "vitest";
import type { Decision } from "../../src/boundary.js";
import { SecondFactorError } from "../../src/errors.js";
import { FakeSession, harness, postForm, postJson, requestView, showPage } from "../helpers/core.js";

const CODE = "731904";
const WRONG = "246813";
const PHONE = "+15017122661";
const EMAIL = "alice.liddell@wonderland.example";
const USER = { id: "alice", phone: PHONE, email: EMAIL };
const SECRETS = [
  CODE,
  WRONG,
  PHONE,
  PHONE.slice(1),
  PHONE.slice(2),
  "501712",
  EMAIL,
  "liddell",
  "wonderland",
];

function serialize(decision: Decision | undefined): string {
  return JSON.stringify(decision ?? null);
}

describe("invariant 10: no code and no full destination leave the server", () => {
  it("across the whole flow, refusals and outages included", async () => {
    const h = harness({ user: () => USER, channels: ["sms", "call", "email"], resendAfter: "30s" });
    h.provider.code = CODE;
    const session = new FakeSession();
    const outputs: Decision[] = [];
    const record = async (decision: Decision | Promise<Decision>) => {
      outputs.push(await decision);
      outputs.push(h.core.failureDecision(new Error("x"), requestView("/")) ?? { kind: "next" });
    };

    await record(h.core.guard().decide({}, requestView("/account"), session, USER));
    await record(
      h.core.guard().decide({}, requestView("/api/me", { accept: "application/json" }), session, USER),
    );
    await record(showPage(h, session, USER));
    await record(showPage(h, session, USER, "application/json"));
    await record(postForm(h, session, "send", { channel: "sms" }, USER));
    await record(showPage(h, session, USER));
    await record(postForm(h, session, "send", { channel: "sms" }, USER));
    await record(postForm(h, session, "verify", { code: WRONG }, USER));
    await record(postJson(h, session, "verify", { code: WRONG }, USER));
    await record(postForm(h, session, "verify", { code: `${CODE}x` }, USER));
    await record(postForm(h, session, "verify", { code: [CODE, WRONG] }, USER));
    await record(showPage(h, session, USER));
    await record(showPage(h, session, USER, "application/json"));
    await record(postJson(h, session, "send", { channel: "email" }, USER));
    await record(showPage(h, session, USER));
    h.provider.startAnswer = { status: "invalid_destination" };
    await record(postForm(h, session, "send", { channel: "call" }, USER));
    h.provider.startAnswer = { status: "blocked", reason: "geo_permissions" };
    await record(postJson(h, session, "send", { channel: "call" }, USER));
    h.provider.startAnswer = undefined;
    h.provider.failure = new SecondFactorError("ERR_SF_PROVIDER_UNAVAILABLE", "down", { status: 503 });
    await record(postForm(h, session, "verify", { code: CODE }, USER));
    h.provider.failure = undefined;
    await record(postForm(h, session, "verify", { code: CODE }, USER));
    await record(showPage(h, session, USER));

    const everything = [
      ...outputs.map(serialize),
      JSON.stringify(session.value),
      ...session.writes.map((written) => JSON.stringify(written)),
      JSON.stringify(h.events),
      JSON.stringify(h.logs),
    ].join("\n");
    for (const secret of SECRETS) expect(everything, `leaked ${secret}`).not.toContain(secret);
    expect(everything).toContain("•••• •••• 2661");
    expect(h.events.some((event) => event.type === "verified")).toBe(true);
  });

  it("checks by Verify SID only", async () => {
    const h = harness({ user: () => USER });
    const session = new FakeSession();
    await showPage(h, session, USER);
    await postForm(h, session, "send", { channel: "sms" }, USER);
    await postForm(h, session, "verify", { code: h.provider.code }, USER);
    expect(h.provider.checks).toHaveLength(1);
    expect(Object.keys(h.provider.checks[0] ?? {}).sort()).toEqual(["code", "sid"]);
    expect(h.provider.checks[0]?.sid).toMatch(/^VE/);
  });

  it("keeps no full destination in the session record (which a client-side session would put in a cookie)", async () => {
    const h = harness({ user: () => USER });
    const session = new FakeSession();
    await showPage(h, session, USER);
    await postForm(h, session, "send", { channel: "sms" }, USER);
    const stored = JSON.stringify(session.value);
    expect(stored).not.toContain("5017122661");
    expect(stored).toContain("2661");
  });
});
