// Rules 2, 3 and 12 for passkeys: only an assertion of this user's credential, for a challenge this
// session made, used once, from our origin and relying party, with a counter that goes up, passes;
// registration keeps only the public key.
import { beforeEach, describe, expect, it } from "vitest";
import {
  type PasskeyChallenge,
  parseWebAuthnOptions,
  passkeyAuthenticationOptions,
  passkeyRegistrationOptions,
  verifyPasskeyAuthentication,
  verifyPasskeyRegistration,
} from "../../../src/factors/passkey/index.js";
import { createLimits, type Limits } from "../../../src/limits/index.js";
import { type TestPasskeyStore, testPasskeyStore } from "../../helpers/passkey-store.js";
import { type SoftAuthenticator, softAuthenticator } from "../../helpers/soft-authenticator.js";

const RP_ID = "example.com";
const ORIGIN = "https://example.com";
const T0 = 1_800_000_000_000;
const config = parseWebAuthnOptions({
  rpId: RP_ID,
  rpName: "Example",
  origins: [ORIGIN, "https://www.example.com"],
});

let now: number;
let limits: Limits;
let store: TestPasskeyStore;

beforeEach(() => {
  now = T0;
  limits = createLimits({ secret: "s".repeat(32), now: () => now });
  store = testPasskeyStore();
});

async function registrationChallenge(userId: string): Promise<PasskeyChallenge> {
  return (await passkeyRegistrationOptions({ config, store, user: { id: userId }, now })).challenge;
}

async function authenticationChallenge(userId: string): Promise<PasskeyChallenge> {
  const result = await passkeyAuthenticationOptions({ config, store, userId, now });
  if (result.status !== "ready") throw new Error(`no options for ${userId}`);
  return result.challenge;
}

/** Registers the authenticator's credential for the user, as the flow will: verify, then store. */
async function enrol(userId: string, authenticator: SoftAuthenticator): Promise<string> {
  const challenge = await registrationChallenge(userId);
  const response = authenticator.register({ challenge: challenge.value, origin: ORIGIN, rpId: RP_ID });
  const result = await verifyPasskeyRegistration({ config, markers: limits, challenge, response, now });
  if (result.status !== "verified") throw new Error(`registration refused: ${result.reason}`);
  return store.add(userId, result.passkey).id;
}

function signIn(userId: string, challenge: PasskeyChallenge, response: unknown) {
  return verifyPasskeyAuthentication({ config, store, markers: limits, userId, challenge, response, now });
}

describe("registration", () => {
  it("offers options with a fresh 32-byte challenge, no attestation, preferred resident key and user verification", async () => {
    const { options, challenge } = await passkeyRegistrationOptions({
      config,
      store,
      user: { id: "alice", name: "alice@example.com" },
      now,
    });
    expect(Buffer.from(challenge.value, "base64url")).toHaveLength(32);
    expect(options.challenge).toBe(challenge.value);
    expect(challenge).toMatchObject({ ceremony: "registration", createdAt: T0 });
    expect(challenge.expiresAt - T0).toBeGreaterThan(options.timeout ?? Number.POSITIVE_INFINITY);
    expect(options).toMatchObject({
      rp: { id: RP_ID, name: "Example" },
      user: { name: "alice@example.com" },
      attestation: "none",
      authenticatorSelection: { residentKey: "preferred", userVerification: "preferred" },
      excludeCredentials: [],
    });
    // The user handle is random, not the app's user id.
    expect(Buffer.from(options.user.id, "base64url").toString()).not.toContain("alice");
    const again = await registrationChallenge("alice");
    expect(again.value).not.toBe(challenge.value);
  });

  it("excludes the user's existing passkeys, and only theirs", async () => {
    const alices = softAuthenticator();
    await enrol("alice", alices);
    await enrol("bob", softAuthenticator());
    const { options } = await passkeyRegistrationOptions({ config, store, user: { id: "alice" }, now });
    expect(options.excludeCredentials).toEqual([
      { id: alices.credentialId, type: "public-key", transports: ["internal", "hybrid"] },
    ]);
  });

  it("verifies an attestation and returns only what to store: id, public key, counter, transports, backed up", async () => {
    const authenticator = softAuthenticator({ counter: 7, backedUp: true });
    const challenge = await registrationChallenge("alice");
    const response = authenticator.register({ challenge: challenge.value, origin: ORIGIN, rpId: RP_ID });
    const result = await verifyPasskeyRegistration({ config, markers: limits, challenge, response, now });
    expect(result).toEqual({
      status: "verified",
      passkey: {
        credentialId: authenticator.credentialId,
        publicKey: expect.stringMatching(/^[A-Za-z0-9_-]{40,}$/),
        counter: 7,
        transports: ["internal", "hybrid"],
        backedUp: true,
      },
    });
  });

  it("accepts each configured origin", async () => {
    const challenge = await registrationChallenge("alice");
    const response = softAuthenticator().register({
      challenge: challenge.value,
      origin: "https://www.example.com",
      rpId: RP_ID,
    });
    const result = await verifyPasskeyRegistration({ config, markers: limits, challenge, response, now });
    expect(result.status).toBe("verified");
  });

  it.each([
    ["another origin", { origin: "https://example.com.evil.test", rpId: RP_ID }, "wrong_origin"],
    ["another relying party id", { origin: ORIGIN, rpId: "evil.test" }, "wrong_rp_id"],
  ])("refuses an attestation made for %s", async (_, where, reason) => {
    const challenge = await registrationChallenge("alice");
    const response = softAuthenticator().register({ challenge: challenge.value, ...where });
    const result = await verifyPasskeyRegistration({ config, markers: limits, challenge, response, now });
    expect(result).toEqual({ status: "refused", reason });
  });

  it("uses the challenge once: the same attestation again is refused", async () => {
    const challenge = await registrationChallenge("alice");
    const response = softAuthenticator().register({
      challenge: challenge.value,
      origin: ORIGIN,
      rpId: RP_ID,
    });
    const first = await verifyPasskeyRegistration({ config, markers: limits, challenge, response, now });
    const second = await verifyPasskeyRegistration({ config, markers: limits, challenge, response, now });
    expect([first.status, second]).toEqual(["verified", { status: "refused", reason: "used" }]);
  });

  it("refuses an expired challenge, and a challenge made for authentication", async () => {
    const authenticator = softAuthenticator();
    const challenge = await registrationChallenge("alice");
    const response = authenticator.register({ challenge: challenge.value, origin: ORIGIN, rpId: RP_ID });
    now = challenge.expiresAt;
    expect(await verifyPasskeyRegistration({ config, markers: limits, challenge, response, now })).toEqual({
      status: "refused",
      reason: "expired",
    });
    await enrol("alice", softAuthenticator());
    const wrongCeremony = await authenticationChallenge("alice");
    const answer = authenticator.register({ challenge: wrongCeremony.value, origin: ORIGIN, rpId: RP_ID });
    const result = await verifyPasskeyRegistration({
      config,
      markers: limits,
      challenge: wrongCeremony,
      response: answer,
      now,
    });
    expect(result).toEqual({ status: "refused", reason: "no_challenge" });
  });

  it("refuses bodies that are not a credential, without throwing", async () => {
    const valid = softAuthenticator().register({ challenge: "x", origin: ORIGIN, rpId: RP_ID });
    const bodies: unknown[] = [
      undefined,
      null,
      "credential",
      [],
      {},
      { ...valid, id: 42 },
      { ...valid, rawId: "another" },
      { ...valid, id: "not base64url!", rawId: "not base64url!" },
      { ...valid, response: "x" },
    ];
    for (const response of bodies) {
      const challenge = await registrationChallenge("alice");
      const result = await verifyPasskeyRegistration({ config, markers: limits, challenge, response, now });
      expect(result).toEqual({ status: "refused", reason: "malformed" });
    }
    const challenge = await registrationChallenge("alice");
    const garbage = { ...valid, response: { clientDataJSON: "e30", attestationObject: "AAAA" } };
    const result = await verifyPasskeyRegistration({
      config,
      markers: limits,
      challenge,
      response: garbage,
      now,
    });
    expect(result.status).toBe("refused");
  });
});

describe("authentication", () => {
  it("offers this user's passkeys only, with user verification preferred and a short timeout", async () => {
    const alices = [softAuthenticator(), softAuthenticator()];
    for (const authenticator of alices) await enrol("alice", authenticator);
    await enrol("bob", softAuthenticator());
    const result = await passkeyAuthenticationOptions({ config, store, userId: "alice", now });
    if (result.status !== "ready") throw new Error("expected options");
    expect(result.options.allowCredentials?.map((credential) => credential.id)).toEqual(
      alices.map((authenticator) => authenticator.credentialId),
    );
    expect(result.options).toMatchObject({
      rpId: RP_ID,
      userVerification: "preferred",
      challenge: result.challenge.value,
    });
    expect(result.options.timeout).toBeLessThanOrEqual(120_000);
    expect(result.challenge.ceremony).toBe("authentication");
  });

  it("has no options for a user without a passkey", async () => {
    await enrol("bob", softAuthenticator());
    expect(await passkeyAuthenticationOptions({ config, store, userId: "alice", now })).toEqual({
      status: "no_passkey",
    });
  });

  it("approves an assertion of this user's passkey and records its counter", async () => {
    const authenticator = softAuthenticator({ counter: 3 });
    const factorId = await enrol("alice", authenticator);
    const challenge = await authenticationChallenge("alice");
    const response = authenticator.assert({ challenge: challenge.value, origin: ORIGIN, rpId: RP_ID });
    expect(await signIn("alice", challenge, response)).toEqual({
      status: "approved",
      factorId,
      credentialId: authenticator.credentialId,
      userVerified: true,
      backedUp: false,
    });
    expect(store.get(factorId)?.counter).toBe(4);
  });

  it("refuses a replayed assertion: the same challenge is used once, and another challenge does not match it", async () => {
    const authenticator = softAuthenticator({ counter: "none" });
    await enrol("alice", authenticator);
    const challenge = await authenticationChallenge("alice");
    const response = authenticator.assert({ challenge: challenge.value, origin: ORIGIN, rpId: RP_ID });
    expect((await signIn("alice", challenge, response)).status).toBe("approved");
    expect(await signIn("alice", challenge, response)).toEqual({ status: "refused", reason: "used" });
    const fresh = await authenticationChallenge("alice");
    expect(await signIn("alice", fresh, response)).toEqual({ status: "refused", reason: "wrong_challenge" });
  });

  it("approves one of two concurrent requests that present the same challenge", async () => {
    const authenticator = softAuthenticator({ counter: "none" });
    await enrol("alice", authenticator);
    const challenge = await authenticationChallenge("alice");
    const response = authenticator.assert({ challenge: challenge.value, origin: ORIGIN, rpId: RP_ID });
    const results = await Promise.all([1, 2, 3].map(() => signIn("alice", challenge, response)));
    expect(results.map((result) => result.status).sort()).toEqual(["approved", "refused", "refused"]);
  });

  it("refuses a credential of another user, even with a valid signature", async () => {
    const bobs = softAuthenticator();
    await enrol("alice", softAuthenticator());
    await enrol("bob", bobs);
    const challenge = await authenticationChallenge("alice");
    const response = bobs.assert({ challenge: challenge.value, origin: ORIGIN, rpId: RP_ID });
    expect(await signIn("alice", challenge, response)).toEqual({
      status: "refused",
      reason: "not_this_user",
    });
  });

  it("refuses a credential no account has", async () => {
    await enrol("alice", softAuthenticator());
    const challenge = await authenticationChallenge("alice");
    const response = softAuthenticator().assert({ challenge: challenge.value, origin: ORIGIN, rpId: RP_ID });
    expect(await signIn("alice", challenge, response)).toEqual({
      status: "refused",
      reason: "unknown_credential",
    });
  });

  it.each([
    ["another origin (a phishing proxy)", { origin: "https://examp1e.com", rpId: RP_ID }, "wrong_origin"],
    ["another relying party id", { origin: ORIGIN, rpId: "examp1e.com" }, "wrong_rp_id"],
  ])("refuses an assertion made for %s", async (_, where, reason) => {
    const authenticator = softAuthenticator();
    await enrol("alice", authenticator);
    const challenge = await authenticationChallenge("alice");
    const response = authenticator.assert({ challenge: challenge.value, ...where });
    expect(await signIn("alice", challenge, response)).toEqual({ status: "refused", reason });
  });

  it("refuses an assertion signed by another key", async () => {
    const authenticator = softAuthenticator();
    await enrol("alice", authenticator);
    const challenge = await authenticationChallenge("alice");
    const forged = softAuthenticator().assert({ challenge: challenge.value, origin: ORIGIN, rpId: RP_ID });
    const response = { ...forged, id: authenticator.credentialId, rawId: authenticator.credentialId };
    expect(await signIn("alice", challenge, response)).toEqual({
      status: "refused",
      reason: "invalid_response",
    });
  });

  it("refuses a counter that does not increase", async () => {
    const authenticator = softAuthenticator({ counter: 10 });
    const factorId = await enrol("alice", authenticator);
    for (const counter of [10, 9, 0]) {
      const challenge = await authenticationChallenge("alice");
      const response = authenticator.assert(
        { challenge: challenge.value, origin: ORIGIN, rpId: RP_ID },
        { counter },
      );
      expect(await signIn("alice", challenge, response)).toEqual({
        status: "refused",
        reason: "counter_not_increased",
      });
    }
    expect(store.get(factorId)?.counter).toBe(10);
  });

  it("lets only one of two concurrent assertions of a cloned authenticator with the same counter pass", async () => {
    const authenticator = softAuthenticator({ counter: 1 });
    await enrol("alice", authenticator);
    const challenges = [await authenticationChallenge("alice"), await authenticationChallenge("alice")];
    const responses = challenges.map((challenge) =>
      authenticator.assert({ challenge: challenge.value, origin: ORIGIN, rpId: RP_ID }, { counter: 5 }),
    );
    // Both read the stored counter (1) before either writes: only the store's compare-and-set decides.
    let release: () => void = () => {};
    const bothRead = new Promise<void>((resolve) => {
      release = resolve;
    });
    let reads = 0;
    store.afterFind = async () => {
      reads += 1;
      if (reads === 2) release();
      await bothRead;
    };
    const results = await Promise.all(
      challenges.map((challenge, index) => signIn("alice", challenge, responses[index])),
    );
    expect(
      results.map((result) => (result.status === "refused" ? result.reason : result.status)).sort(),
    ).toEqual(["approved", "counter_not_increased"]);
  });

  it("accepts counter 0 again and again for an authenticator that keeps no counter", async () => {
    const authenticator = softAuthenticator({ counter: "none" });
    const factorId = await enrol("alice", authenticator);
    for (let round = 0; round < 3; round += 1) {
      const challenge = await authenticationChallenge("alice");
      const response = authenticator.assert({ challenge: challenge.value, origin: ORIGIN, rpId: RP_ID });
      expect((await signIn("alice", challenge, response)).status).toBe("approved");
    }
    expect(store.get(factorId)?.counter).toBe(0);
  });

  it("refuses an expired challenge, a registration challenge, and no challenge at all", async () => {
    const authenticator = softAuthenticator();
    await enrol("alice", authenticator);
    const challenge = await authenticationChallenge("alice");
    const response = authenticator.assert({ challenge: challenge.value, origin: ORIGIN, rpId: RP_ID });
    now = challenge.expiresAt;
    expect(await signIn("alice", challenge, response)).toEqual({ status: "refused", reason: "expired" });
    const registration = await registrationChallenge("alice");
    const answer = authenticator.assert({ challenge: registration.value, origin: ORIGIN, rpId: RP_ID });
    expect(await signIn("alice", registration, answer)).toEqual({
      status: "refused",
      reason: "no_challenge",
    });
    expect(await signIn("alice", undefined as unknown as PasskeyChallenge, answer)).toEqual({
      status: "refused",
      reason: "no_challenge",
    });
  });

  it("accepts a challenge until just before its expiry", async () => {
    const authenticator = softAuthenticator();
    await enrol("alice", authenticator);
    const challenge = await authenticationChallenge("alice");
    const response = authenticator.assert({ challenge: challenge.value, origin: ORIGIN, rpId: RP_ID });
    now = challenge.expiresAt - 1;
    expect((await signIn("alice", challenge, response)).status).toBe("approved");
  });

  it("refuses bodies that are not a credential, without throwing", async () => {
    const authenticator = softAuthenticator();
    await enrol("alice", authenticator);
    for (const response of [
      null,
      7,
      {},
      { id: authenticator.credentialId },
      { id: "a", rawId: "a", response: {} },
    ]) {
      const challenge = await authenticationChallenge("alice");
      const result = await signIn("alice", challenge, response);
      expect(result.status).toBe("refused");
    }
  });

  it("fails closed with 503 when the factor store or the budget store fails", async () => {
    const authenticator = softAuthenticator();
    await enrol("alice", authenticator);
    const challenge = await authenticationChallenge("alice");
    const response = authenticator.assert({ challenge: challenge.value, origin: ORIGIN, rpId: RP_ID });
    store.failure = new Error("connection reset");
    const outage = { code: "ERR_SF_STORE_UNAVAILABLE", status: 503, headers: { "Retry-After": "5" } };
    await expect(signIn("alice", challenge, response)).rejects.toMatchObject(outage);
    await expect(passkeyAuthenticationOptions({ config, store, userId: "alice", now })).rejects.toMatchObject(
      outage,
    );
    store.failure = undefined;
    const markers = { claimOnce: () => Promise.reject(new Error("READONLY")) };
    const next = await authenticationChallenge("alice");
    const answer = authenticator.assert({ challenge: next.value, origin: ORIGIN, rpId: RP_ID });
    await expect(
      verifyPasskeyAuthentication({
        config,
        store,
        markers,
        userId: "alice",
        challenge: next,
        response: answer,
        now,
      }),
    ).rejects.toMatchObject(outage);
  });
});
