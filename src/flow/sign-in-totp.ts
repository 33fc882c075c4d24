import type { Decision } from "../boundary.js";
import type { FlowContext } from "./context.js";

/**
 * `POST {basePath}/totp` with field `code` (+ `remember`): a code of the account's authenticator app.
 * @example
 * return verifyTotp(context, body.fields);
 */
export async function verifyTotp(
  _context: FlowContext,
  _fields: Readonly<Record<string, unknown>>,
): Promise<Decision> {
  // Built by issue 13.
  throw new Error("second-factor: verifyTotp is not built yet");
}
