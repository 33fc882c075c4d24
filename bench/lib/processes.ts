/**
 * The bench's processes: each server, the load generator and the micro-benchmark run in their own
 * Node process, pinned to one core with `taskset` when the machine has two or more (servers on core
 * 1, load and runner on core 0), and answer the runner's requests over Node's IPC channel.
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";

/** Where processes go. */
export interface CorePlan {
  /** Whether `taskset` pins processes (two or more cores and `taskset` present). */
  readonly pinned: boolean;
  readonly serverCore: number;
  readonly loadCore: number;
}

const TASKSET = "/usr/bin/taskset";

type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };

/** Servers on core 1, load and runner on core 0; nowhere in particular on one core or without `taskset`. */
export function corePlan(): CorePlan {
  return { pinned: availableParallelism() >= 2 && existsSync(TASKSET), serverCore: 1, loadCore: 0 };
}

/** Pins the current process (all its threads) to `core`, when the plan pins. */
export function pinSelf(plan: CorePlan, core: number): void {
  if (plan.pinned)
    execFileSync(TASKSET, ["-a", "-p", "-c", String(core), String(process.pid)], { stdio: "ignore" });
}

/** A running child: ask it things, and stop it. */
export interface ChildHandle {
  /** The OS process id (the Node process itself: `taskset` execs it in place). */
  readonly pid: number;
  request<T>(type: string, payload?: unknown): Promise<T>;
  stop(): Promise<void>;
}

/** Starts the built `script` pinned to `core`, with `config` as its one JSON argument. */
export function startChild(options: {
  readonly script: string;
  readonly config: unknown;
  readonly core: number;
  readonly plan: CorePlan;
  /** Extra Node flags, e.g. `--cpu-prof`. */
  readonly nodeFlags?: readonly string[];
}): ChildHandle {
  const nodeArgs = [...(options.nodeFlags ?? []), options.script, JSON.stringify(options.config)];
  const stdio: ["ignore", "inherit", "inherit", "ipc"] = ["ignore", "inherit", "inherit", "ipc"];
  const child = options.plan.pinned
    ? spawn(TASKSET, ["-c", String(options.core), process.execPath, ...nodeArgs], { stdio })
    : spawn(process.execPath, nodeArgs, { stdio });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${options.script}`);
  let nextId = 1;
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let exited: Error | undefined;
  child.on("message", (message: Reply) => {
    const waiter = pending.get(message.id);
    if (waiter === undefined) return;
    pending.delete(message.id);
    if (message.ok) waiter.resolve(message.value);
    else waiter.reject(new Error(message.error));
  });
  const exit = new Promise<void>((resolve) => {
    child.on("exit", (code, signal) => {
      exited = new Error(`${options.script} exited (code ${code}, signal ${signal})`);
      for (const waiter of pending.values()) waiter.reject(exited);
      pending.clear();
      resolve();
    });
  });
  return {
    pid,
    request<T>(type: string, payload?: unknown): Promise<T> {
      if (exited !== undefined) return Promise.reject(exited);
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve: (value) => resolve(value as T), reject });
        child.send({ id, type, payload });
      });
    },
    async stop() {
      if (exited !== undefined) return;
      if (child.connected) child.disconnect();
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exit;
      clearTimeout(timer);
    },
  };
}

/**
 * In a child: serves the runner's requests, one handler per type; returns the JSON configuration the
 * child was started with. Exits when the runner disconnects (a crashed runner leaves nothing behind).
 */
export function serveRunner<Config>(
  handlers: Readonly<Record<string, (payload: unknown) => unknown>>,
): Config {
  const send = process.send?.bind(process);
  const raw = process.argv[2];
  if (send === undefined || raw === undefined)
    throw new Error("this bench process must be started by the runner");
  process.on("disconnect", () => process.exit(0));
  process.on("message", (message: { id: number; type: string; payload?: unknown }) => {
    const handler = handlers[message.type];
    Promise.resolve()
      .then(() => {
        if (handler === undefined) throw new Error(`unknown request type "${message.type}"`);
        return handler(message.payload);
      })
      .then(
        (value) => send({ id: message.id, ok: true, value: value ?? null } satisfies Reply),
        (error: unknown) => {
          const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
          send({ id: message.id, ok: false, error: text } satisfies Reply);
        },
      );
  });
  return JSON.parse(raw) as Config;
}
