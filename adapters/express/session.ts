import type { Request } from "express";
import type { SessionPort } from "../../src/boundary.js";
import { ErrorCodes, SecondFactorError } from "../../src/errors.js";
import {
  LazySessionPort,
  recordIn,
  type SessionAccess,
  type SessionBinding,
  sessionStoreUnavailable,
} from "../shared/session-port.js";

type Callback = (error?: unknown) => void;

/** The parts of an express-session (or cookie-session) session object the adapter uses. */
interface SessionLike {
  [key: string]: unknown;
  regenerate?: (callback: Callback) => unknown;
  save?: (callback: Callback) => unknown;
}

/** What the adapter remembers across requests about the app's sessions. */
export interface SessionSightings {
  /** A server-side session was seen on an earlier request (so a missing one now is a store outage). */
  serverSessionSeen: boolean;
}

/** The fields express-session (and cookie-session) put on `req`, read without their type packages. */
interface SessionFields {
  session?: unknown;
  sessionID?: unknown;
  sessionStore?: unknown;
}

function fieldsOf(req: Request): SessionFields {
  return req as unknown as SessionFields;
}

function sessionOf(req: Request): SessionLike | undefined {
  const session = fieldsOf(req).session;
  return typeof session === "object" && session !== null ? (session as SessionLike) : undefined;
}

/** True for express-session: a session with an id, `regenerate` and `save`; cookie-session has none of them. */
function isServerSide(req: Request, session: SessionLike): boolean {
  return (
    typeof session.regenerate === "function" &&
    typeof session.save === "function" &&
    typeof fieldsOf(req).sessionID === "string" &&
    !("isPopulated" in session)
  );
}

/** What {@link expressSessionPort} needs of one `secondFactor(options)` instance; made once by {@link expressSessionOptions}. */
export interface ExpressSessionOptions {
  readonly allowClientSideSessions: boolean;
  readonly sightings: SessionSightings;
  /** The record in express-session's session, with its regenerate and save. */
  readonly serverSide: SessionBinding<Request>;
  /** The record in cookie-session's session (opted in): nothing to regenerate or save. */
  readonly clientSide: SessionBinding<Request>;
}

/**
 * The session options of one instance, made once when its middleware is built (never per request).
 * @example
 * const sessionOptions = expressSessionOptions(core);
 * const session = expressSessionPort(req, sessionOptions);
 */
export function expressSessionOptions(core: {
  readonly sessionKey: string;
  readonly allowClientSideSessions: boolean;
}): ExpressSessionOptions {
  const key = core.sessionKey;
  return {
    allowClientSideSessions: core.allowClientSideSessions,
    sightings: { serverSessionSeen: false },
    serverSide: { key, access: serverAccess },
    clientSide: { key, access: clientAccess },
  };
}

/**
 * The {@link SessionPort} over `req.session`, or an error when there is none to use: no session middleware
 * in front (a configuration error), express-session without a session (its store failed: 503), or a
 * client-side session the app did not opt in to.
 */
export function expressSessionPort(req: Request, options: ExpressSessionOptions): SessionPort {
  const session = sessionOf(req);
  if (session === undefined) {
    // express-session exposes its store and then goes on without a session when the store is down.
    if (fieldsOf(req).sessionStore !== undefined || options.sightings.serverSessionSeen) {
      throw sessionStoreUnavailable(new Error("express-session gave this request no session"));
    }
    throw noSessionMiddleware();
  }
  const serverSide = isServerSide(req, session);
  if (!serverSide && !options.allowClientSideSessions) throw clientSideSessionRefused();
  if (serverSide) options.sightings.serverSessionSeen = true;
  return new LazySessionPort(req, serverSide ? options.serverSide : options.clientSide);
}

/**
 * The guard's hot path: the raw record of a session {@link expressSessionPort} would accept, read
 * without building a port; `undefined` for anything else (no session, a refused client-side session),
 * which sends the guard down the full path and its errors. Never throws, allocates nothing.
 * @example
 * if (guard.passes(usableRecord(req, sessionOptions), user)) next();
 */
export function usableRecord(req: Request, options: ExpressSessionOptions): unknown {
  const session = sessionOf(req);
  if (session === undefined) return undefined;
  if (isServerSide(req, session)) {
    if (!options.sightings.serverSessionSeen) options.sightings.serverSessionSeen = true;
  } else if (!options.allowClientSideSessions) {
    return undefined;
  }
  return session[options.serverSide.key];
}

function currentSession(req: Request): SessionLike {
  const session = sessionOf(req);
  if (session === undefined) throw new Error("the session was removed from the request");
  return session;
}

function recordAccess(req: Request, key: string): Pick<SessionAccess, "read" | "write"> {
  return {
    read: () => recordIn(req, key),
    write(record) {
      const session = currentSession(req);
      if (record === undefined) delete session[key];
      else session[key] = record;
    },
  };
}

function serverAccess(req: Request, key: string): SessionAccess {
  return {
    ...recordAccess(req, key),
    regenerate: () =>
      new Promise<void>((resolve, reject) => {
        const previous = currentSession(req);
        const data = sessionData(previous);
        const regenerate = previous.regenerate as (callback: Callback) => unknown;
        const previousId = fieldsOf(req).sessionID;
        regenerate.call(previous, (error) => {
          if (error) {
            // The old session is still in the store (its destroy failed): keep answering from it
            // rather than from the empty one express-session made, so nothing new is saved or set.
            fieldsOf(req).session = previous;
            fieldsOf(req).sessionID = previousId;
            reject(error);
            return;
          }
          // express-session's regenerate starts an empty session: carry the app's data (its login,
          // our record and its return-to) into it, or the user would be logged out by verifying.
          const fresh = sessionOf(req);
          if (fresh !== undefined && fresh !== previous) Object.assign(fresh, data);
          resolve();
        });
      }),
    save: () =>
      new Promise<void>((resolve, reject) => {
        const session = currentSession(req);
        const save = session.save as (callback: Callback) => unknown;
        save.call(session, (error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** cookie-session (opted in): there is no id to change and the cookie is written with the response. */
function clientAccess(req: Request, key: string): SessionAccess {
  return {
    ...recordAccess(req, key),
    regenerate: () => Promise.resolve(),
    save: () => Promise.resolve(),
  };
}

/** The session's own data: every enumerable key but express-session's `cookie`. */
function sessionData(session: SessionLike): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const key of Object.keys(session)) {
    if (key !== "cookie") data[key] = session[key];
  }
  return data;
}

function noSessionMiddleware(): SecondFactorError {
  return new SecondFactorError(
    ErrorCodes.MISCONFIGURED,
    "second-factor: this request has no session (req.session is missing). Mount a server-side session " +
      "middleware before second-factor: app.use(session({ store, secret, resave: false, " +
      "saveUninitialized: false })) from express-session, then app.use(mfa.routes()), then the guards.",
  );
}

function clientSideSessionRefused(): SecondFactorError {
  return new SecondFactorError(
    ErrorCodes.MISCONFIGURED,
    "second-factor: req.session is a client-side (cookie) session, e.g. from cookie-session. The second " +
      "factor needs a server-side session (express-session with a store) so that verifying changes the " +
      "session id and logout really ends a verified session. Switch to express-session, or accept the " +
      "weaker guarantees with the option allowClientSideSessions: true (see docs/express.md).",
  );
}
