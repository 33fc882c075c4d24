import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { type TwilioApiError, twilioError } from "./twilio-errors.js";

/** Equal-time string comparison (both sides hashed first, so lengths leak nothing). */
export function secretsEqual(a: string, b: string): boolean {
  const ha = createHash("sha256").update(a, "utf8").digest();
  const hb = createHash("sha256").update(b, "utf8").digest();
  return timingSafeEqual(ha, hb);
}

const ACCOUNT_SID = /^AC[0-9a-f]{32}$/i;

/** The Basic-auth user and password of a request, if it has Basic auth. */
function basicPair(req: IncomingMessage): { user: string; password: string } | undefined {
  const header = req.headers.authorization ?? "";
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return colon < 0
    ? { user: decoded, password: "" }
    : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * The account whose resources a request sees, as Twilio echoes it in `account_sid`: the configured
 * one, else the caller's Basic-auth user when it is a well-formed `AC…`, else the emulator's own.
 */
export function callerAccount(
  req: IncomingMessage,
  credentials: { accountSid: string } | undefined,
  fallback: string,
): string {
  if (credentials !== undefined) return credentials.accountSid;
  const user = basicPair(req)?.user;
  return user !== undefined && ACCOUNT_SID.test(user) ? user : fallback;
}

const CHALLENGE = { "WWW-Authenticate": 'Basic realm="Twilio API"' };

/**
 * Checks HTTP Basic auth on a Verify API request. Without configured credentials any non-empty pair
 * passes; a request with no Basic auth at all never does.
 */
export function checkBasicAuth(
  req: IncomingMessage,
  credentials: { accountSid: string; authToken: string } | undefined,
): TwilioApiError | undefined {
  const pair = basicPair(req);
  if (pair === undefined) {
    return twilioError(20003, {
      message: "Authentication Error - No credentials provided",
      headers: CHALLENGE,
    });
  }
  const { user, password } = pair;
  if (user === "" || password === "") return twilioError(20003, { headers: CHALLENGE });
  if (credentials === undefined) return undefined;
  const userOk = secretsEqual(user, credentials.accountSid);
  const passwordOk = secretsEqual(password, credentials.authToken);
  if (!userOk)
    return twilioError(20003, { message: "Authentication Error - invalid username", headers: CHALLENGE });
  if (!passwordOk) return twilioError(20003, { headers: CHALLENGE });
  return undefined;
}

/** True when the request carries `token` as `Authorization: Bearer <token>` or `?token=<token>`. */
export function hasBearerToken(req: IncomingMessage, query: URLSearchParams, token: string): boolean {
  const header = req.headers.authorization ?? "";
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  const given = match?.[1] ?? query.get("token");
  return given !== null && given !== undefined && secretsEqual(given, token);
}
