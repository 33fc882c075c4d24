/**
 * The Koa 3 bench app: @koa/router and koa-session on an external in-memory store that keeps JSON
 * text (as Redis would); (2), (3) and (4) each the only route of their own app (see `splitByPath`);
 * `POST /login` and the flow under `/2fa` on one more app.
 */
import Router from "@koa/router";
import Koa, { type Context, type Middleware } from "koa";
import koaSession from "koa-session";
import { secondFactor } from "../../adapters/koa/index.js";
import {
  ACCOUNT_PATH,
  type AppConfig,
  HANDLER_PREFIX,
  type Listener,
  LOGIN_KEY,
  PLAIN_PATH,
  STEP_UP_MAX_AGE,
  STEP_UP_PATH,
  sharedOptions,
  splitByPath,
  userFor,
} from "./common.js";

/** A built app, with the pieces the micro-benchmark drives without HTTP. */
export interface BuiltKoaApp {
  /** The app of the login and the flow; a middleware added later needs a new `app.callback()`. */
  readonly app: Koa;
  readonly listener: Listener;
  readonly guard: Middleware;
  readonly stepUpGuard: Middleware;
}

function sessionOf(ctx: Context): Record<string, unknown> | null | undefined {
  return (ctx as Context & { session?: Record<string, unknown> | null }).session;
}

/** koa-session's external store in memory, as JSON text: each load parses, each save serialises. */
function jsonMemoryStore() {
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

/** Builds the Koa app of one bench server. */
export function buildKoaApp(config: AppConfig): BuiltKoaApp {
  const mfa = secondFactor({ ...sharedOptions(config), user: (ctx) => userFor(sessionOf(ctx)?.[LOGIN_KEY]) });
  const store = jsonMemoryStore();
  // Every route's handler reads the session, so no row is charged for loading it.
  const account: Middleware = (ctx) => {
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
  const guard = mfa.requireSecondFactor();
  const stepUpGuard = mfa.requireSecondFactor({ maxAge: STEP_UP_MAX_AGE });
  /**
   * An app with koa-session (on the shared store) and a router; with `mounted`, second-factor as the
   * docs say: its error handler in front of the session, its routes before the app's router.
   */
  const appWith = (mounted: boolean, route: (router: Router) => void): Koa => {
    const app = new Koa();
    app.keys = ["bench-koa-key-bench-koa-key-bench-koa-key"];
    const router = new Router();
    route(router);
    if (mounted) app.use(mfa.sessionErrorHandler());
    app.use(koaSession({ key: "sid", store }, app) as Middleware);
    if (mounted) app.use(mfa.routes());
    app.use(router.routes());
    return app;
  };
  const measured = new Map<string, Listener>([
    [PLAIN_PATH, appWith(false, (r) => r.get(PLAIN_PATH, account)).callback()],
    [ACCOUNT_PATH, appWith(true, (r) => r.get(ACCOUNT_PATH, guard, account)).callback()],
    [STEP_UP_PATH, appWith(true, (r) => r.get(STEP_UP_PATH, stepUpGuard, account)).callback()],
  ]);
  const app = appWith(true, (r) => r.post("/login", login));
  return { app, listener: splitByPath(measured, app.callback()), guard, stepUpGuard };
}
