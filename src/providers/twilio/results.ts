import type {
  CancelVerificationResult,
  Channel,
  CheckVerificationResult,
  StartVerificationResult,
} from "../index.js";
import { unexpectedAnswer } from "./error-map.js";

/**
 * The fields of a Verify answer the provider reads (the SDK's instances have more).
 * @example
 * const answer: TwilioVerificationAnswer = await service.verifications.create({ to, channel });
 */
export interface TwilioVerificationAnswer {
  sid?: unknown;
  status?: unknown;
  channel?: unknown;
  sendCodeAttempts?: unknown;
}

const VERIFICATION_SID = /^VE[0-9a-f]{32}$/i;

/**
 * True for a Verify verification SID (`VE` + 32 hex digits). Anything else cannot exist at Twilio, and
 * the SDK would refuse a `/` or `?` in it.
 * @example
 * isVerificationSid("VE" + "0".repeat(32)); // true
 */
export function isVerificationSid(value: unknown): value is string {
  return typeof value === "string" && VERIFICATION_SID.test(value);
}

/**
 * Twilio's channel name as our {@link Channel}, or null (`sna`, `auto`, unknown, missing).
 * @example
 * toChannel("SMS"); // "sms"
 */
export function toChannel(value: unknown): Channel | null {
  if (typeof value !== "string") return null;
  switch (value.toLowerCase()) {
    case "sms":
      return "sms";
    case "call":
      return "call";
    case "email":
      return "email";
    case "whatsapp":
      return "whatsapp";
    default:
      return null;
  }
}

/**
 * The result of a successful `verifications.create`.
 * @throws SecondFactorError `ERR_SF_PROVIDER_UNAVAILABLE` when the answer is not a pending verification.
 * @example
 * startAnswer({ sid: "VE…", status: "pending", channel: "sms", sendCodeAttempts: [{}] }, "sms");
 */
export function startAnswer(answer: TwilioVerificationAnswer, requested: Channel): StartVerificationResult {
  if (!isVerificationSid(answer.sid)) throw unexpectedAnswer("a verification without a VE SID");
  if (answer.status !== "pending")
    throw unexpectedAnswer(`a new verification in status ${statusName(answer.status)}`);
  const attempts = Array.isArray(answer.sendCodeAttempts) ? answer.sendCodeAttempts.length : 0;
  return {
    status: "pending",
    sid: answer.sid,
    channel: toChannel(answer.channel) ?? requested,
    sendAttempts: Math.max(1, attempts),
  };
}

/**
 * The result of a successful `verificationChecks.create` for `sid`. Only `approved` for that very SID
 * approves.
 * @throws SecondFactorError `ERR_SF_PROVIDER_UNAVAILABLE` for an unknown status or another SID.
 * @example
 * checkAnswer({ sid, status: "approved", channel: "sms" }, sid); // { status: "approved", sid, channel: "sms" }
 */
export function checkAnswer(answer: TwilioVerificationAnswer, sid: string): CheckVerificationResult {
  if (answer.sid !== sid) throw unexpectedAnswer("a check of another verification");
  switch (answer.status) {
    case "approved":
      return { status: "approved", sid, channel: toChannel(answer.channel) };
    case "pending":
      return { status: "pending", sid };
    case "max_attempts_reached":
      return { status: "max_attempts" };
    case "canceled":
    case "expired":
    case "deleted":
    case "failed":
      return { status: "not_found" };
    default:
      throw unexpectedAnswer(`a check in status ${statusName(answer.status)}`);
  }
}

/**
 * The result of a successful cancel: only `canceled` counts, since anything else may leave the code
 * usable.
 * @throws SecondFactorError `ERR_SF_PROVIDER_UNAVAILABLE` for any other status.
 * @example
 * cancelAnswer({ sid, status: "canceled" }); // { status: "canceled" }
 */
export function cancelAnswer(answer: TwilioVerificationAnswer): CancelVerificationResult {
  if (answer.status === "canceled") return { status: "canceled" };
  throw unexpectedAnswer(`a cancel that left status ${statusName(answer.status)}`);
}

function statusName(status: unknown): string {
  return typeof status === "string" && /^[a-z_-]{1,30}$/i.test(status)
    ? JSON.stringify(status)
    : "(unreadable)";
}
