/** The Express 5 and Express 4 test apps of {@link startApp}: express-session, the adapter, the routes. */
import { createRequire } from "node:module";
import type express from "express";
import type { ErrorRequestHandler, Request, RequestHandler } from "express";
import expressSession from "express-session";
import {
  type BuildContext,
  type Framework,
  LOGIN_KEY,
  type NodeHandler,
  type StoreSwitch,
  USERS,
} from "./index.js";

const require = createRequire(import.meta.url);

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

export function buildExpress({ options, hits, errors, store, onMfa }: BuildContext): NodeHandler {
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
  if (options.phishingResistantRoute) {
    app.get("/keys", mfa.requireSecondFactor({ phishingResistant: true }), protectedHandler);
  }
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
