import type { Decision } from "../boundary.js";
import type { FlowContext } from "../flow/context.js";

/**
 * `POST {basePath}/setup/passkey/options` (JSON): WebAuthn registration options (rule 11).
 * @example
 * return passkeyRegistrationOptions(context, body.fields);
 */
export async function passkeyRegistrationOptions(
  _context: FlowContext,
  _fields: Readonly<Record<string, unknown>>,
): Promise<Decision> {
  // Built by issue 15.
  throw new Error("second-factor: passkeyRegistrationOptions is not built yet");
}

/**
 * `POST {basePath}/setup/passkey` (JSON): the attestation; the passkey is added.
 * @example
 * return registerPasskey(context, body.fields);
 */
export async function registerPasskey(
  _context: FlowContext,
  _fields: Readonly<Record<string, unknown>>,
): Promise<Decision> {
  // Built by issue 15.
  throw new Error("second-factor: registerPasskey is not built yet");
}
