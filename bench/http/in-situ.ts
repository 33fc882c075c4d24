/**
 * The in-situ timing of the HTTP bench: the app server times, on real requests under load, the segment
 * from its session middleware to the handler, for each verified route in turn (see
 * `apps/segment-timer.ts`), all routes interleaved request by request.
 */
import type { SegmentStats } from "../apps/segment-timer.js";
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
 * The segment times of every route, in ns, per round (index = round).
 * @example
 * const added = result.routes.guard[0].medianNs - result.routes.plain[0].medianNs;
 */
export interface InSituResult {
  readonly rounds: number;
  readonly routes: Readonly<Record<InSituId, readonly SegmentStats[]>>;
}

/**
 * Times the segment of every route of {@link IN_SITU_ROUTES} on `server` (the app server, with its
 * verified session), in `env.options.situRounds` rounds. In a round every connection of the load
 * requests the routes in turn, one request each, so the routes share every moment of the machine's
 * noise; the order is reversed every other round.
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
  const routes = Object.fromEntries(
    IN_SITU_ROUTES.map((route) => [route.id, [] as SegmentStats[]]),
  ) as Record<InSituId, SegmentStats[]>;
  for (let round = 0; round < situRounds; round++) {
    const order = round % 2 === 0 ? IN_SITU_ROUTES : [...IN_SITU_ROUTES].reverse();
    const run: LoadRun = {
      url: server.url,
      method: "GET",
      paths: order.map((route) => route.path),
      headers: { cookie },
      connections,
      duration: seconds * IN_SITU_ROUTES.length,
    };
    await server.child.request("segments-start");
    let summary: LoadSummary;
    let report: Record<string, SegmentStats>;
    try {
      summary = await load.request<LoadSummary>("run", run);
    } finally {
      report = await server.child.request<Record<string, SegmentStats>>("segments-stop");
    }
    const wrong = Object.keys(summary.statuses).filter((status) => status !== "200");
    if (summary.requests === 0 || wrong.length > 0 || summary.errors > 0) {
      throw new Error(
        `in-situ timing: every answer must be 200; got ${JSON.stringify(summary.statuses)} and ` +
          `${summary.errors} connection errors. The measurement is void.`,
      );
    }
    for (const route of IN_SITU_ROUTES) {
      const stats = report[route.path];
      if (stats === undefined || stats.count === 0)
        throw new Error(`in-situ ${route.path}: nothing was timed`);
      routes[route.id].push(stats);
    }
  }
  return { rounds: situRounds, routes };
}
