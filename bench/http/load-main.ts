/**
 * The load generator: autocannon (programmatic) in its own process, pinned away from the server.
 * The runner sends one `run` per measurement and gets a summary back.
 */
import autocannon from "autocannon";
import { serveRunner } from "../lib/processes.js";

/** One measurement: `duration` seconds (or `amount` requests) of `method url` with `headers`. */
export interface LoadRun {
  readonly url: string;
  readonly method: "GET";
  /** Give each request its own query string (`?n=1`, `?n=2`, ...). @default false */
  readonly freshQuery?: boolean;
  readonly headers: Readonly<Record<string, string>>;
  readonly connections: number;
  /** Seconds of load (whole seconds: autocannon stops on its one-second tick). */
  readonly duration?: number;
  readonly amount?: number;
}

/** What one measurement saw: completed requests, wall seconds, p99 in ms, answers per status, errors. */
export interface LoadSummary {
  readonly requests: number;
  readonly seconds: number;
  readonly p99: number;
  readonly statuses: Readonly<Record<string, number>>;
  /** Connection errors and timeouts. */
  readonly errors: number;
}

/** Numbers the fresh query strings across runs, so no two requests of a process share one. */
let freshCounter = 0;

function run(payload: unknown): Promise<LoadSummary> {
  const options = payload as LoadRun;
  const path = new URL(options.url).pathname;
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: options.url,
        method: options.method,
        headers: { ...options.headers },
        connections: options.connections,
        pipelining: 1,
        ...(options.freshQuery
          ? {
              requests: [
                { setupRequest: (request) => ({ ...request, path: `${path}?n=${++freshCounter}` }) },
              ],
            }
          : {}),
        ...(options.amount === undefined ? { duration: options.duration ?? 1 } : { amount: options.amount }),
      },
      (error, result) => {
        if (error) {
          reject(error);
          return;
        }
        const statuses: Record<string, number> = {};
        for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) {
          statuses[code] = stat.count ?? 0;
        }
        resolve({
          requests: result.requests.total,
          // start and finish are in ms; `duration` is rounded to 10 ms, 1 % of a 1-second run.
          seconds: (result.finish.getTime() - result.start.getTime()) / 1000,
          p99: result.latency.p99,
          statuses,
          errors: result.errors + result.timeouts,
        });
      },
    );
  });
}

/** Several runs at once (each its own autocannon instance), for servers measured side by side. */
function runTogether(payload: unknown): Promise<LoadSummary[]> {
  return Promise.all((payload as LoadRun[]).map((each) => run(each)));
}

serveRunner({ run, "run-together": runTogether });
