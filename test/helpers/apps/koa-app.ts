/** The Koa 3 and Koa 2 test apps of {@link startApp}: koa-session, the adapter, @koa/router, the routes. */
import { createRequire } from "node:module";
import Router from "@koa/router";
import type Koa from "koa";
import type { Context, Middleware } from "koa";
import koaSession from "koa-session";
import {
  type BuildContext,
  type Framework,
  LOGIN_KEY,
  type NodeHandler,
  type StoreSwitch,
  USERS,
} from "./index.js";

const require = createRequire(import.meta.url);

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

export function buildKoa({ options, hits, errors, store, onMfa }: BuildContext): NodeHandler {
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
  if (options.phishingResistantRoute) {
    router.get("/keys", mfa.requireSecondFactor({ phishingResistant: true }), protectedHandler);
  }
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
