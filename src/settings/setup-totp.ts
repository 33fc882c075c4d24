/**
 * Adding an authenticator app (DESIGN §4 rule 11, §5): a pending secret sealed in the session, shown
 * once on a no-store page (QR code, key, `otpauth://` URI), and added only when a code of it is
 * checked through the one TOTP check path (budgets, lockout, single use).
 */
import { createHash } from "node:crypto";
import type { Decision } from "../boundary.js";
import { commit, type FlowContext } from "../flow/context.js";
import { passSecondFactor, withCookies } from "../flow/passed.js";
import { providerRateLimited } from "../flow/refusals.js";
import { acceptTotp, checkTotpWithinBudgets, countWrongTotp } from "../flow/totp-check.js";
import type { TotpConfig } from "../options/totp-option.js";
import { callProvider } from "../outage.js";
import type { MessageKey } from "../pages/messages.js";
import { otpauthQrSvg } from "../pages/qr-svg.js";
import type { PageError, PageViewBase, TotpSetupPageView } from "../pages/view.js";
import { normalizeTotpCode, type TotpSecretRef } from "../providers/totp-provider.js";
import {
  attemptsLeft,
  type PendingTotpSetup,
  type SecondFactorRecord,
  TOTP_SETUP_VERSION,
  withoutFields,
} from "../record/index.js";
import { failClosed } from "../stores/factor-arguments.js";
import { mayManage, throughChallenge } from "./access.js";
import { revokeDevicesAfterChange } from "./devices.js";
import { refuseOnSettings } from "./page.js";

/**
 * How long a pending secret can be confirmed: long enough to install an app, short enough that a
 * forgotten one does not linger in the session.
 * @default 900000
 * @example
 * const expired = now - setup.startedAt > TOTP_SETUP_TTL_MS;
 */
export const TOTP_SETUP_TTL_MS = 15 * 60_000;

const DIGITS = 6;

type TotpSetupData = Omit<TotpSetupPageView, keyof PageViewBase>;

/**
 * `GET {basePath}/setup/totp`: the pending secret as a QR code, text and `otpauth://` URI (the one
 * no-store page that shows it, rule 10). Without a live pending secret: 302 to the settings page.
 * The dispatcher asked rule 11 first (`showSettings`).
 * @example
 * return showTotpSetup(context);
 */
export async function showTotpSetup(context: FlowContext): Promise<Decision> {
  const { config, respond, record } = context;
  const live = liveSetup(context);
  if (live === undefined) {
    const cleared = record.totpSetup === undefined ? record : withoutFields(record, "totpSetup");
    if (cleared !== record || context.recordChanged) await commit(context, cleared);
    return respond.redirect(`${config.basePath}/setup`, 302);
  }
  const shown = record.notice === undefined ? record : withoutFields(record, "notice");
  if (shown !== record || context.recordChanged) await commit(context, shown);
  return setupAnswer(context, record, live.setup, live.totp, 200);
}

/**
 * `POST {basePath}/setup/totp`: a new pending secret (rule 11 first), sealed in the session; any
 * earlier pending one is void (and removed at Twilio). 303 to `GET {basePath}/setup/totp` (JSON: 201
 * with the secret and URI, no-store).
 * @example
 * return startTotpSetup(context, body.fields);
 */
export async function startTotpSetup(
  context: FlowContext,
  _fields: Readonly<Record<string, unknown>>,
): Promise<Decision> {
  if (!mayManage(context)) return throughChallenge(context);
  const { config, record, respond, user, json } = context;
  const totp = config.totp;
  if (totp === undefined) return refuseOnSettings(context, null, "totp_disabled", "error_totp_disabled", 404);
  totp.warnIfRandomKey();
  if (record.totpSetup !== undefined) await removeQuietly(context, totp, record.totpSetup.stored);
  const enrolment = await callProvider(config, "send", user.id, () =>
    totp.provider.enrol({ accountId: user.id, label: totp.accountLabel(user) }),
  );
  const shown = JSON.stringify({ secret: enrolment.secret, uri: enrolment.uri });
  const setup: PendingTotpSetup = {
    v: TOTP_SETUP_VERSION,
    shown: totp.box.seal(new TextEncoder().encode(shown), shownContext(user.id)),
    stored: enrolment.stored,
    startedAt: config.now(),
    checksUsed: 0,
  };
  const next: SecondFactorRecord = { ...withoutFields(record, "notice", "totpSetup"), totpSetup: setup };
  await commit(context, next);
  if (!json) return respond.redirect(`${config.basePath}/setup/totp`);
  return setupAnswer({ ...context, record: next }, next, setup, totp, 201);
}

/**
 * `POST {basePath}/setup/totp/verify` with field `code`: rule 11 first, then the one TOTP check path.
 * A right code adds the app (`factor.added`, trusted devices revoked); the account's first factor
 * verifies the session by it (new session id, rule 4). A wrong one adds nothing, counts into the
 * lockout (rule 7) and goes back to the set-up page (JSON: 422); five end the pending secret.
 * @example
 * return confirmTotpSetup(context, body.fields);
 */
export async function confirmTotpSetup(
  context: FlowContext,
  fields: Readonly<Record<string, unknown>>,
): Promise<Decision> {
  if (!mayManage(context)) return throughChallenge(context);
  const { limits, record, user } = context;
  const live = liveSetup(context);
  if (live === undefined) return setupEnded(context, "no_pending_enrolment", "error_no_enrolment", 400);
  const { setup, totp } = live;
  const code = normalizeTotpCode(fields.code, DIGITS);
  if (code === undefined) {
    const missing = typeof fields.code !== "string" || fields.code.trim() === "";
    const key: MessageKey = missing ? "error_totp_code_missing" : "error_totp_code_format";
    if (context.recordChanged) await commit(context, record);
    const message = context.respond.format(key);
    const error: PageError = { field: "code", error: missing ? "code_missing" : "invalid_code", message };
    return setupAnswer(context, record, setup, totp, 400, error);
  }
  const checked = await checkTotpWithinBudgets(context, () =>
    totp.provider.confirm({ accountId: user.id, stored: setup.stored, code }),
  );
  if (checked.kind === "answered") return checked.decision;
  const { result, hold } = checked;
  if (result.status === "confirmed") {
    const refused = await acceptTotp(context, result.singleUse, hold);
    if (refused === "used") return setupEnded(context, "code_already_used", "error_totp_used", 409);
    if (refused !== undefined) return refused;
    // Rule 3: a pending secret is added once. Twilio answers "verified" for any code once the factor
    // is verified, so a concurrent second confirmation must not add (or pass) again.
    const once = `totp-setup:${createHash("sha256").update(JSON.stringify(setup.stored)).digest("base64url")}`;
    if (!(await context.limits.claimOnce(once, 2 * TOTP_SETUP_TTL_MS))) {
      return setupEnded(context, "code_already_used", "error_totp_used", 409);
    }
    return addApp(context, setup, fields);
  }
  if (result.status === "wrong") return wrongSetupCode(context, setup, totp, hold);
  await limits.releaseCheck(user.id, hold);
  switch (result.status) {
    case "too_many_attempts":
      return providerRateLimited(context, "check", result.retryAfterSeconds);
    case "invalid_code": {
      const message = context.respond.format("error_totp_code_format");
      return setupAnswer(context, record, setup, totp, 400, {
        field: "code",
        error: "invalid_code",
        message,
      });
    }
    case "expired":
    case "not_found":
      return setupEnded(context, "code_expired", "error_totp_setup_expired", 422);
  }
}

/**
 * `POST {basePath}/setup/totp/cancel`: drops the pending secret (removing it at Twilio, quietly),
 * then 303 to the settings page (JSON: 200).
 * @example
 * return cancelTotpSetup(context);
 */
export async function cancelTotpSetup(context: FlowContext): Promise<Decision> {
  const { config, respond, record, json } = context;
  if (record.totpSetup !== undefined) {
    if (config.totp !== undefined) await removeQuietly(context, config.totp, record.totpSetup.stored);
    await commit(context, { ...withoutFields(record, "totpSetup"), notice: "enrolment_canceled" });
  } else if (context.recordChanged) {
    await commit(context, record);
  }
  return json ? respond.json(200, { canceled: true }) : respond.redirect(`${config.basePath}/setup`);
}

/**
 * Removes an app at its provider after the store dropped it (Twilio deletes the factor); the local
 * provider has nothing to delete. An outage is logged and otherwise ignored: the app is gone here.
 * @example
 * if (factor.kind === "totp") await removeTotpAtProvider(context, factor.secret);
 */
export async function removeTotpAtProvider(context: FlowContext, stored: TotpSecretRef): Promise<void> {
  if (context.config.totp !== undefined) await removeQuietly(context, context.config.totp, stored);
}

async function addApp(
  context: FlowContext,
  setup: PendingTotpSetup,
  fields: Readonly<Record<string, unknown>>,
): Promise<Decision> {
  const { config, respond, user, record, json } = context;
  const now = config.now();
  const added = await failClosed(() =>
    config.factors.addFactor(user.id, {
      kind: "totp",
      name: "Authenticator app",
      secret: setup.stored,
      createdAt: now,
    }),
  );
  const cleared = withoutFields(record, "totpSetup");
  if (added.status !== "added") {
    await commit(context, cleared);
    return refuseOnSettings(
      { ...context, record: cleared, recordChanged: false },
      null,
      "already_enrolled",
      "error_already_enrolled",
      409,
    );
  }
  config.emit({ type: "factor.added", userId: user.id, kind: "totp", maskedDestination: "" });
  // Rule 11: every change of factors revokes the account's trusted devices.
  await revokeDevicesAfterChange(context);
  const factor = { id: added.factor.id, kind: "totp" };
  if (context.hasFactor) {
    await commit(context, { ...cleared, notice: "totp_added" });
    return json
      ? respond.json(200, { added: true, factor, verified: false })
      : respond.redirect(`${config.basePath}/setup`);
  }
  // The first factor of an account verifies this session by it: the code it just proved.
  const passed = await passSecondFactor(
    { ...context, record: cleared },
    { methods: ["totp"], factorId: added.factor.id },
    fields,
    record.returnTo === undefined ? "totp_added" : undefined,
  );
  const next = passed.returnTo ?? `${config.basePath}/setup`;
  const answer = json
    ? respond.json(200, { added: true, factor, verified: true, returnTo: next })
    : respond.redirect(next);
  return withCookies(answer, passed.cookies);
}

async function wrongSetupCode(
  context: FlowContext,
  setup: PendingTotpSetup,
  totp: TotpConfig,
  hold: string,
): Promise<Decision> {
  const { config, record, respond } = context;
  const checksUsed = setup.checksUsed + 1;
  const spent = attemptsLeft({ checksUsed }) === 0;
  // Five wrong codes end this secret (as Twilio ends a factor's verification): start again.
  if (spent) await removeQuietly(context, totp, setup.stored);
  const next: SecondFactorRecord = spent
    ? { ...withoutFields(record, "totpSetup"), notice: "too_many_attempts" }
    : { ...record, totpSetup: { ...setup, checksUsed }, notice: "wrong_code" };
  const answer = await countWrongTotp(context, hold, true, next);
  return answer ?? respond.redirect(`${config.basePath}/setup${spent ? "" : "/totp"}`);
}

/** The pending secret when there is one, TOTP is on and it has not expired. */
function liveSetup(context: FlowContext): { setup: PendingTotpSetup; totp: TotpConfig } | undefined {
  const { config, record } = context;
  const setup = record.totpSetup;
  const totp = config.totp;
  if (setup === undefined || totp === undefined) return undefined;
  const age = config.now() - setup.startedAt;
  if (!(age >= -60_000 && age <= TOTP_SETUP_TTL_MS)) return undefined;
  if (attemptsLeft(setup) === 0) return undefined;
  return { setup, totp };
}

function shownContext(userId: string): string {
  return `totp-setup:${userId}`;
}

/** The set-up page (or its JSON, which carries the secret and URI: no-store like the page). */
function setupAnswer(
  context: FlowContext,
  record: SecondFactorRecord,
  setup: PendingTotpSetup,
  totp: TotpConfig,
  status: number,
  error?: PageError,
): Decision {
  const { config, respond, json, user } = context;
  const { secret, uri } = openShown(totp, setup, user.id);
  const actions = {
    verify: `${config.basePath}/setup/totp/verify`,
    cancel: `${config.basePath}/setup/totp/cancel`,
  };
  if (json) {
    if (error !== undefined) {
      return respond.json(status, { error: error.error, message: error.message, field: error.field });
    }
    return respond.json(status, {
      state: "pending",
      secret,
      uri,
      attemptsLeft: attemptsLeft(setup),
      csrfToken: record.csrf,
      actions,
    });
  }
  const data: TotpSetupData = {
    page: "totp_setup",
    csrfToken: record.csrf,
    actions,
    qrSvg: otpauthQrSvg(uri),
    secretGroups: secret.match(/.{1,4}/g) ?? [secret],
    uri,
    attemptsLeft: attemptsLeft(setup),
    ...(record.notice === "wrong_code"
      ? { notice: { kind: record.notice, message: respond.format("notice_wrong_code") } }
      : {}),
    ...(error === undefined ? {} : { error }),
  };
  return respond.settings(data, status);
}

function openShown(
  totp: TotpConfig,
  setup: PendingTotpSetup,
  userId: string,
): { secret: string; uri: string } {
  const bytes = totp.box.open(setup.shown, shownContext(userId));
  const parsed = JSON.parse(new TextDecoder().decode(bytes)) as { secret?: unknown; uri?: unknown };
  bytes.fill(0);
  if (typeof parsed.secret !== "string" || typeof parsed.uri !== "string") {
    throw new TypeError("second-factor: a pending authenticator app in the session is malformed");
  }
  return { secret: parsed.secret, uri: parsed.uri };
}

/** Ends the pending secret with a refusal on the settings page. */
async function setupEnded(
  context: FlowContext,
  error: string,
  key: MessageKey,
  status: number,
): Promise<Decision> {
  const { record } = context;
  const cleared = record.totpSetup === undefined ? record : withoutFields(record, "totpSetup");
  if (cleared !== record || context.recordChanged) await commit(context, cleared);
  return refuseOnSettings({ ...context, record: cleared, recordChanged: false }, null, error, key, status);
}

async function removeQuietly(context: FlowContext, totp: TotpConfig, stored: TotpSecretRef): Promise<void> {
  if (stored.type !== "twilio") return;
  try {
    await callProvider(context.config, "cancel", context.user.id, () =>
      totp.provider.remove({ accountId: context.user.id, stored }),
    );
  } catch {
    // Logged by callProvider; an unverified factor left at Twilio can sign nobody in.
  }
}
