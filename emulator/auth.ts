import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { type TwilioApiError, twilioError } from "./twilio-errors.js";

/** Equal-time string comparison (both sides hashed first, so lengths leak nothing). */
export function secretsEqual(a: string, b: string): boolean {
  const ha = createHash("sha256").update(a, "utf8").digest();
  const hb = createHash("sha256").update(b, "utf8").digest();
  return timingSafeEqual(ha, hb);
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
  const header = req.headers.authorization ?? "";
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!match?.[1]) {
    return twilioError(20003, {
      message: "Authentication Error - No credentials provided",
      headers: CHALLENGE,
    });
  }
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  const user = colon < 0 ? decoded : decoded.slice(0, colon);
  const password = colon < 0 ? "" : decoded.slice(colon + 1);
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
