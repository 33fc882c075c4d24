import type { Decision } from "../boundary.js";
import type { FlowContext } from "../flow/context.js";

/**
 * `GET {basePath}/setup/totp`: the pending secret as a QR code, text and `otpauth://` URI.
 * @example
 * return showTotpSetup(context);
 */
export async function showTotpSetup(_context: FlowContext): Promise<Decision> {
  // Built by issue 13.
  throw new Error("second-factor: showTotpSetup is not built yet");
}

/**
 * `POST {basePath}/setup/totp`: a pending secret (rule 11).
 * @example
 * return startTotpSetup(context, body.fields);
 */
export async function startTotpSetup(
  _context: FlowContext,
  _fields: Readonly<Record<string, unknown>>,
): Promise<Decision> {
  // Built by issue 13.
  throw new Error("second-factor: startTotpSetup is not built yet");
}

/**
 * `POST {basePath}/setup/totp/verify` with field `code`: the app is added.
 * @example
 * return confirmTotpSetup(context, body.fields);
 */
export async function confirmTotpSetup(
  _context: FlowContext,
  _fields: Readonly<Record<string, unknown>>,
): Promise<Decision> {
  // Built by issue 13.
  throw new Error("second-factor: confirmTotpSetup is not built yet");
}
