/**
 * The baseline of the in-situ timing: what an app could write by hand instead of the guard, reading
 * the record second-factor keeps (`secondFactor` in the session) and checking its owner and timestamp.
 */
import { LOGIN_KEY } from "./users.js";

/**
 * True when the session's record was verified by the logged-in user, at a time not in the future.
 * @example
 * if (handWrittenCheck(req.session)) next();
 */
export function handWrittenCheck(session: Record<string, unknown> | null | undefined): boolean {
  const record = session?.secondFactor as { userId?: unknown; verifiedAt?: unknown } | undefined;
  return (
    typeof record === "object" &&
    record !== null &&
    record.userId === session?.[LOGIN_KEY] &&
    typeof record.verifiedAt === "number" &&
    record.verifiedAt <= Date.now()
  );
}
