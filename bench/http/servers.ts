/** Starts the bench servers of one framework and the sessions their targets replay. */
import type { AppConfig } from "../apps/types.js";
import { type ChildHandle, startChild } from "../lib/child.js";
import type { BenchEnv } from "../lib/env.js";
import type { Framework } from "../lib/options.js";
import { loggedIn, verifiedCookie } from "../lib/warmup.js";
import { SERVER_KINDS, type ServerId, type TargetSession } from "./targets.js";

/**
 * A running bench server with the `Cookie` headers of the sessions its targets replay.
 * @example
 * const cookie = servers.get("app")?.cookies.verified;
 */
export interface RunningServer {
  readonly child: ChildHandle;
  readonly url: string;
  readonly cookies: Readonly<Partial<Record<Exclude<TargetSession, "none">, string>>>;
}

/**
 * Starts one bench server (pinned to the server core) and makes the sessions asked for: `verified`
 * walks the real flow, `unverified` only logs in.
 * @example
 * const server = await startServer(env, "koa", "app", ["verified"]);
 */
export async function startServer(
  env: BenchEnv,
  framework: Framework,
  id: ServerId,
  sessions: readonly TargetSession[],
): Promise<RunningServer> {
  const config: AppConfig = {
    framework,
    kind: SERVER_KINDS[id],
    emulatorUrl: env.emulator.url,
    serviceSid: env.emulator.defaultServiceSid,
  };
  const child = startChild({
    script: env.script("http/server-main.js"),
    config,
    core: env.plan.serverCore,
    plan: env.plan,
    nodeFlags: env.profileFlags,
  });
  try {
    const { url } = await child.request<{ url: string }>("start");
    const cookies: Partial<Record<Exclude<TargetSession, "none">, string>> = {};
    if (sessions.includes("verified"))
      cookies.verified = await verifiedCookie(url, env.emulator, env.nextUser());
    if (sessions.includes("unverified")) {
      const client = await loggedIn(url, env.nextUser());
      cookies.unverified = client.cookieHeader;
      client.close();
    }
    return { child, url, cookies };
  } catch (error) {
    await child.stop();
    throw error;
  }
}

/**
 * Starts every server the targets name, each with the sessions its targets replay.
 * @example
 * const servers = await startServers(env, "express", TARGETS);
 */
export async function startServers(
  env: BenchEnv,
  framework: Framework,
  targets: readonly { readonly server: ServerId; readonly session: TargetSession }[],
): Promise<Map<ServerId, RunningServer>> {
  const servers = new Map<ServerId, RunningServer>();
  try {
    for (const id of new Set(targets.map((target) => target.server))) {
      const sessions = targets.filter((target) => target.server === id).map((target) => target.session);
      servers.set(id, await startServer(env, framework, id, sessions));
    }
  } catch (error) {
    await stopServers(servers);
    throw error;
  }
  return servers;
}

/**
 * The `Cookie` header of the session `target` replays on `server` (none for a target without one).
 * @throws Error when the server has no such session.
 * @example
 * const headers = { accept: target.accept, ...sessionCookie(server, target) };
 */
export function sessionCookie(
  server: RunningServer,
  target: { readonly server: ServerId; readonly session: TargetSession },
): { cookie?: string } {
  if (target.session === "none") return {};
  const cookie = server.cookies[target.session];
  if (cookie === undefined) throw new Error(`server ${target.server} has no ${target.session} session`);
  return { cookie };
}

/**
 * Stops every server.
 * @example
 * await stopServers(servers);
 */
export async function stopServers(servers: ReadonlyMap<ServerId, RunningServer>): Promise<void> {
  await Promise.all([...servers.values()].map((server) => server.child.stop()));
}
