/** Starts a bench server of one framework, with the sessions its measurements replay. */
import type { AppConfig } from "../apps/common.js";
import type { BenchEnv } from "../lib/env.js";
import { loggedIn, verifiedCookie } from "../lib/http-client.js";
import type { ChildHandle } from "../lib/processes.js";
import type { Framework } from "../options.js";

/** A session a measurement replays: verified through the real flow, or only logged in. */
export type SessionKind = "verified" | "unverified";

/** A running bench server and the `Cookie` headers of its sessions. */
export interface RunningServer {
  readonly child: ChildHandle;
  readonly url: string;
  readonly cookies: Readonly<Record<SessionKind, string>>;
}

/** Starts one bench server pinned to the server core, and makes a verified and an unverified session. */
export async function startServer(env: BenchEnv, framework: Framework): Promise<RunningServer> {
  const config: AppConfig = {
    framework,
    emulatorUrl: env.emulator.url,
    serviceSid: env.emulator.defaultServiceSid,
  };
  const child = env.start("http/server-main.js", config, env.plan.serverCore);
  try {
    const { url } = await child.request<{ url: string }>("start");
    const verified = await verifiedCookie(url, env.emulator, env.nextUser());
    const client = await loggedIn(url, env.nextUser());
    client.close();
    return { child, url, cookies: { verified, unverified: client.cookieHeader } };
  } catch (error) {
    await child.stop();
    throw error;
  }
}
