import type { SecondFactorUser, SessionPort } from "../../src/boundary.js";
import { ErrorCodes, SecondFactorError } from "../../src/errors.js";
import type {
  SecondFactorStatus,
  SecondFactorStatusOptions,
  SecondFactorStepUpStatus,
} from "../../src/status.js";

/**
 * An instance's `status(request, options?)`: with `{ maxAge }` it also reports that step-up window.
 * @typeParam Native - the framework's request (`express.Request`, Koa `Context`).
 * @example
 * const status: StatusReader<Request> = statusReaderFor(core, (req) => expressSessionPort(req, sessionOptions), "req");
 */
export interface StatusReader<Native> {
  (
    native: Native,
    options: SecondFactorStatusOptions & { maxAge: string | number },
  ): Promise<SecondFactorStepUpStatus>;
  (native: Native, options?: SecondFactorStatusOptions): Promise<SecondFactorStatus>;
}

/** The parts of the core a status needs. */
interface StatusCore<Native> {
  resolveUser(native: Native): SecondFactorUser | null | Promise<SecondFactorUser | null>;
  status(raw: unknown, user: SecondFactorUser | null, options?: unknown): SecondFactorStatus;
}

/**
 * The instance's `status(request, options?)`: checks the session the way the guard does (no session
 * middleware, a refused client-side session or a failed store reject with the guard's error), calls the
 * app's `user(...)` callback, then asks the core. Always a promise, whether the callback is async or not.
 * @example
 * return { ...koaMiddleware(core), status: statusReaderFor(core, (ctx) => koaSessionPort(ctx, sessionOptions), "ctx") };
 */
export function statusReaderFor<Native>(
  core: StatusCore<Native>,
  sessionPortOf: (native: Native) => SessionPort,
  requestName: "req" | "ctx",
): StatusReader<Native> {
  const read = async (native: Native, options?: SecondFactorStatusOptions): Promise<SecondFactorStatus> => {
    if (typeof native !== "object" || native === null) {
      throw new SecondFactorError(
        ErrorCodes.INVALID_OPTION,
        `second-factor: status(${requestName}) needs the request (${requestName}), got ${native === null ? "null" : typeof native}.`,
      );
    }
    const session = sessionPortOf(native);
    const user = await core.resolveUser(native);
    return core.status(session.readRecord(), user, options);
  };
  return read as StatusReader<Native>;
}
