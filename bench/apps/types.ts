/** What a bench server is: which framework, and whether second-factor is in it at all. */
import type { Framework } from "../lib/options.js";

/**
 * - `bare`: the framework alone, answering {@link ACCOUNT_PATH} (1);
 * - `app`: the measured routes, each with the session middleware and the same handler, which reads
 *   the session: {@link PLAIN_PATH} with nothing of second-factor (2), {@link MOUNTED_PATH} behind
 *   `sessionErrorHandler()` and `routes()` (2m), {@link HAND_PATH} behind those and a hand-written
 *   check (2h), {@link ACCOUNT_PATH} behind `requireSecondFactor()` (3, and the refusals of 5) and
 *   {@link STEP_UP_PATH} behind `requireSecondFactor({ maxAge })` (4). Each route is the only one of
 *   its own app (see `route-split.ts`), so no row pays for another's router layers; one process
 *   serves them all, so a ratio between them is not blurred by one process running faster than
 *   another.
 */
export type AppKind = "bare" | "app";

/** The route of (2): the session middleware and the handler, nothing of second-factor. */
export const PLAIN_PATH = "/plain";

/**
 * The route mounted where the guarded ones are (after `sessionErrorHandler()` and `routes()`), but
 * without a guard: what mounting second-factor costs every request of the app, guarded or not.
 */
export const MOUNTED_PATH = "/mounted";

/**
 * The route mounted where the guarded ones are, behind a hand-written check of the record's timestamp
 * in place of the guard: the floor any guard could reach there.
 */
export const HAND_PATH = "/hand";

/** The route behind `requireSecondFactor()` (and the only route of a `bare` server). */
export const ACCOUNT_PATH = "/account";

/** The route behind `requireSecondFactor({ maxAge })`. */
export const STEP_UP_PATH = "/step-up";

/**
 * The configuration a bench server is started with.
 * @example
 * const config: AppConfig = { framework: "koa", kind: "app", emulatorUrl, serviceSid };
 */
export interface AppConfig {
  readonly framework: Framework;
  readonly kind: AppKind;
  /** The Verify emulator the flow talks to (the warm-up walks the real flow). */
  readonly emulatorUrl: string;
  readonly serviceSid: string;
}

/** The step-up window of {@link STEP_UP_PATH}: long enough to stay verified for a whole run. */
export const STEP_UP_MAX_AGE = "1h";

/** The body every handler answers (the session's user id appended). */
export const HANDLER_PREFIX = "hello ";
