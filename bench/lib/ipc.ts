/**
 * Request/reply messages between the runner and its child processes over Node's IPC channel. The
 * runner asks (`{ id, type, payload }`), the child answers (`{ id, ok, value | error }`).
 */

/** A request from the runner to a child. */
export interface IpcRequest {
  readonly id: number;
  readonly type: string;
  readonly payload?: unknown;
}

/** A child's answer to one {@link IpcRequest}. */
export type IpcReply =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly id: number; readonly ok: false; readonly error: string };

/** What a child can be asked: one handler per request type. */
export type IpcHandlers = Readonly<Record<string, (payload: unknown) => unknown>>;

/**
 * Serves the runner's requests in a child process; exits when the runner disconnects (so a crashed
 * runner never leaves servers behind).
 * @example
 * serveIpc({ cpu: () => process.cpuUsage() });
 */
export function serveIpc(handlers: IpcHandlers): void {
  const send = process.send?.bind(process);
  if (send === undefined)
    throw new Error("this bench process must be started by the runner (no IPC channel)");
  process.on("disconnect", () => process.exit(0));
  process.on("message", (message: unknown) => {
    if (!isRequest(message)) return;
    const handler = handlers[message.type];
    if (handler === undefined) {
      send({ id: message.id, ok: false, error: `unknown request type "${message.type}"` } satisfies IpcReply);
      return;
    }
    Promise.resolve()
      .then(() => handler(message.payload))
      .then(
        (value) => send({ id: message.id, ok: true, value: value ?? null } satisfies IpcReply),
        (error: unknown) =>
          send({
            id: message.id,
            ok: false,
            error: error instanceof Error ? (error.stack ?? error.message) : String(error),
          } satisfies IpcReply),
      );
  });
}

/**
 * Whether `message` is an {@link IpcRequest}.
 * @example
 * if (isRequest(message)) handle(message);
 */
export function isRequest(message: unknown): message is IpcRequest {
  if (typeof message !== "object" || message === null) return false;
  const fields = message as Record<string, unknown>;
  return typeof fields.id === "number" && typeof fields.type === "string";
}

/**
 * Whether `message` is an {@link IpcReply}.
 * @example
 * if (isReply(message)) settle(message);
 */
export function isReply(message: unknown): message is IpcReply {
  if (typeof message !== "object" || message === null) return false;
  const fields = message as Record<string, unknown>;
  return typeof fields.id === "number" && typeof fields.ok === "boolean";
}

/**
 * The JSON configuration a child was started with (its first command-line argument).
 * @example
 * const config = childConfig<ServerConfig>();
 */
export function childConfig<T>(): T {
  const raw = process.argv[2];
  if (raw === undefined) throw new Error("this bench process needs its configuration as a JSON argument");
  return JSON.parse(raw) as T;
}
