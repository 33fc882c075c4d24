import type {
  BodyResult,
  Decision,
  RequestView,
  SecondFactorCore,
  SecondFactorUser,
  SessionPort,
} from "../boundary.js";
import type { Limits } from "../limits/index.js";
import { isJsonContentType, wantsJson } from "../negotiate.js";
import type { CoreConfig } from "../options/index.js";
import { outageRetryAfter } from "../outage.js";
import { PASSKEY_SCRIPT } from "../pages/passkey-script.js";
import { csrfMatches } from "../record/csrf.js";
import type { Problem, Responder } from "../respond/index.js";
import { loginRequired, pathOf } from "../respond/login-required.js";
import { CSRF_PROBLEM, unavailableProblem } from "../respond/problems.js";
import { loadTrustedDevices } from "../settings/devices.js";
import { changeSettings, type SettingsRoute, showSettings } from "../settings/index.js";
import { cancelCode } from "./cancel.js";
import { type FlowContext, loadRecord } from "./context.js";
import { loadAccountFactors } from "./destinations.js";
import { sendCode } from "./send.js";
import { showPage } from "./show.js";
import { passkeyOptions, verifyPasskey } from "./sign-in-passkey.js";
import { showRecovery, useRecoveryCode } from "./sign-in-recovery.js";
import { verifyTotp } from "./sign-in-totp.js";
import { verifyCode } from "./verify.js";

/** The routes of the challenge flow and the settings, relative to `basePath` (DESIGN §5). */
type Route =
  | "show"
  | "send"
  | "verify"
  | "cancel"
  | "totp"
  | "recovery"
  | "passkey_options"
  | "passkey"
  | "passkey_script"
  | SettingsRoute;

/** The methods each route answers; others get 405 with `Allow`. */
const ALLOWED: Readonly<Record<Route, readonly string[]>> = {
  show: ["GET", "HEAD"],
  send: ["POST"],
  verify: ["POST"],
  cancel: ["POST"],
  totp: ["POST"],
  recovery: ["GET", "HEAD", "POST"],
  passkey_options: ["POST"],
  passkey: ["POST"],
  passkey_script: ["GET", "HEAD"],
  setup: ["GET", "HEAD"],
  setup_phone: ["GET", "HEAD", "POST"],
  setup_phone_verify: ["POST"],
  setup_phone_cancel: ["POST"],
  setup_remove: ["POST"],
  setup_totp: ["GET", "HEAD", "POST"],
  setup_totp_verify: ["POST"],
  setup_totp_cancel: ["POST"],
  setup_recovery: ["POST"],
  setup_passkey_options: ["POST"],
  setup_passkey: ["POST"],
  setup_rename: ["POST"],
  setup_devices_revoke: ["POST"],
};

/**
 * The flow's two entry points, as the core exposes them.
 * @example
 * const decision = await createFlow(config, limits, respond).handleFlow(view, session, user);
 */
export type Flow = Pick<SecondFactorCore<unknown>, "handleFlow" | "failureDecision">;

/**
 * The challenge flow of one core: `GET basePath`, `POST basePath/send`, `/verify`, `/cancel`. Every
 * answer carries the flow's security headers; outages of the provider or a store answer 503 with
 * `Retry-After` (rule 8); other errors go back to the adapter.
 * @example
 * const flow = createFlow(config, limits, respond);
 * const decision = await flow.handleFlow(view, session, user);
 */
export function createFlow(config: CoreConfig<unknown>, limits: Limits, respond: Responder): Flow {
  const failureDecision = (error: unknown, request: RequestView): Decision | undefined => {
    const retryAfter = outageRetryAfter(error);
    if (retryAfter === undefined) return undefined;
    return respond.problem(wantsJson(request.accept), unavailableProblem(retryAfter));
  };

  const handle = async (
    route: Route,
    request: RequestView,
    session: SessionPort,
    user: SecondFactorUser | null,
  ): Promise<Decision> => {
    const json = wantsJson(request.accept);
    const method = request.method.toUpperCase();
    const isGet = method === "GET" || method === "HEAD";
    if (user === null) return noUser(config, respond, json, method, route);
    // The account's factors: read from the store here, in the flow and the settings, never by the guard.
    const account = await loadAccountFactors(config, user);
    const { record, changed } = loadRecord(config, limits, session, user, account.destinations);
    const context: FlowContext = {
      config,
      limits,
      respond,
      request,
      session,
      user,
      json,
      record,
      recordChanged: changed,
      path: pathOf(request.url),
      destinations: account.destinations,
      storedFactors: account.stored,
      hasFactor: account.destinations.length > 0 || account.stored.length > 0,
      ...(route.startsWith("setup") ? { trustedDevices: await loadTrustedDevices(config, user) } : {}),
      ...(account.recovery === undefined ? {} : { recovery: account.recovery }),
    };
    if (isGet) {
      if (route === "setup" || route === "setup_phone" || route === "setup_totp") {
        return showSettings(route, context);
      }
      if (route === "recovery") return showRecovery(context);
      // A user with nothing to be sent a code to enrols first (the return-to stays in the record).
      if (!context.hasFactor && config.enrolment === "required" && !json) {
        return respond.redirect(`${config.basePath}/setup`, 302);
      }
      return showPage(context);
    }

    if (json && !isJsonContentType(request.contentType)) {
      return respond.problem(true, unsupported());
    }
    const body = await request.readBody();
    if (!body.ok) return respond.problem(json, bodyProblem(body));
    // Rule 6: every state-changing request carries the session's CSRF token, compared in constant time.
    const submitted = body.type === "json" ? request.csrfHeader : body.fields._csrf;
    if (!csrfMatches(record.csrf, submitted)) {
      config.emit({ type: "csrf.failed", userId: user.id, path: context.path });
      return respond.problem(json, CSRF_PROBLEM);
    }
    switch (route) {
      case "send":
        return sendCode(context, body.fields);
      case "verify":
        return verifyCode(context, body.fields);
      case "cancel":
        return cancelCode(context);
      case "totp":
        return verifyTotp(context, body.fields);
      case "recovery":
        return useRecoveryCode(context, body.fields);
      case "passkey_options":
        return passkeyOptions(context, body.fields);
      case "passkey":
        return verifyPasskey(context, body.fields);
      case "show":
      case "passkey_script":
        return showPage(context);
      default:
        return changeSettings(route, context, body.fields);
    }
  };

  return {
    failureDecision,
    async handleFlow(request, session, user) {
      const route = routeOf(config.basePath, pathOf(request.url));
      if (route === undefined) return undefined;
      const method = request.method.toUpperCase();
      const allowed = ALLOWED[route];
      if (!allowed.includes(method)) {
        return respond.problem(wantsJson(request.accept), {
          status: 405,
          error: "method_not_allowed",
          heading: "problem_method_heading",
          body: "problem_method_body",
          headers: { Allow: allowed.join(", ") },
        });
      }
      // The passkey script: static, public, cached for a year under a name that changes with it.
      if (route === "passkey_script") return config.webauthn === undefined ? undefined : passkeyScript();
      try {
        return await handle(route, request, session, user);
      } catch (error) {
        const decision = failureDecision(error, request);
        if (decision === undefined) throw error;
        if (isStoreError(error)) {
          config.emit({ type: "store.error", userId: user?.id ?? null });
          config.logger.error("second-factor: a store failed; answered 503", {
            code: "ERR_SF_STORE_UNAVAILABLE",
          });
        }
        return decision;
      }
    },
  };
}

/** The script as a decision: the adapters write any body with the `Content-Type` its headers name. */
function passkeyScript(): Decision {
  return { kind: "html", status: 200, body: PASSKEY_SCRIPT.source, headers: PASSKEY_SCRIPT.headers };
}

function isStoreError(error: unknown): boolean {
  return (error as { code?: unknown }).code === "ERR_SF_STORE_UNAVAILABLE";
}

const SUBPATHS: Readonly<Record<string, Route>> = {
  "/send": "send",
  "/verify": "verify",
  "/cancel": "cancel",
  "/setup": "setup",
  "/setup/phone": "setup_phone",
  "/setup/phone/verify": "setup_phone_verify",
  "/setup/phone/cancel": "setup_phone_cancel",
  "/setup/remove": "setup_remove",
  "/totp": "totp",
  "/recovery": "recovery",
  "/passkey/options": "passkey_options",
  "/passkey": "passkey",
  [`/${PASSKEY_SCRIPT.fileName}`]: "passkey_script",
  "/setup/totp": "setup_totp",
  "/setup/totp/verify": "setup_totp_verify",
  "/setup/totp/cancel": "setup_totp_cancel",
  "/setup/recovery": "setup_recovery",
  "/setup/passkey/options": "setup_passkey_options",
  "/setup/passkey": "setup_passkey",
  "/setup/rename": "setup_rename",
  "/setup/devices/revoke": "setup_devices_revoke",
};

function routeOf(basePath: string, path: string): Route | undefined {
  if (path === basePath || path === `${basePath}/`) return "show";
  if (!path.startsWith(`${basePath}/`)) return undefined;
  const rest = path.slice(basePath.length);
  return Object.hasOwn(SUBPATHS, rest) ? SUBPATHS[rest] : undefined;
}

function noUser(
  config: CoreConfig<unknown>,
  respond: Responder,
  json: boolean,
  method: string,
  route: Route,
): Decision {
  const navigation = method === "GET" || method === "HEAD";
  const back = route.startsWith("setup") ? `${config.basePath}/setup` : config.basePath;
  return loginRequired(config, respond, json, method === "GET" ? back : undefined, navigation ? 302 : 303);
}

function unsupported(): Problem {
  return {
    status: 415,
    error: "unsupported_media_type",
    heading: "problem_unsupported_heading",
    body: "problem_unsupported_body",
  };
}

function bodyProblem(body: Extract<BodyResult, { ok: false }>): Problem {
  switch (body.status) {
    case 413:
      return {
        status: 413,
        error: "body_too_large",
        heading: "problem_too_large_heading",
        body: "problem_too_large_body",
      };
    case 415:
      return unsupported();
    default:
      return {
        status: 400,
        error: "bad_request",
        heading: "problem_bad_request_heading",
        body: "problem_bad_request_body",
      };
  }
}
