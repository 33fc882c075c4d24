import type { SessionPort } from "./boundary.js";
import {
  ErrorCodes,
  isSecondFactorError,
  providerUnavailable,
  RETRY_AFTER_SECONDS,
  type SecondFactorError,
  storeUnavailable,
} from "./errors.js";
import type { FlowAction } from "./events.js";
import type { Limits } from "./limits/index.js";
import type { CoreConfig } from "./options/index.js";

const OUTAGE_CODES: readonly string[] = [
  ErrorCodes.PROVIDER_UNAVAILABLE,
  ErrorCodes.PROVIDER_REJECTED,
  ErrorCodes.STORE_UNAVAILABLE,
];

/**
 * The `Retry-After` seconds of an outage error (a provider or store that failed), or `undefined` when
 * the error is not an outage of ours to answer.
 * @example
 * const retry = outageRetryAfter(error); // 5
 */
export function outageRetryAfter(error: unknown): number | undefined {
  if (!isSecondFactorError(error) || !OUTAGE_CODES.includes(error.code)) return undefined;
  const header = error.headers["Retry-After"] ?? error.headers["retry-after"];
  const seconds = header === undefined ? Number.NaN : Number(header);
  return Number.isInteger(seconds) && seconds > 0 && seconds <= 3600 ? seconds : RETRY_AFTER_SECONDS;
}

/**
 * The app's {@link Limits} with every failure turned into `ERR_SF_STORE_UNAVAILABLE`, so a custom
 * implementation that throws anything still makes the flow deny.
 * @example
 * const limits = failClosedLimits(config.limits);
 */
export function failClosedLimits(limits: Limits): Limits {
  const wrap =
    <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        return await call(...args);
      } catch (error) {
        throw storeUnavailable(error);
      }
    };
  return {
    consumeSend: wrap((keys) => limits.consumeSend(keys)),
    consumeCheck: wrap((keys) => limits.consumeCheck(keys)),
    lockStatus: wrap((userId) => limits.lockStatus(userId)),
    reserveCheck: wrap((userId, ttlMs) => limits.reserveCheck(userId, ttlMs)),
    recordWrongCode: wrap((userId, hold) => limits.recordWrongCode(userId, hold)),
    recordSuccess: wrap((userId, hold) => limits.recordSuccess(userId, hold)),
    releaseCheck: wrap((userId, hold) => limits.releaseCheck(userId, hold)),
    unlock: wrap((userId) => limits.unlock(userId)),
    claimOnce: wrap((key, ttlMs) => limits.claimOnce(key, ttlMs)),
    release: wrap((key) => limits.release(key)),
    destinationKey: (destination) => limits.destinationKey(destination),
  };
}

/**
 * Saves the session, turning any failure into `ERR_SF_STORE_UNAVAILABLE`.
 * @example
 * await saveSession(session);
 */
export async function saveSession(session: SessionPort): Promise<void> {
  try {
    await session.save();
  } catch (error) {
    throw storeUnavailable(error);
  }
}

/**
 * Regenerates the session id, turning any failure into `ERR_SF_STORE_UNAVAILABLE`.
 * @example
 * await regenerateSession(session);
 */
export async function regenerateSession(session: SessionPort): Promise<void> {
  try {
    await session.regenerate();
  } catch (error) {
    throw storeUnavailable(error);
  }
}

/**
 * Calls the provider with a deadline: a call that throws anything, or takes longer than
 * `providerTimeoutMs`, becomes `ERR_SF_PROVIDER_UNAVAILABLE` (503), reported as a `provider.error`
 * event and a log line that carry no destination and no code. Never retried (a retried send is a resend).
 * @example
 * const result = await callProvider(config, "send", user.id, () => provider.start({ to, channel }));
 */
export async function callProvider<T>(
  config: CoreConfig<unknown>,
  action: FlowAction,
  userId: string,
  call: () => Promise<T>,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timeoutError(config.providerTimeoutMs)), config.providerTimeoutMs);
  });
  try {
    return await Promise.race([Promise.resolve().then(call), deadline]);
  } catch (error) {
    const failure = providerFailure(error);
    const timeout = isTimeout(failure);
    config.emit({ type: "provider.error", userId, action, code: failure.code, timeout });
    // Only the code and the action: provider messages are not trusted to be free of destinations.
    config.logger.error("second-factor: the verification provider failed; answered 503", {
      action,
      code: failure.code,
      timeout,
    });
    throw failure;
  } finally {
    clearTimeout(timer);
  }
}

const TIMEOUT_MARK = Symbol("provider timeout");

/**
 * Our own deadline, or a provider's: the Twilio provider's SDK timeout fires first and marks its
 * sanitized cause `timedOut`; a custom provider's `AbortSignal.timeout()` rejects with a `TimeoutError`.
 */
function isTimeout(failure: SecondFactorError): boolean {
  const cause = failure.cause;
  if (cause === TIMEOUT_MARK) return true;
  if (typeof cause !== "object" || cause === null) return false;
  const marks = cause as { timedOut?: unknown; name?: unknown };
  return marks.timedOut === true || marks.name === "TimeoutError";
}

function timeoutError(ms: number): SecondFactorError {
  return providerUnavailable(
    `second-factor: the provider did not answer within ${ms} ms`,
    RETRY_AFTER_SECONDS,
    TIMEOUT_MARK,
  );
}

function providerFailure(error: unknown): SecondFactorError {
  if (
    isSecondFactorError(error) &&
    (error.code === ErrorCodes.PROVIDER_UNAVAILABLE || error.code === ErrorCodes.PROVIDER_REJECTED)
  ) {
    return error;
  }
  return providerUnavailable("second-factor: the provider failed", RETRY_AFTER_SECONDS, error);
}
