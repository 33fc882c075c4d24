/**
 * The settings and enrolment pages' data, as HTML or JSON, with an optional error tied to a field.
 */
import type { Decision } from "../boundary.js";
import { commit, type FlowContext } from "../flow/context.js";
import { passkeySetupView } from "../flow/passkey-view.js";
import { NOTICE_KEYS } from "../flow/state.js";
import { maskDestination } from "../mask.js";
import type { MessageKey } from "../pages/messages.js";
import type {
  EnrolmentPageView,
  FactorRow,
  PageError,
  PageViewBase,
  SettingsPageView,
} from "../pages/view.js";
import { attemptsLeft, type SecondFactorRecord } from "../record/index.js";
import { deviceRows } from "./devices.js";

type SettingsData = Omit<SettingsPageView, keyof PageViewBase>;
type EnrolmentData = Omit<EnrolmentPageView, keyof PageViewBase>;

/**
 * The account's factors as the settings page lists them: the phone (and address) on file first, then
 * the store's, oldest first; masked, never a full destination or a secret.
 * @example
 * const rows = factorRows(context);
 */
export function factorRows(context: FlowContext): FactorRow[] {
  const rows: FactorRow[] = [];
  for (const destination of context.destinations) {
    if (!destination.onFile) continue;
    rows.push({
      factor: destination.factorId,
      kind: destination.kind,
      maskedDestination: destination.masked,
      onFile: true,
      removable: false,
      createdAt: null,
      lastUsedAt: null,
    });
  }
  for (const factor of context.storedFactors) {
    const masked =
      factor.kind === "phone" || factor.kind === "email" ? maskDestination(factor.destination) : "";
    rows.push({
      factor: factor.id,
      kind: factor.kind,
      maskedDestination: masked,
      onFile: false,
      removable: true,
      createdAt: factor.createdAt,
      lastUsedAt: factor.lastUsedAt,
      name: factor.name,
    });
  }
  return rows;
}

/**
 * The settings page (or its JSON), with `status`, an optional error and what the user typed.
 * @example
 * return settingsAnswer(context, context.record, 400, error, { phone: "12" });
 */
export function settingsAnswer(
  context: FlowContext,
  record: SecondFactorRecord,
  status: number,
  error?: PageError,
  entered?: SettingsData["entered"],
): Decision {
  const { config, respond, json } = context;
  const data: SettingsData = {
    page: "settings",
    csrfToken: record.csrf,
    actions: { addPhone: `${config.basePath}/setup/phone`, remove: `${config.basePath}/setup/remove` },
    factors: factorRows(context),
    phoneChannels: config.channels.filter((channel) => channel !== "email"),
    emailEnabled: config.channels.includes("email"),
    ...(config.totp === undefined ? {} : { totp: { add: `${config.basePath}/setup/totp` } }),
    ...(record.notice === undefined
      ? {}
      : { notice: { kind: record.notice, message: respond.format(NOTICE_KEYS[record.notice]) } }),
    ...(error === undefined ? {} : { error }),
    ...(entered === undefined ? {} : { entered }),
    ...passkeySettings(context),
    trustedDevices: { revoke: `${config.basePath}/setup/devices/revoke`, rows: deviceRows(context) },
    recovery: {
      left: context.recovery?.left ?? 0,
      createdAt: context.recovery?.createdAt ?? null,
      action: `${config.basePath}/setup/recovery`,
    },
  };
  if (!json) return respond.settings(data, status);
  if (error !== undefined) return errorJson(context, status, error);
  return respond.json(status, {
    factors: data.factors,
    phoneChannels: data.phoneChannels,
    emailEnabled: data.emailEnabled,
    enrolment:
      record.enrolment === undefined
        ? null
        : { channel: record.enrolment.channel, maskedDestination: record.enrolment.maskedDestination },
    recoveryCodes: data.recovery,
    notice: record.notice ?? null,
    trustedDevices: data.trustedDevices,
    passkey: data.passkey === undefined ? null : { actions: data.passkey.actions },
    csrfToken: record.csrf,
    actions: {
      ...data.actions,
      rename: data.renameAction,
      recovery: `${config.basePath}/setup/recovery`,
      verify: `${config.basePath}/setup/phone/verify`,
      cancel: `${config.basePath}/setup/phone/cancel`,
      ...(data.totp === undefined ? {} : { addTotp: data.totp.add }),
    },
    totpEnabled: data.totp !== undefined,
  });
}

/**
 * The enrolment code page (or its JSON): the code sent to the new phone or address.
 * @example
 * return enrolmentAnswer(context, context.record, 200);
 */
export function enrolmentAnswer(
  context: FlowContext,
  record: SecondFactorRecord,
  status: number,
  error?: PageError,
): Decision {
  const { config, respond, json } = context;
  const enrolment = record.enrolment;
  if (enrolment === undefined) return respond.redirect(`${config.basePath}/setup`, 303);
  const data: EnrolmentData = {
    page: "enrolment",
    csrfToken: record.csrf,
    actions: {
      verify: `${config.basePath}/setup/phone/verify`,
      cancel: `${config.basePath}/setup/phone/cancel`,
    },
    channel: enrolment.channel,
    maskedDestination: enrolment.maskedDestination,
    attemptsLeft: attemptsLeft(enrolment),
    codeLength: config.codeLength,
    ...(record.notice === undefined
      ? {}
      : { notice: { kind: record.notice, message: respond.format(NOTICE_KEYS[record.notice]) } }),
    ...(error === undefined ? {} : { error }),
    firstFactor: !context.hasFactor,
  };
  if (!json) return respond.settings(data, status);
  if (error !== undefined) return errorJson(context, status, error);
  return respond.json(status, {
    state: "pending",
    channel: data.channel,
    maskedDestination: data.maskedDestination,
    attemptsLeft: data.attemptsLeft,
    notice: record.notice ?? null,
    csrfToken: record.csrf,
    actions: data.actions,
  });
}

/**
 * A refusal on the settings page, tied to `field`: the record is saved first when it changed.
 * @example
 * return refuseOnSettings(context, "phone", "invalid_phone", "error_phone_invalid");
 */
export async function refuseOnSettings(
  context: FlowContext,
  field: PageError["field"],
  error: string,
  key: MessageKey,
  status = 400,
  params: Readonly<Record<string, string | number>> = {},
  entered?: SettingsData["entered"],
): Promise<Decision> {
  if (context.recordChanged) await commit(context, context.record);
  const message = context.respond.format(key, params);
  return settingsAnswer(context, context.record, status, { field, error, message }, entered);
}

/** The settings page's passkey part and rename action (issue 15). */
function passkeySettings(context: FlowContext): Pick<SettingsData, "passkey" | "renameAction"> {
  const passkey = passkeySetupView(context);
  return {
    ...(passkey === undefined ? {} : { passkey }),
    renameAction: `${context.config.basePath}/setup/rename`,
  };
}

function errorJson(context: FlowContext, status: number, error: PageError): Decision {
  return context.respond.json(status, {
    error: error.error,
    message: error.message,
    ...(error.field === null ? {} : { field: error.field }),
  });
}
