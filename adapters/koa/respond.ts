import type { Context } from "koa";
import { decisionPayload, hasHeader, type ResponseDecision } from "../shared/decision.js";

/**
 * Sets a core decision as the response. Koa itself leaves the body out for `HEAD` and keeps the headers.
 */
export function setDecision(ctx: Context, decision: ResponseDecision): void {
  const { contentType, text } = decisionPayload(decision);
  ctx.status = decision.status;
  ctx.set({ ...decision.headers });
  if (decision.kind === "redirect") ctx.set("Location", decision.location);
  if (!hasHeader(decision.headers, "content-type")) ctx.type = contentType;
  ctx.body = text;
}
