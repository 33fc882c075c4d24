/**
 * The in-situ timing of the HTTP bench: the app server times, on real requests, the segment from its
 * session middleware to the handler under full load, and the whole request (listener to `finish`) on
 * two connections, for each verified route in turn (see `apps/segment-timer.ts`), all routes
 * interleaved request by request.
 */
import type { InSituReport, SegmentStats } from "../apps/segment-timer.js";
import { ACCOUNT_PATH, HAND_PATH, MOUNTED_PATH, PLAIN_PATH, STEP_UP_PATH } from "../apps/types.js";
import type { ChildHandle } from "../lib/child.js";
import type { BenchEnv } from "../lib/env.js";
import type { LoadRun, LoadSummary } from "./load-main.js";
import type { RunningServer } from "./servers.js";

/** The routes timed in situ, in the order of the table; each answers 200 to the verified session. */
export const IN_SITU_ROUTES = [
  { id: "plain", path: PLAIN_PATH, label: "(2) the session middleware, then the handler" },
  { id: "mounted", path: MOUNTED_PATH, label: "(2m) behind sessionErrorHandler() and routes()" },
  { id: "hand", path: HAND_PATH, label: "(2h) = (2m) + a hand-written check of the record's timestamp" },
  { id: "guard", path: ACCOUNT_PATH, label: "(3) = (2m) + requireSecondFactor()" },
  { id: "step-up", path: STEP_UP_PATH, label: "(4) = (2m) + requireSecondFactor({ maxAge })" },
] as const;

/** A route of {@link IN_SITU_ROUTES}. */
export type InSituId = (typeof IN_SITU_ROUTES)[number]["id"];

/**
 * Connections of the whole-request timing: few, so that the time from the listener to `finish` holds
 * at most one other request's work besides this one's (both connections request every route in turn,
 * so that work falls on every route alike). On one connection the server idles between requests: in a
 * trial on Koa the times came out 40 % longer and three times as noisy.
 */
export const WHOLE_REQUEST_CONNECTIONS = 2;

/**
 * The times of every route, in ns, per round (index = round).
 * @example
 * const added = result.routes.guard[0].medianNs - result.routes.plain[0].medianNs;
 */
export interface InSituResult {
  readonly rounds: number;
  /** The segment from the session middleware to the handler, under the bench's full load. */
  readonly routes: Readonly<Record<InSituId, readonly SegmentStats[]>>;
  /** The whole request, listener to `finish`, on {@link WHOLE_REQUEST_CONNECTIONS} connections. */
  readonly whole: Readonly<Record<InSituId, readonly SegmentStats[]>>;
}

/**
 * Times every route of {@link IN_SITU_ROUTES} on `server` (the app server, with its verified session),
 * in `env.options.situRounds` rounds. In a round, the load requests the routes in turn on every
 * connection, one request each, so the routes share every moment of the machine's noise: first with
 * the bench's connections (the segments), then on {@link WHOLE_REQUEST_CONNECTIONS} (the whole requests). The order is
 * reversed every other round.
 * @throws Error when an answer is not 200 or a route recorded nothing.
 * @example
 * const inSitu = await measureInSitu(env, load, servers.get("app"));
 */
export async function measureInSitu(
  env: BenchEnv,
  load: ChildHandle,
  server: RunningServer,
): Promise<InSituResult> {
  const { situRounds, seconds, connections } = env.options;
  const cookie = server.cookies.verified;
  if (cookie === undefined) throw new Error("the in-situ timing needs the app server's verified session");
  const perRoute = () =>
    Object.fromEntries(IN_SITU_ROUTES.map((route) => [route.id, [] as SegmentStats[]])) as Record<
      InSituId,
      SegmentStats[]
    >;
  const routes = perRoute();
  const whole = perRoute();
  for (let round = 0; round < situRounds; round++) {
    const order = round % 2 === 0 ? IN_SITU_ROUTES : [...IN_SITU_ROUTES].reverse();
    const run = (withConnections: number): LoadRun => ({
      url: server.url,
      method: "GET",
      paths: order.map((route) => route.path),
      headers: { cookie },
      connections: withConnections,
      duration: seconds * IN_SITU_ROUTES.length,
    });
    const loaded = await timed(load, server, run(connections));
    const alone = await timed(load, server, run(WHOLE_REQUEST_CONNECTIONS));
    for (const route of IN_SITU_ROUTES) {
      routes[route.id].push(statsOf(loaded.segment, route.path, "segment"));
      whole[route.id].push(statsOf(alone.whole, route.path, "whole request"));
    }
  }
  return { rounds: situRounds, routes, whole };
}

/** One stretch of load with the server's timer on. */
async function timed(load: ChildHandle, server: RunningServer, run: LoadRun): Promise<InSituReport> {
  await server.child.request("segments-start");
  let summary: LoadSummary;
  let report: InSituReport;
  try {
    summary = await load.request<LoadSummary>("run", run);
  } finally {
    report = await server.child.request<InSituReport>("segments-stop");
  }
  const wrong = Object.keys(summary.statuses).filter((status) => status !== "200");
  if (summary.requests === 0 || wrong.length > 0 || summary.errors > 0) {
    throw new Error(
      `in-situ timing: every answer must be 200; got ${JSON.stringify(summary.statuses)} and ` +
        `${summary.errors} connection errors. The measurement is void.`,
    );
  }
  return report;
}

function statsOf(report: Record<string, SegmentStats>, path: string, what: string): SegmentStats {
  const stats = report[path];
  if (stats === undefined || stats.count === 0) throw new Error(`in-situ ${path}: no ${what} was timed`);
  return stats;
}
