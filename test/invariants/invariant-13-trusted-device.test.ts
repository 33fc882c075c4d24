// Invariant 13: a trusted device is a random 256-bit token in an HttpOnly, SameSite=Lax cookie (Secure on HTTPS), bound to the user, stored hashed, revocable, expiring; it satisfies only routes without maxAge, methods or phishingResistant, and never a locked account.
import { describe, expect, it } from "vitest";
import { type Decision, NEXT } from "../../src/boundary.js";
import { trustTokenHash } from "../../src/factors/trusted-device.js";
import { serializeSetCookie } from "../../src/respond/set-cookie.js";
import {
  ALICE,
  CAROL,
  FakeSession,
  harness,
  postForm,
  requestView,
  startChallenge,
} from "../helpers/core.js";

const CHROME_MAC =
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

function cookiesOf(decision: Decision | undefined): string[] {
  if (decision === undefined || decision.kind === "next") return [];
  return (decision.cookies ?? []).map(serializeSetCookie);
}

/** Alice passes a code with `remember` over `secure` and returns the cookie's name and token. */
async function remembered(h: ReturnType<typeof harness>, secure: boolean, remember: unknown = "1") {
  const session = new FakeSession();
  await startChallenge(h, session);
  const passed = await postForm(h, session, "verify", { code: h.provider.code, remember }, ALICE, {
    secure,
    userAgent: CHROME_MAC,
  });
  const header = cookiesOf(passed)[0] ?? "";
  const [pair = ""] = header.split(";");
  const [name = "", token = ""] = pair.split("=");
  return { header, name, token, passed };
}

describe("invariant 13: trusted devices", () => {
  it("on HTTPS the token is a __Host- cookie, Secure, HttpOnly, SameSite=Lax; the store keeps only its SHA-256 and a label", async () => {
    const h = harness();
    const { header, name, token } = await remembered(h, true);
    expect(name).toBe("__Host-second_factor_trust");
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(header).toBe(`${name}=${token}; Path=/; Max-Age=2592000; HttpOnly; Secure; SameSite=Lax`);
    const [device] = await h.core.factors.listTrustedDevices("alice", h.clock.now());
    expect(device).toMatchObject({ tokenHash: trustTokenHash(token), label: "Chrome on macOS" });
    expect(JSON.stringify(device)).not.toContain(token);
  });

  it("JSON's remember: true trusts too; anything but 1 or true does not", async () => {
    expect((await remembered(harness(), false, true)).name).toBe("second_factor_trust");
    for (const value of ["on", "true", 1, null, "11"]) {
      expect((await remembered(harness(), false, value)).header).toBe("");
    }
  });

  it("a cookie path other than / is __Secure- on HTTPS", async () => {
    const h = harness({ trustedDevices: { cookiePath: "/app" } });
    const { header } = await remembered(h, true);
    expect(header).toMatch(/^__Secure-second_factor_trust=[^;]+; Path=\/app; /);
  });

  it("verifies a plain route with a new session id; never a step-up, a route naming methods, another user or a locked account", async () => {
    const h = harness();
    const { name, token } = await remembered(h, true);
    const view = (url: string) => requestView(url, { secure: true, cookies: { [name]: token } });

    const stepUp = new FakeSession();
    expect(await h.core.guard({ maxAge: "5m" }).decide({}, view("/transfer"), stepUp, ALICE)).toMatchObject({
      kind: "redirect",
    });
    expect(cookiesOf(await h.core.guard({ methods: ["sms"] }).decide({}, view("/x"), stepUp, ALICE))).toEqual(
      [],
    );

    const carol = new FakeSession();
    const refused = await h.core.guard().decide({}, view("/account"), carol, CAROL);
    expect(refused).toMatchObject({ kind: "redirect", location: "/2fa" });
    expect(cookiesOf(refused)[0]).toMatch(/^__Host-second_factor_trust=; Path=\/; Max-Age=0; /);

    for (let failure = 0; failure < 10; failure += 1) await h.limits.recordWrongCode("alice");
    const locked = new FakeSession();
    expect(await h.core.guard().decide({}, view("/account"), locked, ALICE)).toMatchObject({
      kind: "redirect",
    });
    await h.core.unlock("alice");

    const session = new FakeSession();
    expect(await h.core.guard().decide({}, view("/account"), session, ALICE)).toBe(NEXT);
    expect(session.id).toBe(2);
    expect(session.value).toMatchObject({ userId: "alice", verifiedMethods: ["trusted_device"] });
    expect(session.value).not.toHaveProperty("verifiedChannel");
  });

  it("a failed regenerate leaves the session unverified (503), and the device is not used", async () => {
    const h = harness();
    const { name, token } = await remembered(h, false);
    const session = new FakeSession();
    session.failRegenerate = new Error("session store down");
    const decision = await h.core
      .guard()
      .decide({}, requestView("/account", { cookies: { [name]: token } }), session, ALICE);
    expect(decision).toMatchObject({ status: 503 });
    expect(session.value).toBeUndefined();
  });

  it("a revoked or expired device is not found; revoking is for one account only", async () => {
    const h = harness();
    const { name, token } = await remembered(h, false);
    const view = requestView("/account", { cookies: { [name]: token } });
    const [device] = await h.core.factors.listTrustedDevices("alice", h.clock.now());
    expect(await h.core.factors.revokeTrustedDevice("carol", device?.id ?? "")).toBe(false);
    h.clock.advance(30 * 86_400_000);
    expect(await h.core.guard().decide({}, view, new FakeSession(), ALICE)).toMatchObject({
      kind: "redirect",
    });
  });
});

describe("trusted-device options", () => {
  it("refuses bad trustFor and trustedDevices values, naming the option and the fix", () => {
    for (const [options, named] of [
      [{ trustFor: "0s" }, "trustFor"],
      [{ trustFor: "30s" }, "trustFor"],
      [{ trustFor: "400d" }, "trustFor"],
      [{ trustedDevices: "x" }, "trustedDevices"],
      [{ trustedDevices: { cookieName: "a;b" } }, "trustedDevices.cookieName"],
      [{ trustedDevices: { cookieName: "__Host-x" } }, "trustedDevices.cookieName"],
      [{ trustedDevices: { cookiePath: "x" } }, "trustedDevices.cookiePath"],
      [{ trustedDevices: { other: 1 } }, "trustedDevices.other"],
    ] as const) {
      expect(() => harness(options as never)).toThrow(
        expect.objectContaining({ code: "ERR_SF_INVALID_OPTION" }),
      );
      expect(() => harness(options as never)).toThrow(named);
    }
  });
});
