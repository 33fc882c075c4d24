import type { ServiceRecord } from "./emulator-state.js";
import { newSid } from "./sids.js";
import { invalidParameter } from "./twilio-errors.js";

/** The name the default service puts in its messages. */
export const DEFAULT_SERVICE_NAME = "Verify Emulator";
/** Twilio's default code length. */
export const DEFAULT_CODE_LENGTH = 6;

/** A fresh service with Twilio's defaults. */
function blankService(friendlyName: string, now: number): ServiceRecord {
  return {
    sid: newSid("VA"),
    friendlyName,
    codeLength: DEFAULT_CODE_LENGTH,
    lookupEnabled: false,
    psd2Enabled: false,
    skipSmsToLandlines: false,
    dtmfInputRequired: false,
    ttsName: null,
    doNotShareWarningEnabled: false,
    customCodeEnabled: false,
    push: { includeDate: false, apnCredentialSid: null, fcmCredentialSid: null },
    totp: { issuer: friendlyName, timeStep: 30, codeLength: 6, skew: 1 },
    whatsapp: { msgServiceSid: null, from: null },
    passkeys: {
      relyingParty: { id: null, name: null, origins: null },
      authenticatorAttachment: null,
      discoverableCredentials: null,
      userVerification: null,
    },
    defaultTemplateSid: null,
    verifyEventSubscriptionEnabled: false,
    createdAt: now,
    updatedAt: now,
  };
}

/** The service that exists at start, with every channel configured (WhatsApp sender included). */
export function defaultService(now: number): ServiceRecord {
  const service = blankService(DEFAULT_SERVICE_NAME, now);
  service.whatsapp = { msgServiceSid: newSid("MG"), from: "whatsapp:+15005550006" };
  return service;
}

function bool(params: Map<string, string>, name: string): boolean | undefined {
  const raw = params.get(name);
  if (raw === undefined) return undefined;
  const lower = raw.toLowerCase();
  if (lower === "true") return true;
  if (lower === "false") return false;
  throw invalidParameter(name);
}

function int(params: Map<string, string>, name: string, min: number, max: number): number | undefined {
  const raw = params.get(name);
  if (raw === undefined) return undefined;
  if (!/^\d{1,6}$/.test(raw)) throw invalidParameter(name);
  const value = Number(raw);
  if (value < min || value > max) throw invalidParameter(name);
  return value;
}

function text(params: Map<string, string>, name: string, maxLength = 255): string | undefined {
  const raw = params.get(name);
  if (raw === undefined) return undefined;
  if (raw.length > maxLength) throw invalidParameter(name);
  return raw;
}

function friendlyName(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  // Twilio's rule: up to 30 characters, no more than 4 digits.
  const trimmed = raw.trim();
  if (trimmed === "" || trimmed.length > 30 || (trimmed.match(/\d/g)?.length ?? 0) > 4) {
    throw invalidParameter("FriendlyName");
  }
  return trimmed;
}

/** Applies the documented form parameters to `service`; throws 60200 naming the first bad one. */
function applyParams(service: ServiceRecord, params: Map<string, string>): void {
  const name = friendlyName(params.get("FriendlyName"));
  const values = {
    codeLength: int(params, "CodeLength", 4, 10),
    lookupEnabled: bool(params, "LookupEnabled"),
    skipSmsToLandlines: bool(params, "SkipSmsToLandlines"),
    dtmfInputRequired: bool(params, "DtmfInputRequired"),
    ttsName: text(params, "TtsName"),
    psd2Enabled: bool(params, "Psd2Enabled"),
    doNotShareWarningEnabled: bool(params, "DoNotShareWarningEnabled"),
    customCodeEnabled: bool(params, "CustomCodeEnabled"),
    verifyEventSubscriptionEnabled: bool(params, "VerifyEventSubscriptionEnabled"),
    pushIncludeDate: bool(params, "Push.IncludeDate"),
    pushApn: text(params, "Push.ApnCredentialSid"),
    pushFcm: text(params, "Push.FcmCredentialSid"),
    totpIssuer: text(params, "Totp.Issuer"),
    totpTimeStep: int(params, "Totp.TimeStep", 20, 60),
    totpCodeLength: int(params, "Totp.CodeLength", 3, 8),
    totpSkew: int(params, "Totp.Skew", 0, 2),
    defaultTemplateSid: text(params, "DefaultTemplateSid"),
    whatsappMsgServiceSid: text(params, "Whatsapp.MsgServiceSid"),
    whatsappFrom: text(params, "Whatsapp.From"),
    rpId: text(params, "Passkeys.RelyingParty.Id"),
    rpName: text(params, "Passkeys.RelyingParty.Name"),
    rpOrigins: text(params, "Passkeys.RelyingParty.Origins", 4096),
    authenticatorAttachment: text(params, "Passkeys.AuthenticatorAttachment"),
    discoverableCredentials: text(params, "Passkeys.DiscoverableCredentials"),
    userVerification: text(params, "Passkeys.UserVerification"),
  };
  if (values.defaultTemplateSid !== undefined && !/^HJ[0-9a-fA-F]{32}$/.test(values.defaultTemplateSid)) {
    throw invalidParameter("DefaultTemplateSid");
  }
  if (name !== undefined) service.friendlyName = name;
  service.codeLength = values.codeLength ?? service.codeLength;
  service.lookupEnabled = values.lookupEnabled ?? service.lookupEnabled;
  service.skipSmsToLandlines = values.skipSmsToLandlines ?? service.skipSmsToLandlines;
  service.dtmfInputRequired = values.dtmfInputRequired ?? service.dtmfInputRequired;
  service.ttsName = values.ttsName ?? service.ttsName;
  service.psd2Enabled = values.psd2Enabled ?? service.psd2Enabled;
  service.doNotShareWarningEnabled = values.doNotShareWarningEnabled ?? service.doNotShareWarningEnabled;
  service.customCodeEnabled = values.customCodeEnabled ?? service.customCodeEnabled;
  service.verifyEventSubscriptionEnabled =
    values.verifyEventSubscriptionEnabled ?? service.verifyEventSubscriptionEnabled;
  service.push = {
    includeDate: values.pushIncludeDate ?? service.push.includeDate,
    apnCredentialSid: values.pushApn ?? service.push.apnCredentialSid,
    fcmCredentialSid: values.pushFcm ?? service.push.fcmCredentialSid,
  };
  service.totp = {
    issuer: values.totpIssuer ?? service.totp.issuer,
    timeStep: values.totpTimeStep ?? service.totp.timeStep,
    codeLength: values.totpCodeLength ?? service.totp.codeLength,
    skew: values.totpSkew ?? service.totp.skew,
  };
  service.defaultTemplateSid = values.defaultTemplateSid ?? service.defaultTemplateSid;
  service.whatsapp = {
    msgServiceSid: values.whatsappMsgServiceSid ?? service.whatsapp.msgServiceSid,
    from: values.whatsappFrom ?? service.whatsapp.from,
  };
  service.passkeys = {
    relyingParty: {
      id: values.rpId ?? service.passkeys.relyingParty.id,
      name: values.rpName ?? service.passkeys.relyingParty.name,
      origins:
        values.rpOrigins === undefined
          ? service.passkeys.relyingParty.origins
          : values.rpOrigins
              .split(",")
              .map((o) => o.trim())
              .filter((o) => o !== ""),
    },
    authenticatorAttachment: values.authenticatorAttachment ?? service.passkeys.authenticatorAttachment,
    discoverableCredentials: values.discoverableCredentials ?? service.passkeys.discoverableCredentials,
    userVerification: values.userVerification ?? service.passkeys.userVerification,
  };
}

/** `POST /v2/Services`: `FriendlyName` is required. */
export function createService(params: Map<string, string>, now: number): ServiceRecord {
  const name = friendlyName(params.get("FriendlyName"));
  if (name === undefined) throw invalidParameter("FriendlyName");
  const service = blankService(name, now);
  applyParams(service, params);
  return service;
}

/** `POST /v2/Services/{Sid}`: every parameter optional. */
export function updateService(service: ServiceRecord, params: Map<string, string>, now: number): void {
  const copy = structuredClone(service);
  applyParams(copy, params);
  Object.assign(service, copy, { updatedAt: now });
}
