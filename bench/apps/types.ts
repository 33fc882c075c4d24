/** What a bench server is: which framework, and whether second-factor is in it at all. */
import type { Framework } from "../lib/options.js";

/**
 * - `bare`: the framework alone, answering {@link ACCOUNT_PATH} (1);
 * - `app`: one app with the session middleware and three routes with the same handler, which reads
 *   the session: {@link PLAIN_PATH} answers before anything of second-factor runs (2);
 *   {@link ACCOUNT_PATH} is behind `requireSecondFactor()` (3, and the refusals of 5) and
 *   {@link STEP_UP_PATH} behind `requireSecondFactor({ maxAge })` (4), with `routes()` and
 *   `sessionErrorHandler()` mounted as the docs say. One process serves all three, so a ratio between
 *   them is not blurred by one process simply running faster than another.
 */
export type AppKind = "bare" | "app";

/** The route of (2): the session middleware and the handler, nothing of second-factor. */
export const PLAIN_PATH = "/plain";

/**
 * The route mounted where the guarded ones are (after `sessionErrorHandler()` and `routes()`), but
 * without a guard: what mounting second-factor costs every request of the app, guarded or not.
 */
export const MOUNTED_PATH = "/mounted";

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
