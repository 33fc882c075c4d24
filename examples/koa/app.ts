/**
 * The Koa example: the same app as the Express one, with koa-session (server-side store) and
 * @koa/router. `/account` needs the second factor, `/transfer` needs it recently (step-up), `/api/me`
 * answers JSON. `server.ts` listens; tests import {@link createApp} directly.
 */
import Router from "@koa/router";
import Koa, { type Context, type Middleware } from "koa";
import createSession from "koa-session";
import { redisSessionStore, secondFactor } from "../../adapters/koa/index.js";
import { maskDestination, safeReturnTo } from "../../src/index.js";
import { csrfTokensMatch, newCsrfToken } from "../shared/csrf.js";
import { enrolledPhones } from "../shared/factor-storage.js";
import { readForm } from "../shared/forms.js";
import { SECURITY_HEADERS } from "../shared/headers.js";
import { createLoginThrottle } from "../shared/login-throttle.js";
import { EXAMPLE_MESSAGES } from "../shared/messages.js";
import {
  accountPage,
  clientProblemOf,
  homePage,
  loginPage,
  type PageContext,
  PROBLEMS,
  type Problem,
  problemPage,
  securityKeysPage,
  transferDonePage,
  transferPage,
} from "../shared/pages.js";
import type { ExampleSetup } from "../shared/setup.js";
import {
  guardedKoaStore,
  isSessionStoreFailure,
  type KoaSessionStore,
  limitsFor,
  memorySessionStore,
  SessionStoreError,
  STORE_RETRY_AFTER_SECONDS,
  type StorageBackend,
} from "../shared/storage.js";
import { type TransferInput, validateTransfer } from "../shared/transfer.js";
import type { DemoUser } from "../shared/users.js";

/**
 * The session cookie's name (koa-session adds `sf.sid.sig`, its signature).
 * @default "sf.sid"
 * @example
 * createSession({ key: SESSION_COOKIE, store }, app);
 */
export const SESSION_COOKIE = "sf.sid";
const SESSION_MAX_AGE_MS = 8 * 60 * 60 * 1000;

/** Options of {@link createApp} beyond the setup. */
export interface KoaExampleOptions {
  /** koa-session's external store (tests pass one that fails). @default in memory, or the library's `redisSessionStore` when `setup.storage` is Redis */
  sessionStore?: KoaSessionStore;
}

/** The parts of koa-session's `ctx.session` the example uses. */
type SessionObject = Record<string, unknown> & {
  regenerate(): Promise<void> | undefined;
  save(): Promise<void> | undefined;
};

/**
 * Builds the Koa example app.
 * @example
 * const example = await prepareExample(process.env, { defaultPort: 3001 });
 * createApp(example.setup).listen(3001, "127.0.0.1");
 */
export function createApp(setup: ExampleSetup, options: KoaExampleOptions = {}): Koa {
  const app = new Koa();
  app.keys = [setup.sessionSecret];
  // Errors are answered as pages below; Koa's own logger would print the stack of every 503 again.
  app.silent = true;

  const mfa = secondFactor({
    provider: setup.provider,
    user: (ctx) => {
      const user = currentUser(ctx);
      // The phones live in the factor store (examples/shared/factor-storage.ts), not in the user.
      return user === undefined ? null : { id: user.id };
    },
    loginPath: "/login",
    channels: ["sms", "call"],
    secret: setup.secondFactorSecret,
    limits: limitsFor(setup.storage),
    factors: setup.factors,
    manageMaxAge: setup.manage.ms,
    now: setup.now,
    messages: EXAMPLE_MESSAGES,
    webauthn: setup.webauthn,
    ...(setup.onEvent === undefined ? {} : { onEvent: setup.onEvent }),
  });
  const throttle = createLoginThrottle(setup.storage);

  function sessionOf(ctx: Context): SessionObject {
    const session = (ctx as Context & { session?: SessionObject | null }).session;
    if (session === undefined || session === null) throw new SessionStoreError(new Error("no session"));
    return session;
  }

  function currentUser(ctx: Context): DemoUser | undefined {
    return setup.users.byId(sessionOf(ctx).userId);
  }

  /** The session's CSRF token for the app's own forms, made on first use. */
  function csrfTokenOf(ctx: Context): string {
    const session = sessionOf(ctx);
    if (typeof session.csrfToken !== "string") session.csrfToken = newCsrfToken();
    return session.csrfToken as string;
  }

  function context(ctx: Context): PageContext {
    const user = currentUser(ctx);
    return {
      framework: "Koa",
      user,
      csrfToken: user === undefined ? undefined : csrfTokenOf(ctx),
      stepUp: setup.stepUp,
      now: setup.now(),
    };
  }

  function signedInUser(ctx: Context): DemoUser {
    const user = currentUser(ctx);
    if (user === undefined) throw new Error("the guard let a request without a user through");
    return user;
  }

  /** Whether and when this session passed the second factor, and whether `/transfer`'s step-up is open. */
  const statusOf = (ctx: Context) => mfa.status(ctx, { maxAge: setup.stepUp.ms });

  function html(ctx: Context, status: number, body: string): void {
    ctx.status = status;
    ctx.type = "html";
    ctx.body = body;
  }

  function sendProblem(ctx: Context, problem: Problem): void {
    if (problem.status === 503) ctx.set("Retry-After", String(STORE_RETRY_AFTER_SECONDS));
    if (ctx.path.startsWith("/api/")) {
      ctx.status = problem.status;
      ctx.body = { error: problem.error, message: problem.message };
      return;
    }
    let page: PageContext;
    try {
      page = context(ctx);
    } catch {
      // The session itself is what failed: answer without it.
      page = {
        framework: "Koa",
        user: undefined,
        csrfToken: undefined,
        stepUp: setup.stepUp,
        now: setup.now(),
      };
    }
    html(ctx, problem.status, problemPage(page, problem));
  }

  /** Reads the form and checks its `_csrf`; answers the refusal itself and returns undefined. */
  async function checkedForm(ctx: Context): Promise<Readonly<Record<string, string>> | undefined> {
    const form = await readForm(ctx.req);
    if (!form.ok) {
      const problem = { 400: PROBLEMS.badRequest, 413: PROBLEMS.tooLarge, 415: PROBLEMS.unsupported }[
        form.status
      ];
      sendProblem(ctx, problem);
      return undefined;
    }
    // CSRF on every form of the app, the sign-in form included (login CSRF).
    if (!csrfTokensMatch(sessionOf(ctx).csrfToken, form.fields._csrf)) {
      sendProblem(ctx, PROBLEMS.csrf);
      return undefined;
    }
    return form.fields;
  }

  const securityHeaders: Middleware = async (ctx, next) => {
    ctx.set({ ...SECURITY_HEADERS });
    await next();
  };

  const errorPages: Middleware = async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      // A redirect set before the failure must not go out with the error page.
      ctx.remove("Location");
      ctx.set({ ...SECURITY_HEADERS });
      const clientProblem = clientProblemOf(error);
      if (isSessionStoreFailure(error)) {
        sendProblem(ctx, PROBLEMS.storeUnavailable);
      } else if (clientProblem !== undefined) {
        // Client errors Koa raises itself (e.g. a malformed URL): the request's fault, not an outage.
        sendProblem(ctx, clientProblem);
      } else {
        setup.logError(error);
        sendProblem(ctx, PROBLEMS.internal);
      }
    }
  };

  const router = new Router();
  router.get("/favicon.ico", (ctx) => {
    ctx.status = 204;
  });

  router.get("/", async (ctx) => {
    const user = currentUser(ctx);
    const status = user === undefined ? undefined : await statusOf(ctx);
    html(ctx, 200, homePage(context(ctx), { accounts: setup.accounts, status, inboxUrl: setup.inboxUrl }));
  });

  router.get("/login", (ctx) => {
    html(
      ctx,
      200,
      loginPage(context(ctx), {
        csrfToken: csrfTokenOf(ctx),
        returnTo: safeReturnTo(ctx.query.returnTo),
        accounts: setup.accounts,
      }),
    );
  });

  router.post("/login", async (ctx) => {
    const fields = await checkedForm(ctx);
    if (fields === undefined) return;
    const username = (fields.username ?? "").trim();
    const password = fields.password ?? "";
    // The form's hidden field, or the query of a form posted to /login?returnTo=...; either way checked.
    const returnTo = safeReturnTo(fields.returnTo || ctx.query.returnTo);
    // Reserve before you check: the attempt is counted first, so parallel guesses cannot pass the limit.
    const wait = await throttle.reserveAttempt(username, ctx.ip);
    if (wait > 0) {
      ctx.set("Retry-After", String(wait));
      sendProblem(ctx, PROBLEMS.tooManyLogins);
      return;
    }
    const user = await setup.users.verifyPassword(username, password);
    if (user === null) {
      html(
        ctx,
        401,
        loginPage(context(ctx), {
          csrfToken: csrfTokenOf(ctx),
          returnTo,
          username,
          error: "Wrong username or password.",
          accounts: setup.accounts,
        }),
      );
      return;
    }
    await throttle.recordSuccess(username, ctx.ip);
    // Nothing of the anonymous session survives the login: new data, then a new session id.
    replaceSession(ctx, { userId: user.id, csrfToken: newCsrfToken() });
    await sessionOf(ctx).regenerate();
    ctx.status = 303;
    ctx.redirect(returnTo ?? "/");
  });

  router.post("/logout", async (ctx) => {
    if ((await checkedForm(ctx)) === undefined) return;
    // Removing the session from the store ends the second factor with it; a replayed cookie finds nothing.
    replaceSession(ctx, null);
    ctx.status = 303;
    ctx.redirect("/");
  });

  const verified = mfa.requireSecondFactor();
  const stepUp = mfa.requireSecondFactor({ maxAge: setup.stepUp.ms });

  router.get("/account", verified, async (ctx) => {
    const phones = await enrolledPhones(setup.factors, signedInUser(ctx).id);
    html(ctx, 200, accountPage(context(ctx), await statusOf(ctx), phones));
  });

  // Passkeys only (phishing-resistant): a session verified by a code is sent back to the challenge.
  router.get("/security-keys", mfa.requireSecondFactor({ phishingResistant: true }), async (ctx) => {
    signedInUser(ctx);
    html(ctx, 200, securityKeysPage(context(ctx), await statusOf(ctx)));
  });

  router.get("/transfer", stepUp, async (ctx) => {
    signedInUser(ctx);
    html(ctx, 200, transferPage(context(ctx), { csrfToken: csrfTokenOf(ctx), status: await statusOf(ctx) }));
  });

  router.post("/transfer", stepUp, async (ctx) => {
    const fields = await checkedForm(ctx);
    if (fields === undefined) return;
    signedInUser(ctx);
    const input: TransferInput = { amount: fields.amount ?? "", recipient: fields.recipient ?? "" };
    const checked = validateTransfer(input);
    if (!checked.ok) {
      html(
        ctx,
        400,
        transferPage(context(ctx), {
          csrfToken: csrfTokenOf(ctx),
          status: await statusOf(ctx),
          values: input,
          errors: checked.errors,
        }),
      );
      return;
    }
    const session = sessionOf(ctx);
    session.lastTransfer = checked.transfer;
    await session.save();
    ctx.status = 303;
    ctx.redirect("/transfer/done");
  });

  router.get("/transfer/done", verified, (ctx) => {
    const last = sessionOf(ctx).lastTransfer as { amount?: unknown; recipient?: unknown } | undefined;
    if (typeof last?.amount !== "string" || typeof last.recipient !== "string") {
      ctx.status = 303;
      ctx.redirect("/transfer");
      return;
    }
    html(ctx, 200, transferDonePage(context(ctx), { amount: last.amount, recipient: last.recipient }));
  });

  router.get("/api/me", verified, async (ctx) => {
    const user = signedInUser(ctx);
    const status = await statusOf(ctx);
    const [phone] = await enrolledPhones(setup.factors, user.id);
    ctx.body = {
      user: {
        id: user.id,
        username: user.username,
        name: user.displayName,
        phone: phone === undefined ? null : maskDestination(phone),
      },
      secondFactor: status.verified
        ? { verified: true, verifiedAt: status.verifiedAt.toISOString(), channel: status.channel }
        : { verified: false },
      stepUp: {
        maxAgeSeconds: Math.floor(setup.stepUp.ms / 1000),
        open: status.verified && status.stepUpOpen,
        ...(status.verified ? { closesAt: status.stepUpOpenUntil.toISOString() } : {}),
      },
    };
  });

  app.use(securityHeaders);
  app.use(errorPages);
  app.use(mfa.sessionErrorHandler());
  app.use(
    createSession(
      {
        key: SESSION_COOKIE,
        store: guardedKoaStore(options.sessionStore ?? sessionStoreFor(setup.storage)),
        maxAge: SESSION_MAX_AGE_MS,
        httpOnly: true,
        sameSite: "lax",
        signed: true,
      },
      app,
    ),
  );
  app.use(mfa.routes());
  app.use(router.routes());
  app.use(router.allowedMethods());
  app.use((ctx) => {
    sendProblem(ctx, PROBLEMS.notFound);
  });
  return app;
}

/** koa-session's external store for a storage backend: in memory, or the library's Redis store. */
function sessionStoreFor(storage: StorageBackend): KoaSessionStore {
  switch (storage.kind) {
    case "memory":
      return memorySessionStore();
    case "redis":
      return redisSessionStore(storage.client, { prefix: "sf-example:koa:sess:" });
  }
}

/** Sets koa-session's `ctx.session`: an object replaces the data, `null` removes the session. */
function replaceSession(ctx: Context, data: Record<string, unknown> | null): void {
  (ctx as unknown as { session: unknown }).session = data;
}
