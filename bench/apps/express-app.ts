/**
 * The Express 5 bench app (see {@link AppKind}): `/plain`, `/account` and `/step-up` are measured;
 * `POST /login` and the flow under `/2fa` are there for the warm-up that makes a genuinely verified
 * session.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import express, { type Express, type Request, type RequestHandler } from "express";
import expressSession from "express-session";
import { secondFactor } from "../../adapters/express/index.js";
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

/** The cookie-signing secret of the bench sessions. */
const SESSION_SECRET = "bench-session-secret-bench-session-secret";

/**
 * A built app, with the pieces the micro-benchmark drives without HTTP.
 * @example
 * const built = buildExpressApp(config);
 * createServer(built.listener).listen(0, "127.0.0.1");
 */
export interface BuiltExpressApp {
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
  const app = express();
  const listener = app as unknown as BuiltExpressApp["listener"];
  if (config.kind === "bare") {
    app.get(ACCOUNT_PATH, (_req, res) => {
      res.send(HANDLER_PREFIX);
    });
    return { app, listener, guard: undefined, stepUpGuard: undefined };
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
  app.use(session);
  app.post("/login", express.urlencoded({ extended: false }), login);
  // (2): answered before anything of second-factor runs.
  app.get(PLAIN_PATH, account);
  app.use(mfa.sessionErrorHandler());
  app.use(mfa.routes());
  app.get(MOUNTED_PATH, account);
  app.get(ACCOUNT_PATH, guard, account);
  app.get(STEP_UP_PATH, stepUpGuard, account);
  return { app, listener, guard, stepUpGuard };
}
