/**
 * The WebAuthn authentication ceremony (a passkey as the second factor): the options the browser
 * passes to `navigator.credentials.get`, and the check of the assertion it returns (DESIGN §4 rule 2:
 * a passkey assertion of this user's credential for a challenge this session made).
 */
import {
  type AuthenticationResponseJSON,
  generateAuthenticationOptions,
  type PublicKeyCredentialRequestOptionsJSON,
  verifyAuthenticationResponse,
} from "@simplewebauthn/server";
import {
  credentialIdOf,
  knownTransports,
  orStoreUnavailable,
  type PasskeyStore,
  passkeysOf,
  type ResponseRefusal,
  responseRefusalOf,
} from "./ceremony-support.js";
import {
  type ChallengeRefusal,
  consumePasskeyChallenge,
  newPasskeyChallenge,
  type SingleUseMarkers,
} from "./passkey-challenge.js";
import { PASSKEY_CEREMONY_TIMEOUT_MS, type PasskeyOptions } from "./passkey-registration.js";
import type { WebAuthnConfig } from "./webauthn-config.js";

/**
 * The outcome of {@link passkeyAuthenticationOptions}: options and a challenge, or `no_passkey` when
 * the user has none (the page offers another method, or the settings page to add one).
 * @example
 * if (result.status === "no_passkey") return json(409, { error: "no_passkey" });
 */
export type AuthenticationOptionsResult =
  | ({ readonly status: "ready" } & PasskeyOptions<PublicKeyCredentialRequestOptionsJSON>)
  | { readonly status: "no_passkey" };

/**
 * Makes the authentication options for a user: only this user's passkeys are allowed, user
 * verification preferred, a short timeout, and a new challenge for the session to keep.
 * @example
 * const result = await passkeyAuthenticationOptions({ config, store, userId: user.id, now: now() });
 * if (result.status === "ready") { record = { ...record, passkeyChallenge: result.challenge }; return json(200, { options: result.options }); }
 */
export async function passkeyAuthenticationOptions(input: {
  readonly config: WebAuthnConfig;
  readonly store: PasskeyStore;
  readonly userId: string;
  readonly now: number;
}): Promise<AuthenticationOptionsResult> {
  const { config, store, userId, now } = input;
  const passkeys = await passkeysOf(store, userId);
  if (passkeys.length === 0) return { status: "no_passkey" };
  const challenge = newPasskeyChallenge("authentication", now);
  const options = await generateAuthenticationOptions({
    rpID: config.rpId,
    challenge: Buffer.from(challenge.value, "base64url"),
    timeout: PASSKEY_CEREMONY_TIMEOUT_MS,
    userVerification: "preferred",
    allowCredentials: passkeys.map((key) => ({
      id: key.credentialId,
      transports: knownTransports(key.transports),
    })),
  });
  return { status: "ready", options, challenge };
}

/**
 * Why an assertion was refused: the challenge ({@link ChallengeRefusal}); the response
 * ({@link ResponseRefusal}); a credential no account has (`unknown_credential`) or another account
 * has (`not_this_user`); or a body that is not a credential at all (`malformed`).
 * @example
 * const reason: AuthenticationRefusal = "not_this_user";
 */
export type AuthenticationRefusal =
  | ChallengeRefusal
  | ResponseRefusal
  | "unknown_credential"
  | "not_this_user"
  | "malformed";

/**
 * The outcome of {@link verifyPasskeyAuthentication}. `approved` names the passkey factor that
 * passed, for the session record (method `passkey`) and the event.
 * @example
 * if (result.status === "approved") markVerified(record, "passkey", now);
 */
export type AuthenticationResult =
  | {
      readonly status: "approved";
      readonly factorId: string;
      readonly credentialId: string;
      readonly userVerified: boolean;
      readonly backedUp: boolean;
    }
  | { readonly status: "refused"; readonly reason: AuthenticationRefusal };

/**
 * Checks an assertion: the session's authentication challenge is used once (rule 3); the credential
 * must be one of this user's passkeys; the signature must verify with its stored public key over a
 * response that answers exactly this challenge, from a configured origin, for the configured
 * relying party id, with the user present; and its counter must increase where the authenticator
 * keeps one, decided by the store's compare-and-set so that two concurrent uses of a cloned
 * authenticator cannot both pass. A failing store rejects with `ERR_SF_STORE_UNAVAILABLE` (rule 8).
 * @param challenge - the session record's challenge, as stored (it is validated here).
 * @param response - the posted `PublicKeyCredential` JSON (untrusted).
 * @example
 * const result = await verifyPasskeyAuthentication({ config, store, markers: limits, userId: user.id, challenge: record.passkeyChallenge, response: body.credential, now: now() });
 */
export async function verifyPasskeyAuthentication(input: {
  readonly config: WebAuthnConfig;
  readonly store: PasskeyStore;
  readonly markers: SingleUseMarkers;
  readonly userId: string;
  readonly challenge: unknown;
  readonly response: unknown;
  readonly now: number;
}): Promise<AuthenticationResult> {
  const { config, store, markers, userId, response, now } = input;
  const use = await consumePasskeyChallenge(input.challenge, "authentication", now, markers);
  if (!use.ok) return refused(use.reason);
  const credentialId = credentialIdOf(response);
  if (credentialId === undefined) return refused("malformed");
  const passkey = await orStoreUnavailable(() => store.findPasskey(credentialId));
  if (passkey === undefined) return refused("unknown_credential");
  // Rule 2: only this user's credential proves this user's second factor.
  if (passkey.userId !== userId) return refused("not_this_user");

  let newCounter: number;
  let userVerified: boolean;
  let backedUp: boolean;
  try {
    const verification = await verifyAuthenticationResponse({
      response: response as AuthenticationResponseJSON,
      expectedChallenge: use.value,
      expectedOrigin: [...config.origins],
      expectedRPID: config.rpId,
      credential: {
        id: passkey.credentialId,
        publicKey: Buffer.from(passkey.publicKey, "base64url"),
        counter: passkey.counter,
        transports: knownTransports(passkey.transports),
      },
      requireUserVerification: false,
    });
    if (!verification.verified) return refused("invalid_response");
    ({ newCounter, userVerified, credentialBackedUp: backedUp } = verification.authenticationInfo);
  } catch (error) {
    return refused(responseRefusalOf(error));
  }

  // The library compared with the counter read above; only the store's compare-and-set is atomic.
  const counted = await orStoreUnavailable(() =>
    store.updatePasskeyCounter(userId, passkey.id, newCounter, now),
  );
  if (counted === "not_increased") return refused("counter_not_increased");
  if (counted === "not_found") return refused("unknown_credential");
  return { status: "approved", factorId: passkey.id, credentialId, userVerified, backedUp };
}

function refused(reason: AuthenticationRefusal): AuthenticationResult {
  return { status: "refused", reason };
}
