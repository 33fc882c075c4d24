/**
 * A real local Redis Cluster for the cluster suites: three masters (no replicas), each a
 * `redis-server --cluster-enabled yes` child process on a free port of 127.0.0.1 (see
 * {@link startRedisServer}), joined by `redis-cli --cluster create`. One cluster per test file,
 * started once. A test can stop one master (a shard down), and restart it: it keeps its `nodes.conf`,
 * so it rejoins with its slots (and without its data: nothing is persisted).
 *
 * Whether a suite runs: as for the single server, under `CI=true` always (a missing redis-server or
 * redis-cli then fails the suite), elsewhere only when both can be found.
 */
import { execFile, spawnSync } from "node:child_process";
import { promisify } from "node:util";
import { Cluster, type ClusterOptions } from "ioredis";
import { FAIL_CLOSED_REDIS_CLUSTER_OPTIONS } from "../../src/limits/index.js";
import { isCi, type RedisServer, redisServerAvailability, startRedisServer } from "./redis-server.js";

/** The binary that joins the nodes: `REDIS_CLI_BIN`, or `redis-cli` on the PATH. */
export const REDIS_CLI_BINARY = process.env.REDIS_CLI_BIN || "redis-cli";

/**
 * How long a master may be unreachable before the others mark it failed and the cluster stops
 * answering (`CLUSTERDOWN`), in ms. Short, so the outage test sees it quickly.
 */
export const CLUSTER_NODE_TIMEOUT_MS = 1000;

const FORM_TIMEOUT_MS = 15_000;
const run = promisify(execFile);

/**
 * Decides whether the Redis Cluster suite named `suite` runs, printing plainly why when it does not.
 * @example
 * describe.runIf(redisClusterSuiteRuns("limits on a Redis Cluster"))("...", () => { ... });
 */
export function redisClusterSuiteRuns(suite: string): boolean {
  const server = redisServerAvailability();
  const cli = spawnSync(REDIS_CLI_BINARY, ["--version"], { encoding: "utf8", timeout: 5000 });
  const cliReason =
    cli.error !== undefined
      ? `\`${REDIS_CLI_BINARY}\` cannot be run (${cli.error.message})`
      : cli.status !== 0
        ? `\`${REDIS_CLI_BINARY} --version\` exited with ${cli.status}`
        : undefined;
  if ((server.available && cliReason === undefined) || isCi()) return true;
  const reason = server.available ? cliReason : server.reason;
  console.warn(
    `[redis] NOT RUN: the suite "${suite}" needs redis-server and redis-cli, and ${reason}. ` +
      "Install them (Debian: apt-get install redis-server) to run it; with CI=true it fails instead.",
  );
  return false;
}

/** A running three-master Redis Cluster. */
export interface RedisCluster {
  /** The masters, in the order `redis-cli --cluster create` got them (slots 0-5460, 5461-10922, 10923-16383). */
  readonly masters: readonly RedisServer[];
  /** `redis://127.0.0.1:P1,redis://127.0.0.1:P2,...`: what `REDIS_CLUSTER_URLS` takes. */
  readonly seedUrls: string;
  /** An ioredis Cluster with {@link FAIL_CLOSED_REDIS_CLUSTER_OPTIONS} (plus `overrides`), once ready and connected to every master. */
  client(overrides?: ClusterOptions): Promise<Cluster>;
  /** The master that holds `key`'s slot. */
  masterOf(key: string): Promise<RedisServer>;
  /** Resolves once every running master reports `cluster_state:ok`. */
  waitUntilHealthy(timeoutMs?: number): Promise<void>;
  /** Resolves once a running master reports `cluster_state:fail` (a shard is marked down). */
  waitUntilDown(timeoutMs?: number): Promise<void>;
  /** Deletes every key on every master. */
  flushAll(): Promise<void>;
  /** Stops every master and removes their directories. */
  close(): Promise<void>;
}

/**
 * Starts three cluster-enabled redis-servers and joins them into one cluster with every slot covered.
 * @example
 * const cluster = await startRedisCluster();
 * const client = await cluster.client();
 */
export async function startRedisCluster(): Promise<RedisCluster> {
  const masters: RedisServer[] = [];
  const clients: Cluster[] = [];
  try {
    for (let index = 0; index < 3; index += 1) {
      masters.push(
        await startRedisServer({
          extraArgs: [
            "--cluster-enabled",
            "yes",
            "--cluster-config-file",
            "nodes.conf",
            "--cluster-node-timeout",
            String(CLUSTER_NODE_TIMEOUT_MS),
          ],
        }),
      );
    }
    await cli([
      "--cluster",
      "create",
      ...masters.map((master) => `127.0.0.1:${master.port}`),
      "--cluster-replicas",
      "0",
      "--cluster-yes",
    ]);
  } catch (error) {
    for (const master of masters) await master.close();
    const why = isCi()
      ? " (CI=true: the Redis Cluster suites must run; install redis-server and redis-cli, e.g. apt-get install -y redis-server)"
      : "";
    throw new Error(`the Redis Cluster did not start${why}: ${String(error)}`);
  }

  const clusterState = async (master: RedisServer): Promise<string | undefined> => {
    const info = await cli(["-p", String(master.port), "CLUSTER", "INFO"]).catch(() => "");
    return /cluster_state:(\w+)/.exec(info)?.[1];
  };
  const waitFor = async (
    wanted: (states: (string | undefined)[]) => boolean,
    what: string,
    timeoutMs: number,
  ) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const states = await Promise.all(masters.map(clusterState));
      if (wanted(states)) return;
      if (Date.now() > deadline)
        throw new Error(`the Redis Cluster was not ${what} within ${timeoutMs} ms (${states})`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  const cluster: RedisCluster = {
    masters,
    seedUrls: masters.map((master) => master.url).join(","),
    async client(overrides = {}) {
      const client = new Cluster(
        masters.map((master) => ({ host: "127.0.0.1", port: master.port })),
        { ...FAIL_CLOSED_REDIS_CLUSTER_OPTIONS, ...overrides },
      );
      client.on("error", () => undefined);
      clients.push(client);
      if (client.status !== "ready") {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error(`the Cluster client was not ready (${client.status})`)),
            5000,
          );
          client.once("ready", () => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      // With the cluster's offline queue off, a command meets a node still connecting with a refusal:
      // connect every master now, as docs/scaling.md asks of apps before they serve.
      await Promise.all(client.nodes("master").map((node) => node.ping()));
      return client;
    },
    async masterOf(key) {
      const port = String(masters[0]?.port);
      const slot = Number(await cli(["-p", port, "CLUSTER", "KEYSLOT", key]));
      // CLUSTER NODES lines: "<id> 127.0.0.1:<port>@<bus port> <flags> ... <first>-<last> ...".
      for (const line of (await cli(["-p", port, "CLUSTER", "NODES"])).split("\n")) {
        const fields = line.split(" ");
        const nodePort = Number(/:(\d+)@/.exec(fields[1] ?? "")?.[1]);
        const owns = fields.slice(8).some((range) => {
          const [first, last = first] = range.split("-").map(Number);
          return first !== undefined && last !== undefined && slot >= first && slot <= last;
        });
        const owner = masters.find((master) => master.port === nodePort);
        if (owns && owner !== undefined) return owner;
      }
      throw new Error(`no master holds slot ${slot}`);
    },
    waitUntilHealthy: (timeoutMs = FORM_TIMEOUT_MS) =>
      waitFor((states) => states.every((state) => state === "ok"), "healthy", timeoutMs),
    waitUntilDown: (timeoutMs = FORM_TIMEOUT_MS) =>
      waitFor((states) => states.includes("fail"), "marked down", timeoutMs),
    async flushAll() {
      for (const master of masters) await cli(["-p", String(master.port), "FLUSHALL"]);
    },
    async close() {
      for (const client of clients) client.disconnect();
      for (const master of masters) await master.close();
    },
  };
  await cluster.waitUntilHealthy();
  return cluster;
}

async function cli(args: readonly string[]): Promise<string> {
  const { stdout } = await run(REDIS_CLI_BINARY, ["-h", "127.0.0.1", ...args], { timeout: FORM_TIMEOUT_MS });
  return stdout.trim();
}
