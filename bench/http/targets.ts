/**
 * The HTTP bench's servers and targets. A server is one process; a target is a server, a route and a
 * session (verified, unverified or none), with the status every answer must have.
 */
import { ACCOUNT_PATH, type AppKind, MOUNTED_PATH, PLAIN_PATH, STEP_UP_PATH } from "../apps/types.js";

/** The server processes of one framework. */
export const SERVER_KINDS = {
  bare: "bare",
  app: "app",
  /** A second process of the same app: process-to-process spread, for information. */
  "app-2": "app",
} as const satisfies Record<string, AppKind>;

/** A server of {@link SERVER_KINDS}. */
export type ServerId = keyof typeof SERVER_KINDS;

/** The session a target replays. */
export type TargetSession = "none" | "verified" | "unverified";

/** The ids of {@link TARGETS}. */
export type TargetId =
  | "bare"
  | "plain"
  | "plain-again"
  | "plain-2"
  | "mounted"
  | "guard"
  | "step-up"
  | "redirect"
  | "json-401"
  | "redirect-fresh";

/**
 * One measured row.
 * @example
 * const guard = TARGETS.find((target) => target.id === "guard");
 */
export interface Target {
  readonly id: TargetId;
  /** The row as RESULTS.md names it. */
  readonly label: string;
  readonly server: ServerId;
  /** The route requested. */
  readonly path: string;
  /** Each request gets its own query string (`?n=1`, `?n=2`, ...), so each one is a new return-to. */
  readonly freshQuery?: true;
  readonly session: TargetSession;
  readonly method: "GET";
  readonly accept: string;
  /** Every answer must have this status, or the run is void. */
  readonly status: number;
}

const HTML = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
const JSON_ONLY = "application/json";

function target(fields: Omit<Target, "method" | "accept"> & { accept?: string }): Target {
  return { method: "GET", accept: HTML, ...fields };
}

/** Every target, in the order of the table. */
export const TARGETS: readonly Target[] = [
  target({
    id: "bare",
    label: "(1) framework alone",
    server: "bare",
    path: ACCOUNT_PATH,
    session: "none",
    status: 200,
  }),
  target({
    id: "plain",
    label: "(2) + session, handler reads it",
    server: "app",
    path: PLAIN_PATH,
    session: "verified",
    status: 200,
  }),
  target({
    id: "plain-again",
    label: "(2') = (2), the same server again (A/A)",
    server: "app",
    path: PLAIN_PATH,
    session: "verified",
    status: 200,
  }),
  target({
    id: "plain-2",
    label: "(2'') = (2) on a second process of the same app",
    server: "app-2",
    path: PLAIN_PATH,
    session: "verified",
    status: 200,
  }),
  target({
    id: "mounted",
    label: "(2m) = (2) behind sessionErrorHandler() and routes(), no guard",
    server: "app",
    path: MOUNTED_PATH,
    session: "verified",
    status: 200,
  }),
  target({
    id: "guard",
    label: "(3) + requireSecondFactor(), verified",
    server: "app",
    path: ACCOUNT_PATH,
    session: "verified",
    status: 200,
  }),
  target({
    id: "step-up",
    label: "(4) + requireSecondFactor({ maxAge }), verified",
    server: "app",
    path: STEP_UP_PATH,
    session: "verified",
    status: 200,
  }),
  target({
    id: "redirect",
    label: "(5a) unverified, HTML: 302 to the challenge",
    server: "app",
    path: ACCOUNT_PATH,
    session: "unverified",
    status: 302,
  }),
  target({
    id: "json-401",
    label: "(5b) unverified, JSON: 401",
    server: "app",
    path: ACCOUNT_PATH,
    session: "unverified",
    accept: JSON_ONLY,
    status: 401,
  }),
  target({
    id: "redirect-fresh",
    label: "(5c) unverified, HTML, a new URL each time: 302, writes the return-to",
    server: "app",
    path: ACCOUNT_PATH,
    freshQuery: true,
    session: "unverified",
    status: 302,
  }),
];

/**
 * The target of `id`.
 * @throws Error for an id that names no target.
 * @example
 * const guard = targetById("guard");
 */
export function targetById(id: TargetId): Target {
  const target = TARGETS.find((candidate) => candidate.id === id);
  if (target === undefined) throw new Error(`no bench target ${id}`);
  return target;
}

/**
 * The order targets are measured in: the targets of each gated ratio next to each other (time-varying
 * noise then hits both alike). Rounds alternate between this order and its reverse, so each target
 * follows each of its neighbours equally often and a drift within a round cancels out. (5c) leaves
 * the most garbage behind (a session written per request), so it sits at one end, away from the
 * gated rows, with the two other processes' targets after it: the app server idles while its
 * collector catches up, instead of charging that work to whichever row comes next.
 */
export const MEASURE_ORDER: readonly TargetId[] = [
  "redirect-fresh",
  "bare",
  "plain-2",
  "json-401",
  "redirect",
  "guard",
  "plain",
  "plain-again",
  "mounted",
  "step-up",
];

/**
 * A ratio the report shows: `numerator / denominator`, paired round by round.
 * @example
 * const row: Comparison = { label: "(3)/(2)", numerator: "guard", denominator: "plain", target: 0.98 };
 */
export interface Comparison {
  readonly label: string;
  readonly numerator: TargetId;
  readonly denominator: TargetId;
  /** The lowest acceptable ratio, or `undefined` for rows shown for information. */
  readonly target?: number;
  /** For the A/A row: the ratio must lie within 1 ± this. */
  readonly band?: number;
}

/** The ratios of the targets, plus some for information. */
export const COMPARISONS: readonly Comparison[] = [
  { label: "A/A: (2')/(2)", numerator: "plain-again", denominator: "plain", band: 0.03 },
  { label: "(2'')/(2): another process", numerator: "plain-2", denominator: "plain" },
  { label: "(2)/(1): what the session costs", numerator: "plain", denominator: "bare" },
  { label: "(3)/(2): the guard, verified", numerator: "guard", denominator: "plain", target: 0.98 },
  {
    label: "(2m)/(2): mounting routes() and sessionErrorHandler()",
    numerator: "mounted",
    denominator: "plain",
  },
  { label: "(3)/(2m): requireSecondFactor() itself", numerator: "guard", denominator: "mounted" },
  { label: "(4)/(2): step-up, verified", numerator: "step-up", denominator: "plain", target: 0.98 },
  { label: "(5a)/(3): redirect", numerator: "redirect", denominator: "guard", target: 0.95 },
  { label: "(5b)/(3): 401 JSON", numerator: "json-401", denominator: "guard", target: 0.95 },
  { label: "(5c)/(3): redirect writing the return-to", numerator: "redirect-fresh", denominator: "guard" },
  {
    label: "(5c)/(5a): what writing the return-to costs",
    numerator: "redirect-fresh",
    denominator: "redirect",
  },
];
