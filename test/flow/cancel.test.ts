/** The challenge flow, POST /2fa/cancel (split from the one flow test by route). */
import { describe, expect, it } from "vitest";
import { bodyText, FakeSession, harness, postForm, showPage, startChallenge } from "../helpers/core.js";
import { record, unavailable } from "./flow-helpers.js";

describe("POST /2fa/cancel", () => {
  it("cancels the pending verification by SID and redirects", async () => {
    const h = harness();
    const session = new FakeSession();
    await startChallenge(h, session);
    const sid = record(session).pending?.sid;
    expect(await postForm(h, session, "cancel", {})).toMatchObject({
      kind: "redirect",
      status: 303,
      location: "/2fa",
    });
    expect(h.provider.cancels).toEqual([sid]);
    expect(record(session).pending).toBeUndefined();
    expect(bodyText(await showPage(h, session))).toContain("The code was canceled.");
  });

  it("only redirects when nothing is pending", async () => {
    const h = harness();
    const session = new FakeSession();
    await showPage(h, session);
    expect(await postForm(h, session, "cancel", {})).toMatchObject({ kind: "redirect", location: "/2fa" });
    expect(h.provider.cancels).toHaveLength(0);
  });

  it("answers 503 when the provider fails, keeping the challenge", async () => {
    const h = harness();
    const session = new FakeSession();
    await startChallenge(h, session);
    h.provider.failure = unavailable();
    expect(await postForm(h, session, "cancel", {})).toMatchObject({ status: 503 });
    expect(record(session).pending).toBeDefined();
  });
});
