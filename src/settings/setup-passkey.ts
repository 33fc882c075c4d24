/**
 * Adding a passkey from the settings page (DESIGN §5 `POST /2fa/setup/passkey/options`, `POST
 * /2fa/setup/passkey`): rule 11 first, then the WebAuthn registration ceremony with a challenge made
 * for this session and used once (rule 3); only the public key is kept (rule 12).
 */
import type { Decision } from "../boundary.js";
import {
  passkeyRegistrationOptions as registrationOptions,
  verifyPasskeyRegistration,
} from "../factors/passkey/index.js";
import { commit, type FlowContext } from "../flow/context.js";
import { passSecondFactor, withCookies } from "../flow/passed.js";
import { passkeyError, passkeysOff, refusePasskey } from "../flow/sign-in-passkey.js";
import { withoutFields } from "../record/index.js";
import { failClosed } from "../stores/factor-arguments.js";
import { mayManage, throughChallenge } from "./access.js";
import { revokeDevicesAfterChange } from "./devices.js";
import { factorName } from "./rename.js";

/**
 * The name a new passkey gets when the user gives none.
 * @default "Passkey"
 * @example
 * const name = factorName(fields.name) ?? DEFAULT_PASSKEY_NAME;
 */
export const DEFAULT_PASSKEY_NAME = "Passkey";

/**
 * `POST {basePath}/setup/passkey/options` (JSON): WebAuthn creation options (rule 11 first: a 401
 * through the challenge when the session may not manage factors). The user's existing passkeys are
 * excluded; the challenge is kept in the session record. 404 `passkeys_off` without `webauthn`.
 * @example
 * return passkeyRegistrationOptions(context, body.fields);
 */
export async function passkeyRegistrationOptions(
  context: FlowContext,
  _fields: Readonly<Record<string, unknown>>,
): Promise<Decision> {
  const { config, respond, record, user } = context;
  const webauthn = config.webauthn;
  if (webauthn === undefined) return passkeysOff(context);
  if (!mayManage(context)) return throughChallenge(context);
  const { options, challenge } = await registrationOptions({
    config: webauthn,
    store: config.factors,
    user: { id: user.id, name: user.email ?? user.id },
    now: config.now(),
  });
  await commit(context, { ...withoutFields(record, "notice"), passkeyChallenge: challenge });
  return respond.json(200, { options });
}

/**
 * `POST {basePath}/setup/passkey` (JSON) with `credential` (the attestation as JSON), `name`
 * (optional, 1 to 64 characters) and `remember`: rule 11 again, the challenge spent whatever the
 * outcome, the response checked (origin, rpId, challenge, user presence), the passkey added
 * (`factor.added`, the account's trusted devices revoked). An account's first factor verifies the
 * session by `passkey` (new session id). Answers `{ added, factor, verified, redirect }`; 409
 * `already_enrolled` / `credential_in_use`; the refusals of the sign-in route otherwise.
 * @example
 * return registerPasskey(context, body.fields);
 */
export async function registerPasskey(
  context: FlowContext,
  fields: Readonly<Record<string, unknown>>,
): Promise<Decision> {
  const { config, limits, respond, record, user } = context;
  const webauthn = config.webauthn;
  if (webauthn === undefined) return passkeysOff(context);
  if (!mayManage(context)) return throughChallenge(context);
  const name =
    fields.name === undefined || fields.name === "" ? DEFAULT_PASSKEY_NAME : factorName(fields.name);
  if (name === undefined) {
    if (context.recordChanged) await commit(context, record);
    return passkeyError(context, 400, "invalid_name", "error_factor_name", { field: "name" });
  }
  const result = await verifyPasskeyRegistration({
    config: webauthn,
    markers: limits,
    challenge: record.passkeyChallenge,
    response: fields.credential,
    now: config.now(),
  });
  // Rule 3: an answered challenge is spent, right or wrong.
  const spent = withoutFields(record, "passkeyChallenge", "notice");
  if (result.status === "refused") return refusePasskey(context, spent, "registration", result.reason);
  const now = config.now();
  const added = await failClosed(() =>
    config.factors.addFactor(user.id, { kind: "passkey", name, createdAt: now, ...result.passkey }),
  );
  if (added.status !== "added") {
    await commit(context, spent);
    const error = added.status === "credential_in_use" ? "credential_in_use" : "already_enrolled";
    return passkeyError(context, 409, error, "error_passkey_exists");
  }
  config.emit({ type: "factor.added", userId: user.id, kind: "passkey", maskedDestination: "" });
  // Rule 11: every change of factors revokes the account's trusted devices.
  await revokeDevicesAfterChange(context);
  const factor = { id: added.factor.id, kind: "passkey", name };
  const settings = `${config.basePath}/setup`;
  if (context.hasFactor) {
    await commit(context, { ...spent, notice: "factor_added" });
    return respond.json(200, { added: true, factor, verified: false, redirect: settings });
  }
  // The first factor of an account verifies this session by it: the ceremony it just completed.
  const passed = await passSecondFactor(
    { ...context, record: spent },
    { methods: ["passkey"], factorId: added.factor.id },
    fields,
    record.returnTo === undefined ? "factor_added" : undefined,
  );
  const next = passed.returnTo ?? settings;
  return withCookies(
    respond.json(200, { added: true, factor, verified: true, returnTo: next, redirect: next }),
    passed.cookies,
  );
}
