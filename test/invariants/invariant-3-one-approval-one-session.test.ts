// Invariant 3: one approval verifies at most one session, once.
import { describe, expect, it } from "vitest";
import type { SecondFactorRecord } from "../../src/record/index.js";
import { ALICE, FakeSession, harness, postForm, postJson, SECRET, startChallenge } from "../helpers/core.js";
import { appCode, enrolApp, getFlow, postFlow } from "../helpers/totp.js";
import { verifiedRecord } from "../settings/settings-helpers.js";

describe("invariant 3: one approval verifies at most one session, once", () => {
  it("20 parallel verify requests on one session, with a provider approving every check: one verifies", async () => {
    const h = harness({
      limits: {
        checks: {
          session: { points: 100, durationSeconds: 900 },
          user: { points: 100, durationSeconds: 900 },
          destination: { points: 100, durationSeconds: 900 },
        },
      },
    });
    const session = new FakeSession();
    await startChallenge(h, session);
    const sid = (session.value as SecondFactorRecord).pending?.sid ?? "";
    h.provider.checkAnswer = { status: "approved", sid, channel: "sms" };
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => postJson(h, session, "verify", { code: "123456" })),
    );
    const verified = answers.filter((answer) => answer.kind === "json" && answer.status === 200);
    expect(verified).toHaveLength(1);
    expect(h.provider.checks.length).toBeGreaterThan(1);
    expect(h.events.filter((event) => event.type === "verified")).toHaveLength(1);
    expect(session.id).toBe(2);
  });

  it("two sessions racing on one verification SID: at most one is verified", async () => {
    const h = harness();
    const first = new FakeSession();
    await startChallenge(h, first);
    const second = new FakeSession();
    second.value = structuredClone(first.value);
    const sid = (first.value as SecondFactorRecord).pending?.sid ?? "";
    h.provider.checkAnswer = { status: "approved", sid, channel: "sms" };
    const [a, b] = await Promise.all([
      postForm(h, first, "verify", { code: "123456" }),
      postForm(h, second, "verify", { code: "123456" }),
    ]);
    const verifiedSessions = [first, second].filter(
      (session) => (session.value as SecondFactorRecord).verifiedAt !== undefined,
    );
    expect(verifiedSessions).toHaveLength(1);
    expect([a, b].filter((answer) => answer.kind === "redirect" && answer.location === "/")).toHaveLength(1);
  });

  it("a replayed approval later on does not verify again", async () => {
    const h = harness();
    const session = new FakeSession();
    await startChallenge(h, session);
    const pending = (session.value as SecondFactorRecord).pending;
    h.provider.checkAnswer = { status: "approved", sid: pending?.sid ?? "", channel: "sms" };
    await postForm(h, session, "verify", { code: "123456" });
    const replay = new FakeSession();
    await startChallenge(h, replay);
    replay.value = { ...(replay.value as SecondFactorRecord), pending };
    await postForm(h, replay, "verify", { code: "123456" });
    expect(replay.value).not.toHaveProperty("verifiedAt");
  });

  it("a time step of an account's authenticator app: 20 parallel sessions with the same code, one verifies", async () => {
    const h = harness({
      user: () => ALICE,
      secret: SECRET,
      limits: {
        checks: {
          user: { points: 100, durationSeconds: 900 },
          destination: { points: 100, durationSeconds: 900 },
        },
        lockout: { threshold: 100 },
      },
    });
    const setup = new FakeSession();
    setup.value = verifiedRecord("alice", h.clock.ms);
    const { uri } = await enrolApp(h, setup, ALICE);
    h.clock.advance(30_000);
    const code = appCode(uri, h.clock.ms);
    const sessions = Array.from({ length: 20 }, () => new FakeSession());
    await Promise.all(sessions.map((session) => getFlow(h, session, ALICE, "")));
    const answers = await Promise.all(
      sessions.map((session) => postFlow(h, session, ALICE, "totp", { code }, true)),
    );
    expect(answers.filter((answer) => answer.kind === "json" && answer.status === 200)).toHaveLength(1);
    expect(answers.filter((answer) => answer.kind === "json" && answer.status === 409)).toHaveLength(19);
  });
});
