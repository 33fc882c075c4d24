import type { Decision } from "../boundary.js";
import type { FlowContext } from "../flow/context.js";

/**
 * `POST {basePath}/setup/recovery`: a new set of recovery codes, shown once (rule 11).
 * @example
 * return regenerateRecoveryCodes(context, body.fields);
 */
export async function regenerateRecoveryCodes(
  _context: FlowContext,
  _fields: Readonly<Record<string, unknown>>,
): Promise<Decision> {
  // Built by issue 14.
  throw new Error("second-factor: regenerateRecoveryCodes is not built yet");
}
