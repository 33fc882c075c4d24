/**
 * Starts an example app as `npm start` does: reads the environment, prints where the app and the
 * emulator's inbox are, listens on 127.0.0.1, and stops cleanly on SIGINT/SIGTERM. A configuration
 * it refuses (an emulator under NODE_ENV=production, a bad PORT, ...) is printed and exits with 1.
 */
import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { SecondFactorEvent } from "../../src/index.js";
import type { Env } from "./config.js";
import type { FactorBackend } from "./factor-storage.js";
import { type ExampleSetup, type PreparedExample, prepareExample } from "./setup.js";

/**
 * The interface the examples bind to (DESIGN §7): never reachable from other machines.
 * @default "127.0.0.1"
 * @example
 * server.listen(port, HOST);
 */
export const HOST = "127.0.0.1";

/** One example app, as its `server.ts` describes it. */
export interface ExampleDefinition {
  /** `"Express"` or `"Koa"`, for the messages. */
  readonly framework: string;
  /** 3000 for Express, 3001 for Koa. */
  readonly defaultPort: number;
  /** Builds the app's Node request listener. */
  createListener(setup: ExampleSetup): RequestListener;
}

/** Where the start lines go. */
export interface StartIo {
  out(line: string): void;
  err(line: string): void;
}

/** A running example. */
export interface RunningExample {
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  readonly prepared: PreparedExample;
  close(): Promise<void>;
}

/**
 * Prepares and starts an example, printing the start lines; `Listening on http://127.0.0.1:PORT` is
 * the last one, printed once the app accepts connections.
 * @example
 * const running = await startExample(definition, process.env, { out: console.log, err: console.error });
 */
export async function startExample(
  definition: ExampleDefinition,
  env: Env,
  io: StartIo,
): Promise<RunningExample> {
  const prepared = await prepareExample(env, {
    defaultPort: definition.defaultPort,
    onEvent: (event) => io.out(`second-factor: ${describeEvent(event)}`),
    logError: (error) =>
      io.err(`Unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`),
  });
  try {
    for (const warning of prepared.warnings) io.err(warning);
    const server = createServer(definition.createListener(prepared.setup));
    const port = await listen(server, prepared.config.port);
    for (const line of verifyLines(prepared)) io.out(line);
    const { storage } = prepared.setup;
    io.out(
      storage.kind === "redis"
        ? `Sessions and budgets: Redis at ${storage.url}`
        : "Sessions and budgets: in memory (this process only; set REDIS_URL to share them between instances)",
    );
    io.out(factorsLine(prepared.setup.factorBackend));
    io.out(
      `Demo users: ${prepared.setup.accounts
        .map(
          ({ user, password }) =>
            `${user.username} / ${password}${user.phone === undefined ? " (no factor yet: enrols a phone at /2fa/setup)" : ""}`,
        )
        .join(", ")}`,
    );
    const url = `http://${HOST}:${port}`;
    io.out(`Listening on ${url}`);
    return {
      url,
      prepared,
      close: async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await prepared.close();
      },
    };
  } catch (error) {
    await prepared.close();
    throw error;
  }
}

/**
 * The body of each `server.ts`: starts the example with `process.env`, exits with 1 on a refused
 * configuration, and closes on SIGINT/SIGTERM.
 * @example
 * runExample({ framework: "Express", defaultPort: 3000, createListener: (setup) => createApp(setup) });
 */
export function runExample(definition: ExampleDefinition): void {
  const io: StartIo = {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  };
  startExample(definition, process.env, io).then(
    (running) => {
      const stop = () => {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
        running.close().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.on("SIGINT", stop);
      process.on("SIGTERM", stop);
    },
    (error: unknown) => {
      io.err(
        `The ${definition.framework} example did not start: ${error instanceof Error ? error.message : String(error)}`,
      );
      process.exitCode = 1;
    },
  );
}

function verifyLines(prepared: PreparedExample): string[] {
  const { verify } = prepared;
  switch (verify.kind) {
    case "twilio":
      return [`Twilio Verify: service ${verify.serviceSid} (real text messages and calls are sent)`];
    case "emulator-url":
    case "embedded":
      return [
        `Verify emulator: ${verify.emulatorUrl}`,
        `Verify service: ${verify.serviceSid}`,
        `Inbox: ${verify.inboxUrl} (the codes appear here; nothing is really sent)`,
      ];
  }
}

function factorsLine(backend: FactorBackend): string {
  switch (backend.kind) {
    case "postgres":
      return `Enrolled factors: PostgreSQL at ${backend.url}`;
    case "redis":
      return `Enrolled factors: Redis at ${backend.url}`;
    case "memory":
      return "Enrolled factors: in memory (lost when this process stops; set DATABASE_URL to keep them in PostgreSQL)";
  }
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      reject(
        new Error(
          error.code === "EADDRINUSE"
            ? `port ${port} on ${HOST} is already in use; set PORT to another port (0 picks a free one).`
            : `could not listen on ${HOST}:${port}: ${error.message}`,
          { cause: error },
        ),
      );
    };
    server.once("error", onError);
    server.listen(port, HOST, () => {
      server.off("error", onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** One line per library event: its type, the account and the safe details (never a code or a number). */
function describeEvent(event: SecondFactorEvent): string {
  const details: string[] = [`user ${event.userId}`];
  if ("channel" in event) details.push(`channel ${event.channel}`);
  if ("maskedDestination" in event) details.push(`to ${event.maskedDestination}`);
  if ("retryAfterSeconds" in event) details.push(`retry after ${event.retryAfterSeconds}s`);
  return `${event.type} (${details.join(", ")})`;
}
