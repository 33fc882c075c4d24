/** The second-factor options every bench app shares: the real Twilio provider against the emulator. */
import type { SecondFactorLogger } from "../../src/events.js";
import { twilioVerify } from "../../src/twilio.js";

/** A fixed secret: budgets and markers are keyed by HMAC under it (32 bytes or more). */
const BENCH_SECRET = "bench-secret-bench-secret-bench-secret-0123456789";

/** Twilio-shaped credentials; the emulator accepts any Basic auth. */
const BENCH_ACCOUNT_SID = `AC${"b".repeat(32)}`;
const BENCH_AUTH_TOKEN = "0123456789abcdef0123456789abcdef";

/** Budgets: every bench client comes from 127.0.0.1, so the per-IP budgets are raised out of the way. */
const BENCH_LIMITS = {
  sends: { ip: { points: 1_000_000, durationSeconds: 600 } },
  checks: { ip: { points: 1_000_000, durationSeconds: 900 } },
};

/** Warnings go to stderr once each, errors always: a bench must not hide a misconfiguration. */
function benchLogger(): SecondFactorLogger {
  const seen = new Set<string>();
  return {
    warn(message) {
      if (seen.has(message)) return;
      seen.add(message);
      process.stderr.write(`[bench server] ${message}\n`);
    },
    error(message, details) {
      process.stderr.write(`[bench server] ${message} ${JSON.stringify(details ?? {})}\n`);
    },
  };
}

/**
 * The options of `secondFactor(...)` but `user`, for a Verify service of the emulator at `emulatorUrl`.
 * @example
 * const mfa = secondFactor({ ...sharedOptions(emulatorUrl, serviceSid), user: (req) => userFor(req.session.userId) });
 */
export function sharedOptions(emulatorUrl: string, serviceSid: string) {
  return {
    provider: twilioVerify({
      accountSid: BENCH_ACCOUNT_SID,
      authToken: BENCH_AUTH_TOKEN,
      serviceSid,
      emulatorUrl,
    }),
    secret: BENCH_SECRET,
    limits: BENCH_LIMITS,
    logger: benchLogger(),
  };
}
