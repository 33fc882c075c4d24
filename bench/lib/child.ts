/**
 * Starts bench processes: each in its own Node process, pinned to one core with `taskset` when the
 * machine has at least two, talking to the runner over IPC.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { type IpcReply, isReply } from "./ipc.js";

/** Cores the runner uses: the server gets one to itself, the load generator (and the runner) the other. */
export interface CorePlan {
  /** Whether `taskset` pins processes (two or more cores and `taskset` present). */
  readonly pinned: boolean;
  readonly serverCore: number;
  readonly loadCore: number;
}

const TASKSET = "/usr/bin/taskset";

/**
 * Where processes go: servers on core 1, load and runner on core 0, or nowhere in particular on a
 * one-core machine or without `taskset`.
 * @example
 * const plan = corePlan(); // { pinned: true, serverCore: 1, loadCore: 0 }
 */
export function corePlan(): CorePlan {
  const pinned = availableParallelism() >= 2 && existsSync(TASKSET);
  return { pinned, serverCore: 1, loadCore: 0 };
}

/**
 * Pins the current process (all its threads) to `core`, when the plan pins.
 * @example
 * pinSelf(plan, plan.loadCore);
 */
export function pinSelf(plan: CorePlan, core: number): void {
  if (!plan.pinned) return;
  execFileSync(TASKSET, ["-a", "-p", "-c", String(core), String(process.pid)], { stdio: "ignore" });
}

/** Options of {@link startChild}. */
export interface ChildOptions {
  /** The built script to run. */
  readonly script: string;
  /** The child's configuration, passed as one JSON argument. */
  readonly config: unknown;
  /** The core to pin to (ignored when the plan does not pin). */
  readonly core: number;
  readonly plan: CorePlan;
  /** Extra Node flags, e.g. `--expose-gc`. @default [] */
  readonly nodeFlags?: readonly string[];
}

/**
 * A running child: ask it things, and stop it.
 * @example
 * const server = startChild({ script, config, core: 1, plan });
 * const { url } = await server.request<{ url: string }>("start");
 * await server.stop();
 */
export interface ChildHandle {
  /** The OS process id (the Node process itself: `taskset` execs it in place). */
  readonly pid: number;
  request<T>(type: string, payload?: unknown): Promise<T>;
  stop(): Promise<void>;
}

/**
 * Starts one child process.
 * @example
 * const load = startChild({ script: buildFile("http/load-main.js"), config: {}, core: plan.loadCore, plan });
 */
export function startChild(options: ChildOptions): ChildHandle {
  const nodeArgs = [...(options.nodeFlags ?? []), options.script, JSON.stringify(options.config)];
  const child: ChildProcess = options.plan.pinned
    ? spawn(TASKSET, ["-c", String(options.core), process.execPath, ...nodeArgs], {
        stdio: ["ignore", "inherit", "inherit", "ipc"],
      })
    : spawn(process.execPath, nodeArgs, { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${options.script}`);

  let nextId = 1;
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let exited: Error | undefined;
  child.on("message", (message: unknown) => {
    if (!isReply(message)) return;
    const waiter = pending.get(message.id);
    if (waiter === undefined) return;
    pending.delete(message.id);
    settle(waiter, message);
  });
  const exitPromise = new Promise<void>((resolve) => {
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
      await exitPromise;
      clearTimeout(timer);
    },
  };
}

function settle(
  waiter: { resolve: (value: unknown) => void; reject: (error: Error) => void },
  reply: IpcReply,
) {
  if (reply.ok) waiter.resolve(reply.value);
  else waiter.reject(new Error(reply.error));
}
