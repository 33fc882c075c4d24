// The passkey routes on the core (issue 15): what the behaviour suite does not reach cheaply. The
// account lock (rule 7) refuses a passkey too; outages are 503 with nothing written; the policy's
// `phishingResistant` is validated at start-up; a route that refuses passkeys does not offer them.
import { describe, expect, it } from "vitest";
import type { Decision, SecondFactorUser } from "../../src/boundary.js";
import { createGuard } from "../../src/guard/index.js";
import { createLimits } from "../../src/limits/index.js";
import { parseOptions } from "../../src/options/index.js";
import { createResponder } from "../../src/respond/index.js";
import {
  ALICE,
  BOB,
  bodyText,
  Clock,
  csrfOf,
  FakeSession,
  type Harness,
  harness,
  requestView,
  SECRET,
  StubProvider,
  showPage,
} from "../helpers/core.js";
import { softAuthenticator } from "../helpers/soft-authenticator.js";

const ORIGIN = "http://localhost:3000";
const WEBAUTHN = { rpId: "localhost", rpName: "Test", origins: [ORIGIN] };

function passkeyHarness(user: SecondFactorUser = BOB): Harness {
  return harness({ webauthn: WEBAUTHN, user: () => user });
}

async function postJson(
  h: Harness,
  session: FakeSession,
  path: string,
  fields: Record<string, unknown>,
  user: SecondFactorUser = BOB,
): Promise<Decision> {
  const decision = await h.core.handleFlow(
    requestView(path, {
      method: "POST",
      accept: "application/json",
      contentType: "application/json",
      csrfHeader: csrfOf(session),
      body: { ok: true, type: "json", fields },
    }),
    session,
    user,
  );
  if (decision === undefined) throw new Error("no decision");
  return decision;
}

function body(decision: Decision): Record<string, unknown> {
  if (decision.kind !== "json") throw new Error(`not json: ${decision.kind}`);
  return decision.body as Record<string, unknown>;
}

/** Bob registers `key` through the routes (his first factor). */
async function register(h: Harness, session: FakeSession, key = softAuthenticator()): Promise<void> {
  await showPage(h, session, BOB, "application/json");
  const options = body(await postJson(h, session, "/2fa/setup/passkey/options", {}));
  const { challenge } = options.options as { challenge: string };
  const added = await postJson(h, session, "/2fa/setup/passkey", {
    credential: key.register({ challenge, origin: ORIGIN, rpId: "localhost" }),
  });
  expect(body(added)).toMatchObject({ added: true, verified: true });
}

describe("passkey routes", () => {
  it("refuse options and answers while the account is locked (rule 7), with Retry-After", async () => {
    const h = passkeyHarness();
    const key = softAuthenticator();
    await register(h, new FakeSession(), key);
    for (let wrong = 0; wrong < 10; wrong += 1) await h.limits.recordWrongCode(BOB.id);
    const session = new FakeSession();
    await showPage(h, session, BOB, "application/json");
    const options = await postJson(h, session, "/2fa/passkey/options", {});
    expect(options.kind === "json" && options.status).toBe(429);
    expect(options.kind !== "next" && options.headers["Retry-After"]).toMatch(/^\d+$/);
    const answer = await postJson(h, session, "/2fa/passkey", { credential: {} });
    expect(answer.kind === "json" && answer.status).toBe(429);
    expect(h.events.filter((event) => event.type === "verified")).toHaveLength(1);
  });

  it("count each answer as a check (rule 7): over the session's check budget, 429 before any verification", async () => {
    const clock = new Clock();
    const limits = createLimits({
      secret: SECRET,
      now: clock.now,
      checks: { session: { points: 2, durationSeconds: 900 } },
    });
    const h = harness({ webauthn: WEBAUTHN, user: () => BOB, now: clock.now }, limits);
    await register(h, new FakeSession(), softAuthenticator());
    const session = new FakeSession();
    await showPage(h, session, BOB, "application/json");
    const statuses: number[] = [];
    for (let answer = 0; answer < 3; answer += 1) {
      await postJson(h, session, "/2fa/passkey/options", {});
      const refused = await postJson(h, session, "/2fa/passkey", { credential: {} });
      statuses.push(refused.kind === "json" ? refused.status : 0);
    }
    expect(statuses).toEqual([400, 400, 429]);
    expect(h.events).toContainEqual(
      expect.objectContaining({ type: "limited", action: "check", scope: "session" }),
    );
  });

  it("answer 409 no_passkey (with the settings link) to a user who has none", async () => {
    const h = passkeyHarness(ALICE);
    const session = new FakeSession();
    await showPage(h, session, ALICE, "application/json");
    const options = await postJson(h, session, "/2fa/passkey/options", {}, ALICE);
    expect(options.kind === "json" && options.status).toBe(409);
    expect(body(options)).toMatchObject({ error: "no_passkey", settings: "/2fa/setup" });
  });

  it("refuse a malformed answer (400) and a bad name (400), and keep nothing", async () => {
    const h = passkeyHarness();
    const session = new FakeSession();
    await showPage(h, session, BOB, "application/json");
    await postJson(h, session, "/2fa/setup/passkey/options", {});
    const badName = await postJson(h, session, "/2fa/setup/passkey", {
      credential: {},
      name: "x".repeat(65),
    });
    expect(badName.kind === "json" && badName.status).toBe(400);
    expect(body(badName)).toMatchObject({ error: "invalid_name", field: "name" });
    const malformed = await postJson(h, session, "/2fa/setup/passkey", { credential: { id: "a b" } });
    expect(malformed.kind === "json" && malformed.status).toBe(400);
    expect(await h.core.factors.listFactors(BOB.id)).toEqual([]);
    expect((session.value as { passkeyChallenge?: unknown }).passkeyChallenge).toBeUndefined();
  });

  it("refuse a credential another account already has (409), adding nothing", async () => {
    const h = passkeyHarness();
    const key = softAuthenticator();
    await register(h, new FakeSession(), key);
    const session = new FakeSession();
    await showPage(h, session, { id: "carol" }, "application/json");
    const options = body(await postJson(h, session, "/2fa/setup/passkey/options", {}, { id: "carol" }));
    const { challenge } = options.options as { challenge: string };
    const again = await postJson(
      h,
      session,
      "/2fa/setup/passkey",
      { credential: key.register({ challenge, origin: ORIGIN, rpId: "localhost" }) },
      { id: "carol" },
    );
    expect(again.kind === "json" && again.status).toBe(409);
    expect(body(again)).toMatchObject({ error: "credential_in_use" });
    expect(await h.core.factors.listFactors("carol")).toEqual([]);
  });

  it("answer 503 with Retry-After when the factor store fails, and verify nothing", async () => {
    const h = passkeyHarness();
    const key = softAuthenticator();
    await register(h, new FakeSession(), key);
    const session = new FakeSession();
    await showPage(h, session, BOB, "application/json");
    const options = body(await postJson(h, session, "/2fa/passkey/options", {}));
    const { challenge } = options.options as { challenge: string };
    const failing = h.core.factors as { findPasskey: unknown };
    failing.findPasskey = async () => {
      throw new Error("store down");
    };
    const answer = await postJson(h, session, "/2fa/passkey", {
      credential: key.assert({ challenge, origin: ORIGIN, rpId: "localhost" }),
    });
    expect(answer.kind === "json" && answer.status).toBe(503);
    expect(answer.kind !== "next" && answer.headers["Retry-After"]).toBeDefined();
    expect((session.value as { verifiedAt?: number }).verifiedAt).toBeUndefined();
  });

  it("are not offered on the challenge page of a route whose methods leave passkeys out", async () => {
    const h = passkeyHarness(ALICE);
    const session = new FakeSession();
    await showPage(h, session, ALICE);
    session.value = { ...(session.value as object), requirement: { channels: ["sms"] } };
    await h.core.factors.addFactor(ALICE.id, {
      kind: "passkey",
      name: "Key",
      createdAt: h.clock.ms,
      credentialId: "AAAA",
      publicKey: "AAAA",
      counter: 0,
      transports: [],
      backedUp: false,
    });
    expect(bodyText(await showPage(h, session, ALICE))).not.toContain("data-passkey");
    session.value = { ...(session.value as object), requirement: undefined };
    expect(bodyText(await showPage(h, session, ALICE))).toContain('data-passkey="authenticate"');
  });
});

describe("the challenge page of a user whose only factor is a passkey", () => {
  it("offers the passkey, with no code form and no 'no second factor' page", async () => {
    const h = passkeyHarness();
    const key = softAuthenticator();
    await register(h, new FakeSession(), key);
    const session = new FakeSession();
    const page = bodyText(await showPage(h, session, BOB));
    expect(page).toContain('data-passkey="authenticate"');
    expect(page).not.toContain("No second factor set up");
    expect(page).not.toContain('action="/2fa/send"');
  });
});

describe("requireSecondFactor({ phishingResistant })", () => {
  const config = (webauthn?: typeof WEBAUTHN) =>
    parseOptions({
      provider: new StubProvider(),
      user: () => null,
      factors: { kind: "memory" },
      logger: { warn: () => {}, error: () => {} },
      ...(webauthn === undefined ? {} : { webauthn }),
    });
  const guard = (policy: unknown, webauthn: typeof WEBAUTHN | null = WEBAUTHN) => {
    const parsed = config(webauthn ?? undefined);
    return createGuard(parsed, createResponder(parsed), () => undefined, policy);
  };

  it("is refused at start-up without webauthn, with other methods, or when not a boolean", () => {
    expect(() => guard({ phishingResistant: true }, null)).toThrow(/webauthn/);
    expect(() => guard({ phishingResistant: true, methods: ["sms", "passkey"] })).toThrow(/passkeys only/);
    expect(() => guard({ phishingResistant: "yes" })).toThrow(/phishingResistant/);
    expect(() => guard({ phishingResistant: true, methods: ["passkey"] })).not.toThrow();
    expect(() => guard({ phishingResistant: false }, null)).not.toThrow();
  });

  it("passes a passkey session only, recently enough with maxAge, on the allocation-free path", () => {
    const now = Date.now();
    const record = (methods: string[], at = now) => ({
      v: 1,
      userId: "bob",
      key: "k".repeat(22),
      csrf: "c".repeat(22),
      verifiedAt: at,
      verifiedMethods: methods,
    });
    const strict = guard({ phishingResistant: true, maxAge: "5m" });
    expect(strict.passes(record(["passkey"]), BOB)).toBe(true);
    expect(strict.passes(record(["sms"]), BOB)).toBe(false);
    expect(strict.passes(record(["totp"]), BOB)).toBe(false);
    expect(strict.passes(record(["trusted_device"]), BOB)).toBe(false);
    expect(strict.passes(record(["passkey"], now - 6 * 60_000), BOB)).toBe(false);
  });
});

describe("webauthn option", () => {
  it("is validated at start-up, naming the option and the fix", () => {
    expect(() =>
      harness({ webauthn: { rpId: "https://example.com", rpName: "x", origins: [] } as never }),
    ).toThrow(/webauthn\.rpId/);
    expect(() =>
      harness({ webauthn: { rpId: "example.com", rpName: "x", origins: ["https://evil.test"] } }),
    ).toThrow(/webauthn\.origins\[0\]/);
    expect(() => harness({ webauthn: { ...WEBAUTHN, extra: 1 } as never })).toThrow(/webauthn\.extra/);
  });
});
