import type { Decision } from "../boundary.js";
import type { CoreConfig } from "../options/index.js";
import { safeReturnTo } from "../record/return-to.js";
import type { Responder } from "./index.js";

/**
 * The path of a request URL, without its query.
 * @example
 * pathOf("/2fa/send?x=1"); // "/2fa/send"
 */
export function pathOf(url: string): string {
  const query = url.indexOf("?");
  return query === -1 ? url : url.slice(0, query);
}

/**
 * No logged-in user: HTML goes to the login page (with `?returnTo=` for a GET to a safe path), JSON
 * gets 401 `login_required`.
 * @example
 * return loginRequired(config, respond, json, request.method === "GET" ? request.url : undefined);
 */
export function loginRequired(
  config: CoreConfig<unknown>,
  respond: Responder,
  json: boolean,
  returnTo: string | undefined,
  redirectStatus: 302 | 303,
): Decision {
  if (json) {
    return respond.json(
      401,
      { error: "login_required", message: respond.format("problem_login_body"), login: config.loginPath },
      { "WWW-Authenticate": 'Bearer realm="second-factor"' },
    );
  }
  const safe = safeReturnTo(returnTo);
  const separator = config.loginPath.includes("?") ? "&" : "?";
  const location =
    safe === undefined
      ? config.loginPath
      : `${config.loginPath}${separator}returnTo=${encodeURIComponent(safe)}`;
  return respond.redirect(location, redirectStatus);
}
