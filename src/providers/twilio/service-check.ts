import type { ProviderAppSettings } from "../index.js";
import type { TwilioFailure } from "./error-map.js";

/** The fields of a fetched Verify service that the start-up check reads. */
export interface FetchedService {
  readonly sid: string;
  readonly codeLength: number;
  readonly whatsapp?: { readonly from?: string | null; readonly msg_service_sid?: string | null } | null;
}

/**
 * What does not fit between the Verify service and the app, one sentence each (empty when all fits).
 * E-mail cannot be judged here: Twilio's service resource does not show its mailer.
 * @example
 * for (const warning of serviceWarnings(service, app)) logger.warn(warning);
 */
export function serviceWarnings(service: FetchedService, app: Omit<ProviderAppSettings, "logger">): string[] {
  const warnings: string[] = [];
  const { min, max } = app.codeLength;
  if (service.codeLength < min || service.codeLength > max) {
    const accepted = min === max ? `${min}` : `${min} to ${max}`;
    warnings.push(
      `second-factor: Verify service ${service.sid} sends ${service.codeLength}-digit codes, but codeLength accepts ${accepted} digits: every code would be refused. Set codeLength to ${service.codeLength}, or change the service's code length in the Twilio Console.`,
    );
  }
  const whatsapp = service.whatsapp;
  if (app.channels.includes("whatsapp") && !whatsapp?.from && !whatsapp?.msg_service_sid) {
    warnings.push(
      `second-factor: channels offers "whatsapp", but Verify service ${service.sid} has no WhatsApp sender: sends would fail. Add a sender to the service (Twilio Console, Verify, WhatsApp), or remove "whatsapp" from channels.`,
    );
  }
  return warnings;
}

/**
 * A failure in a few words for a log line: status and Twilio code, or the transport error's name.
 * Never Twilio's message or the request, so never a credential.
 * @example
 * describeFailure({ kind: "answer", status: 404, code: 20404, detail: "", retryAfterSeconds: undefined }); // "HTTP 404, Twilio error 20404"
 */
export function describeFailure(failure: TwilioFailure): string {
  if (failure.kind === "answer") {
    return `HTTP ${failure.status}${failure.code === undefined ? "" : `, Twilio error ${failure.code}`}`;
  }
  if (failure.timedOut) return "timed out";
  return failure.code === undefined ? failure.name : `${failure.name} ${failure.code}`;
}
