import type { IncomingMessage, ServerResponse } from "node:http";
import { isoDate } from "./clock.js";
import { EmulatorError } from "./emulator-error.js";
import type { ResolvedOptions } from "./emulator-options.js";
import type { EmulatorState } from "./emulator-state.js";
import { describeFault, FaultInputError, parseFault } from "./faults.js";
import { BodyError, mediaType, parseJsonObject, readBody } from "./form-body.js";
import { closeIfBodyUnread, sendJson } from "./replies.js";
import { handleTotpControl, TOTP_CONTROL_PREFIX } from "./totp-control.js";

const ROUTES: Record<string, readonly string[]> = {
  "/control/clock": ["GET", "POST"],
  "/control/faults": ["GET", "POST", "DELETE"],
  "/control/reset": ["POST"],
};

function badRequest(res: ServerResponse, message: string, status = 400): void {
  sendJson(res, status, { error: message }, status === 408 || status === 413 ? { Connection: "close" } : {});
}

function clockBody(state: EmulatorState): { now: string; nowMs: number } {
  const now = state.clock.now();
  return { now: isoDate(now), nowMs: now };
}

/** Reads a JSON object body; answers 400 and returns undefined when it cannot. */
async function readJson(
  req: IncomingMessage,
  res: ServerResponse,
  options: ResolvedOptions,
): Promise<Record<string, unknown> | undefined> {
  // A JSON Content-Type needs a CORS preflight, so no web page can post here behind the user's back.
  if (mediaType(req) !== "application/json") {
    closeIfBodyUnread(req, res);
    badRequest(
      res,
      "The control API takes JSON: send Content-Type: application/json (also with no body)",
      415,
    );
    return undefined;
  }
  let body: Buffer;
  try {
    body = await readBody(req, { maxBytes: options.maxBodyBytes, timeoutMs: options.bodyTimeoutMs });
  } catch (error) {
    if (error instanceof BodyError && error.kind === "too_large") badRequest(res, error.message, 413);
    else if (error instanceof BodyError && error.kind === "timeout") badRequest(res, error.message, 408);
    return undefined;
  }
  const parsed = parseJsonObject(body);
  if (!parsed.ok) {
    badRequest(res, parsed.error);
    return undefined;
  }
  return parsed.value;
}

/**
 * The control API: `/control/clock` (`{ "advanceMs": n }`), `/control/faults` (an
 * `EmulatorFault`; GET lists, DELETE clears) and `/control/reset`.
 */
export async function handleControl(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  state: EmulatorState,
  options: ResolvedOptions,
): Promise<void> {
  const method = req.method ?? "GET";
  if (path.startsWith(TOTP_CONTROL_PREFIX)) return handleTotpControl(req, res, path, state);
  const allowed = ROUTES[path];
  if (allowed === undefined || !allowed.includes(method)) closeIfBodyUnread(req, res);
  if (allowed === undefined) {
    return sendJson(res, 404, {
      error: `No control endpoint ${path}; try ${Object.keys(ROUTES).join(", ")}`,
    });
  }
  if (!allowed.includes(method)) {
    return sendJson(
      res,
      405,
      { error: `${method} is not allowed on ${path}` },
      { Allow: allowed.join(", ") },
    );
  }
  const body = method === "POST" ? await readJson(req, res, options) : {};
  if (body === undefined) return;

  if (path === "/control/clock") {
    if (method === "GET") return sendJson(res, 200, clockBody(state));
    const extra = Object.keys(body).filter((k) => k !== "advanceMs");
    if (extra.length > 0) return badRequest(res, `Unknown field "${extra[0]}"; send { "advanceMs": n }`);
    const { advanceMs } = body;
    if (typeof advanceMs !== "number") {
      return badRequest(
        res,
        `"advanceMs" must be a non-negative number of milliseconds; got ${JSON.stringify(advanceMs)}`,
      );
    }
    try {
      state.clock.advance(advanceMs);
    } catch (error) {
      if (error instanceof EmulatorError) return badRequest(res, error.message);
      throw error;
    }
    return sendJson(res, 200, clockBody(state));
  }
  if (path === "/control/faults") {
    if (method === "GET") return sendJson(res, 200, { faults: state.faults.list().map(describeFault) });
    if (method === "DELETE") {
      state.faults.clear();
      return sendJson(res, 200, { faults: [] });
    }
    try {
      const fault = parseFault(body);
      state.faults.add(fault);
      return sendJson(res, 201, { fault: describeFault(fault) });
    } catch (error) {
      if (error instanceof FaultInputError) return badRequest(res, error.message);
      throw error;
    }
  }
  const extra = Object.keys(body);
  if (extra.length > 0) return badRequest(res, `/control/reset takes no fields; got "${extra[0]}"`);
  state.reset();
  return sendJson(res, 200, { reset: true, ...clockBody(state) });
}
