/**
 * A real `redis-server` for the Redis suites: a child process on 127.0.0.1 on a free port, with no
 * persistence (`--save "" --appendonly no`), that a test can stop, restart on the same port, or pause
 * (SIGSTOP, a Redis that stops answering) for the outage tests.
 *
 * Whether a suite runs: under `CI=true` always (a missing or failing redis-server then fails the suite);
 * elsewhere only when `redis-server` can be found, otherwise the suite prints which one did not run and
 * why, and is not run (`describe.runIf(redisSuiteRuns("..."))`).
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The binary started: `REDIS_SERVER_BIN`, or `redis-server` on the PATH (Debian: /usr/bin/redis-server). */
export const REDIS_SERVER_BINARY = process.env.REDIS_SERVER_BIN || "redis-server";

const START_TIMEOUT_MS = 10_000;

/** True when the environment says CI (`CI=true` or `CI=1`). */
export function isCi(): boolean {
  return process.env.CI === "true" || process.env.CI === "1";
}

/**
 * Whether `redis-server` can be run here, and if not, why.
 * @example
 * const { available, reason } = redisServerAvailability();
 */
export function redisServerAvailability(): { available: boolean; reason: string } {
  const result = spawnSync(REDIS_SERVER_BINARY, ["--version"], { encoding: "utf8", timeout: 5000 });
  if (result.error !== undefined) {
    return { available: false, reason: `\`${REDIS_SERVER_BINARY}\` cannot be run (${result.error.message})` };
  }
  if (result.status !== 0) {
    return { available: false, reason: `\`${REDIS_SERVER_BINARY} --version\` exited with ${result.status}` };
  }
  return { available: true, reason: result.stdout.trim() };
}

/**
 * Decides whether the Redis suite named `suite` runs, printing plainly why when it does not.
 * @example
 * describe.runIf(redisSuiteRuns("limits on Redis"))("limits on Redis", () => { ... });
 */
export function redisSuiteRuns(suite: string): boolean {
  const { available, reason } = redisServerAvailability();
  if (available || isCi()) return true;
  console.warn(
    `[redis] NOT RUN: the suite "${suite}" needs redis-server, and ${reason}. ` +
      "Install it (Debian: apt-get install redis-server) to run it; with CI=true it fails instead.",
  );
  return false;
}

/** A running redis-server child process. */
export interface RedisServer {
  readonly port: number;
  /** `redis://127.0.0.1:PORT`. */
  readonly url: string;
  /** Kills the server (as a crash would); its data is gone. */
  stop(): Promise<void>;
  /** Starts it again on the same port and waits until it answers PING. */
  restart(): Promise<void>;
  /** Freezes it (SIGSTOP): connections stay open but nothing is answered. */
  pause(): void;
  /** Thaws a paused server (SIGCONT). */
  resume(): void;
  /** Stops it for good and removes its working directory. */
  close(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

/**
 * Starts a redis-server on 127.0.0.1 on a free port (`extraArgs`: more `redis-server` arguments, kept
 * across restarts; a working directory of its own, also kept, for a cluster node's `nodes.conf`).
 * @example
 * const server = await startRedisServer();
 * const client = new Redis(server.url, { ...FAIL_CLOSED_REDIS_OPTIONS });
 */
export async function startRedisServer(
  options: { readonly extraArgs?: readonly string[] } = {},
): Promise<RedisServer> {
  const directory = mkdtempSync(join(tmpdir(), "sf-redis-"));
  const extraArgs = options.extraArgs ?? [];
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const port = await freePort();
    try {
      let child = await launch(port, directory, extraArgs);
      return {
        port,
        url: `redis://127.0.0.1:${port}`,
        stop: async () => {
          await kill(child);
        },
        restart: async () => {
          await kill(child);
          child = await launch(port, directory, extraArgs);
        },
        pause: () => {
          child.kill("SIGSTOP");
        },
        resume: () => {
          child.kill("SIGCONT");
        },
        close: async () => {
          child.kill("SIGCONT");
          await kill(child);
          rmSync(directory, { recursive: true, force: true });
        },
      };
    } catch (error) {
      lastError = error;
    }
  }
  rmSync(directory, { recursive: true, force: true });
  const why = isCi()
    ? " (CI=true: the Redis suites must run; install redis-server, e.g. apt-get install -y redis-server)"
    : "";
  throw new Error(`redis-server did not start${why}: ${String(lastError)}`);
}

async function launch(port: number, directory: string, extraArgs: readonly string[]): Promise<ChildProcess> {
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"];
  args.push(
    "--dir",
    directory,
    "--daemonize",
    "no",
    "--maxmemory-policy",
    "noeviction",
    "--loglevel",
    "warning",
    ...extraArgs,
  );
  const child = spawn(REDIS_SERVER_BINARY, args, { stdio: ["ignore", "pipe", "pipe"] });
  running.add(child);
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  const exited = new Promise<never>((_, reject) => {
    child.once("error", (error) => reject(error));
    child.once("exit", (code, signal) =>
      reject(new Error(`redis-server exited (${code ?? signal}) before answering: ${output.trim()}`)),
    );
  });
  exited.catch(() => undefined);
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const answered = await Promise.race([ping(port), exited]);
    if (answered) return child;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  await kill(child);
  throw new Error(
    `redis-server on port ${port} did not answer PING within ${START_TIMEOUT_MS} ms: ${output.trim()}`,
  );
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    running.delete(child);
    return;
  }
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGKILL");
  await exited;
  running.delete(child);
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    const done = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(500, () => done(false));
    socket.once("error", () => done(false));
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.once("data", (data) => done(data.toString("utf8").startsWith("+PONG")));
  });
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => {
        if (typeof address === "object" && address !== null) resolve(address.port);
        else reject(new Error("no port"));
      });
    });
  });
}
