// Invariant 5: the flow's return-to is the URL the guard intercepted (a GET), kept in the record; never from a query, a body or Referer, and a same-origin path or dropped.
import { describe, expect, it } from "vitest";
import { ALICE, FakeSession, harness, postForm, requestView, startChallenge } from "../helpers/core.js";

async function landing(h: ReturnType<typeof harness>, session: FakeSession): Promise<string | undefined> {
  await startChallenge(h, session);
  const done = await postForm(h, session, "verify", { code: h.provider.code });
  return done.kind === "redirect" ? done.location : undefined;
}

describe("invariant 5: the return-to", () => {
  it("is the GET the guard intercepted", async () => {
    const h = harness();
    const session = new FakeSession();
    await h.core.guard().decide({}, requestView("/account?tab=security"), session, ALICE);
    expect(await landing(h, session)).toBe("/account?tab=security");
  });

  it("is not kept for a POST: the user lands on the default page", async () => {
    const h = harness();
    const session = new FakeSession();
    await h.core.guard().decide({}, requestView("/account"), session, ALICE);
    await h.core.guard().decide({}, requestView("/transfer", { method: "POST" }), session, ALICE);
    expect(await landing(h, session)).toBe("/");
  });

  it("is not taken from a JSON request: the HTML navigation kept before stays", async () => {
    const h = harness();
    const session = new FakeSession();
    await h.core.guard().decide({}, requestView("/account"), session, ALICE);
    const api = await h.core
      .guard()
      .decide({}, requestView("/api/me", { accept: "application/json" }), session, ALICE);
    expect(api).toMatchObject({ kind: "json", status: 401 });
    expect(await landing(h, session)).toBe("/account");
  });

  it("is not kept for a JSON request alone: the user lands on the default page", async () => {
    const h = harness({ defaultReturnTo: "/home" });
    const session = new FakeSession();
    await h.core.guard().decide({}, requestView("/api/me", { accept: "application/json" }), session, ALICE);
    expect(session.value ?? {}).not.toHaveProperty("returnTo");
    expect(await landing(h, session)).toBe("/home");
  });

  it.each([
    "//evil.example/",
    "/\\evil.example",
    "/%2F%2Fevil.example",
    "/%5Cevil.example",
    "/x%0d%0aLocation:%20http://evil.example",
  ])("drops the unsafe %j", async (url) => {
    const h = harness({ defaultReturnTo: "/home" });
    const session = new FakeSession();
    await h.core.guard().decide({}, requestView(url), session, ALICE);
    expect(await landing(h, session)).toBe("/home");
  });

  it("is never taken from the query or the body of a flow request", async () => {
    const h = harness();
    const session = new FakeSession();
    await h.core.handleFlow(requestView("/2fa?returnTo=https://evil.example"), session, ALICE);
    await postForm(h, session, "send", {
      channel: "sms",
      returnTo: "https://evil.example",
      next: "//evil.example",
    });
    const done = await h.core.handleFlow(
      requestView("/2fa/verify?returnTo=//evil.example", {
        method: "POST",
        body: {
          ok: true,
          type: "form",
          fields: {
            _csrf: (session.value as { csrf: string }).csrf,
            code: h.provider.code,
            returnTo: "//evil.example",
          },
        },
      }),
      session,
      ALICE,
    );
    expect(done).toMatchObject({ kind: "redirect", location: "/" });
  });

  it("is consumed once used", async () => {
    const h = harness();
    const session = new FakeSession();
    await h.core.guard().decide({}, requestView("/account"), session, ALICE);
    expect(await landing(h, session)).toBe("/account");
    expect(session.value).not.toHaveProperty("returnTo");
  });
});
