import { isoDate } from "./clock.js";
import type { ServiceRecord, VerificationRecord } from "./emulator-state.js";
import type { EmulatorChannel } from "./types.js";

/** Twilio's public base URL; resource `url` fields use it, as the real API does. */
export const TWILIO_BASE = "https://verify.twilio.com";

/** The casing of `send_code_attempts[].channel` follows the spec's own examples. */
const ATTEMPT_CHANNEL: Record<EmulatorChannel, string> = {
  sms: "SMS",
  call: "CALL",
  email: "EMAIL",
  whatsapp: "whatsapp",
};

/** `verify.v2.service.verification` */
export function verificationJson(record: VerificationRecord, accountSid: string): Record<string, unknown> {
  return {
    sid: record.sid,
    service_sid: record.serviceSid,
    account_sid: accountSid,
    to: record.to,
    channel: record.channel,
    status: record.status,
    valid: record.status === "approved",
    date_created: isoDate(record.createdAt),
    date_updated: isoDate(record.updatedAt),
    lookup: {},
    amount: record.amount,
    payee: record.payee,
    send_code_attempts: record.sendAttempts.map((a) => ({
      time: isoDate(a.time),
      channel: ATTEMPT_CHANNEL[a.channel],
      attempt_sid: a.attemptSid,
    })),
    sna: null,
    url: `${TWILIO_BASE}/v2/Services/${record.serviceSid}/Verifications/${record.sid}`,
  };
}

/** `verify.v2.service.verification_check` (no `url`, `lookup` or `send_code_attempts`). */
export function verificationCheckJson(
  record: VerificationRecord,
  accountSid: string,
): Record<string, unknown> {
  return {
    sid: record.sid,
    service_sid: record.serviceSid,
    account_sid: accountSid,
    to: record.to,
    channel: record.channel,
    status: record.status,
    valid: record.status === "approved",
    amount: record.amount,
    payee: record.payee,
    sna_attempts_error_codes: [],
    date_created: isoDate(record.createdAt),
    date_updated: isoDate(record.updatedAt),
  };
}

/** `verify.v2.service` */
export function serviceJson(service: ServiceRecord, accountSid: string): Record<string, unknown> {
  const url = `${TWILIO_BASE}/v2/Services/${service.sid}`;
  return {
    sid: service.sid,
    account_sid: accountSid,
    friendly_name: service.friendlyName,
    code_length: service.codeLength,
    lookup_enabled: service.lookupEnabled,
    psd2_enabled: service.psd2Enabled,
    skip_sms_to_landlines: service.skipSmsToLandlines,
    dtmf_input_required: service.dtmfInputRequired,
    tts_name: service.ttsName,
    do_not_share_warning_enabled: service.doNotShareWarningEnabled,
    custom_code_enabled: service.customCodeEnabled,
    push: {
      include_date: service.push.includeDate,
      apn_credential_sid: service.push.apnCredentialSid,
      fcm_credential_sid: service.push.fcmCredentialSid,
    },
    totp: {
      issuer: service.totp.issuer,
      time_step: service.totp.timeStep,
      code_length: service.totp.codeLength,
      skew: service.totp.skew,
    },
    whatsapp: { msg_service_sid: service.whatsapp.msgServiceSid, from: service.whatsapp.from },
    passkeys: {
      relying_party: {
        id: service.passkeys.relyingParty.id,
        name: service.passkeys.relyingParty.name,
        origins: service.passkeys.relyingParty.origins,
      },
      authenticator_attachment: service.passkeys.authenticatorAttachment,
      discoverable_credentials: service.passkeys.discoverableCredentials,
      user_verification: service.passkeys.userVerification,
    },
    default_template_sid: service.defaultTemplateSid,
    verify_event_subscription_enabled: service.verifyEventSubscriptionEnabled,
    date_created: isoDate(service.createdAt),
    date_updated: isoDate(service.updatedAt),
    url,
    links: {
      verification_checks: `${url}/VerificationCheck`,
      verifications: `${url}/Verifications`,
      rate_limits: `${url}/RateLimits`,
      messaging_configurations: `${url}/MessagingConfigurations`,
      entities: `${url}/Entities`,
      webhooks: `${url}/Webhooks`,
      access_tokens: `${url}/AccessTokens`,
    },
  };
}

/** The `ListServiceResponse` page (`{ services, meta }`), Twilio's page-number pagination. */
export function serviceListJson(
  services: readonly ServiceRecord[],
  accountSid: string,
  page: number,
  pageSize: number,
): Record<string, unknown> {
  const pageUrl = (n: number): string => `${TWILIO_BASE}/v2/Services?PageSize=${pageSize}&Page=${n}`;
  const start = page * pageSize;
  const slice = services.slice(start, start + pageSize);
  return {
    services: slice.map((s) => serviceJson(s, accountSid)),
    meta: {
      page,
      page_size: pageSize,
      first_page_url: pageUrl(0),
      previous_page_url: page > 0 ? pageUrl(page - 1) : null,
      url: pageUrl(page),
      next_page_url: start + pageSize < services.length ? pageUrl(page + 1) : null,
      key: "services",
    },
  };
}
