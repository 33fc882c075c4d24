/**
 * Slows password guessing on the examples' sign-in form: attempts are counted per username and per
 * client IP before the password is checked (reserve before you check, so that parallel guesses cannot
 * all slip under the limit), a right password gives its attempt back, and over the limit the form
 * answers 429 without checking the password.
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
 * for (let i = 0; i < LOGIN_FAILURES_PER_USERNAME; i++) await throttle.reserveAttempt("bob", ip);
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
  /**
   * Takes one attempt from the username's and the IP's allowance, atomically, before the password is
   * checked: 0 when taken (check the password; a wrong one stays counted), else the seconds to wait
   * (nothing is checked, nothing is taken).
   */
  reserveAttempt(username: string, ip: string | undefined): Promise<number>;
  /** A right password: its attempt is given back to the IP and the username's count cleared. */
  recordSuccess(username: string, ip: string | undefined): Promise<void>;
}

/**
 * A {@link LoginThrottle} in the app's storage: memory for one instance, Redis when the sessions are
 * there too, so that every instance counts the same wrong passwords. A storage failure is a
 * {@link SessionStoreError} (503): a wrong password is never left uncounted.
 * @default 10 wrong passwords per username and 50 per IP in 15 minutes
 * @example
 * const throttle = createLoginThrottle(setup.storage);
 * if ((await throttle.reserveAttempt(username, req.ip)) > 0) return tooManyAttempts();
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
  /** One point of `limiter`'s allowance for `key`: 0 when taken, else the seconds until one is free. */
  const take = async (limiter: RateLimiterAbstract, key: string): Promise<number> => {
    try {
      await limiter.consume(key);
      return 0;
    } catch (error) {
      // consume() rejects with a RateLimiterRes when the allowance is spent.
      if (error instanceof RateLimiterRes) return Math.max(1, Math.ceil(error.msBeforeNext / 1000));
      throw new SessionStoreError(error);
    }
  };
  const giveBack = (limiter: RateLimiterAbstract, key: string): Promise<unknown> =>
    guarded(() => limiter.reward(key, 1));
  return {
    async reserveAttempt(username, ip) {
      const [user, address] = await Promise.all([take(byUsername, userKey(username)), take(byIp, ipKey(ip))]);
      // Refused by one of the two: the point the other took is given back, nothing is checked.
      if (user > 0 && address === 0) await giveBack(byIp, ipKey(ip));
      if (address > 0 && user === 0) await giveBack(byUsername, userKey(username));
      return Math.max(user, address);
    },
    async recordSuccess(username, ip) {
      await Promise.all([guarded(() => byUsername.delete(userKey(username))), giveBack(byIp, ipKey(ip))]);
    },
  };
}
