import type { Decision } from "../boundary.js";
import type { FlowContext } from "./context.js";

/**
 * `POST {basePath}/passkey/options` (JSON): WebAuthn request options for this session.
 * @example
 * return passkeyOptions(context, body.fields);
 */
export async function passkeyOptions(
  _context: FlowContext,
  _fields: Readonly<Record<string, unknown>>,
): Promise<Decision> {
  // Built by issue 15.
  throw new Error("second-factor: passkeyOptions is not built yet");
}

/**
 * `POST {basePath}/passkey` (JSON): the assertion (+ `remember`).
 * @example
 * return verifyPasskey(context, body.fields);
 */
export async function verifyPasskey(
  _context: FlowContext,
  _fields: Readonly<Record<string, unknown>>,
): Promise<Decision> {
  // Built by issue 15.
  throw new Error("second-factor: verifyPasskey is not built yet");
}
