/**
 * Slows password guessing on the examples' sign-in form: wrong passwords are counted per username
 * and per client IP, and over the limit the form answers 429 without checking the password.
 */
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from "rate-limiter-flexible";
import { SessionStoreError, type StorageBackend } from "./storage.js";

/**
 * Wrong passwords per username within 15 minutes before the sign-in form answers 429.
 * @default 10
 * @example
 * for (let i = 0; i < LOGIN_FAILURES_PER_USERNAME; i++) await throttle.recordFailure("bob", ip);
 */
export const LOGIN_FAILURES_PER_USERNAME = 10;
/**
 * Wrong passwords per client IP within 15 minutes before the sign-in form answers 429.
 * @default 50
 * @example
 * const generous = LOGIN_FAILURES_PER_IP > LOGIN_FAILURES_PER_USERNAME; // true: shared networks
 */
export const LOGIN_FAILURES_PER_IP = 50;
const WINDOW_SECONDS = 15 * 60;

/** The sign-in form's counters of wrong passwords. */
export interface LoginThrottle {
  /** Seconds to wait before this username or IP may try again; 0 when it may try now. */
  retryAfterSeconds(username: string, ip: string | undefined): Promise<number>;
  /** Counts a wrong password. */
  recordFailure(username: string, ip: string | undefined): Promise<void>;
  /** A right password clears the username's count (not the IP's). */
  recordSuccess(username: string): Promise<void>;
}

/**
 * A {@link LoginThrottle} in the app's storage: memory for one instance, Redis when the sessions are
 * there too, so that every instance counts the same wrong passwords. A storage failure is a
 * {@link SessionStoreError} (503): a wrong password is never left uncounted.
 * @default 10 wrong passwords per username and 50 per IP in 15 minutes
 * @example
 * const throttle = createLoginThrottle(setup.storage);
 * if ((await throttle.retryAfterSeconds(username, req.ip)) > 0) return tooManyAttempts();
 */
export function createLoginThrottle(storage: StorageBackend): LoginThrottle {
  const limiter = (keyPrefix: string, points: number): RateLimiterAbstract =>
    storage.kind === "redis"
      ? new RateLimiterRedis({
          storeClient: storage.client,
          keyPrefix: `sf-example:${keyPrefix}`,
          points,
          duration: WINDOW_SECONDS,
        })
      : new RateLimiterMemory({ keyPrefix, points, duration: WINDOW_SECONDS });
  const byUsername = limiter("login:user", LOGIN_FAILURES_PER_USERNAME);
  const byIp = limiter("login:ip", LOGIN_FAILURES_PER_IP);
  const userKey = (username: string) => username.trim().toLowerCase().slice(0, 64);
  const ipKey = (ip: string | undefined) => ip ?? "unknown";
  const guarded = async <T>(operation: () => Promise<T>): Promise<T> => {
    try {
      return await operation();
    } catch (error) {
      throw new SessionStoreError(error);
    }
  };
  const waitOf = async (limiter: RateLimiterAbstract, key: string, points: number): Promise<number> => {
    const state = await guarded(() => limiter.get(key));
    if (state === null || state.consumedPoints < points) return 0;
    return Math.max(1, Math.ceil(state.msBeforeNext / 1000));
  };
  const count = async (limiter: RateLimiterAbstract, key: string): Promise<void> => {
    try {
      await limiter.consume(key);
    } catch (error) {
      // consume() rejects with a RateLimiterRes once the limit is reached: the failure was counted.
      if (error instanceof RateLimiterRes) return;
      throw new SessionStoreError(error);
    }
  };
  return {
    async retryAfterSeconds(username, ip) {
      const [user, address] = await Promise.all([
        waitOf(byUsername, userKey(username), LOGIN_FAILURES_PER_USERNAME),
        waitOf(byIp, ipKey(ip), LOGIN_FAILURES_PER_IP),
      ]);
      return Math.max(user, address);
    },
    async recordFailure(username, ip) {
      await Promise.all([count(byUsername, userKey(username)), count(byIp, ipKey(ip))]);
    },
    async recordSuccess(username) {
      await guarded(() => byUsername.delete(userKey(username)));
    },
  };
}
