import { readFileSync, realpathSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startEmulator } from "./start.js";
import type { EmulatorOptions, EmulatorProxy, VerifyEmulator } from "./types.js";

/** The CLI's port when neither `--port` nor `PORT` is given. */
export const DEFAULT_CLI_PORT = 4010;

/** Where the CLI writes and what it listens to; tests pass their own. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  env: Readonly<Record<string, string | undefined>>;
  /** Registers a handler for SIGINT/SIGTERM; returns a function that removes it. */
  onSignal(handler: (signal: "SIGINT" | "SIGTERM") => void): () => void;
}

/** A CLI run: `exitCode` settles when the process should exit (at once for `--help` and bad flags). */
export interface CliRun {
  exitCode: Promise<number>;
  /** The running emulator, when one was started. */
  emulator?: VerifyEmulator;
}

const USAGE = `Usage: second-factor-emulator [options]

A local Twilio Verify v2 emulator, for development and tests only.

Options:
  --port N            port to listen on (default: $PORT, else ${DEFAULT_CLI_PORT}; 0 = any free port)
  --host H            interface to bind (default 127.0.0.1; others need --allow-remote)
  --allow-remote      allow a non-loopback --host (needs --token and --account-sid/--auth-token)
  --token T           bearer token for /inbox and /control (at least 16 characters)
  --account-sid AC…   accept only this account SID on the Verify API (with --auth-token)
  --auth-token T      accept only this auth token on the Verify API (with --account-sid)
  --proxy             also be an HTTPS proxy for verify.twilio.com, so any Twilio SDK reaches
                      the emulator with only environment variables set (prints them)
  --ca-cert FILE      with --proxy: the CA certificate to use (PEM) instead of a new one
  --ca-key FILE       with --proxy: that CA's private key (PEM, RSA, unencrypted)
  --verbose           log one line per request
  --help              show this help`;

class UsageError extends Error {}

const VALUE_FLAGS = new Set([
  "--port",
  "--host",
  "--token",
  "--account-sid",
  "--auth-token",
  "--ca-cert",
  "--ca-key",
]);
const BOOLEAN_FLAGS = new Set(["--allow-remote", "--verbose", "--help", "--proxy"]);

function parsePort(raw: string, source: string): number {
  if (!/^\d{1,5}$/.test(raw) || Number(raw) > 65_535) {
    throw new UsageError(`${source} must be a port number from 0 to 65535; got "${raw}"`);
  }
  return Number(raw);
}

function readPem(path: string, flag: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw new UsageError(
      `${flag}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? "error"})`,
    );
  }
}

/** The lines that send a Twilio SDK through the proxy, with what Python's SDK needs on top. */
function proxyLines(proxy: EmulatorProxy, caFile: string): string[] {
  return [
    "Proxy mode: verify.twilio.com is answered here (TLS with the emulator's CA); nothing is forwarded.",
    "Set these in the environment of the app under test:",
    `HTTP_PROXY=${proxy.url}`,
    `HTTPS_PROXY=${proxy.url}`,
    `NODE_EXTRA_CA_CERTS=${caFile}`,
    "Python's twilio SDK trusts only the system store (it ignores REQUESTS_CA_BUNDLE): on Debian/Ubuntu,",
    `  sudo cp ${caFile} /usr/local/share/ca-certificates/second-factor-emulator.crt && sudo update-ca-certificates`,
    "  (keep one CA across runs with --ca-cert/--ca-key; see docs/offline-testing.md)",
  ];
}

/** Parses argv into emulator options; throws UsageError on anything it does not know. */
function parseArgs(
  argv: readonly string[],
  env: CliIo["env"],
): { help: boolean; verbose: boolean; options: EmulatorOptions; caFile?: string } {
  const values = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    const eq = arg.indexOf("=");
    const name = arg.startsWith("--") && eq > 0 ? arg.slice(0, eq) : arg;
    if (BOOLEAN_FLAGS.has(name)) {
      if (eq > 0) throw new UsageError(`${name} takes no value`);
      flags.add(name);
    } else if (VALUE_FLAGS.has(name)) {
      const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined || value === "" || (eq < 0 && value.startsWith("--"))) {
        throw new UsageError(`${name} needs a value`);
      }
      values.set(name, value);
    } else {
      throw new UsageError(`unknown argument "${arg}"`);
    }
  }
  const options: EmulatorOptions = {};
  const port = values.get("--port");
  if (port !== undefined) options.port = parsePort(port, "--port");
  else if (env.PORT !== undefined && env.PORT !== "") options.port = parsePort(env.PORT, "PORT");
  else options.port = DEFAULT_CLI_PORT;
  const host = values.get("--host");
  if (host !== undefined) options.host = host;
  if (flags.has("--allow-remote")) options.allowRemote = true;
  const token = values.get("--token");
  if (token !== undefined) options.token = token;
  const accountSid = values.get("--account-sid");
  const authToken = values.get("--auth-token");
  if ((accountSid === undefined) !== (authToken === undefined)) {
    throw new UsageError("--account-sid and --auth-token go together");
  }
  if (accountSid !== undefined && authToken !== undefined) options.credentials = { accountSid, authToken };
  const caCert = values.get("--ca-cert");
  const caKey = values.get("--ca-key");
  if ((caCert === undefined) !== (caKey === undefined))
    throw new UsageError("--ca-cert and --ca-key go together");
  if (caCert !== undefined && !flags.has("--proxy"))
    throw new UsageError("--ca-cert and --ca-key need --proxy");
  if (caCert !== undefined && caKey !== undefined) {
    options.proxy = { ca: { cert: readPem(caCert, "--ca-cert"), key: readPem(caKey, "--ca-key") } };
  } else if (flags.has("--proxy")) {
    options.proxy = true;
  }
  return {
    help: flags.has("--help"),
    verbose: flags.has("--verbose"),
    options,
    ...(caCert === undefined ? {} : { caFile: resolve(caCert) }),
  };
}

function processIo(): CliIo {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    env: process.env,
    onSignal: (handler) => {
      process.on("SIGINT", handler);
      process.on("SIGTERM", handler);
      return () => {
        process.off("SIGINT", handler);
        process.off("SIGTERM", handler);
      };
    },
  };
}

/**
 * Runs the `second-factor-emulator` command: prints `Verify emulator: <url>`, `Default service: VA…`
 * and a development-tool warning, then serves until SIGINT/SIGTERM. Bad flags exit with 2.
 * @example
 * const run = await runCli(["--port", "0"]);
 * process.exitCode = await run.exitCode;
 */
export async function runCli(argv: readonly string[], io: CliIo = processIo()): Promise<CliRun> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs(argv, io.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`second-factor-emulator: ${error.message}`);
    io.err("Run with --help for the options.");
    return { exitCode: Promise.resolve(2) };
  }
  if (parsed.help) {
    io.out(USAGE);
    return { exitCode: Promise.resolve(0) };
  }
  let emulator: VerifyEmulator;
  try {
    emulator = await startEmulator({ ...parsed.options, ...(parsed.verbose ? { log: io.err } : {}) });
  } catch (error) {
    io.err(`second-factor-emulator: ${error instanceof Error ? error.message : String(error)}`);
    const isOption = (error as { code?: unknown } | null)?.code === "ERR_SF_INVALID_OPTION";
    return { exitCode: Promise.resolve(isOption ? 2 : 1) };
  }
  io.out(`Verify emulator: ${emulator.url}`);
  io.out(`Default service: ${emulator.defaultServiceSid}`);
  if (emulator.proxy !== undefined) {
    for (const line of proxyLines(emulator.proxy, parsed.caFile ?? emulator.proxy.caFile)) io.out(line);
  }
  io.out(
    `Development/test tool only: not Twilio, nothing is really sent, codes are shown at ${emulator.url}/inbox. Do not expose it.`,
  );
  const exitCode = new Promise<number>((resolve) => {
    const remove = io.onSignal(() => {
      remove();
      emulator.close().then(
        () => resolve(0),
        () => resolve(1),
      );
    });
  });
  return { exitCode, emulator };
}

function isMain(): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) {
  runCli(process.argv.slice(2)).then(
    async (run) => {
      process.exitCode = await run.exitCode;
    },
    (error: unknown) => {
      process.stderr.write(
        `second-factor-emulator: ${error instanceof Error ? error.message : String(error)}\n`,
      );
      process.exitCode = 1;
    },
  );
}
