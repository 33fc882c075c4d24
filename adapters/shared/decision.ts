import type { Decision } from "../../src/boundary.js";
import { SecondFactorError } from "../../src/errors.js";
import { serializeSetCookie } from "../../src/respond/set-cookie.js";

/** A decision that answers the request itself (anything but `next`). */
export type ResponseDecision = Exclude<Decision, { kind: "next" }>;

/** The body text and default `Content-Type` of a decision; a redirect has an empty body. */
function decisionPayload(decision: ResponseDecision): { contentType: string; text: string } {
  switch (decision.kind) {
    case "html":
      return { contentType: "text/html; charset=utf-8", text: decision.body };
    case "json":
      return {
        contentType: "application/json; charset=utf-8",
        text: JSON.stringify(decision.body) ?? "null",
      };
    case "redirect":
      return { contentType: "text/plain; charset=utf-8", text: "" };
  }
}

/**
 * A decision as the response to write: its status, every header in the order to set them (the
 * decision's own, then `Location` for a redirect and the default `Content-Type` when it names none),
 * the `Set-Cookie` values to add to any the app already set, and the body with its length in bytes.
 */
export interface ResponseParts {
  readonly status: number;
  readonly headers: readonly (readonly [name: string, value: string])[];
  /** One `Set-Cookie` value per cookie of the decision, in order; the adapter appends, never replaces. */
  readonly setCookies: readonly string[];
  readonly text: string;
  readonly byteLength: number;
}

/**
 * The parts of deeply frozen decisions (a guard's refusals, made once per route and answered to every
 * refused request): they cannot change, so they are worked out once.
 */
const frozenParts = new WeakMap<object, ResponseParts>();

const NO_COOKIES: readonly string[] = Object.freeze([]);

/**
 * The {@link ResponseParts} of a decision, worked out once for a deeply frozen one.
 * @example
 * const { status, headers, text } = responseParts(decision);
 */
export function responseParts(decision: ResponseDecision): ResponseParts {
  const known = frozenParts.get(decision);
  if (known !== undefined) return known;
  const { contentType, text } = decisionPayload(decision);
  const headers: [string, string][] = Object.entries(decision.headers);
  if (decision.kind === "redirect") headers.push(["Location", decision.location]);
  if (!hasHeader(decision.headers, "content-type")) headers.push(["Content-Type", contentType]);
  // Frozen: the parts of a frozen decision are shared by every request it answers.
  const parts: ResponseParts = Object.freeze({
    status: decision.status,
    headers: Object.freeze(headers),
    setCookies:
      decision.cookies === undefined || decision.cookies.length === 0
        ? NO_COOKIES
        : Object.freeze(decision.cookies.map(serializeSetCookie)),
    text,
    byteLength: Buffer.byteLength(text),
  });
  if (isDeeplyFrozen(decision)) frozenParts.set(decision, parts);
  return parts;
}

/** Only plain objects and arrays count: a frozen `Date` (a cookie's `expires`) can still be changed. */
function isDeeplyFrozen(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return true;
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== Array.prototype && prototype !== null) return false;
  return Object.isFrozen(value) && Object.values(value).every(isDeeplyFrozen);
}

/** True when `headers` names `name` (case-insensitively). */
function hasHeader(headers: Readonly<Record<string, string>>, name: string): boolean {
  const wanted = name.toLowerCase();
  for (const key of Object.keys(headers)) if (key.toLowerCase() === wanted) return true;
  return false;
}

/**
 * What a guard answered when it did not answer the one `NEXT`: a response to send. Anything else (no
 * decision, a look-alike of `next`, junk) is a fault of the guard, raised as an error: never a pass.
 * @example
 * if (decision !== NEXT) sendDecision(res, guardRefusal(decision), req.method);
 */
export function guardRefusal(decision: unknown): ResponseDecision {
  const kind = (decision as { kind?: unknown } | null | undefined)?.kind;
  if (kind === "redirect" || kind === "html" || kind === "json") return decision as ResponseDecision;
  throw new SecondFactorError(
    "ERR_SF_MISCONFIGURED",
    "requireSecondFactor(): the guard returned no response for a request it did not let through; the request was refused",
    { status: 500 },
  );
}
