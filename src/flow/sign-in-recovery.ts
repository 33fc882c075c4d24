import type { Decision } from "../boundary.js";
import type { FlowContext } from "./context.js";

/**
 * `GET {basePath}/recovery`: the page to type a recovery code.
 * @example
 * return showRecovery(context);
 */
export async function showRecovery(_context: FlowContext): Promise<Decision> {
  // Built by issue 14.
  throw new Error("second-factor: showRecovery is not built yet");
}

/**
 * `POST {basePath}/recovery` with field `code` (+ `remember`): an unused recovery code of this user.
 * @example
 * return useRecoveryCode(context, body.fields);
 */
export async function useRecoveryCode(
  _context: FlowContext,
  _fields: Readonly<Record<string, unknown>>,
): Promise<Decision> {
  // Built by issue 14.
  throw new Error("second-factor: useRecoveryCode is not built yet");
}
