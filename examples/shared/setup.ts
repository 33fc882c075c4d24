/**
 * Everything an example app needs, built from the environment in one place: configuration, storage,
 * users, and the Verify provider. `server.ts` and the tests both start the apps through it.
 */
import { hkdfSync } from "node:crypto";
import type { FactorStore, SecondFactorEvent, VerificationProvider } from "../../src/index.js";
import { type Env, type ExampleConfig, loadConfig } from "./config.js";
import {
  enrolDemoPhones,
  type FactorBackend,
  type OpenedFactorStore,
  openFactorStore,
} from "./factor-storage.js";
import { openStorage, type StorageBackend } from "./storage.js";
import { createUserDirectory, DEMO_ACCOUNTS, type DemoAccount, type UserDirectory } from "./users.js";
import { connectVerify, type VerifyConnection } from "./verify.js";

/** What `createApp(setup)` of either example takes. */
export interface ExampleSetup {
  /** Sends and checks codes (Twilio Verify, or an emulator through the same provider). */
  readonly provider: VerificationProvider;
  /** The demo accounts (the pages list them) and the password check. */
  readonly accounts: readonly DemoAccount[];
  readonly users: UserDirectory;
  /** The step-up window of `/transfer`: `STEP_UP_MAX_AGE` as given, and in ms. */
  readonly stepUp: { readonly label: string; readonly ms: number };
  /** How recent the second factor must be to change factors (`MANAGE_MAX_AGE`): as given, and in ms. */
  readonly manage: { readonly label: string; readonly ms: number };
  /** Signs the session cookie (`SESSION_SECRET`). */
  readonly sessionSecret: string;
  /** The library's `secret` (keys its budgets), derived from the session secret. */
  readonly secondFactorSecret: Uint8Array;
  /** Where sessions and budgets live. */
  readonly storage: StorageBackend;
  /** The enrolled factors (the library's `factors` option), with alice's and carol's phones in it. */
  readonly factors: FactorStore;
  /** Where {@link factors} keeps them. */
  readonly factorBackend: FactorBackend;
  /** The emulator's inbox, linked from the home page; `undefined` with real Twilio. */
  readonly inboxUrl: string | undefined;
  /** The app clock (ms): the library's `now`, and the pages' "when". @default Date.now */
  readonly now: () => number;
  /** Receives the library's events (the server prints them). @default none */
  readonly onEvent: ((event: SecondFactorEvent) => void) | undefined;
  /** Where unexpected errors of the app's own routes are reported. @default console.error */
  readonly logError: (error: unknown) => void;
  /** Passkeys (the library's `webauthn` option), from `PUBLIC_URL`: rpId its host, origin its origin. */
  readonly webauthn: { readonly rpId: string; readonly rpName: string; readonly origins: readonly string[] };
}

/** A prepared example: its setup, and what it started (an embedded emulator) to close afterwards. */
export interface PreparedExample {
  readonly config: ExampleConfig;
  readonly setup: ExampleSetup;
  readonly verify: VerifyConnection;
  /** Lines to print on stderr at start (a random `SESSION_SECRET`, ignored variables, ...). */
  readonly warnings: readonly string[];
  /** Stops the embedded emulator, if any, and closes the Redis and PostgreSQL connections, if any. */
  close(): Promise<void>;
}

/** Options of {@link prepareExample} that tests and the server set. */
export interface PrepareOptions {
  /** The app's default port: 3000 for Express, 3001 for Koa. */
  readonly defaultPort: number;
  /** @default Date.now */
  readonly now?: () => number;
  /** @default none */
  readonly onEvent?: (event: SecondFactorEvent) => void;
  /** @default console.error */
  readonly logError?: (error: unknown) => void;
}

/**
 * Reads `env`, hashes the demo passwords, opens the storage (memory, or Redis for `REDIS_URL` or
 * `REDIS_CLUSTER_URLS`) and the
 * factor store (PostgreSQL for `DATABASE_URL`, else where the sessions are), enrols the demo phones, and
 * connects Verify (starting an embedded emulator when the environment names neither Twilio nor an
 * emulator). Throws `ExampleConfigError` for a configuration it refuses.
 * @example
 * const example = await prepareExample(process.env, { defaultPort: 3000 });
 * const app = createApp(example.setup);
 */
export async function prepareExample(env: Env, options: PrepareOptions): Promise<PreparedExample> {
  const { config, warnings } = loadConfig(env, { port: options.defaultPort });
  const users = await createUserDirectory({ accounts: DEMO_ACCOUNTS });
  const { storage, close: closeStorage } = await openStorage(config.redisUrl, config.redisClusterUrls);
  const now = options.now ?? Date.now;
  let factors: OpenedFactorStore | undefined;
  let verify: VerifyConnection;
  try {
    factors = await openFactorStore(config.databaseUrl, storage);
    await enrolDemoPhones(factors.store, DEMO_ACCOUNTS, now());
    verify = await connectVerify(config.verify);
  } catch (error) {
    await factors?.close();
    await closeStorage();
    throw error;
  }
  const opened = factors;
  const setup: ExampleSetup = {
    provider: verify.provider,
    accounts: DEMO_ACCOUNTS,
    users,
    stepUp: { label: config.stepUpMaxAge, ms: config.stepUpMaxAgeMs },
    manage: { label: config.manageMaxAge, ms: config.manageMaxAgeMs },
    sessionSecret: config.sessionSecret,
    secondFactorSecret: deriveSecondFactorSecret(config.sessionSecret),
    storage,
    factors: opened.store,
    factorBackend: opened.backend,
    inboxUrl: verify.inboxUrl,
    now,
    onEvent: options.onEvent,
    logError: options.logError ?? ((error) => console.error(error)),
    webauthn: {
      rpId: config.publicUrl.rpId,
      rpName: "second-factor example",
      origins: [config.publicUrl.origin],
    },
  };
  return {
    config,
    setup,
    verify,
    warnings,
    close: async () => {
      await verify.close();
      await opened.close();
      await closeStorage();
    },
  };
}

/**
 * The library's budget secret (32 bytes), derived from the session secret so that instances sharing
 * `SESSION_SECRET` share budgets, while neither secret can be computed from the other's use.
 * @example
 * secondFactor({ provider, user, secret: deriveSecondFactorSecret(process.env.SESSION_SECRET) });
 */
export function deriveSecondFactorSecret(sessionSecret: string): Uint8Array {
  return new Uint8Array(hkdfSync("sha256", sessionSecret, "second-factor example", "budget keys", 32));
}
