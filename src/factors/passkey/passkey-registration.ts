/**
 * The WebAuthn registration ceremony (adding a passkey): the options the browser passes to
 * `navigator.credentials.create`, and the check of what it returns. The flow stores the challenge in
 * the session record and the verified passkey in the factor store; rule 11 (who may add a factor) is
 * the flow's.
 */
import {
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type RegistrationResponseJSON,
  verifyRegistrationResponse,
} from "@simplewebauthn/server";
import {
  credentialIdOf,
  knownTransports,
  type PasskeyStore,
  passkeysOf,
  type ResponseRefusal,
  responseRefusalOf,
} from "./ceremony-support.js";
import {
  type ChallengeRefusal,
  consumePasskeyChallenge,
  newPasskeyChallenge,
  type PasskeyChallenge,
  type SingleUseMarkers,
} from "./passkey-challenge.js";
import type { WebAuthnConfig } from "./webauthn-config.js";

/**
 * How long the browser waits for the user to answer a ceremony, in ms: under the challenge's
 * lifetime, so the browser gives up before the server would refuse.
 * @default 120000 (2 minutes)
 * @example
 * const options = { ...optionsJSON, timeout: PASSKEY_CEREMONY_TIMEOUT_MS };
 */
export const PASSKEY_CEREMONY_TIMEOUT_MS = 120_000;

/**
 * The account a passkey is registered for, as the authenticator shows it.
 * @example
 * const user: PasskeyUser = { id: "u1", name: "alice" };
 */
export interface PasskeyUser {
  /** The app's user id (never sent to the authenticator: the WebAuthn user handle is random). */
  readonly id: string;
  /** The name the authenticator lists the passkey under ("alice", an e-mail address). @default id */
  readonly name?: string;
  /** A friendlier name, if the app has one. @default "" */
  readonly displayName?: string;
}

/**
 * Options for the browser and the challenge for the session to keep.
 * @example
 * const { options, challenge }: PasskeyOptions<PublicKeyCredentialCreationOptionsJSON> = await passkeyRegistrationOptions(...);
 */
export interface PasskeyOptions<T> {
  /** What the page passes (after base64url decoding) to `navigator.credentials`. */
  readonly options: T;
  /** What the session record keeps until the answer comes (single use). */
  readonly challenge: PasskeyChallenge;
}

/**
 * Makes the registration options for a user: their existing passkeys excluded (an authenticator
 * that has one says so instead of making a second), a resident key and user verification preferred,
 * no attestation, and a new challenge.
 * @example
 * const { options, challenge } = await passkeyRegistrationOptions({ config, store, user: { id: user.id, name: "alice" }, now: now() });
 * session.record = { ...session.record, passkeyChallenge: challenge };
 * return json(200, { options });
 */
export async function passkeyRegistrationOptions(input: {
  readonly config: WebAuthnConfig;
  readonly store: PasskeyStore;
  readonly user: PasskeyUser;
  readonly now: number;
}): Promise<PasskeyOptions<PublicKeyCredentialCreationOptionsJSON>> {
  const { config, store, user, now } = input;
  const existing = await passkeysOf(store, user.id);
  const challenge = newPasskeyChallenge("registration", now);
  const options = await generateRegistrationOptions({
    rpName: config.rpName,
    rpID: config.rpId,
    userName: user.name ?? user.id,
    userDisplayName: user.displayName ?? "",
    challenge: Buffer.from(challenge.value, "base64url"),
    timeout: PASSKEY_CEREMONY_TIMEOUT_MS,
    attestationType: "none",
    excludeCredentials: existing.map((key) => ({
      id: key.credentialId,
      transports: knownTransports(key.transports),
    })),
    authenticatorSelection: { residentKey: "preferred", userVerification: "preferred" },
  });
  return { options, challenge };
}

/**
 * What to store for a verified new passkey (the factor store's `PasskeyFactor` without id, owner,
 * name and dates). Only the public key: rule 12.
 * @example
 * await store.addFactor(userId, { kind: "passkey", name: "Passkey", createdAt: now, ...result.passkey });
 */
export interface NewPasskey {
  /** base64url */
  readonly credentialId: string;
  /** The COSE public key, base64url. */
  readonly publicKey: string;
  readonly counter: number;
  readonly transports: readonly string[];
  /** Whether the credential is backed up (synced across devices). */
  readonly backedUp: boolean;
}

/**
 * Why a registration was refused: the challenge ({@link ChallengeRefusal}), the response
 * ({@link ResponseRefusal}), or a body that is not a credential at all (`malformed`).
 * @example
 * const reason: RegistrationRefusal = "wrong_origin";
 */
export type RegistrationRefusal =
  | ChallengeRefusal
  | Exclude<ResponseRefusal, "counter_not_increased">
  | "malformed";

/**
 * The outcome of {@link verifyPasskeyRegistration}.
 * @example
 * if (result.status === "verified") await store.addFactor(userId, { kind: "passkey", name, createdAt: now, ...result.passkey });
 */
export type RegistrationResult =
  | { readonly status: "verified"; readonly passkey: NewPasskey }
  | { readonly status: "refused"; readonly reason: RegistrationRefusal };

/**
 * Checks the browser's answer to {@link passkeyRegistrationOptions}: the session's registration
 * challenge is used once (rule 3), then the response must answer exactly it, from one of the
 * configured origins, for the configured relying party id, with the user present. Returns what to
 * store; the caller adds it (the store refuses a credential id another account has). A failing budget
 * store rejects with `ERR_SF_STORE_UNAVAILABLE`.
 * @param challenge - the session record's challenge, as stored (it is validated here).
 * @param response - the posted `PublicKeyCredential` JSON (untrusted).
 * @example
 * const result = await verifyPasskeyRegistration({ config, markers: limits, challenge: record.passkeyChallenge, response: body.credential, now: now() });
 */
export async function verifyPasskeyRegistration(input: {
  readonly config: WebAuthnConfig;
  readonly markers: SingleUseMarkers;
  readonly challenge: unknown;
  readonly response: unknown;
  readonly now: number;
}): Promise<RegistrationResult> {
  const { config, markers, response, now } = input;
  const use = await consumePasskeyChallenge(input.challenge, "registration", now, markers);
  if (!use.ok) return { status: "refused", reason: use.reason };
  if (credentialIdOf(response) === undefined) return { status: "refused", reason: "malformed" };
  try {
    const verification = await verifyRegistrationResponse({
      response: response as RegistrationResponseJSON,
      expectedChallenge: use.value,
      expectedOrigin: [...config.origins],
      expectedRPID: config.rpId,
      requireUserPresence: true,
      requireUserVerification: false,
    });
    if (!verification.verified) return { status: "refused", reason: "invalid_response" };
    const { credential, credentialBackedUp } = verification.registrationInfo;
    return {
      status: "verified",
      passkey: {
        credentialId: credential.id,
        publicKey: Buffer.from(credential.publicKey).toString("base64url"),
        counter: credential.counter,
        transports: knownTransports(credential.transports),
        backedUp: credentialBackedUp,
      },
    };
  } catch (error) {
    const reason = responseRefusalOf(error);
    return { status: "refused", reason: reason === "counter_not_increased" ? "invalid_response" : reason };
  }
}
