/**
 * What both passkey ceremonies share: the part of the factor store they use, the refusals they
 * answer with, and the reading of a response the browser posted (untrusted JSON).
 */
import type { AuthenticatorTransportFuture } from "@simplewebauthn/server";
import { storeUnavailable } from "../../errors.js";
import { isPlainObject } from "../../options/checks.js";

/**
 * A passkey as the factor store keeps it (the fields of `PasskeyFactor` the ceremonies read).
 * @example
 * const allow = passkeys.map((key: StoredPasskey) => ({ id: key.credentialId, transports: key.transports }));
 */
export interface StoredPasskey {
  readonly kind: "passkey";
  /** The factor id. */
  readonly id: string;
  /** The account it belongs to. */
  readonly userId: string;
  /** The credential id, base64url. */
  readonly credentialId: string;
  /** The credential's public key (COSE), base64url. */
  readonly publicKey: string;
  /** The signature counter last seen; 0 for authenticators that keep none. */
  readonly counter: number;
  readonly transports: readonly string[];
  readonly backedUp: boolean;
}

/**
 * The part of the factor store (`FactorStore`) the passkey ceremonies use; the real store has these
 * methods with these names. Every method rejects with `ERR_SF_STORE_UNAVAILABLE` when the store fails.
 * @example
 * const store: PasskeyStore = createFactorStore({ kind: "memory" });
 */
export interface PasskeyStore {
  /** The account's factors of every kind, oldest first. */
  listFactors(userId: string): Promise<readonly { readonly kind: string }[]>;
  /** The passkey with this credential id, of whichever account has it. */
  findPasskey(credentialId: string): Promise<StoredPasskey | undefined>;
  /**
   * Compare-and-set of the signature counter (with `lastUsedAt`): written only if `counter` is greater
   * than the stored one, or both are 0, atomically.
   */
  updatePasskeyCounter(
    userId: string,
    factorId: string,
    counter: number,
    at: number,
  ): Promise<"updated" | "not_increased" | "not_found">;
}

/**
 * Why the library refused a response: its origin is not one of `webauthn.origins`; it was made for
 * another relying party id; it answers another challenge (a replay from an earlier ceremony); its
 * counter did not increase (a cloned authenticator, or a replay); or it is malformed, badly signed or
 * otherwise invalid.
 * @example
 * if (result.status === "refused" && result.reason === "wrong_origin") log("a passkey answered for another site");
 */
export type ResponseRefusal =
  | "wrong_origin"
  | "wrong_rp_id"
  | "wrong_challenge"
  | "counter_not_increased"
  | "invalid_response";

/** The transports WebAuthn defines; anything else a browser reports is dropped. */
const TRANSPORTS: ReadonlySet<string> = new Set<AuthenticatorTransportFuture>([
  "ble",
  "cable",
  "hybrid",
  "internal",
  "nfc",
  "smart-card",
  "usb",
]);
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const LONGEST_CREDENTIAL_ID = 1023;

/**
 * The user's passkeys, read through the store (a failing store is `ERR_SF_STORE_UNAVAILABLE`).
 * @example
 * const keys = await passkeysOf(store, user.id);
 */
export async function passkeysOf(store: PasskeyStore, userId: string): Promise<StoredPasskey[]> {
  const factors = await orStoreUnavailable(() => store.listFactors(userId));
  return factors.filter((factor): factor is StoredPasskey => factor.kind === "passkey");
}

/**
 * Runs a factor store call; any failure becomes the one `ERR_SF_STORE_UNAVAILABLE` (rule 8).
 * @example
 * const key = await orStoreUnavailable(() => store.findPasskey(id));
 */
export async function orStoreUnavailable<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw storeUnavailable(error, "the factor store");
  }
}

/**
 * The credential id of a response the browser posted, when the response has the shape of a
 * `PublicKeyCredential` in JSON (`id` equal to `rawId`, base64url, and a `response` object); else
 * `undefined`. The library checks the rest.
 * @example
 * const credentialId = credentialIdOf(body.credential);
 */
export function credentialIdOf(response: unknown): string | undefined {
  if (!isPlainObject(response) || !isPlainObject(response.response)) return undefined;
  const { id, rawId } = response;
  if (typeof id !== "string" || id !== rawId || id.length > LONGEST_CREDENTIAL_ID || !BASE64URL.test(id)) {
    return undefined;
  }
  return id;
}

/**
 * The transports worth keeping from what a browser reported.
 * @example
 * knownTransports(["internal", "hybrid", "made-up"]); // ["internal", "hybrid"]
 */
export function knownTransports(reported: unknown): AuthenticatorTransportFuture[] {
  if (!Array.isArray(reported)) return [];
  const known = reported.filter(
    (value): value is AuthenticatorTransportFuture => typeof value === "string" && TRANSPORTS.has(value),
  );
  return [...new Set(known)];
}

/**
 * Names what the WebAuthn library refused. It says so only in its error messages; an unknown message
 * is `invalid_response`, still a refusal.
 * @example
 * catch (error) { return { status: "refused", reason: responseRefusalOf(error) }; }
 */
export function responseRefusalOf(error: unknown): ResponseRefusal {
  const message = error instanceof Error ? error.message : "";
  if (/response origin/i.test(message)) return "wrong_origin";
  if (/RP ID hash/i.test(message)) return "wrong_rp_id";
  if (/response challenge/i.test(message)) return "wrong_challenge";
  if (/counter value/i.test(message)) return "counter_not_increased";
  return "invalid_response";
}
