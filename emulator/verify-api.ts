import type { IncomingMessage, ServerResponse } from "node:http";
import { callerAccount, checkBasicAuth } from "./auth.js";
import type { ResolvedOptions } from "./emulator-options.js";
import type { EmulatorState, ServiceRecord } from "./emulator-state.js";
import type { ActiveFault } from "./faults.js";
import { BodyError, mediaType, parseForm, readBody } from "./form-body.js";
import { closeIfBodyUnread, sendEmpty, sendTwilioError, sendTwilioJson } from "./replies.js";
import { serviceJson, serviceListJson, verificationCheckJson, verificationJson } from "./resources.js";
import { createService, updateService } from "./services.js";
import { dispatchTotp, matchTotpRoute, TOTP_ALLOWED, type TotpRoute } from "./totp-api.js";
import { notFound, TwilioApiError, twilioError } from "./twilio-errors.js";
import type { EmulatorFaultPath } from "./types.js";
import {
  checkDestination,
  checkVerification,
  createDestination,
  findVerification,
  pathDestination,
  startVerification,
  updateVerification,
} from "./verifications.js";

/** What the Verify API handlers need from the running emulator. */
export interface VerifyApiContext {
  state: EmulatorState;
  options: ResolvedOptions;
  /** Waits `ms`; resolves false when the emulator closed meanwhile. */
  delay(ms: number): Promise<boolean>;
}

type Route =
  | { kind: "services" }
  | { kind: "service"; sid: string }
  | { kind: "verifications"; serviceSid: string }
  | { kind: "verification"; serviceSid: string; sidOrTo: string }
  | { kind: "check"; serviceSid: string }
  | { kind: "totp"; totp: TotpRoute };

const ALLOWED: Record<Exclude<Route["kind"], "totp">, readonly string[]> = {
  services: ["GET", "POST"],
  service: ["GET", "POST", "DELETE"],
  verifications: ["POST"],
  verification: ["GET", "POST"],
  check: ["POST"],
};

/**
 * Matches a path. Segments are percent-decoded with decodeURIComponent (not form decoding): the SDK
 * puts `+15017122661` raw in the path and a `+` must stay a `+`.
 */
function matchRoute(rawPath: string): Route | undefined {
  let segments: string[];
  try {
    segments = rawPath.split("/").map((s) => decodeURIComponent(s));
  } catch {
    return undefined;
  }
  const [empty, version, services, serviceSid, resource, id, ...rest] = segments;
  if (resource === "Entities") {
    const totp = matchTotpRoute(segments);
    return totp === undefined ? undefined : { kind: "totp", totp };
  }
  if (empty !== "" || version !== "v2" || services !== "Services" || rest.length > 0) return undefined;
  if (serviceSid === undefined) return { kind: "services" };
  if (serviceSid === "") return undefined;
  if (resource === undefined) return { kind: "service", sid: serviceSid };
  if (resource === "Verifications" && id === undefined) return { kind: "verifications", serviceSid };
  if (resource === "Verifications" && id !== undefined && id !== "") {
    return { kind: "verification", serviceSid, sidOrTo: id };
  }
  if (resource === "VerificationCheck" && id === undefined) return { kind: "check", serviceSid };
  return undefined;
}

function faultPath(route: Route, method: string): EmulatorFaultPath | undefined {
  if (route.kind === "verifications") return "Verifications";
  if (route.kind === "check") return "VerificationCheck";
  if (route.kind === "verification") return method === "GET" ? "VerificationFetch" : "VerificationUpdate";
  return undefined;
}

function pageParam(query: URLSearchParams, name: string, fallback: number, min: number, max: number): number {
  const raw = query.get(name);
  if (raw === null) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max)
    throw twilioError(60200, { message: `Invalid parameter: ${name}` });
  return value;
}

/** Reads a form body; answers and returns undefined when it cannot. */
async function readForm(
  req: IncomingMessage,
  res: ServerResponse,
  options: ResolvedOptions,
): Promise<Map<string, string> | undefined> {
  const type = mediaType(req);
  let body: Buffer;
  try {
    body = await readBody(req, { maxBytes: options.maxBodyBytes, timeoutMs: options.bodyTimeoutMs });
  } catch (error) {
    if (error instanceof BodyError && error.kind === "too_large") {
      sendTwilioError(res, twilioError(20413, { message: error.message, headers: { Connection: "close" } }));
    } else if (error instanceof BodyError && error.kind === "timeout") {
      sendTwilioError(res, twilioError(20408, { message: error.message, headers: { Connection: "close" } }));
    }
    return undefined;
  }
  if (type === "" && body.length === 0) return new Map();
  if (type !== "application/x-www-form-urlencoded") {
    sendTwilioError(res, twilioError(20415));
    return undefined;
  }
  return parseForm(body);
}

function requireService(state: EmulatorState, sid: string, path: string): ServiceRecord {
  const service = state.services.get(sid);
  if (service === undefined) throw notFound(path);
  return service;
}

/** Handles every request under `/v2/`. Never throws. */
export async function handleVerifyApi(
  req: IncomingMessage,
  res: ServerResponse,
  rawPath: string,
  query: URLSearchParams,
  ctx: VerifyApiContext,
): Promise<void> {
  const { state, options } = ctx;
  const method = req.method ?? "GET";
  const authError = checkBasicAuth(req, options.credentials);
  const route = matchRoute(rawPath);
  const allowed =
    route === undefined ? [] : route.kind === "totp" ? TOTP_ALLOWED[route.totp.kind] : ALLOWED[route.kind];
  if (authError || route === undefined || !allowed.includes(method)) closeIfBodyUnread(req, res);
  if (authError) return sendTwilioError(res, authError);
  if (route === undefined) return sendTwilioError(res, notFound(rawPath));
  if (!allowed.includes(method)) {
    return sendTwilioError(res, twilioError(20004, { headers: { Allow: allowed.join(", ") } }));
  }
  const params = method === "POST" ? await readForm(req, res, options) : new Map<string, string>();
  if (params === undefined) return;

  try {
    const kind = faultPath(route, method);
    if (kind !== undefined) {
      const fault = state.faults.take(kind, faultDestination(state, route, params));
      if (fault !== undefined && !(await applyFault(fault, res, ctx))) return;
    }
    const account = callerAccount(req, options.credentials, state.accountSid);
    const { status, body } = dispatch(route, method, rawPath, query, params, state, account);
    if (body === undefined) sendEmpty(res, status);
    else sendTwilioJson(res, status, body);
  } catch (error) {
    if (error instanceof TwilioApiError) return sendTwilioError(res, error);
    throw error;
  }
}

function faultDestination(
  state: EmulatorState,
  route: Route,
  params: Map<string, string>,
): string | undefined {
  if (route.kind === "verifications") return createDestination(params);
  if (route.kind === "check") return checkDestination(state, params);
  if (route.kind === "verification") return pathDestination(state, route.sidOrTo);
  return undefined;
}

/** Waits out the fault's delay, then answers its error if it has one. False: the request is done. */
async function applyFault(fault: ActiveFault, res: ServerResponse, ctx: VerifyApiContext): Promise<boolean> {
  if (fault.delayMs > 0 && !(await ctx.delay(fault.delayMs))) return false;
  if (fault.error === undefined) return true;
  const { status, code, message } = fault.error;
  sendTwilioError(res, twilioError(code, message === undefined ? { status } : { status, message }));
  return false;
}

function answer(status: number, body: unknown): { status: number; body: unknown } {
  return { status, body };
}

/** Runs the matched operation; Twilio errors are thrown as TwilioApiError. */
function dispatch(
  route: Route,
  method: string,
  rawPath: string,
  query: URLSearchParams,
  params: Map<string, string>,
  state: EmulatorState,
  account: string,
): { status: number; body?: unknown } {
  switch (route.kind) {
    case "totp":
      return dispatchTotp(route.totp, method, rawPath, query, params, state);
    case "services": {
      if (method === "GET") {
        const pageSize = pageParam(query, "PageSize", 50, 1, 1000);
        const page = pageParam(query, "Page", 0, 0, 1_000_000);
        return answer(200, serviceListJson([...state.services.values()], account, page, pageSize));
      }
      const service = createService(params, state.clock.now());
      state.services.set(service.sid, service);
      return answer(201, serviceJson(service, account));
    }
    case "service": {
      const service = requireService(state, route.sid, rawPath);
      if (method === "DELETE") {
        state.services.delete(service.sid);
        return { status: 204 };
      }
      if (method === "POST") updateService(service, params, state.clock.now());
      return answer(200, serviceJson(service, account));
    }
    case "verifications": {
      const service = requireService(state, route.serviceSid, rawPath);
      return answer(201, verificationJson(startVerification(state, service, params), account));
    }
    case "verification": {
      requireService(state, route.serviceSid, rawPath);
      if (method === "POST") {
        const record = updateVerification(state, route.serviceSid, route.sidOrTo, params, rawPath);
        return answer(200, verificationJson(record, account));
      }
      const record = findVerification(state, route.serviceSid, route.sidOrTo);
      if (record === undefined) throw notFound(rawPath);
      return answer(200, verificationJson(record, account));
    }
    case "check": {
      requireService(state, route.serviceSid, rawPath);
      const record = checkVerification(state, route.serviceSid, params, rawPath);
      return answer(200, verificationCheckJson(record, account));
    }
  }
}
