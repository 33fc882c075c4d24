/**
 * The HTTP bench of one framework: every target warmed up, then measured in interleaved rounds, in
 * {@link MEASURE_ORDER} and its reverse by turns, so that each target follows each of its
 * neighbours equally often (what one target leaves behind, garbage or JIT state, is shared out);
 * then the gated ratios side by side (both routes at once, on two processes of the app), and the
 * in-situ timing of the verified routes on the app server.
 */
import type { ChildHandle } from "../lib/child.js";
import type { BenchEnv } from "../lib/env.js";
import type { Framework } from "../lib/options.js";
import { type InSituResult, measureInSitu } from "./in-situ.js";
import type { LoadRun } from "./load-main.js";
import { measure, measureQuietly, type Sample } from "./measure.js";
import { type RunningServer, sessionCookie, startServers, stopServers } from "./servers.js";
import { measureSideBySide, SIDE_BY_SIDE_SERVERS, type SideBySideResult } from "./side-by-side.js";
import { MEASURE_ORDER, TARGETS, type Target, type TargetId, targetById } from "./targets.js";

/**
 * Every round's sample of every target of one framework (index = round).
 * @example
 * const guardRps = result.samples.guard.map((sample) => sample.rps);
 */
export interface HttpResult {
  readonly framework: Framework;
  readonly rounds: number;
  readonly samples: Readonly<Record<TargetId, readonly Sample[]>>;
  /** The gated ratios measured with both routes served at once, on two processes of the app. */
  readonly sideBySide: SideBySideResult;
  /** The segment from the session middleware to the handler, timed inside the app server. */
  readonly inSitu: InSituResult;
}

/**
 * Runs the HTTP bench of `framework` with the load process `load`.
 * @example
 * const result = await runHttpBench(env, load, "express");
 */
export async function runHttpBench(
  env: BenchEnv,
  load: ChildHandle,
  framework: Framework,
): Promise<HttpResult> {
  const { rounds, seconds, warmupSeconds, connections } = env.options;
  // The side-by-side measurement serves every session on both processes of the app.
  const sideBySideSessions = SIDE_BY_SIDE_SERVERS.flatMap((server) =>
    (["verified", "unverified"] as const).map((session) => ({ server, session })),
  );
  const servers = await startServers(env, framework, [...TARGETS, ...sideBySideSessions]);
  try {
    const runOf = (target: Target, duration: number): LoadRun => {
      const server = serverOf(servers, target);
      return {
        url: `${server.url}${target.path}`,
        method: target.method,
        ...(target.freshQuery ? { freshQuery: true } : {}),
        headers: { accept: target.accept, ...sessionCookie(server, target) },
        connections,
        duration,
      };
    };
    if (warmupSeconds > 0) {
      env.log(`${framework}: warming up ${TARGETS.length} targets (${warmupSeconds}s each)`);
      for (const target of TARGETS)
        await measure(load, serverOf(servers, target).child, runOf(target, warmupSeconds), target);
    }
    const samples = Object.fromEntries(TARGETS.map((target) => [target.id, [] as Sample[]])) as Record<
      TargetId,
      Sample[]
    >;
    const order = MEASURE_ORDER.map((id) => targetById(id));
    if (new Set(MEASURE_ORDER).size !== TARGETS.length)
      throw new Error("MEASURE_ORDER must name every target once");
    for (let round = 0; round < rounds; round++) {
      env.log(`${framework}: round ${round + 1}/${rounds}`);
      for (const target of round % 2 === 0 ? order : [...order].reverse()) {
        const sample = await measureQuietly(
          load,
          serverOf(servers, target).child,
          runOf(target, seconds),
          target,
          {
            maxForeign: env.options.maxForeign,
            retries: env.options.retries,
          },
        );
        samples[target.id].push(sample);
      }
    }
    env.log(`${framework}: side by side, ${env.options.sideRounds} rounds`);
    const sideBySide = await measureSideBySide(env, load, servers);
    const app = servers.get("app");
    if (app === undefined) throw new Error("no app server");
    env.log(`${framework}: in-situ timing, ${env.options.situRounds} rounds`);
    const inSitu = await measureInSitu(env, load, app);
    return { framework, rounds, samples, sideBySide, inSitu };
  } finally {
    await stopServers(servers);
  }
}

function serverOf(servers: ReadonlyMap<string, RunningServer>, target: Target): RunningServer {
  const server = servers.get(target.server);
  if (server === undefined) throw new Error(`no server ${target.server} for target ${target.id}`);
  return server;
}
