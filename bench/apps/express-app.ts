/**
 * The Express 5 bench app (see {@link AppKind}): one app per measured route behind a front that
 * picks it by path, all on one session store and one second-factor instance; `POST /login` and the
 * flow under `/2fa` go to one more app, for the warm-up that makes a genuinely verified session.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import express, { type Express, type Request, type RequestHandler } from "express";
import expressSession from "express-session";
import { secondFactor } from "../../adapters/express/index.js";
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

/** The cookie-signing secret of the bench sessions. */
const SESSION_SECRET = "bench-session-secret-bench-session-secret";

/**
 * A built app, with the pieces the micro-benchmark drives without HTTP.
 * @example
 * const built = buildExpressApp(config);
 * createServer(built.listener).listen(0, "127.0.0.1");
 */
export interface BuiltExpressApp {
  /** The app of the login and the flow (every path but the measured routes'): add a route here to capture a request. */
  readonly app: Express;
  readonly listener: (req: IncomingMessage, res: ServerResponse) => void;
  /** The guards on {@link ACCOUNT_PATH} and {@link STEP_UP_PATH} (absent in a `bare` server). */
  readonly guard: RequestHandler | undefined;
  readonly stepUpGuard: RequestHandler | undefined;
}

type SessionRecord = Record<string, unknown>;

function sessionOf(req: Request): SessionRecord | undefined {
  return (req as unknown as { session?: SessionRecord }).session;
}

/**
 * Builds the Express app of one bench server.
 * @example
 * const { listener } = buildExpressApp({ framework: "express", kind: "guard", emulatorUrl, serviceSid });
 */
export function buildExpressApp(config: AppConfig): BuiltExpressApp {
  if (config.kind === "bare") {
    const app = express();
    app.get(ACCOUNT_PATH, (_req, res) => {
      res.send(HANDLER_PREFIX);
    });
    return { app, listener: app as unknown as Listener, guard: undefined, stepUpGuard: undefined };
  }

  const mfa = secondFactor({
    ...sharedOptions(config.emulatorUrl, config.serviceSid),
    user: (req) => userFor(sessionOf(req)?.[LOGIN_KEY]),
  });
  const session = expressSession({
    secret: SESSION_SECRET,
    name: "sid",
    resave: false,
    saveUninitialized: false,
    store: new expressSession.MemoryStore(),
  });
  // The handler reads the session in every variant, so no variant is charged for loading it.
  const account: RequestHandler = (req, res) => {
    segmentTimer.record(req, req.path);
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
  const handCheck: RequestHandler = (req, res, next) => {
    if (handWrittenCheck(sessionOf(req))) next();
    else res.status(401).end();
  };
  /** An app with the session middleware and the segment stamp, then what `mount` adds. */
  const variant = (mount: (app: Express) => void): Express => {
    const variantApp = express();
    variantApp.use(session);
    variantApp.use((req, _res, next) => {
      segmentTimer.stamp(req);
      next();
    });
    mount(variantApp);
    return variantApp;
  };
  /** second-factor mounted as the docs say: its error handler after the session, then its routes. */
  const withSecondFactor = (mount: (app: Express) => void) =>
    variant((variantApp) => {
      variantApp.use(mfa.sessionErrorHandler());
      variantApp.use(mfa.routes());
      mount(variantApp);
    });
  const listen = (variantApp: Express) => variantApp as unknown as Listener;
  const measured = new Map<string, Listener>([
    // (2): answered before anything of second-factor runs.
    [PLAIN_PATH, listen(variant((a) => a.get(PLAIN_PATH, account)))],
    [MOUNTED_PATH, listen(withSecondFactor((a) => a.get(MOUNTED_PATH, account)))],
    [HAND_PATH, listen(withSecondFactor((a) => a.get(HAND_PATH, handCheck, account)))],
    [ACCOUNT_PATH, listen(withSecondFactor((a) => a.get(ACCOUNT_PATH, guard, account)))],
    [STEP_UP_PATH, listen(withSecondFactor((a) => a.get(STEP_UP_PATH, stepUpGuard, account)))],
  ]);
  // Everything else (the login and the flow the warm-up walks) goes to one more app.
  const app = withSecondFactor((a) => a.post("/login", express.urlencoded({ extended: false }), login));
  const listener = splitByPath(measured, listen(app));
  return { app, listener, guard, stepUpGuard };
}
