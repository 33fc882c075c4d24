/**
 * The factor store (DESIGN §4, §6): what each account has enrolled (phones, e-mail addresses,
 * authenticator apps, passkeys), its recovery codes and its trusted devices. One small async
 * interface with three implementations (memory, Redis, PostgreSQL) and a conformance suite that any
 * implementation, including an app's own, can run (`factorStoreConformance` in `second-factor/testing`).
 *
 * The store keeps what it is given: hashing recovery codes and trust tokens and encrypting TOTP secrets
 * is the caller's job (rule 12). Times are milliseconds on the app clock, passed in by the caller, so
 * every store agrees with the clock the flow uses. Every method rejects with `ERR_SF_STORE_UNAVAILABLE`
 * (503) when the store fails, never with a wrong answer, and a failed write leaves nothing half-written.
 */

/**
 * The kinds of enrolled factor.
 * @example
 * const phones = factors.filter((factor) => factor.kind === "phone");
 */
export type FactorKind = "phone" | "email" | "totp" | "passkey";

/**
 * What every enrolled factor has.
 * @example
 * const label = `${factor.name} (added ${new Date(factor.createdAt).toISOString()})`;
 */
export interface FactorBase {
  /** Random and not guessable (128 bits, base64url); the settings page's `factor` field. */
  readonly id: string;
  readonly userId: string;
  readonly kind: FactorKind;
  /** A label the user can change, e.g. "Work phone". */
  readonly name: string;
  /** When it was enrolled (app clock, ms). */
  readonly createdAt: number;
  /** When it last passed the second factor (app clock, ms), or `null` if never. */
  readonly lastUsedAt: number | null;
}

/**
 * A phone number whose owner proved possession of it (a code sent to it and checked).
 * @example
 * const phone: PhoneFactor = { id, userId: "u1", kind: "phone", name: "Phone", destination: "+15017122661", verifiedAt, createdAt, lastUsedAt: null };
 */
export interface PhoneFactor extends FactorBase {
  readonly kind: "phone";
  /** The number in E.164 (`+15017122661`). */
  readonly destination: string;
  /** When possession was proved (app clock, ms). */
  readonly verifiedAt: number;
}

/**
 * An e-mail address whose owner proved possession of it.
 * @example
 * const email: EmailFactor = { id, userId: "u1", kind: "email", name: "E-mail", destination: "ana@example.com", verifiedAt, createdAt, lastUsedAt: null };
 */
export interface EmailFactor extends FactorBase {
  readonly kind: "email";
  /** The address, normalised by the caller (the store compares it exactly). */
  readonly destination: string;
  /** When possession was proved (app clock, ms). */
  readonly verifiedAt: number;
}

/**
 * Where an authenticator app's secret lives: encrypted in the store (the local TOTP provider), or at
 * Twilio Verify, which the store knows only by its factor SID.
 * @example
 * const local: TotpSecret = { type: "encrypted", ciphertext: "k1.AbC..." };
 * const twilio: TotpSecret = { type: "twilio", factorSid: "YF0123456789abcdef0123456789abcdef" };
 */
export type TotpSecret =
  | { readonly type: "encrypted"; readonly ciphertext: string }
  | { readonly type: "twilio"; readonly factorSid: string };

/**
 * An authenticator app (TOTP).
 * @example
 * if (factor.kind === "totp" && factor.secret.type === "encrypted") decrypt(factor.secret.ciphertext);
 */
export interface TotpFactor extends FactorBase {
  readonly kind: "totp";
  readonly secret: TotpSecret;
}

/**
 * A passkey (WebAuthn credential). Its credential id is unique across all accounts.
 * @example
 * const allowCredentials = passkeys.map((key) => ({ id: key.credentialId, transports: key.transports }));
 */
export interface PasskeyFactor extends FactorBase {
  readonly kind: "passkey";
  /** The credential id, base64url. */
  readonly credentialId: string;
  /** The credential's public key (COSE), base64url. Passkeys keep only public keys (rule 12). */
  readonly publicKey: string;
  /** The signature counter last seen; 0 for authenticators that keep no counter. */
  readonly counter: number;
  /** The transports the authenticator reported (`"usb"`, `"internal"`, `"hybrid"`, ...). */
  readonly transports: readonly string[];
  /** Whether the credential is backed up (synced), as the authenticator said at registration. */
  readonly backedUp: boolean;
}

/**
 * An enrolled factor of any kind; narrow it by `kind`.
 * @example
 * for (const factor of await store.listFactors(userId)) if (factor.kind === "phone") send(factor.destination);
 */
export type Factor = PhoneFactor | EmailFactor | TotpFactor | PasskeyFactor;

type NewOf<T extends FactorBase> = Omit<T, "id" | "userId" | "lastUsedAt">;

/**
 * A factor to add: everything but `id`, `userId` and `lastUsedAt`, which the store sets.
 * @example
 * await store.addFactor(userId, { kind: "phone", name: "Phone", destination: "+15017122661", verifiedAt: now, createdAt: now });
 */
export type NewFactor = NewOf<PhoneFactor> | NewOf<EmailFactor> | NewOf<TotpFactor> | NewOf<PasskeyFactor>;

/**
 * What {@link FactorStore.addFactor} did. `already_enrolled`: this account already has this phone,
 * e-mail address or passkey (`factor` is the existing one; nothing was added). `credential_in_use`:
 * another account has this passkey credential (nothing about that account is returned).
 * @example
 * const result = await store.addFactor(userId, phone);
 * if (result.status === "already_enrolled") showMessage("This number is already on your account.");
 */
export type AddFactorResult =
  | { readonly status: "added"; readonly factor: Factor }
  | { readonly status: "already_enrolled"; readonly factor: Factor }
  | { readonly status: "credential_in_use" };

/**
 * What {@link FactorStore.updatePasskeyCounter} did. `not_increased`: the new counter is not greater
 * than the stored one (a cloned authenticator or a replay); nothing was written.
 * @example
 * if ((await store.updatePasskeyCounter(userId, id, counter, now)) !== "updated") refuse();
 */
export type PasskeyCounterResult = "updated" | "not_increased" | "not_found";

/**
 * Options of {@link FactorStore.removeFactor}.
 * @example
 * await store.removeFactor(userId, factorId, { keepLast: true });
 */
export interface RemoveFactorOptions {
  /** Refuse to remove the account's only factor. @default false */
  readonly keepLast?: boolean;
}

/**
 * What {@link FactorStore.removeFactor} did.
 * @example
 * if ((await store.removeFactor(userId, id, { keepLast: true })) === "kept_last") showMessage("Add another factor first.");
 */
export type RemoveFactorResult = "removed" | "not_found" | "kept_last";

/**
 * An account's recovery codes: the hashes of the unused ones, and when the set was made.
 * @example
 * const set = await store.getRecoveryCodes(userId);
 * const matching = set && await findMatchingHash(set.hashes, typedCode);
 */
export interface RecoveryCodeSet {
  /** The unused codes' hashes, exactly as given to {@link FactorStore.replaceRecoveryCodes}. */
  readonly hashes: readonly string[];
  /** When the set was made (app clock, ms). */
  readonly createdAt: number;
}

/**
 * What {@link FactorStore.consumeRecoveryCode} did: `consumed` is true for exactly one of any number
 * of concurrent calls with the same hash; `left` is how many unused codes remain.
 * @example
 * const { consumed, left } = await store.consumeRecoveryCode(userId, hash);
 */
export interface ConsumeRecoveryCodeResult {
  readonly consumed: boolean;
  readonly left: number;
}

/**
 * A trusted device ("don't ask again on this browser", rule 13).
 * @example
 * const device = await store.findTrustedDevice(userId, sha256(cookieToken), now);
 */
export interface TrustedDevice {
  /** Random and not guessable; the settings page's `device` field. Not the token. */
  readonly id: string;
  readonly userId: string;
  /** The hash of the device's token, as given by the caller (the token itself is never stored). */
  readonly tokenHash: string;
  /** For people: "Chrome on macOS". */
  readonly label: string;
  readonly createdAt: number;
  readonly lastUsedAt: number;
  /** After this moment (app clock, ms) the device is no longer found or listed. */
  readonly expiresAt: number;
}

/**
 * A trusted device to add: everything but `id` and `userId`.
 * @example
 * await store.addTrustedDevice(userId, { tokenHash, label: "Firefox on Linux", createdAt: now, lastUsedAt: now, expiresAt: now + 30 * 86_400_000 });
 */
export type NewTrustedDevice = Omit<TrustedDevice, "id" | "userId">;

/**
 * Where enrolled factors, recovery codes and trusted devices live, per account (`userId`). All
 * methods are async; all reject with `ERR_SF_STORE_UNAVAILABLE` when the store fails and with
 * `ERR_SF_INVALID_ARGUMENT` when called with a malformed value. Every write that must not race is
 * atomic: concurrent adds of one destination make one factor, a recovery code is consumed once, a
 * passkey counter only goes up, and a removed factor or revoked device is gone for every later reader.
 *
 * Write your own by implementing every method and running `factorStoreConformance` against it.
 * @example
 * const store: FactorStore = createFactorStore({ kind: "postgres", pool }, { logger: console });
 * const result = await store.addFactor("u1", { kind: "phone", name: "Phone", destination: "+15017122661", verifiedAt: now, createdAt: now });
 */
export interface FactorStore {
  /** The account's factors, oldest first. An unknown account has none. */
  listFactors(userId: string): Promise<readonly Factor[]>;
  /** One factor of this account by id, or `undefined`. */
  getFactor(userId: string, factorId: string): Promise<Factor | undefined>;
  /**
   * Adds a factor with a new random id. A phone or e-mail address the account already has, or a
   * passkey credential id any account has, is not added again (see {@link AddFactorResult}).
   */
  addFactor(userId: string, factor: NewFactor): Promise<AddFactorResult>;
  /** Renames a factor; false when this account has no such factor. */
  renameFactor(userId: string, factorId: string, name: string): Promise<boolean>;
  /** Sets `lastUsedAt`; false when this account has no such factor. */
  touchFactor(userId: string, factorId: string, at: number): Promise<boolean>;
  /**
   * Compare-and-set of a passkey's signature counter, with `lastUsedAt`: written only if `counter` is
   * greater than the stored one, atomically. A counter of 0 on both sides is accepted (authenticators
   * that keep no counter, e.g. most synced passkeys, always report 0); a stored counter above 0 never
   * accepts 0 again.
   */
  updatePasskeyCounter(
    userId: string,
    factorId: string,
    counter: number,
    at: number,
  ): Promise<PasskeyCounterResult>;
  /**
   * Removes a factor: `"removed"`, or `"not_found"` when this account has no such factor. After it
   * resolves, no reader sees the factor. With `keepLast: true` the account's last factor is not removed
   * (`"kept_last"`), decided atomically with the removal, so two concurrent removals of an account's
   * two factors never leave it with none (the `enrolment: "required"` policy).
   */
  removeFactor(userId: string, factorId: string, options?: RemoveFactorOptions): Promise<RemoveFactorResult>;
  /** The passkey with this credential id, of whichever account has it, or `undefined`. */
  findPasskey(credentialId: string): Promise<PasskeyFactor | undefined>;

  /** Replaces the account's whole recovery code set (the old one is void at once, atomically). */
  replaceRecoveryCodes(userId: string, hashes: readonly string[], createdAt: number): Promise<void>;
  /** The unused codes' hashes and when the set was made, or `undefined` when no set was ever made. */
  getRecoveryCodes(userId: string): Promise<RecoveryCodeSet | undefined>;
  /** Marks the code with exactly this hash used, once: of concurrent calls, one gets `consumed: true`. */
  consumeRecoveryCode(userId: string, hash: string): Promise<ConsumeRecoveryCodeResult>;

  /** Adds a trusted device with a new random id. */
  addTrustedDevice(userId: string, device: NewTrustedDevice): Promise<TrustedDevice>;
  /** This account's unexpired device with exactly this token hash, or `undefined` (never another account's). */
  findTrustedDevice(userId: string, tokenHash: string, at: number): Promise<TrustedDevice | undefined>;
  /** Sets a device's `lastUsedAt`; false when this account has no such device. */
  touchTrustedDevice(userId: string, deviceId: string, at: number): Promise<boolean>;
  /** This account's unexpired devices at `at`, oldest first. */
  listTrustedDevices(userId: string, at: number): Promise<readonly TrustedDevice[]>;
  /** Revokes one device; true when it existed. */
  revokeTrustedDevice(userId: string, deviceId: string): Promise<boolean>;
  /** Revokes every device of the account; resolves to how many there were. */
  revokeAllTrustedDevices(userId: string): Promise<number>;
}

export { createFactorStore, type FactorStoreContext, type FactorStoreOption } from "./factor-store-option.js";
export { createMemoryFactorStore } from "./memory-factor-store.js";
export {
  createPostgresFactorStore,
  FAIL_CLOSED_PG_POOL_OPTIONS,
  type PgClientLike,
  type PgPoolLike,
} from "./postgres-factor-store.js";
export { FACTOR_STORE_SCHEMA_SQL, migrate } from "./postgres-schema.js";
export { createRedisFactorStore, type RedisFactorStoreOptions } from "./redis-factor-store.js";
