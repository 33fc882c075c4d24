import { isIP } from "node:net";
import type { HostCheck } from "./server.js";

const WILDCARD = new Set(["0.0.0.0", "::"]);

function withPort(name: string, port: number): string[] {
  const host = name.includes(":") ? `[${name}]` : name;
  return port === 80 ? [host, `${host}:80`] : [`${host}:${port}`];
}

/** Accepts exactly these `Host` values (compared in lower case). */
export function exactHosts(names: readonly string[]): HostCheck {
  const allowed = new Set(names.map((name) => name.toLowerCase()));
  return {
    allows: (host) => host !== undefined && allowed.has(host.toLowerCase()),
    describe: () => [...allowed].join(", "),
  };
}

/**
 * The `Host` values a listener on `bindHost:port` answers: its loopback names, the host it was told
 * to bind, and, on a wildcard bind (allowRemote), any IP literal: DNS rebinding needs a name.
 */
export function listenerHosts(bindHost: string, port: number): HostCheck {
  const names = ["127.0.0.1", "localhost", "::1"];
  if (!WILDCARD.has(bindHost)) names.push(bindHost);
  const exact = exactHosts(names.flatMap((name) => withPort(name, port)));
  if (!WILDCARD.has(bindHost)) return exact;
  return {
    allows: (host) => {
      if (exact.allows(host)) return true;
      const match = host === undefined ? null : /^\[?([^\]]+?)\]?:(\d+)$/.exec(host);
      return match !== null && Number(match[2]) === port && isIP(match[1] ?? "") !== 0;
    },
    describe: () => `${exact.describe()}, or any IP address of this machine with port ${port}`,
  };
}
