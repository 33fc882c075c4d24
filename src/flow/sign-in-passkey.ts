/**
 * Signing in with a passkey (DESIGN §5 `POST /2fa/passkey/options`, `POST /2fa/passkey`): a WebAuthn
 * challenge made for this session and used once (rule 3), an assertion of one of this user's
 * credentials (rule 2), then the one pass of the second factor ({@link passSecondFactor}).
 */
import type { Decision } from "../boundary.js";
import {
  type AuthenticationRefusal,
  passkeyAuthenticationOptions,
  type RegistrationRefusal,
  verifyPasskeyAuthentication,
} from "../factors/passkey/index.js";
import type { MessageKey } from "../pages/messages.js";
import { type SecondFactorRecord, withoutFields } from "../record/index.js";
import { commit, type FlowContext } from "./context.js";
import { passSecondFactor, withCookies } from "./passed.js";
import { refuseLimited } from "./refusals.js";

/**
 * `POST {basePath}/passkey/options` (JSON): WebAuthn request options for this session. Only this
 * user's passkeys are allowed; the challenge is kept in the session record (it replaces any earlier
 * one) until it is answered or expires. 404 `passkeys_off` without the `webauthn` option; 409
 * `no_passkey` for a user with none; 429 while the account is locked (rule 7).
 * @example
 * return passkeyOptions(context, body.fields);
 */
export async function passkeyOptions(
  context: FlowContext,
  _fields: Readonly<Record<string, unknown>>,
): Promise<Decision> {
  const { config, limits, respond, record, user } = context;
  const webauthn = config.webauthn;
  if (webauthn === undefined) return passkeysOff(context);
  const lock = await limits.lockStatus(user.id);
  if (lock.locked) {
    return refuseLimited(context, "check", {
      ok: false,
      scope: "lock",
      retryAfterSeconds: lock.retryAfterSeconds,
    });
  }
  const result = await passkeyAuthenticationOptions({
    config: webauthn,
    store: config.factors,
    userId: user.id,
    now: config.now(),
  });
  if (result.status === "no_passkey") {
    if (context.recordChanged) await commit(context, record);
    return passkeyError(context, 409, "no_passkey", "error_no_passkey", {
      settings: `${config.basePath}/setup`,
    });
  }
  await commit(context, { ...withoutFields(record, "notice"), passkeyChallenge: result.challenge });
  return respond.json(200, { options: result.options });
}

/**
 * `POST {basePath}/passkey` (JSON) with `credential` (the `PublicKeyCredential` as JSON) and
 * `remember`: the session's challenge is spent whatever the outcome (rule 3); the assertion must be
 * of one of this user's passkeys, from a configured origin, for the relying party id, with a counter
 * that went up where the authenticator keeps one. Then the session passes the second factor by
 * `passkey` (new session id, `verified` event) and the answer is `{ verified, returnTo, redirect }`.
 * Refusals: 400 `bad_request`, 409 `passkey_challenge_used`, 422 `passkey_challenge_expired`, 403
 * `passkey_not_recognised` / `passkey_refused`, each with a `passkey.refused` event; 429 when locked
 * or over the check budgets (an answer counts as one check).
 * @example
 * return verifyPasskey(context, body.fields);
 */
export async function verifyPasskey(
  context: FlowContext,
  fields: Readonly<Record<string, unknown>>,
): Promise<Decision> {
  const { config, limits, respond, record, user } = context;
  const webauthn = config.webauthn;
  if (webauthn === undefined) return passkeysOff(context);
  // Rule 7: an answer is a check: the check budgets count it, and a locked account is refused (429).
  const budget = await limits.consumeCheck({
    sessionKey: record.key,
    userId: user.id,
    destination: `passkey:${user.id}`,
    ip: context.request.ip,
  });
  if (!budget.ok) return refuseLimited(context, "check", budget);
  const result = await verifyPasskeyAuthentication({
    config: webauthn,
    store: config.factors,
    markers: limits,
    userId: user.id,
    challenge: record.passkeyChallenge,
    response: fields.credential,
    now: config.now(),
  });
  // Rule 3: an answered challenge is spent, right or wrong.
  const spent = withoutFields(record, "passkeyChallenge");
  if (result.status === "refused") {
    return refusePasskey(context, spent, "authentication", result.reason);
  }
  // Rule 7 is decided above; a passkey is not guessable, so it neither counts nor resets failures.
  const passed = await passSecondFactor(
    { ...context, record: spent },
    { methods: ["passkey"], factorId: result.factorId },
    fields,
  );
  const returnTo = passed.returnTo ?? config.defaultReturnTo;
  return withCookies(respond.json(200, { verified: true, returnTo, redirect: returnTo }), passed.cookies);
}

/**
 * The answer of every passkey route while the `webauthn` option is not set: 404 `passkeys_off`.
 * @example
 * if (config.webauthn === undefined) return passkeysOff(context);
 */
export function passkeysOff(context: FlowContext): Decision {
  return passkeyError(context, 404, "passkeys_off", "error_passkeys_off");
}

/**
 * A refused ceremony: the spent record is saved, `passkey.refused` fires (a `wrong_origin` is worth
 * an alert: a page on another site asked for this user's passkey), and the JSON refusal names what to do.
 * @example
 * return refusePasskey(context, spent, "registration", result.reason);
 */
export async function refusePasskey(
  context: FlowContext,
  spent: SecondFactorRecord,
  ceremony: "registration" | "authentication",
  reason: AuthenticationRefusal | RegistrationRefusal,
): Promise<Decision> {
  await commit(context, spent);
  context.config.emit({ type: "passkey.refused", userId: context.user.id, ceremony, reason });
  switch (reason) {
    case "malformed":
      return passkeyError(context, 400, "bad_request", "error_passkey_refused");
    case "used":
      return passkeyError(context, 409, "passkey_challenge_used", "error_passkey_challenge");
    case "no_challenge":
    case "expired":
      return passkeyError(context, 422, "passkey_challenge_expired", "error_passkey_challenge");
    case "unknown_credential":
    case "not_this_user":
      // One answer for both: whose credential it is stays unsaid.
      return passkeyError(context, 403, "passkey_not_recognised", "error_passkey_refused");
    default:
      return passkeyError(context, 403, "passkey_refused", "error_passkey_refused");
  }
}

/**
 * A JSON refusal of the passkey routes: `{ error, message, ...extra }`.
 * @example
 * return passkeyError(context, 409, "no_passkey", "error_no_passkey");
 */
export function passkeyError(
  context: FlowContext,
  status: number,
  error: string,
  key: MessageKey,
  extra: Readonly<Record<string, string>> = {},
): Decision {
  return context.respond.json(status, { error, message: context.respond.format(key), ...extra });
}
