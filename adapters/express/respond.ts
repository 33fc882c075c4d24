import type { Response } from "express";
import { decisionPayload, hasHeader, type ResponseDecision } from "../shared/decision.js";

/**
 * Writes a core decision as the response, with Node's own `ServerResponse` methods (the same in
 * Express 4 and 5). A `HEAD` request gets the headers only.
 */
export function sendDecision(res: Response, decision: ResponseDecision, method: string): void {
  const { contentType, text } = decisionPayload(decision);
  res.statusCode = decision.status;
  for (const [name, value] of Object.entries(decision.headers)) res.setHeader(name, value);
  if (decision.kind === "redirect") res.setHeader("Location", decision.location);
  if (!hasHeader(decision.headers, "content-type")) res.setHeader("Content-Type", contentType);
  res.setHeader("Content-Length", Buffer.byteLength(text));
  if (method === "HEAD") res.end();
  else res.end(text);
}
