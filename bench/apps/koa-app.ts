/**
 * The Koa 3 bench app (see {@link AppKind}), with koa-session on an external in-memory store that
 * keeps JSON text (as a networked store would): one app per measured route behind a front that
 * picks it by path, all on one session store and one second-factor instance; `POST /login` and the
 * flow under `/2fa` go to one more app, for the warm-up that makes a genuinely verified session.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import Router from "@koa/router";
import Koa, { type Context, type Middleware } from "koa";
import koaSession from "koa-session";
import { secondFactor } from "../../adapters/koa/index.js";
import { handWrittenCheck } from "./hand-check.js";
import { type Listener, splitByPath } from "./route-split.js";
import { sharedOptions } from "./second-factor.js";
import { segmentTimer } from "./segment-timer.js";
import {
  ACCOUNT_PATH,
  type AppConfig,
  HAND_PATH,
  HANDLER_PREFIX,
  MOUNTED_PATH,
  PLAIN_PATH,
  STEP_UP_MAX_AGE,
  STEP_UP_PATH,
} from "./types.js";
import { LOGIN_KEY, userFor } from "./users.js";

/** The cookie-signing keys of the bench sessions. */
const APP_KEYS = ["bench-koa-key-bench-koa-key-bench-koa-key"];

/**
 * A built app, with the pieces the micro-benchmark drives without HTTP.
 * @example
 * const built = buildKoaApp(config);
 * createServer(built.listener).listen(0, "127.0.0.1");
 */
export interface BuiltKoaApp {
  /**
   * The app of the login and the flow (every path but the measured routes'); a middleware added to
   * it later needs a new `app.callback()`.
   */
  readonly app: Koa;
  readonly listener: (req: IncomingMessage, res: ServerResponse) => void;
  /** The guards on {@link ACCOUNT_PATH} and {@link STEP_UP_PATH} (absent in a `bare` server). */
  readonly guard: Middleware | undefined;
  readonly stepUpGuard: Middleware | undefined;
}

type SessionRecord = Record<string, unknown>;

function sessionOf(ctx: Context): SessionRecord | null | undefined {
  return (ctx as Context & { session?: SessionRecord | null }).session;
}

/**
 * koa-session's external store in process memory, keeping JSON text: each load parses, each save
 * serialises, as with Redis.
 * @example
 * app.use(koaSession({ store: jsonMemoryStore() }, app));
 */
export function jsonMemoryStore() {
  const entries = new Map<string, string>();
  return {
    async get(key: string): Promise<unknown> {
      const text = entries.get(key);
      return text === undefined ? undefined : JSON.parse(text);
    },
    async set(key: string, value: unknown): Promise<void> {
      entries.set(key, JSON.stringify(value));
    },
    async destroy(key: string): Promise<void> {
      entries.delete(key);
    },
  };
}

async function formField(ctx: Context, name: string): Promise<string | null> {
  const chunks: Buffer[] = [];
  for await (const chunk of ctx.req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8")).get(name);
}

/**
 * Builds the Koa app of one bench server.
 * @example
 * const { listener } = buildKoaApp({ framework: "koa", kind: "guard", emulatorUrl, serviceSid });
 */
export function buildKoaApp(config: AppConfig): BuiltKoaApp {
  if (config.kind === "bare") {
    const app = new Koa();
    const main = new Router();
    main.get(ACCOUNT_PATH, (ctx) => {
      ctx.body = HANDLER_PREFIX;
    });
    app.use(main.routes());
    return { app, listener: app.callback(), guard: undefined, stepUpGuard: undefined };
  }

  const mfa = secondFactor({
    ...sharedOptions(config.emulatorUrl, config.serviceSid),
    user: (ctx) => userFor(sessionOf(ctx)?.[LOGIN_KEY]),
  });
  const store = jsonMemoryStore();
  // The handler reads the session in every variant, so no variant is charged for loading it.
  const account: Middleware = (ctx) => {
    segmentTimer.record(ctx, ctx.path);
    ctx.body = `${HANDLER_PREFIX}${String(sessionOf(ctx)?.[LOGIN_KEY])}`;
  };
  const login: Middleware = async (ctx) => {
    const user = await formField(ctx, "user");
    const data = sessionOf(ctx);
    if (!data || userFor(user) === null) {
      ctx.status = 400;
      ctx.body = "bad login";
      return;
    }
    data[LOGIN_KEY] = user;
    ctx.status = 303;
    ctx.redirect("/");
  };
  const handCheck: Middleware = (ctx, next) => {
    if (handWrittenCheck(sessionOf(ctx))) return next();
    ctx.status = 401;
    return undefined;
  };
  const guard = mfa.requireSecondFactor();
  const stepUpGuard = mfa.requireSecondFactor({ maxAge: STEP_UP_MAX_AGE });
  const stamp: Middleware = (ctx, next) => {
    segmentTimer.stamp(ctx);
    return next();
  };
  /**
   * An app with koa-session (on the shared store) and the segment stamp, then the router `route`
   * fills; with `secondFactor`, mounted as the docs say: its error handler in front of the session,
   * its routes before the app's router.
   */
  const variant = (secondFactorMounted: boolean, route: (router: Router) => void): Koa => {
    const variantApp = new Koa();
    variantApp.keys = APP_KEYS;
    const router = new Router();
    route(router);
    if (secondFactorMounted) variantApp.use(mfa.sessionErrorHandler());
    variantApp.use(koaSession({ key: "sid", store }, variantApp) as Middleware);
    variantApp.use(stamp);
    if (secondFactorMounted) variantApp.use(mfa.routes());
    variantApp.use(router.routes());
    return variantApp;
  };
  const measured = new Map<string, Listener>([
    // (2): koa-session and a router, nothing of second-factor.
    [PLAIN_PATH, variant(false, (r) => r.get(PLAIN_PATH, account)).callback()],
    [MOUNTED_PATH, variant(true, (r) => r.get(MOUNTED_PATH, account)).callback()],
    [HAND_PATH, variant(true, (r) => r.get(HAND_PATH, handCheck, account)).callback()],
    [ACCOUNT_PATH, variant(true, (r) => r.get(ACCOUNT_PATH, guard, account)).callback()],
    [STEP_UP_PATH, variant(true, (r) => r.get(STEP_UP_PATH, stepUpGuard, account)).callback()],
  ]);
  // Everything else (the login and the flow the warm-up walks) goes to one more app.
  const app = variant(true, (r) => r.post("/login", login));
  return { app, listener: splitByPath(measured, app.callback()), guard, stepUpGuard };
}
