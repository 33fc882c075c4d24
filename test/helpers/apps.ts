/**
 * Small test apps, one per framework and major (Express 5 and 4, Koa 3 and 2), wired the way the docs
 * say: session middleware first, then `mfa.routes()`, then guarded routes. A fake login
 * (`POST /login` with `{ user }`) puts the user id in the session; protected handlers record every hit
 * so a test can prove that a request never reached one.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import Router from "@koa/router";
import type express from "express";
import type { ErrorRequestHandler, Request, RequestHandler } from "express";
import expressSession from "express-session";
import type Koa from "koa";
import type { Context, Middleware } from "koa";
import koaSession from "koa-session";
import supertest from "supertest";
import type { GuardPolicy, SecondFactorUser } from "../../src/boundary.js";

const require = createRequire(import.meta.url);

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
const LOGIN_KEY = "userId";

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

interface BuildContext {
  options: AppOptions;
  hits: string[];
  errors: unknown[];
  store: StoreSwitch;
  onMfa: (mfa: ExpressMfa | KoaMfa) => void;
}

type NodeHandler = (req: IncomingMessage, res: import("node:http").ServerResponse) => void;

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
// Express

function loadExpress(framework: Framework): typeof express {
  return require(framework === "express4" ? "express4" : "express") as typeof express;
}

/** An express-session MemoryStore whose calls fail while `store.failing` is set. */
function switchableExpressStore(store: StoreSwitch): expressSession.Store {
  const memory = new expressSession.MemoryStore();
  const failure = () => {
    store.failures += 1;
    return new Error("session store is down (test)");
  };
  const get = memory.get.bind(memory);
  const set = memory.set.bind(memory);
  const destroy = memory.destroy.bind(memory);
  memory.get = (sid, callback) =>
    store.failing === "all" ? setImmediate(callback, failure()) : get(sid, callback);
  memory.set = (sid, data, callback) =>
    store.failing ? setImmediate(() => callback?.(failure())) : set(sid, data, callback);
  store.announce = (event) => memory.emit(event);
  memory.destroy = (sid, callback) =>
    store.failing ? setImmediate(() => callback?.(failure())) : destroy(sid, callback);
  return memory;
}

/**
 * A stand-in for cookie-session (not installed): the same shape (`req.session` with `isPopulated`, no
 * id, no `regenerate`). It keeps the data in memory keyed by a cookie, which is all the tests need.
 */
function cookieSessionLike(): RequestHandler {
  const jar = new Map<string, Record<string, unknown>>();
  let next = 0;
  return (req, res, done) => {
    const cookie = /(?:^|;\s*)fake\.sess=([^;]+)/.exec(req.headers.cookie ?? "")?.[1];
    const key = cookie !== undefined && jar.has(cookie) ? cookie : `c${++next}`;
    const data = jar.get(key) ?? {};
    jar.set(key, data);
    const session = Object.create({
      get isPopulated() {
        return Object.keys(data).length > 0;
      },
    }) as Record<string, unknown>;
    Object.assign(session, data);
    (req as { session?: unknown }).session = session;
    res.setHeader("Set-Cookie", `fake.sess=${key}; Path=/; HttpOnly`);
    res.on("finish", () => {
      for (const field of Object.keys(data)) delete data[field];
      Object.assign(data, session);
    });
    done();
  };
}

type ExpressSessionData = Record<string, unknown> & {
  destroy?: (callback: (error?: unknown) => void) => void;
};

function sessionFields(req: Request): ExpressSessionData | undefined {
  return (req as unknown as { session?: ExpressSessionData }).session;
}

function buildExpress({ options, hits, errors, store, onMfa }: BuildContext): NodeHandler {
  const createApp = loadExpress(options.framework);
  const app = createApp();
  if (options.trustProxy) app.set("trust proxy", true);
  const mfa = options.mfa.express((req) => {
    const id = sessionFields(req)?.[LOGIN_KEY];
    return typeof id === "string" ? (USERS[id] ?? null) : null;
  });
  onMfa(mfa);
  if (options.parseBodies) {
    app.use(createApp.urlencoded({ extended: false }));
    app.use(createApp.json());
  }
  if (options.sessions === undefined || options.sessions === "server") {
    app.use(
      expressSession({
        secret: "test-secret-test-secret-test-secret",
        name: "sid",
        resave: false,
        saveUninitialized: false,
        store: switchableExpressStore(store),
      }),
    );
  } else if (options.sessions === "client") {
    app.use(cookieSessionLike());
  }
  app.use(mfa.sessionErrorHandler());

  app.get("/", (_req, res) => {
    res.type("text/plain").send("home");
  });
  app.post("/login", createApp.json(), (req, res) => {
    const session = sessionFields(req);
    const user = (req.body as { user?: unknown } | undefined)?.user;
    if (session === undefined || typeof user !== "string") {
      res.status(400).json({ error: "bad login" });
      return;
    }
    session[LOGIN_KEY] = user;
    res.json({ ok: true });
  });
  app.post("/logout", (req, res, next) => {
    const session = sessionFields(req);
    if (session?.destroy === undefined) {
      res.json({ ok: true });
      return;
    }
    session.destroy((error) => (error ? next(error) : res.json({ ok: true })));
  });

  if (options.misuse === "routes") app.use(mfa.routes as unknown as RequestHandler);
  else app.use(mfa.routes());
  const guard =
    options.misuse === "requireSecondFactor"
      ? (mfa.requireSecondFactor as unknown as RequestHandler)
      : mfa.requireSecondFactor();
  const stepUp = mfa.requireSecondFactor({ maxAge: options.transferMaxAge ?? "5m" });
  const protectedHandler: RequestHandler = (req, res) => {
    hits.push(`${req.method} ${req.path}`);
    res.type("text/plain").send(`protected ${req.method} ${req.path}`);
  };
  app.get("/account", guard, protectedHandler);
  app.post("/transfer", stepUp, protectedHandler);
  app.put("/resource", guard, protectedHandler);
  app.delete("/resource", guard, protectedHandler);
  app.get("/api/me", guard, (req, res) => {
    hits.push(`${req.method} ${req.path}`);
    res.json({ user: sessionFields(req)?.[LOGIN_KEY] });
  });
  // The instance's status, plain and with the step-up window of POST /transfer (Express 4 needs `next`).
  app.get("/status", (req, res, next) => {
    const status = mfa.status;
    if (status === undefined) {
      res.status(501).json({ error: "this instance has no status()" });
      return;
    }
    Promise.all([status(req), status(req, { maxAge: options.transferMaxAge ?? "5m" })]).then(
      ([plain, stepUp]) => res.json({ plain, stepUp }),
      next,
    );
  });

  const lastErrorHandler: ErrorRequestHandler = (error: unknown, _req, res, _next) => {
    errors.push(error);
    if (res.headersSent) return;
    const status = (error as { status?: unknown }).status;
    res
      .status(typeof status === "number" ? status : 500)
      .type("text/plain")
      .send("error");
  };
  app.use(lastErrorHandler);
  return app as unknown as NodeHandler;
}

// ---------------------------------------------------------------------------------------------------
// Koa

function loadKoa(framework: Framework): typeof Koa {
  return require(framework === "koa2" ? "koa2" : "koa") as typeof Koa;
}

/** A koa-session external store (in memory) whose calls fail while `store.failing` is set. */
function switchableKoaStore(store: StoreSwitch) {
  const data = new Map<string, unknown>();
  const check = (write: boolean) => {
    if (store.failing === "all" || (write && store.failing === "writes")) {
      store.failures += 1;
      throw new Error("session store is down (test)");
    }
  };
  return {
    async get(key: string) {
      check(false);
      const value = data.get(key);
      return value === undefined ? undefined : structuredClone(value);
    },
    async set(key: string, value: unknown) {
      check(true);
      data.set(key, structuredClone(value));
    },
    async destroy(key: string) {
      check(true);
      data.delete(key);
    },
  };
}

type KoaSessionData = Record<string, unknown>;

function koaSessionOf(ctx: Context): KoaSessionData | null | undefined {
  return (ctx as Context & { session?: KoaSessionData | null }).session;
}

/** Reads the raw body as text (the test apps have no Koa body parser installed). */
async function rawText(ctx: Context): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of ctx.req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** A small body parser standing in for @koa/bodyparser: sets `ctx.request.body` for forms and JSON. */
const koaBodyParser: Middleware = async (ctx, next) => {
  const type = ctx.request.type;
  if (type === "application/json" || type === "application/x-www-form-urlencoded") {
    const text = await rawText(ctx);
    (ctx.request as { body?: unknown }).body =
      type === "application/json"
        ? text === ""
          ? {}
          : JSON.parse(text)
        : Object.fromEntries(new URLSearchParams(text));
  }
  await next();
};

function buildKoa({ options, hits, errors, store, onMfa }: BuildContext): NodeHandler {
  const KoaApp = loadKoa(options.framework);
  const app = new KoaApp();
  app.keys = ["test-key-test-key-test-key-test-key"];
  app.proxy = options.trustProxy === true;
  app.on("error", (error: unknown) => {
    errors.push(error);
  });
  const mfa = options.mfa.koa((ctx) => {
    const id = koaSessionOf(ctx)?.[LOGIN_KEY];
    return typeof id === "string" ? (USERS[id] ?? null) : null;
  });
  onMfa(mfa);

  app.use(mfa.sessionErrorHandler());
  if (options.parseBodies) app.use(koaBodyParser);
  if (options.sessions === undefined || options.sessions === "server") {
    app.use(koaSession({ key: "sid", store: switchableKoaStore(store) }, app));
  } else if (options.sessions === "client") {
    app.use(koaSession({ key: "sid" }, app));
  }

  const router = new Router();
  router.get("/", (ctx) => {
    ctx.body = "home";
  });
  router.post("/login", async (ctx) => {
    const session = koaSessionOf(ctx);
    const parsed = (ctx.request as { body?: unknown }).body;
    const body = (parsed ?? JSON.parse((await rawText(ctx)) || "{}")) as { user?: unknown };
    if (!session || typeof body.user !== "string") {
      ctx.status = 400;
      ctx.body = { error: "bad login" };
      return;
    }
    session[LOGIN_KEY] = body.user;
    ctx.body = { ok: true };
  });
  router.post("/logout", (ctx) => {
    (ctx as unknown as { session: unknown }).session = null;
    ctx.body = { ok: true };
  });

  const guard =
    options.misuse === "requireSecondFactor"
      ? (mfa.requireSecondFactor as unknown as Middleware)
      : mfa.requireSecondFactor();
  const stepUp = mfa.requireSecondFactor({ maxAge: options.transferMaxAge ?? "5m" });
  const protectedHandler: Middleware = (ctx) => {
    hits.push(`${ctx.method} ${ctx.path}`);
    ctx.body = `protected ${ctx.method} ${ctx.path}`;
  };
  router.get("/account", guard, protectedHandler);
  router.post("/transfer", stepUp, protectedHandler);
  router.put("/resource", guard, protectedHandler);
  router.delete("/resource", guard, protectedHandler);
  router.get("/api/me", guard, (ctx) => {
    hits.push(`${ctx.method} ${ctx.path}`);
    ctx.body = { user: koaSessionOf(ctx)?.[LOGIN_KEY] };
  });
  // The instance's status, plain and with the step-up window of POST /transfer.
  router.get("/status", async (ctx) => {
    if (mfa.status === undefined) {
      ctx.status = 501;
      ctx.body = { error: "this instance has no status()" };
      return;
    }
    const plain = await mfa.status(ctx);
    const stepUp = await mfa.status(ctx, { maxAge: options.transferMaxAge ?? "5m" });
    ctx.body = { plain, stepUp };
  });

  app.use(options.misuse === "routes" ? (mfa.routes as unknown as Middleware) : mfa.routes());
  app.use(router.routes());
  app.use(router.allowedMethods());
  return app.callback() as NodeHandler;
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
