/**
 * The Express example: a small app with a sign-in form, guarded by second-factor. `/account` needs the
 * second factor, `/transfer` needs it recently (step-up), `/api/me` answers JSON. `server.ts` listens;
 * tests import {@link createApp} directly.
 */

import { RedisStore } from "connect-redis";
import express, { type ErrorRequestHandler, type Request, type RequestHandler, type Response } from "express";
import session from "express-session";
import { secondFactor } from "../../adapters/express/index.js";
import { maskDestination, safeReturnTo } from "../../src/index.js";
import { csrfTokensMatch, newCsrfToken } from "../shared/csrf.js";
import { enrolledPhones } from "../shared/factor-storage.js";
import { FORM_LIMIT_BYTES, type FormResult, fieldsOf } from "../shared/forms.js";
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
  isSessionStoreFailure,
  limitsFor,
  SessionStoreError,
  STORE_RETRY_AFTER_SECONDS,
  type StorageBackend,
} from "../shared/storage.js";
import { type TransferInput, validateTransfer } from "../shared/transfer.js";
import type { DemoUser } from "../shared/users.js";

/**
 * The session cookie's name.
 * @default "sf.sid"
 * @example
 * res.clearCookie(SESSION_COOKIE, { path: "/" });
 */
export const SESSION_COOKIE = "sf.sid";
const SESSION_MAX_AGE_MS = 8 * 60 * 60 * 1000;

/** Options of {@link createApp} beyond the setup. */
export interface ExpressExampleOptions {
  /** The express-session store (tests pass one that fails). @default a `MemoryStore`, or connect-redis when `setup.storage` is Redis */
  sessionStore?: session.Store;
}

/** The example's fields in `req.session`, read without augmenting express-session's types. */
interface ExampleSessionFields {
  userId?: unknown;
  csrfToken?: unknown;
  lastTransfer?: unknown;
}

/**
 * Builds the Express example app.
 * @example
 * const example = await prepareExample(process.env, { defaultPort: 3000 });
 * createApp(example.setup).listen(3000, "127.0.0.1");
 */
export function createApp(setup: ExampleSetup, options: ExpressExampleOptions = {}): express.Express {
  const app = express();
  app.disable("x-powered-by");

  const mfa = secondFactor({
    provider: setup.provider,
    user: (req) => {
      const user = currentUser(req);
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
  const parseForm = express.urlencoded({ extended: false, limit: FORM_LIMIT_BYTES, parameterLimit: 20 });

  function fieldsOfSession(req: Request): ExampleSessionFields & Record<string, unknown> {
    // express-session gives no session when its store is down (it emitted "disconnect").
    if (req.session === undefined) throw new SessionStoreError(new Error("no session on this request"));
    return req.session as unknown as ExampleSessionFields & Record<string, unknown>;
  }

  function currentUser(req: Request): DemoUser | undefined {
    return req.session === undefined ? undefined : setup.users.byId(fieldsOfSession(req).userId);
  }

  /** The session's CSRF token for the app's own forms, made on first use. */
  function csrfTokenOf(req: Request): string {
    const fields = fieldsOfSession(req);
    if (typeof fields.csrfToken !== "string") fields.csrfToken = newCsrfToken();
    return fields.csrfToken as string;
  }

  function context(req: Request): PageContext {
    const user = currentUser(req);
    return {
      framework: "Express",
      user,
      csrfToken: user === undefined ? undefined : csrfTokenOf(req),
      stepUp: setup.stepUp,
      now: setup.now(),
    };
  }

  /** Whether and when this session passed the second factor, and whether `/transfer`'s step-up is open. */
  const statusOf = (req: Request) => mfa.status(req, { maxAge: setup.stepUp.ms });

  function sendProblem(req: Request, res: Response, problem: Problem): void {
    if (problem.status === 503) res.setHeader("Retry-After", String(STORE_RETRY_AFTER_SECONDS));
    if (req.path.startsWith("/api/")) {
      res.status(problem.status).json({ error: problem.error, message: problem.message });
      return;
    }
    let page: PageContext;
    try {
      page = context(req);
    } catch {
      // The session itself is what failed: answer without it.
      page = {
        framework: "Express",
        user: undefined,
        csrfToken: undefined,
        stepUp: setup.stepUp,
        now: setup.now(),
      };
    }
    res.status(problem.status).type("html").send(problemPage(page, problem));
  }

  /** The form of a POST, or the problem it has (415 not a form, 400 a repeated field). */
  function formOf(req: Request): FormResult {
    if (!req.is("application/x-www-form-urlencoded")) {
      return { ok: false, status: 415, reason: "not a form" };
    }
    return fieldsOf(req.body ?? {});
  }

  /** Reads the form and checks its `_csrf`; answers the refusal itself and returns undefined. */
  function checkedForm(req: Request, res: Response): Readonly<Record<string, string>> | undefined {
    const form = formOf(req);
    if (!form.ok) {
      sendProblem(req, res, form.status === 415 ? PROBLEMS.unsupported : PROBLEMS.badRequest);
      return undefined;
    }
    // CSRF on every form of the app, the sign-in form included (login CSRF).
    if (!csrfTokensMatch(fieldsOfSession(req).csrfToken, form.fields._csrf)) {
      sendProblem(req, res, PROBLEMS.csrf);
      return undefined;
    }
    return form.fields;
  }

  const regenerate = (req: Request) =>
    new Promise<void>((resolve, reject) =>
      req.session.regenerate((error: unknown) => (error ? reject(new SessionStoreError(error)) : resolve())),
    );
  const save = (req: Request) =>
    new Promise<void>((resolve, reject) =>
      req.session.save((error: unknown) => (error ? reject(new SessionStoreError(error)) : resolve())),
    );
  const destroy = (req: Request) =>
    new Promise<void>((resolve, reject) =>
      req.session.destroy((error: unknown) => (error ? reject(new SessionStoreError(error)) : resolve())),
    );

  const securityHeaders: RequestHandler = (_req, res, next) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    next();
  };

  const showHome: RequestHandler = async (req, res) => {
    const user = currentUser(req);
    const status = user === undefined ? undefined : await statusOf(req);
    res
      .type("html")
      .send(homePage(context(req), { accounts: setup.accounts, status, inboxUrl: setup.inboxUrl }));
  };

  const showLogin: RequestHandler = (req, res) => {
    res.type("html").send(
      loginPage(context(req), {
        csrfToken: csrfTokenOf(req),
        returnTo: safeReturnTo(req.query.returnTo),
        accounts: setup.accounts,
      }),
    );
  };

  const login: RequestHandler = async (req, res) => {
    const fields = checkedForm(req, res);
    if (fields === undefined) return;
    const username = (fields.username ?? "").trim();
    const password = fields.password ?? "";
    // The form's hidden field, or the query of a form posted to /login?returnTo=...; either way checked.
    const returnTo = safeReturnTo(fields.returnTo || req.query.returnTo);
    // Reserve before you check: the attempt is counted first, so parallel guesses cannot pass the limit.
    const wait = await throttle.reserveAttempt(username, req.ip);
    if (wait > 0) {
      res.setHeader("Retry-After", String(wait));
      sendProblem(req, res, PROBLEMS.tooManyLogins);
      return;
    }
    const user = await setup.users.verifyPassword(username, password);
    if (user === null) {
      res
        .status(401)
        .type("html")
        .send(
          loginPage(context(req), {
            csrfToken: csrfTokenOf(req),
            returnTo,
            username,
            error: "Wrong username or password.",
            accounts: setup.accounts,
          }),
        );
      return;
    }
    await throttle.recordSuccess(username, req.ip);
    // A new session id at login (no session fixation); express-session starts it empty.
    await regenerate(req);
    const fresh = fieldsOfSession(req);
    fresh.userId = user.id;
    fresh.csrfToken = newCsrfToken();
    await save(req);
    res.redirect(303, returnTo ?? "/");
  };

  const logout: RequestHandler = async (req, res) => {
    if (checkedForm(req, res) === undefined) return;
    // Destroying the session in the store ends the second factor with it; a replayed cookie finds nothing.
    await destroy(req);
    res.clearCookie(SESSION_COOKIE, { path: "/", httpOnly: true, sameSite: "lax" });
    res.redirect(303, "/");
  };

  const showAccount: RequestHandler = async (req, res) => {
    const page = context(req);
    if (page.user === undefined) throw new Error("the guard let a request without a user through");
    const phones = await enrolledPhones(setup.factors, page.user.id);
    res.type("html").send(accountPage(page, await statusOf(req), phones));
  };

  const showTransfer: RequestHandler = async (req, res) => {
    const page = context(req);
    if (page.user === undefined) throw new Error("the guard let a request without a user through");
    res.type("html").send(transferPage(page, { csrfToken: csrfTokenOf(req), status: await statusOf(req) }));
  };

  const transfer: RequestHandler = async (req, res) => {
    const fields = checkedForm(req, res);
    if (fields === undefined) return;
    const page = context(req);
    if (page.user === undefined) throw new Error("the guard let a request without a user through");
    const input: TransferInput = { amount: fields.amount ?? "", recipient: fields.recipient ?? "" };
    const checked = validateTransfer(input);
    if (!checked.ok) {
      res
        .status(400)
        .type("html")
        .send(
          transferPage(page, {
            csrfToken: csrfTokenOf(req),
            status: await statusOf(req),
            values: input,
            errors: checked.errors,
          }),
        );
      return;
    }
    fieldsOfSession(req).lastTransfer = checked.transfer;
    await save(req);
    res.redirect(303, "/transfer/done");
  };

  const showTransferDone: RequestHandler = (req, res) => {
    const last = fieldsOfSession(req).lastTransfer as { amount?: unknown; recipient?: unknown } | undefined;
    if (typeof last?.amount !== "string" || typeof last.recipient !== "string") {
      res.redirect(303, "/transfer");
      return;
    }
    res.type("html").send(transferDonePage(context(req), { amount: last.amount, recipient: last.recipient }));
  };

  const me: RequestHandler = async (req, res) => {
    const user = currentUser(req);
    if (user === undefined) throw new Error("the guard let a request without a user through");
    const status = await statusOf(req);
    const [phone] = await enrolledPhones(setup.factors, user.id);
    res.json({
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
    });
  };

  const errors: ErrorRequestHandler = (error: unknown, req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    if (isSessionStoreFailure(error)) {
      sendProblem(req, res, PROBLEMS.storeUnavailable);
      return;
    }
    // Client errors raised by Express and its body parser (too large, bad charset, malformed URL).
    const clientProblem = clientProblemOf(error);
    if (clientProblem !== undefined) {
      sendProblem(req, res, clientProblem);
      return;
    }
    setup.logError(error);
    sendProblem(req, res, PROBLEMS.internal);
  };

  app.use(securityHeaders);
  app.use(
    session({
      name: SESSION_COOKIE,
      secret: setup.sessionSecret,
      store: guardedStore(options.sessionStore ?? sessionStoreFor(setup.storage)),
      resave: false,
      saveUninitialized: false,
      cookie: { httpOnly: true, sameSite: "lax", maxAge: SESSION_MAX_AGE_MS },
    }),
  );
  app.use(mfa.sessionErrorHandler());
  app.use(mfa.routes());

  const verified = mfa.requireSecondFactor();
  const stepUp = mfa.requireSecondFactor({ maxAge: setup.stepUp.ms });
  app.get("/favicon.ico", (_req, res) => {
    res.status(204).end();
  });
  app.get("/", showHome);
  app.get("/login", showLogin);
  app.post("/login", parseForm, login);
  app.post("/logout", parseForm, logout);
  app.get("/account", verified, showAccount);
  app.get("/transfer", stepUp, showTransfer);
  app.post("/transfer", stepUp, parseForm, transfer);
  app.get("/transfer/done", verified, showTransferDone);
  app.get("/api/me", verified, me);
  // Passkeys only (phishing-resistant): a session verified by a code is sent back to the challenge.
  app.get("/security-keys", mfa.requireSecondFactor({ phishingResistant: true }), async (req, res) => {
    res.type("html").send(securityKeysPage(context(req), await statusOf(req)));
  });
  app.use((req, res) => sendProblem(req, res, PROBLEMS.notFound));
  app.use(errors);
  return app;
}

/** The express-session store of a storage backend: a `MemoryStore`, or connect-redis on the app's client. */
function sessionStoreFor(storage: StorageBackend): session.Store {
  switch (storage.kind) {
    case "memory":
      return new session.MemoryStore();
    case "redis":
      return new RedisStore({ client: storage.client, prefix: "sf-example:express:sess:" });
  }
}

/**
 * Wraps an express-session store so that its failures reach the error handler as
 * {@link SessionStoreError} (answered with 503), and its connection events still reach express-session.
 */
function guardedStore(inner: session.Store): session.Store {
  const wrap = (error: unknown) => (error ? new SessionStoreError(error) : undefined);
  class GuardedStore extends session.Store {
    override get(sid: string, callback: (error: unknown, data?: session.SessionData | null) => void): void {
      inner.get(sid, (error, data) => (error ? callback(wrap(error)) : callback(null, data)));
    }
    override set(sid: string, data: session.SessionData, callback?: (error?: unknown) => void): void {
      inner.set(sid, data, (error) => callback?.(wrap(error)));
    }
    override destroy(sid: string, callback?: (error?: unknown) => void): void {
      inner.destroy(sid, (error) => callback?.(wrap(error)));
    }
    override touch(sid: string, data: session.SessionData, callback?: () => void): void {
      if (inner.touch === undefined) callback?.();
      else inner.touch(sid, data, () => callback?.());
    }
  }
  const store = new GuardedStore();
  inner.on("disconnect", () => store.emit("disconnect"));
  inner.on("connect", () => store.emit("connect"));
  return store;
}
