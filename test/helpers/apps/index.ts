/**
 * Small test apps, one per framework and major (Express 5 and 4, Koa 3 and 2), wired the way the docs
 * say: session middleware first, then `mfa.routes()`, then guarded routes. A fake login
 * (`POST /login` with `{ user }`) puts the user id in the session; protected handlers record every hit
 * so a test can prove that a request never reached one.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { ErrorRequestHandler, Request, RequestHandler } from "express";
import type { Context, Middleware } from "koa";
import supertest from "supertest";
import type { GuardPolicy, SecondFactorUser } from "../../../src/boundary.js";
import { buildExpress } from "./express-app.js";
import { buildKoa } from "./koa-app.js";

/** A framework and major version under test; `express4` and `koa2` are npm aliases of the older majors. */
export type Framework = "express5" | "express4" | "koa3" | "koa2";

/** Every framework the behaviour suite runs against. */
export const FRAMEWORKS: readonly Framework[] = ["express5", "express4", "koa3", "koa2"];

/** The demo users of the test apps. */
export const USERS: Readonly<Record<string, SecondFactorUser>> = {
  alice: { id: "alice", phone: "+15017122661" },
  carol: { id: "carol", phone: "+12025550123" },
  bob: { id: "bob" },
};

/** The session key the fake login keeps the user id under. */
export const LOGIN_KEY = "userId";

/** The middleware an Express second-factor instance gives (the adapter's public surface, structurally). */
export interface ExpressMfa {
  routes(): RequestHandler;
  requireSecondFactor(policy?: GuardPolicy<Request>): RequestHandler;
  sessionErrorHandler(): ErrorRequestHandler;
  unlock?(userId: string): Promise<void>;
  status?(req: Request, options?: { maxAge?: string | number }): Promise<unknown>;
}

/** The middleware a Koa second-factor instance gives. */
export interface KoaMfa {
  routes(): Middleware;
  requireSecondFactor(policy?: GuardPolicy<Context>): Middleware;
  sessionErrorHandler(): Middleware;
  unlock?(userId: string): Promise<void>;
  status?(ctx: Context, options?: { maxAge?: string | number }): Promise<unknown>;
}

/** How a test makes the second-factor instance, given the app's `user` callback. */
export interface MfaFactories {
  express(user: (req: Request) => SecondFactorUser | null): ExpressMfa;
  koa(user: (ctx: Context) => SecondFactorUser | null): KoaMfa;
}

/** How the app keeps sessions. */
export type SessionMode =
  /** express-session / koa-session with a server-side store that a test can make fail. */
  | "server"
  /** cookie-session (Express, emulated: same shape) / koa-session without a store. */
  | "client"
  /** No session middleware at all. */
  | "none";

/** Options of {@link startApp}. */
export interface AppOptions {
  framework: Framework;
  mfa: MfaFactories;
  /** @default "server" */
  sessions?: SessionMode;
  /** Trust `X-Forwarded-For` (Express `trust proxy`, Koa `app.proxy`). @default false */
  trustProxy?: boolean;
  /** Run the app's own body parsers (urlencoded + JSON) in front of everything. @default false */
  parseBodies?: boolean;
  /** Misuse: mount the factories themselves instead of calling them. @default undefined */
  misuse?: "routes" | "requireSecondFactor";
  /** The step-up window of `POST /transfer`. @default "5m" */
  transferMaxAge?: string;
  /** Mount `GET /keys` behind `requireSecondFactor({ phishingResistant: true })` (needs `webauthn`). @default false */
  phishingResistantRoute?: boolean;
}

/** A session store the test can switch to failing: every call (`"all"`), or only set and destroy (`"writes"`). */
export interface StoreSwitch {
  failing: false | "all" | "writes";
  /** How many store calls failed so far. */
  failures: number;
  /** Makes the store announce a lost or regained connection (express-session listens; Koa has no such event). */
  announce?: (event: "disconnect" | "connect") => void;
}

/** A running test app. */
export interface TestApp {
  readonly framework: Framework;
  readonly url: string;
  /** Every request that reached a protected handler, as `"METHOD /path"`. */
  readonly hits: string[];
  /** Errors that reached the app's own last error handler. */
  readonly errors: unknown[];
  readonly store: StoreSwitch;
  /**
   * Every response the app wrote, as text: `METHOD url -> status`, the headers (cookies included) as
   * JSON, and the body. For scans of what left the server.
   */
  readonly transcript: string[];
  /** The instance's `unlock(userId)` (support's unlock). */
  unlock(userId: string): Promise<void>;
  /** A new browser-like client with its own cookie jar. */
  client(): supertest.Agent;
  close(): Promise<void>;
}

/** Starts a test app on 127.0.0.1 with a free port. */
export async function startApp(options: AppOptions): Promise<TestApp> {
  const hits: string[] = [];
  const errors: unknown[] = [];
  const store: StoreSwitch = { failing: false, failures: 0 };
  const transcript: string[] = [];
  let unlock: ((userId: string) => Promise<void>) | undefined;
  const context: BuildContext = {
    options,
    hits,
    errors,
    store,
    onMfa: (mfa) => (unlock = mfa.unlock?.bind(mfa)),
  };
  const handler = options.framework.startsWith("express") ? buildExpress(context) : buildKoa(context);
  const server = createServer(recording(handler, transcript));
  const url = await listen(server);
  return {
    framework: options.framework,
    url,
    hits,
    errors,
    store,
    transcript,
    unlock: async (userId) => {
      if (unlock === undefined) throw new Error("this second-factor instance has no unlock()");
      await unlock(userId);
    },
    client: () => supertest.agent(url),
    close: () => close(server),
  };
}

export interface BuildContext {
  options: AppOptions;
  hits: string[];
  errors: unknown[];
  store: StoreSwitch;
  onMfa: (mfa: ExpressMfa | KoaMfa) => void;
}

export type NodeHandler = (req: IncomingMessage, res: import("node:http").ServerResponse) => void;

/**
 * The session cookies a response set, as a `Cookie` header value (`sid=...`, plus koa-session's
 * signature `sid.sig=...`), or `undefined` when it set none. For replaying a session from another client.
 */
export function sessionCookiesOf(response: { headers: Record<string, unknown> }): string | undefined {
  const raw = response.headers["set-cookie"];
  const cookies = (Array.isArray(raw) ? (raw as string[]) : [])
    .map((cookie) => cookie.split(";")[0] ?? "")
    .filter((pair) => /^sid(\.sig)?=./.test(pair));
  return cookies.length === 0 ? undefined : cookies.join("; ");
}

// ---------------------------------------------------------------------------------------------------
// Server

type Write = (chunk?: unknown, ...rest: unknown[]) => unknown;

/** Wraps a handler so that every response (status, headers, body) is appended to `transcript`. */
function recording(handler: NodeHandler, transcript: string[]): NodeHandler {
  return (req, res) => {
    const chunks: Buffer[] = [];
    const keep = (chunk: unknown) => {
      if (typeof chunk === "string") chunks.push(Buffer.from(chunk));
      else if (chunk instanceof Uint8Array) chunks.push(Buffer.from(chunk));
    };
    const write = res.write as unknown as Write;
    const end = res.end as unknown as Write;
    (res as unknown as { write: Write }).write = function (this: unknown, chunk, ...rest) {
      keep(chunk);
      return write.call(this, chunk, ...rest);
    };
    (res as unknown as { end: Write }).end = function (this: unknown, chunk, ...rest) {
      if (typeof chunk !== "function") keep(chunk);
      return end.call(this, chunk, ...rest);
    };
    res.on("finish", () => {
      const headers = JSON.stringify(res.getHeaders());
      transcript.push(`${req.method} ${req.url} -> ${res.statusCode}\n${headers}\n${Buffer.concat(chunks)}`);
    });
    handler(req, res);
  };
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      resolve(`http://127.0.0.1:${port}`);
    });
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.closeAllConnections();
    server.close((error) => (error ? reject(error) : resolve()));
  });
}
