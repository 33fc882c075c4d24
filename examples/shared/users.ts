/**
 * The demo users and their password check: scrypt hashes computed at start (no password is stored in
 * clear after that), compared in constant time, with the same work for an unknown username.
 */
import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from "node:crypto";

/** A user of the example apps, as the pages and the library see them. */
export interface DemoUser {
  /** A stable id (the library binds its session record to it), not the username. */
  readonly id: string;
  readonly username: string;
  readonly displayName: string;
  /** E.164 phone enrolled in the factor store at start (not returned by `user(...)`); `bob` has none. */
  readonly phone?: string;
}

/** A demo account: the user and the password the README documents. */
export interface DemoAccount {
  readonly user: DemoUser;
  readonly password: string;
}

/**
 * The demo accounts of DESIGN §7.
 * @example
 * const users = await createUserDirectory({ accounts: DEMO_ACCOUNTS });
 */
export const DEMO_ACCOUNTS: readonly DemoAccount[] = [
  {
    user: { id: "usr_1001", username: "alice", displayName: "Alice", phone: "+15017122661" },
    password: "alice-password",
  },
  {
    user: { id: "usr_1002", username: "carol", displayName: "Carol", phone: "+12025550123" },
    password: "carol-password",
  },
  { user: { id: "usr_1003", username: "bob", displayName: "Bob" }, password: "bob-password" },
];

/** Derives a password hash; the default is scrypt (N=16384, r=8, p=1, 32 bytes). */
export type PasswordHasher = (password: string, salt: Buffer) => Promise<Buffer>;

/** Longest username and password the check looks at; longer input is a wrong password. */
const MAX_USERNAME_LENGTH = 64;
const MAX_PASSWORD_LENGTH = 1024;
const KEY_LENGTH = 32;
const SCRYPT_OPTIONS: ScryptOptions = { N: 16_384, r: 8, p: 1 };

/**
 * The default {@link PasswordHasher}: `node:crypto` scrypt.
 * @example
 * const hash = await scryptHasher("alice-password", randomBytes(16));
 */
export const scryptHasher: PasswordHasher = (password, salt) =>
  new Promise((resolve, reject) => {
    scrypt(password, salt, KEY_LENGTH, SCRYPT_OPTIONS, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });

interface StoredCredential {
  readonly user: DemoUser | undefined;
  readonly salt: Buffer;
  readonly hash: Buffer;
}

/** The users of the app: who they are, and the password check. */
export interface UserDirectory {
  /** The user with this id, or `undefined`. */
  byId(id: unknown): DemoUser | undefined;
  /**
   * The user when `password` is theirs, else `null`. Unknown usernames cost the same scrypt run as
   * known ones, so the answer time does not tell which usernames exist.
   */
  verifyPassword(username: string, password: string): Promise<DemoUser | null>;
  /** Every user, in the order of {@link DEMO_ACCOUNTS}. */
  readonly users: readonly DemoUser[];
}

/**
 * Builds the user directory: hashes every demo password with a fresh random salt.
 * @default accounts {@link DEMO_ACCOUNTS}, hasher {@link scryptHasher}
 * @example
 * const users = await createUserDirectory();
 * const alice = await users.verifyPassword("alice", "alice-password");
 */
export async function createUserDirectory(
  options: { accounts?: readonly DemoAccount[]; hasher?: PasswordHasher } = {},
): Promise<UserDirectory> {
  const accounts = options.accounts ?? DEMO_ACCOUNTS;
  const hasher = options.hasher ?? scryptHasher;
  const credential = async (user: DemoUser | undefined, password: string): Promise<StoredCredential> => {
    const salt = randomBytes(16);
    return { user, salt, hash: await hasher(password, salt) };
  };
  const byUsername = new Map<string, StoredCredential>();
  for (const account of accounts) {
    byUsername.set(account.user.username, await credential(account.user, account.password));
  }
  // Stands in for unknown usernames: a hash of a random password nobody knows.
  const decoy = await credential(undefined, randomBytes(32).toString("base64url"));
  const byId = new Map(accounts.map((account) => [account.user.id, account.user] as const));

  return {
    users: accounts.map((account) => account.user),
    byId: (id) => (typeof id === "string" ? byId.get(id) : undefined),
    async verifyPassword(username, password) {
      const tooLong = username.length > MAX_USERNAME_LENGTH || password.length > MAX_PASSWORD_LENGTH;
      const stored = (tooLong ? undefined : byUsername.get(username)) ?? decoy;
      const derived = await hasher(tooLong ? "" : password, stored.salt);
      // Constant-time comparison of the derived key; the decoy never matches a user.
      const matches = derived.length === stored.hash.length && timingSafeEqual(derived, stored.hash);
      return matches && stored.user !== undefined ? stored.user : null;
    },
  };
}
