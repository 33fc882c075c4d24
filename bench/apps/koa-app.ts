/**
 * The Koa 3 bench app (see {@link AppKind}), with koa-session on an external in-memory store that
 * keeps JSON text (as a networked store would): `/plain`, `/account` and `/step-up` are measured;
 * `POST /login` and the flow under `/2fa` are there for the warm-up that makes a genuinely verified
 * session.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import Router from "@koa/router";
import Koa, { type Context, type Middleware } from "koa";
import koaSession from "koa-session";
import { secondFactor } from "../../adapters/koa/index.js";
import { sharedOptions } from "./second-factor.js";
import {
  ACCOUNT_PATH,
  type AppConfig,
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
  /** The app; a middleware added to it later needs a new `app.callback()`. */
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
  const app = new Koa();
  app.keys = APP_KEYS;
  const main = new Router();
  if (config.kind === "bare") {
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
  const session = koaSession({ key: "sid", store: jsonMemoryStore() }, app) as Middleware;
  // The handler reads the session in every variant, so no variant is charged for loading it.
  const account: Middleware = (ctx) => {
    ctx.body = `${HANDLER_PREFIX}${String(sessionOf(ctx)?.[LOGIN_KEY])}`;
  };
  main.post("/login", async (ctx) => {
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
  });

  const guard = mfa.requireSecondFactor();
  const stepUpGuard = mfa.requireSecondFactor({ maxAge: STEP_UP_MAX_AGE });
  // (2): koa-session and a router, nothing of second-factor (its error handler wraps everything it
  // is mounted around, so (2) gets its own stack in front of it).
  const plain = new Router();
  plain.get(PLAIN_PATH, account);
  const plainRoutes = plain.routes() as unknown as Middleware;
  app.use((ctx, next) => (ctx.path === PLAIN_PATH ? session(ctx, () => plainRoutes(ctx, next)) : next()));
  main.get(MOUNTED_PATH, account);
  main.get(ACCOUNT_PATH, guard, account);
  main.get(STEP_UP_PATH, stepUpGuard, account);
  app.use(mfa.sessionErrorHandler());
  app.use(session);
  app.use(mfa.routes());
  app.use(main.routes());
  return { app, listener: app.callback(), guard, stepUpGuard };
}
