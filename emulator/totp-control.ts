import type { IncomingMessage, ServerResponse } from "node:http";
import type { EmulatorState } from "./emulator-state.js";
import { closeIfBodyUnread, sendJson } from "./replies.js";
import { isSid } from "./sids.js";
import { currentTotpCode } from "./totp-api.js";

/** `GET /control/totp/{YF}`: the virtual authenticator of the control API. */
export const TOTP_CONTROL_PREFIX = "/control/totp/";

/**
 * Answers `GET /control/totp/{YF}` with `{ code, factorSid, nowMs }`: the factor's code on the
 * emulator's clock, so that tests can pass a TOTP challenge. JSON only, like the rest of the control API.
 */
export function handleTotpControl(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  state: EmulatorState,
): void {
  const method = req.method ?? "GET";
  if (method !== "GET") {
    closeIfBodyUnread(req, res);
    sendJson(res, 405, { error: `${method} is not allowed on ${path}` }, { Allow: "GET" });
    return;
  }
  const factorSid = path.slice(TOTP_CONTROL_PREFIX.length);
  if (!isSid("YF", factorSid)) {
    sendJson(res, 404, {
      error: `No TOTP factor ${JSON.stringify(factorSid.slice(0, 40))}; use a YF... SID`,
    });
    return;
  }
  const code = currentTotpCode(state, factorSid);
  if (code === undefined) {
    sendJson(res, 404, { error: `No TOTP factor ${factorSid}` });
    return;
  }
  sendJson(res, 200, { code, factorSid, nowMs: state.clock.now() });
}
