import type { DecisionCookies } from "../boundary.js";
import type { FlowContext } from "./context.js";

/**
 * The cookies that make this browser a trusted device (DESIGN §4 rule 13) after a factor passed the
 * second factor, when the form asked for it (`remember` = `1`); none otherwise. Called by
 * {@link passSecondFactor} after the session is verified and saved.
 * @example
 * const cookies = await trustThisDevice(context, fields);
 */
export async function trustThisDevice(
  _context: FlowContext,
  _fields: Readonly<Record<string, unknown>>,
): Promise<DecisionCookies> {
  // Issue 16 builds the trusted device here (token, store, cookie, `device.trusted`).
  return [];
}
