import type { Decision } from "../boundary.js";
import type { FlowContext } from "../flow/context.js";

/**
 * `POST {basePath}/setup/devices/revoke` with field `device` (a device id, or `all`).
 * @example
 * return revokeDevices(context, body.fields);
 */
export async function revokeDevices(
  _context: FlowContext,
  _fields: Readonly<Record<string, unknown>>,
): Promise<Decision> {
  // Built by issue 16.
  throw new Error("second-factor: revokeDevices is not built yet");
}
