/**
 * A real PostgreSQL for the PostgreSQL suites: `initdb` in a temporary directory under os.tmpdir(), then
 * a server on 127.0.0.1 on a free port (trust authentication, user and database `postgres`, fsync off),
 * started and stopped with `pg_ctl`. PostgreSQL refuses to run as root, so under root the directory is
 * given to the `postgres` user (Debian's package creates it) and every command runs through
 * `runuser -u postgres --`.
 *
 * Whether a suite runs: under `CI=true` always (a missing or failing PostgreSQL then fails the suite);
 * elsewhere only when PostgreSQL's binaries are found, otherwise the suite prints which one did not run
 * and why, and is not run (`describe.runIf(postgresSuiteRuns("..."))`).
 */
import { execFile, spawnSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort, isCi } from "./redis-server.js";

const run = promisify(execFile);
const DEBIAN_ROOT = "/usr/lib/postgresql";

/**
 * The directory of `initdb`, `pg_ctl` and `postgres`: `POSTGRES_BIN_DIR`, else the newest Debian
 * version under /usr/lib/postgresql, else `pg_config --bindir`.
 */
function binDirectory(): string | undefined {
  if (process.env.POSTGRES_BIN_DIR) return process.env.POSTGRES_BIN_DIR;
  if (existsSync(DEBIAN_ROOT)) {
    const versions = readdirSync(DEBIAN_ROOT)
      .filter((name) => existsSync(join(DEBIAN_ROOT, name, "bin", "pg_ctl")))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0] !== undefined) return join(DEBIAN_ROOT, versions[0], "bin");
  }
  const config = spawnSync("pg_config", ["--bindir"], { encoding: "utf8" });
  return config.status === 0 ? config.stdout.trim() : undefined;
}

const asRoot = process.getuid?.() === 0;

function postgresIds(): { uid: number; gid: number } | undefined {
  const uid = spawnSync("id", ["-u", "postgres"], { encoding: "utf8" });
  const gid = spawnSync("id", ["-g", "postgres"], { encoding: "utf8" });
  if (uid.status !== 0 || gid.status !== 0) return undefined;
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/**
 * Whether PostgreSQL can be run here, and if not, why.
 * @example
 * const { available, reason } = postgresAvailability();
 */
export function postgresAvailability(): { available: boolean; reason: string } {
  const bin = binDirectory();
  if (bin === undefined || !existsSync(join(bin, "initdb")) || !existsSync(join(bin, "pg_ctl"))) {
    return { available: false, reason: "no PostgreSQL binaries were found (initdb, pg_ctl)" };
  }
  if (asRoot && postgresIds() === undefined) {
    return {
      available: false,
      reason: "this runs as root and there is no `postgres` user to run PostgreSQL as",
    };
  }
  return { available: true, reason: bin };
}

/**
 * Decides whether the PostgreSQL suite named `suite` runs, printing plainly why when it does not.
 * @example
 * describe.runIf(postgresSuiteRuns("the PostgreSQL factor store"))("...", () => { ... });
 */
export function postgresSuiteRuns(suite: string): boolean {
  const { available, reason } = postgresAvailability();
  if (available || isCi()) return true;
  console.warn(
    `[postgres] NOT RUN: the suite "${suite}" needs PostgreSQL, and ${reason}. ` +
      "Install it (Debian: apt-get install postgresql) to run it; with CI=true it fails instead.",
  );
  return false;
}

/** A running PostgreSQL server. */
export interface PostgresServer {
  readonly port: number;
  /** Connection settings for `new Pool({ ...server.connection })`. */
  readonly connection: { host: string; port: number; user: string; database: string };
  /** Stops it at once (`pg_ctl stop -m immediate`, as a crash would); its data stays. */
  stop(): Promise<void>;
  /** Starts it again on the same port and waits until it accepts connections. */
  start(): Promise<void>;
  /** Stops it for good and removes its directory. */
  close(): Promise<void>;
}

const running = new Set<() => void>();
process.once("exit", () => {
  for (const stop of running) stop();
});

/**
 * Makes a new database cluster in a temporary directory and starts PostgreSQL on a free port.
 * @example
 * const server = await startPostgresServer();
 * const pool = new Pool({ ...server.connection, ...FAIL_CLOSED_PG_POOL_OPTIONS });
 */
export async function startPostgresServer(): Promise<PostgresServer> {
  const bin = binDirectory();
  const ids = asRoot ? postgresIds() : undefined;
  if (bin === undefined || (asRoot && ids === undefined)) {
    const why = isCi() ? " (CI=true: the PostgreSQL suites must run; apt-get install -y postgresql)" : "";
    throw new Error(`PostgreSQL cannot be started${why}: ${postgresAvailability().reason}`);
  }
  const directory = mkdtempSync(join(tmpdir(), "sf-postgres-"));
  const data = join(directory, "data");
  const socket = join(directory, "socket");
  if (ids !== undefined) {
    chownSync(directory, ids.uid, ids.gid);
    chmodSync(directory, 0o700);
  }
  /** Runs `program` as the postgres user when this process is root. */
  const asPostgres = (program: string, args: string[]) =>
    asRoot ? run("runuser", ["-u", "postgres", "--", program, ...args]) : run(program, args);
  const pgCtl = (args: string[]) => asPostgres(join(bin, "pg_ctl"), ["-D", data, ...args]);
  try {
    await asPostgres(join(bin, "initdb"), [
      "-D",
      data,
      "-U",
      "postgres",
      "--auth=trust",
      "--no-sync",
      "-E",
      "UTF8",
      "--no-locale",
    ]);
    await asPostgres("mkdir", [socket]);
  } catch (error) {
    rmSync(directory, { recursive: true, force: true });
    throw new Error(`initdb failed: ${String((error as { stderr?: string }).stderr ?? error)}`);
  }
  let port = 0;
  const startOn = async (chosen: number) => {
    const options = `-p ${chosen} -k ${socket} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off`;
    await pgCtl(["-l", join(directory, "log"), "-o", options, "-w", "-t", "20", "start"]);
  };
  const stopNow = () => {
    const args = [join(bin, "pg_ctl"), "-D", data, "-m", "immediate", "-w", "stop"];
    if (asRoot) spawnSync("runuser", ["-u", "postgres", "--", ...args]);
    else spawnSync(args[0] as string, args.slice(1));
  };
  let lastError: unknown;
  for (let attempt = 0; attempt < 3 && port === 0; attempt += 1) {
    const chosen = await freePort();
    try {
      await startOn(chosen);
      port = chosen;
    } catch (error) {
      lastError = error;
    }
  }
  if (port === 0) {
    rmSync(directory, { recursive: true, force: true });
    throw new Error(
      `PostgreSQL did not start: ${String((lastError as { stderr?: string }).stderr ?? lastError)}`,
    );
  }
  running.add(stopNow);
  return {
    port,
    connection: { host: "127.0.0.1", port, user: "postgres", database: "postgres" },
    stop: async () => {
      await pgCtl(["-m", "immediate", "-w", "stop"]);
    },
    start: async () => {
      await startOn(port);
    },
    close: async () => {
      await pgCtl(["-m", "immediate", "-w", "stop"]).catch(() => undefined);
      running.delete(stopNow);
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
