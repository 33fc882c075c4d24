// Invariant 14: assurance is honest: phishingResistant accepts passkeys only (no code of any channel, no app, no recovery code, no trusted device), and status() reports the methods a session passed by and whether that was phishing-resistant.
import { describe, expect, it } from "vitest";
import { METHODS, type Method, newRecord } from "../../src/record/index.js";
import { secondFactorStatus } from "../../src/status.js";
import { BOB, FakeSession, harness, requestView } from "../helpers/core.js";

const WEBAUTHN = { rpId: "localhost", rpName: "Test", origins: ["http://localhost:3000"] };

function verifiedBy(methods: readonly Method[], at: number) {
  return { ...newRecord(BOB.id), verifiedAt: at, verifiedMethods: methods };
}

describe("invariant 14: honest assurance", () => {
  it("a phishing-resistant route passes a session verified by a passkey, and by nothing else", async () => {
    const h = harness({
      webauthn: WEBAUTHN,
      user: () => BOB,
      channels: ["sms", "call", "whatsapp", "email"],
    });
    const guard = h.core.guard({ phishingResistant: true });
    for (const method of METHODS) {
      const record = verifiedBy([method], h.clock.ms);
      expect(guard.passes(record, BOB), method).toBe(method === "passkey");
      const session = new FakeSession();
      session.value = record;
      const decision = await guard.decide(undefined, requestView("/keys"), session, BOB);
      expect(decision.kind, method).toBe(method === "passkey" ? "next" : "redirect");
    }
    // A code sent over several channels, one of them with a passkey, is still not a passkey alone.
    expect(guard.passes(verifiedBy(["sms", "passkey"], h.clock.ms), BOB)).toBe(false);
  });

  it("status() reports the methods and phishingResistant: true for a passkey only", () => {
    const now = Date.UTC(2026, 0, 1);
    for (const method of METHODS) {
      const status = secondFactorStatus(verifiedBy([method], now), BOB.id, now);
      expect(status, method).toMatchObject({
        verified: true,
        methods: [method],
        phishingResistant: method === "passkey",
      });
    }
  });

  it("the JSON 401 of a phishing-resistant route names the one method it accepts", async () => {
    const h = harness({ webauthn: WEBAUTHN, user: () => BOB });
    const session = new FakeSession();
    session.value = verifiedBy(["sms"], h.clock.ms);
    const decision = await h.core
      .guard({ phishingResistant: true })
      .decide(undefined, requestView("/keys", { accept: "application/json" }), session, BOB);
    expect(decision).toMatchObject({
      kind: "json",
      status: 401,
      body: { methods: ["passkey"], phishingResistant: true },
    });
  });
});
