import type { Context } from "koa";
import { type ResponseDecision, responseParts } from "../shared/decision.js";

/**
 * Sets a core decision as the response. Koa itself leaves the body out for `HEAD` and keeps the headers.
 */
export function setDecision(ctx: Context, decision: ResponseDecision): void {
  const { status, headers, text } = responseParts(decision);
  ctx.status = status;
  for (const [name, value] of headers) ctx.set(name, value);
  ctx.body = text;
}
