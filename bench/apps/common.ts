/**
 * What both bench apps share: their routes, their users, the second-factor options (the real Twilio
 * provider against the emulator) and the front that gives each measured route an app of its own.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { SecondFactorUser } from "../../src/boundary.js";
import type { SecondFactorLogger } from "../../src/events.js";
import { twilioVerify } from "../../src/twilio.js";
import type { Framework } from "../options.js";

/** (2): the session middleware and the handler, nothing of second-factor. */
export const PLAIN_PATH = "/plain";
/** (3) and the refusals of (5): mounted as the docs say, behind `requireSecondFactor()`. */
export const ACCOUNT_PATH = "/account";
/** (4): the same behind `requireSecondFactor({ maxAge })`. */
export const STEP_UP_PATH = "/step-up";
/** The step-up window of {@link STEP_UP_PATH}: long enough to stay verified for a whole run. */
export const STEP_UP_MAX_AGE = "1h";
/** The body every handler answers (the session's user id appended). */
export const HANDLER_PREFIX = "hello ";
/** The session key the bench apps' login keeps the user id under. */
export const LOGIN_KEY = "userId";

/** The configuration a bench server is started with. */
export interface AppConfig {
  readonly framework: Framework;
  /** The Verify emulator the flow talks to (sessions are verified through the real flow). */
  readonly emulatorUrl: string;
  readonly serviceSid: string;
}

/** Area codes whose `555` numbers are valid for libphonenumber (checked: 10 000 numbers each). */
const AREA_CODES = ["202", "212", "312", "415", "617", "646", "718", "305", "404", "503", "206"] as const;
const users = new Map<string, SecondFactorUser>();

/**
 * The user `u<n>` with its own phone number (Twilio's five sends per number never throttle a run),
 * or `null`; the same frozen object every time, so the `user(...)` callback allocates nothing.
 */
export function userFor(id: unknown): SecondFactorUser | null {
  if (typeof id !== "string") return null;
  const known = users.get(id);
  if (known !== undefined) return known;
  const match = /^u(\d{1,9})$/.exec(id);
  if (match === null) return null;
  const n = Number(match[1]);
  const area = AREA_CODES[Math.floor(n / 10_000) % AREA_CODES.length] ?? "202";
  const user: SecondFactorUser = Object.freeze({
    id,
    phone: `+1${area}555${String(n % 10_000).padStart(4, "0")}`,
  });
  users.set(id, user);
  return user;
}

/** Warnings go to stderr once each, errors always: a bench must not hide a misconfiguration. */
function benchLogger(): SecondFactorLogger {
  const seen = new Set<string>();
  return {
    warn(message) {
      if (seen.has(message)) return;
      seen.add(message);
      process.stderr.write(`[bench server] ${message}\n`);
    },
    error(message, details) {
      process.stderr.write(`[bench server] ${message} ${JSON.stringify(details ?? {})}\n`);
    },
  };
}

/**
 * The options of `secondFactor(...)` but `user`. Every bench client comes from 127.0.0.1, so the
 * per-IP budgets are raised out of the way.
 */
export function sharedOptions(config: AppConfig) {
  return {
    provider: twilioVerify({
      accountSid: `AC${"b".repeat(32)}`,
      authToken: "0123456789abcdef0123456789abcdef",
      serviceSid: config.serviceSid,
      emulatorUrl: config.emulatorUrl,
    }),
    secret: "bench-secret-bench-secret-bench-secret-0123456789",
    // The bench users' phones are on file (the `user` callback); nothing is enrolled.
    factors: { kind: "memory" } as const,
    limits: {
      sends: { ip: { points: 1_000_000, durationSeconds: 600 } },
      checks: { ip: { points: 1_000_000, durationSeconds: 900 } },
    },
    logger: benchLogger(),
  };
}

/** A Node request listener. */
export type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Hands each request to the app of its path (query string ignored), or to `rest`. Each measured
 * route is the only route of its own app (all sharing one session store and one second-factor
 * instance), so no row pays for router layers another row's route adds in front of it.
 */
export function splitByPath(apps: ReadonlyMap<string, Listener>, rest: Listener): Listener {
  return (req, res) => {
    const url = req.url ?? "/";
    const queryAt = url.indexOf("?");
    (apps.get(queryAt === -1 ? url : url.slice(0, queryAt)) ?? rest)(req, res);
  };
}
