import { isIP } from "node:net";
import { isoDate } from "./clock.js";
import { codesMatch, generateCode } from "./codes.js";
import {
  type EmulatorState,
  isExpired,
  isLive,
  isMaxedOut,
  isVisible,
  MAX_SENDS,
  SEND_WINDOW_MS,
  type ServiceRecord,
  type VerificationRecord,
} from "./emulator-state.js";
import { renderMessage } from "./message-text.js";
import { normalizeAnyDestination, normalizeDestination } from "./recipients.js";
import { isSid, newSid } from "./sids.js";
import { invalidParameter, notFound, twilioError } from "./twilio-errors.js";
import type { EmulatorChannel } from "./types.js";

const CHANNELS: readonly EmulatorChannel[] = ["sms", "call", "email", "whatsapp"];
const LOCALE = /^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$/;
const CODE = /^\S{4,10}$/;
const JSON_FIELDS = ["RateLimits", "ChannelConfiguration", "TemplateCustomSubstitutions", "Tags"] as const;

function jsonObjectParam(params: Map<string, string>, name: string): Record<string, unknown> | undefined {
  const raw = params.get(name);
  if (raw === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(raw);
    if (typeof value === "object" && value !== null && !Array.isArray(value)) {
      return value as Record<string, unknown>;
    }
  } catch {
    // fall through to the Twilio error
  }
  throw invalidParameter(name);
}

/** Checks the documented optional fields of a create that the emulator accepts but does not act on. */
function validateOptionalFields(params: Map<string, string>): void {
  const locale = params.get("Locale");
  if (locale !== undefined && !LOCALE.test(locale)) throw invalidParameter("Locale");
  const name = params.get("CustomFriendlyName");
  if (name !== undefined && (name.trim() === "" || name.length > 30))
    throw invalidParameter("CustomFriendlyName");
  for (const field of JSON_FIELDS) jsonObjectParam(params, field);
  const tags = jsonObjectParam(params, "Tags");
  if (tags && Object.keys(tags).length > 10) throw invalidParameter("Tags");
  const ip = params.get("DeviceIp");
  if (ip !== undefined && isIP(ip) === 0) throw invalidParameter("DeviceIp");
  const risk = params.get("RiskCheck");
  if (risk !== undefined && risk !== "enable" && risk !== "disable") throw invalidParameter("RiskCheck");
  const sna = params.get("EnableSnaClientToken");
  if (sna !== undefined && sna !== "true" && sna !== "false") throw invalidParameter("EnableSnaClientToken");
  const template = params.get("TemplateSid");
  if (template !== undefined && !/^HJ[0-9a-fA-F]{32}$/.test(template)) throw invalidParameter("TemplateSid");
}

/** The newest verification for `to` in `service` that passes `keep`. */
function newestFor(
  state: EmulatorState,
  serviceSid: string,
  to: string,
  keep: (record: VerificationRecord) => boolean,
): VerificationRecord | undefined {
  let found: VerificationRecord | undefined;
  for (const record of state.verifications.values()) {
    if (record.serviceSid === serviceSid && record.to === to && keep(record)) found = record;
  }
  return found;
}

/** The destination a create names, normalised, or undefined (for fault matching before validation). */
export function createDestination(params: Map<string, string>): string | undefined {
  const to = params.get("To");
  return to === undefined ? undefined : normalizeAnyDestination(to);
}

/**
 * `POST /v2/Services/{sid}/Verifications`. A send while a verification for the same `To` is pending
 * re-sends it: same SID, same code, one more `send_code_attempts` entry (also on a channel switch).
 */
export function startVerification(
  state: EmulatorState,
  service: ServiceRecord,
  params: Map<string, string>,
): VerificationRecord {
  const rawTo = params.get("To");
  if (rawTo === undefined || rawTo.trim() === "") throw invalidParameter("To", rawTo ?? "");
  const channel = params.get("Channel") as EmulatorChannel | undefined;
  if (channel === undefined || !CHANNELS.includes(channel)) throw invalidParameter("Channel");
  const to = normalizeDestination(rawTo, channel);
  if (to === undefined) throw invalidParameter("To", rawTo);
  const customCode = service.customCodeEnabled ? params.get("CustomCode") : undefined;
  if (customCode !== undefined && !CODE.test(customCode)) throw invalidParameter("CustomCode");
  validateOptionalFields(params);

  const now = state.clock.now();
  state.prune(now);
  const windowKey = `${service.sid}\n${to}`;
  const sends = (state.sendWindows.get(windowKey) ?? []).filter((t) => now - t < SEND_WINDOW_MS);
  if (sends.length >= MAX_SENDS) {
    const oldest = sends[0] ?? now;
    const retryAfter = Math.max(1, Math.ceil((oldest + SEND_WINDOW_MS - now) / 1000));
    throw twilioError(60203, { headers: { "Retry-After": String(retryAfter) } });
  }

  let record = newestFor(state, service.sid, to, (r) => isLive(r, now));
  if (record === undefined) {
    record = {
      sid: newSid("VE"),
      serviceSid: service.sid,
      to,
      channel,
      code: customCode ?? generateCode(service.codeLength),
      status: "pending",
      wrongChecks: 0,
      deleted: false,
      amount: service.psd2Enabled ? (params.get("Amount") ?? null) : null,
      payee: service.psd2Enabled ? (params.get("Payee") ?? null) : null,
      sendAttempts: [],
      createdAt: now,
      updatedAt: now,
    };
    state.verifications.set(record.sid, record);
  }
  record.channel = channel;
  record.updatedAt = now;
  record.sendAttempts.push({ time: now, channel, attemptSid: newSid("VL") });
  sends.push(now);
  state.sendWindows.set(windowKey, sends);
  state.deliver({
    to,
    channel,
    code: record.code,
    body: renderMessage({
      channel,
      code: record.code,
      appName: params.get("CustomFriendlyName") ?? service.friendlyName,
      doNotShareWarning: service.doNotShareWarningEnabled,
    }),
    verificationSid: record.sid,
    serviceSid: service.sid,
    dateCreated: isoDate(now),
  });
  return record;
}

/**
 * Finds a verification named in a path by SID or by `To` (already percent-decoded). Only
 * verifications still visible (pending or canceled, not approved, expired or maxed out) are found.
 */
export function findVerification(
  state: EmulatorState,
  serviceSid: string,
  sidOrTo: string,
): VerificationRecord | undefined {
  const now = state.clock.now();
  if (isSid("VE", sidOrTo)) {
    const record = state.verifications.get(sidOrTo);
    return record && record.serviceSid === serviceSid && isVisible(record, now) ? record : undefined;
  }
  const to = normalizeAnyDestination(sidOrTo);
  return to === undefined ? undefined : newestFor(state, serviceSid, to, (r) => isVisible(r, now));
}

/** The destination a path names (a `To`, or the `To` of a known SID), for fault matching. */
export function pathDestination(state: EmulatorState, sidOrTo: string): string | undefined {
  if (isSid("VE", sidOrTo)) return state.verifications.get(sidOrTo)?.to;
  return normalizeAnyDestination(sidOrTo);
}

/** `POST /v2/Services/{sid}/Verifications/{sidOrTo}` with `Status` `canceled` or `approved`. */
export function updateVerification(
  state: EmulatorState,
  serviceSid: string,
  sidOrTo: string,
  params: Map<string, string>,
  path: string,
): VerificationRecord {
  const status = params.get("Status");
  if (status === undefined || status === "") throw invalidParameter("Status");
  if (status !== "canceled" && status !== "approved") throw twilioError(60441);
  const record = findVerification(state, serviceSid, sidOrTo);
  if (record === undefined || record.status !== "pending") throw notFound(path);
  record.status = status;
  record.updatedAt = state.clock.now();
  // An approved verification is soft-deleted, like one approved by a check.
  if (status === "approved") record.deleted = true;
  return record;
}

/** The destination a check names, for fault matching. */
export function checkDestination(state: EmulatorState, params: Map<string, string>): string | undefined {
  const sid = params.get("VerificationSid");
  if (sid !== undefined && isSid("VE", sid)) return state.verifications.get(sid)?.to;
  const to = params.get("To");
  return to === undefined ? undefined : normalizeAnyDestination(to);
}

/**
 * `POST /v2/Services/{sid}/VerificationCheck`. A wrong code answers `pending`; the right one
 * `approved` and soft-deletes the verification; after five wrong codes every check is 60202.
 */
export function checkVerification(
  state: EmulatorState,
  serviceSid: string,
  params: Map<string, string>,
  path: string,
): VerificationRecord {
  const sid = params.get("VerificationSid");
  const rawTo = params.get("To");
  if ((sid === undefined || sid === "") && (rawTo === undefined || rawTo === "")) throw twilioError(60221);
  const code = params.get("Code");
  if (code === undefined || !CODE.test(code)) throw invalidParameter("Code");
  const now = state.clock.now();
  let record: VerificationRecord | undefined;
  if (sid !== undefined && sid !== "") {
    if (!isSid("VE", sid)) throw invalidParameter("VerificationSid");
    const found = state.verifications.get(sid);
    record = found?.serviceSid === serviceSid ? found : undefined;
  } else {
    const to = normalizeAnyDestination(rawTo ?? "");
    if (to === undefined) throw invalidParameter("To", rawTo ?? "");
    // The newest one decides: once it is approved or canceled, an older maxed-out one stays dead.
    record = newestFor(state, serviceSid, to, (r) => !isExpired(r, now));
  }
  if (record === undefined || record.deleted || record.status !== "pending" || isExpired(record, now)) {
    throw notFound(path);
  }
  if (isMaxedOut(record)) throw twilioError(60202);
  record.updatedAt = now;
  if (codesMatch(record.code, code)) {
    record.status = "approved";
    record.deleted = true;
  } else {
    record.wrongChecks += 1;
  }
  return record;
}
