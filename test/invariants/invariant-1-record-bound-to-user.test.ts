// Invariant 1: a record whose user id is not the current user's is void (logout, login as someone else).
import { describe, expect, it } from "vitest";
import { NEXT } from "../../src/boundary.js";
import type { SecondFactorRecord } from "../../src/record/index.js";
import {
  ALICE,
  CAROL,
  FakeSession,
  harness,
  postForm,
  requestView,
  showPage,
  startChallenge,
  verifySession,
} from "../helpers/core.js";

describe("invariant 1: the record is bound to its user", () => {
  it("a verified record of alice does not let carol through, in the same session", async () => {
    const h = harness();
    const session = new FakeSession();
    await verifySession(h, session, ALICE);
    expect(h.core.guard().decide({}, requestView("/account"), session, ALICE)).toBe(NEXT);
    const decision = await h.core.guard().decide({}, requestView("/account"), session, CAROL);
    expect(decision).not.toBe(NEXT);
    expect(decision).toMatchObject({ kind: "redirect", location: "/2fa" });
    expect((session.value as SecondFactorRecord).userId).toBe("carol");
    expect(session.value).not.toHaveProperty("verifiedAt");
  });

  it("alice's pending challenge cannot be completed by carol", async () => {
    const h = harness();
    const session = new FakeSession();
    await startChallenge(h, session, ALICE);
    const aliceCsrf = (session.value as SecondFactorRecord).csrf;
    const refused = await postForm(h, session, "verify", { code: h.provider.code, _csrf: aliceCsrf }, CAROL);
    expect(refused).toMatchObject({ status: 403 });
    expect(h.provider.checks).toHaveLength(0);
    await showPage(h, session, CAROL);
    const noPending = await postForm(h, session, "verify", { code: h.provider.code }, CAROL);
    expect(noPending).toMatchObject({ status: 400 });
    expect(h.provider.checks).toHaveLength(0);
    expect(session.value).not.toHaveProperty("verifiedAt");
  });

  it("a record with the right user id but another schema version is void too", async () => {
    const h = harness();
    const session = new FakeSession();
    await verifySession(h, session, ALICE);
    session.value = { ...(session.value as SecondFactorRecord), v: 2 };
    expect(await h.core.guard().decide({}, requestView("/account"), session, ALICE)).not.toBe(NEXT);
  });
});
