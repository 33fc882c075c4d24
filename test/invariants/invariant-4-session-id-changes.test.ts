// Invariant 4: the session id changes when the second factor is passed; the return-to survives.
import { describe, expect, it } from "vitest";
import { NEXT } from "../../src/boundary.js";
import { ALICE, FakeSession, harness, postForm, requestView, startChallenge } from "../helpers/core.js";

describe("invariant 4: a new session id on passing, the return-to kept", () => {
  it("regenerates the session id once, then lands on the return-to with a verified session", async () => {
    const h = harness();
    const session = new FakeSession();
    await h.core.guard().decide({}, requestView("/reports/2026?format=pdf"), session, ALICE);
    await startChallenge(h, session);
    expect(session.id).toBe(1);
    const done = await postForm(h, session, "verify", { code: h.provider.code });
    expect(session.id).toBe(2);
    expect(done).toMatchObject({ kind: "redirect", status: 303, location: "/reports/2026?format=pdf" });
    expect(h.core.guard().decide({}, requestView("/reports/2026"), session, ALICE)).toBe(NEXT);
  });

  it("does not regenerate on a wrong code, a send or a cancel", async () => {
    const h = harness();
    const session = new FakeSession();
    await startChallenge(h, session);
    await postForm(h, session, "verify", { code: "000000" });
    await postForm(h, session, "cancel", {});
    expect(session.id).toBe(1);
  });

  it("writes the verified record only after the id changed: a failed regenerate leaves nothing verified", async () => {
    const h = harness();
    const session = new FakeSession();
    await startChallenge(h, session);
    session.failRegenerate = new Error("store down");
    expect(await postForm(h, session, "verify", { code: h.provider.code })).toMatchObject({ status: 503 });
    expect(session.value).not.toHaveProperty("verifiedAt");
    expect(session.id).toBe(1);
  });
});
