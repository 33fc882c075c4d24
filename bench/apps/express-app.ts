/**
 * The Express 5 bench app: express-session on its MemoryStore; (2), (3) and (4) each the only route
 * of their own app (see `splitByPath`); `POST /login` and the flow under `/2fa` on one more app.
 */
import express, { type Express, type Request, type RequestHandler } from "express";
import expressSession from "express-session";
import { secondFactor } from "../../adapters/express/index.js";
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
export interface BuiltExpressApp {
  /** The app of the login and the flow: add a route here to capture a request. */
  readonly app: Express;
  readonly listener: Listener;
  readonly guard: RequestHandler;
  readonly stepUpGuard: RequestHandler;
}

function sessionOf(req: Request): Record<string, unknown> | undefined {
  return (req as unknown as { session?: Record<string, unknown> }).session;
}

/** Builds the Express app of one bench server. */
export function buildExpressApp(config: AppConfig): BuiltExpressApp {
  const mfa = secondFactor({ ...sharedOptions(config), user: (req) => userFor(sessionOf(req)?.[LOGIN_KEY]) });
  const session = expressSession({
    secret: "bench-session-secret-bench-session-secret",
    name: "sid",
    resave: false,
    saveUninitialized: false,
    store: new expressSession.MemoryStore(),
  });
  // Every route's handler reads the session, so no row is charged for loading it.
  const account: RequestHandler = (req, res) => {
    res.send(`${HANDLER_PREFIX}${String(sessionOf(req)?.[LOGIN_KEY])}`);
  };
  const login: RequestHandler = (req, res) => {
    const user = (req.body as { user?: unknown } | undefined)?.user;
    const data = sessionOf(req);
    if (data === undefined || userFor(user) === null) {
      res.status(400).send("bad login");
      return;
    }
    data[LOGIN_KEY] = user;
    res.redirect(303, "/");
  };
  const guard = mfa.requireSecondFactor();
  const stepUpGuard = mfa.requireSecondFactor({ maxAge: STEP_UP_MAX_AGE });
  /** An app with the session middleware; with `mounted`, second-factor as the docs say. */
  const appWith = (mounted: boolean, route: (app: Express) => void): Express => {
    const app = express();
    app.use(session);
    if (mounted) {
      app.use(mfa.sessionErrorHandler());
      app.use(mfa.routes());
    }
    route(app);
    return app;
  };
  const listen = (app: Express) => app as unknown as Listener;
  const measured = new Map<string, Listener>([
    [PLAIN_PATH, listen(appWith(false, (a) => a.get(PLAIN_PATH, account)))],
    [ACCOUNT_PATH, listen(appWith(true, (a) => a.get(ACCOUNT_PATH, guard, account)))],
    [STEP_UP_PATH, listen(appWith(true, (a) => a.get(STEP_UP_PATH, stepUpGuard, account)))],
  ]);
  const app = appWith(true, (a) => a.post("/login", express.urlencoded({ extended: false }), login));
  return { app, listener: splitByPath(measured, listen(app)), guard, stepUpGuard };
}
