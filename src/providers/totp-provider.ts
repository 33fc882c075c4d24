/**
 * The contract between the core and whatever enrols and checks authenticator apps (TOTP, RFC 6238):
 * the local provider (default) or Twilio Verify. Expected outcomes are results with a `status`; only
 * outages throw (`ERR_SF_PROVIDER_UNAVAILABLE`), and an unreadable stored secret throws
 * `ERR_SF_SECRET_UNREADABLE`. No result or error ever carries a code or a secret.
 */

/**
 * What the app keeps in its factor store for one authenticator app: the secret encrypted with the
 * app's key (local provider), or the SID of a Twilio Verify factor (the secret stays at Twilio).
 * @example
 * const stored: TotpSecretRef = { type: "encrypted", ciphertext: "v1.kAbC123xY.…" };
 */
export type TotpSecretRef = { type: "encrypted"; ciphertext: string } | { type: "twilio"; factorSid: string };

/**
 * A pending authenticator app, made by {@link TotpProvider.enrol}. `uri` and `secret` are shown once,
 * on the enrolment page only (DESIGN §4 rule 10); `stored` is what the factor store keeps, pending
 * until {@link TotpProvider.confirm} approves a first code.
 * @example
 * const { uri, secret, stored } = await totp.enrol({ accountId: "42", label: "alice" });
 */
export interface TotpEnrolment {
  /** The `otpauth://totp/...` URI for the QR code and the `#totp-uri` text. */
  uri: string;
  /** The same secret in Base32, for typing into the app by hand. */
  secret: string;
  stored: TotpSecretRef;
}

/**
 * How the flow keeps one proof from verifying twice (DESIGN §4 rule 3): it marks `key` as used for
 * this account in the budget store for `ttlSeconds`, and refuses the code when the key was marked.
 * @example
 * const singleUse: TotpSingleUse = { key: "totp-step:58000123", ttlSeconds: 90 };
 */
export interface TotpSingleUse {
  key: string;
  ttlSeconds: number;
}

/**
 * A refusal shared by {@link TotpProvider.confirm} and {@link TotpProvider.verify}.
 * @example
 * const refused: TotpRefusal = { status: "wrong" };
 */
export type TotpRefusal =
  /** The code is not the current one (a guess that counts toward the account's lockout). */
  | { status: "wrong" }
  /** Not a code at all (not 6 digits): nothing was checked. */
  | { status: "invalid_code" }
  /** The provider's own attempt or creation limit (Twilio 60308, 60310, 60312). */
  | { status: "too_many_attempts"; retryAfterSeconds?: number }
  /** The provider's challenge window closed before the code arrived (Twilio 60323). */
  | { status: "expired" }
  /** The factor does not exist at the provider (removed, or never created). */
  | { status: "not_found" };

/**
 * The outcome of {@link TotpProvider.verify}: `approved` carries the matched time step (the app's clock
 * divided by 30 s for the local provider) and the single-use key that the flow must mark.
 * @example
 * const result = await totp.verify({ accountId, stored, code });
 * if (result.status === "approved") await markUsed(accountId, result.singleUse);
 */
export type TotpVerifyResult =
  | { status: "approved"; timeStep: number; singleUse: TotpSingleUse }
  | TotpRefusal;

/**
 * The outcome of {@link TotpProvider.confirm}: like {@link TotpVerifyResult}, so the first code cannot
 * sign in a second time.
 * @example
 * const result = await totp.confirm({ accountId, stored, code });
 */
export type TotpConfirmResult =
  | { status: "confirmed"; timeStep: number; singleUse: TotpSingleUse }
  | TotpRefusal;

/**
 * The outcome of {@link TotpProvider.remove}.
 * @example
 * const removed: TotpRemoveResult = { status: "removed" };
 */
export type TotpRemoveResult = { status: "removed" } | { status: "not_found" };

/**
 * One call's subject: the account (the app's user id) and its stored secret or factor.
 * @example
 * const request: TotpCodeRequest = { accountId: "42", stored, code: "123456" };
 */
export interface TotpCodeRequest {
  accountId: string;
  stored: TotpSecretRef;
  /** What the user typed; spaces are ignored. */
  code: string;
}

/**
 * Enrols and checks authenticator apps. Implementations never retry calls and never count
 * failures (the flow owns the lockout and single use).
 * @example
 * const totp: TotpProvider = localTotp({ secret: process.env.SECOND_FACTOR_SECRET!, issuer: "Example" });
 * const pending = await totp.enrol({ accountId: "42", label: "alice" });
 */
export interface TotpProvider {
  /** A short name for events and logs, e.g. `"local-totp"`. */
  readonly name: string;
  /**
   * Makes a new secret (or factor) for `accountId`. `label` is the account name the authenticator
   * app shows; the Twilio provider does not send it to Twilio (it would be PII there).
   */
  enrol(request: { accountId: string; label: string }): Promise<TotpEnrolment>;
  /** Checks a first code of a pending secret (a wrong one adds nothing). */
  confirm(request: TotpCodeRequest): Promise<TotpConfirmResult>;
  /** Checks a code of an enrolled secret. */
  verify(request: TotpCodeRequest): Promise<TotpVerifyResult>;
  /** Deletes the factor at the provider (the local provider has nothing to delete). */
  remove(request: { accountId: string; stored: TotpSecretRef }): Promise<TotpRemoveResult>;
}

/**
 * The code as the providers check it: digits only, spaces and dashes (grouping) removed, or undefined
 * when it is not `digits` digits.
 * @example
 * normalizeTotpCode("123 456", 6); // "123456"
 */
export function normalizeTotpCode(code: unknown, digits: number): string | undefined {
  if (typeof code !== "string" || code.length > 32) return undefined;
  const compact = code.replace(/[\s-]/g, "");
  return compact.length === digits && /^[0-9]+$/.test(compact) ? compact : undefined;
}
