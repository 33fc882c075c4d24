import type { Response } from "express";
import { type ResponseDecision, responseParts } from "../shared/decision.js";

/**
 * Writes a core decision as the response, with Node's own `ServerResponse` methods (the same in
 * Express 4 and 5). A `HEAD` request gets the headers only.
 */
export function sendDecision(res: Response, decision: ResponseDecision, method: string): void {
  const { status, headers, text, byteLength } = responseParts(decision);
  res.statusCode = status;
  for (const [name, value] of headers) res.setHeader(name, value);
  res.setHeader("Content-Length", byteLength);
  if (method === "HEAD") res.end();
  else res.end(text);
}
