import { describe, expect, it } from "vitest";
import { createEmitter } from "../../src/events.js";
import { FakeSession, harness, postForm, showPage, startChallenge } from "../helpers/core.js";

describe("events", () => {
  it("are stamped with the app clock and a stable shape", async () => {
    const h = harness();
    const session = new FakeSession();
    await startChallenge(h, session);
    await postForm(h, session, "verify", { code: "999999" });
    await postForm(h, session, "verify", { code: h.provider.code });
    expect(h.events.map((event) => event.type)).toEqual(["code.sent", "code.failed", "verified"]);
    for (const event of h.events) {
      expect(event.at).toBe(h.clock.ms);
      expect(event.userId).toBe("alice");
    }
  });

  it("never carry the session's keys or tokens", async () => {
    const h = harness();
    const session = new FakeSession();
    await startChallenge(h, session);
    const { key, csrf } = session.value as { key: string; csrf: string };
    const text = JSON.stringify(h.events);
    expect(text).not.toContain(key);
    expect(text).not.toContain(csrf);
  });

  it("a hook that throws or rejects is logged and does not break the request", async () => {
    const thrown = harness({
      onEvent: () => {
        throw new Error("hook bug");
      },
    });
    const session = new FakeSession();
    await showPage(thrown, session);
    expect(await postForm(thrown, session, "send", { channel: "sms" })).toMatchObject({ kind: "redirect" });
    expect(thrown.logs).toEqual([
      expect.objectContaining({ level: "error", details: { eventType: "code.sent", error: "hook bug" } }),
    ]);

    const logs: unknown[] = [];
    const emit = createEmitter(
      async () => {
        throw new Error("async hook bug");
      },
      { warn: () => {}, error: (message, details) => logs.push({ message, details }) },
      () => 1,
    );
    emit({ type: "csrf.failed", userId: "u", path: "/2fa/send" });
    await new Promise((resolve) => setImmediate(resolve));
    expect(logs).toHaveLength(1);
  });
});
