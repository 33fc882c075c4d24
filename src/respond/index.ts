import type { Decision, DecisionHeaders } from "../boundary.js";
import type { CoreConfig } from "../options/index.js";
import { formatMessage, formatWait, type MessageKey, type MessageParams } from "../pages/messages.js";
import { PASSKEY_SCRIPT } from "../pages/passkey-script.js";
import { renderDefaultPage } from "../pages/render.js";
import type {
  ChallengePageView,
  EnrolmentPageView,
  PageView,
  PageViewBase,
  ProblemPageView,
  RecoveryCodesPageView,
  RecoveryPageView,
  SettingsPageView,
  TotpSetupPageView,
} from "../pages/view.js";

/**
 * A refusal: its status, stable code, and the texts that say what happened and what to do.
 * @example
 * const problem: Problem = { status: 403, error: "csrf_failed", heading: "problem_csrf_heading", body: "problem_csrf_body" };
 */
export interface Problem {
  readonly status: number;
  /** snake_case, JSON's `error`. */
  readonly error: string;
  readonly heading: MessageKey;
  readonly body: MessageKey;
  readonly params?: MessageParams;
  /** Seconds for `Retry-After` (and `{wait}` in the texts). */
  readonly retryAfterSeconds?: number;
  /** Where the page's link goes. @default "back" (the challenge page) */
  readonly link?: "back" | "login";
  /** Extra headers, e.g. `Allow`. */
  readonly headers?: DecisionHeaders;
}

/**
 * Builds the flow's answers: every one carries the security headers of DESIGN §5.
 * @example
 * return respond.problem(json, rateLimitedProblem(60));
 */
export interface Responder {
  /** The headers of every flow response (no-store, CSP without script, no referrer, nosniff). */
  readonly securityHeaders: DecisionHeaders;
  redirect(location: string, status?: 302 | 303, headers?: DecisionHeaders): Decision;
  json(status: number, body: unknown, headers?: DecisionHeaders): Decision;
  /** A challenge page (status in the view), rendered by the app's hook or the default pages. */
  challenge(view: Omit<ChallengePageView, keyof PageViewBase>, status: number): Decision;
  /** A settings or enrolment page (status in the view). */
  settings(
    view:
      | Omit<SettingsPageView, keyof PageViewBase>
      | Omit<EnrolmentPageView, keyof PageViewBase>
      | Omit<TotpSetupPageView, keyof PageViewBase>,
    status: number,
  ): Decision;
  /** The recovery code page, or the page that shows new recovery codes once (status in the view). */
  recovery(
    view: Omit<RecoveryPageView, keyof PageViewBase> | Omit<RecoveryCodesPageView, keyof PageViewBase>,
    status: number,
  ): Decision;
  /** A refusal as a page or as JSON `{ error, message, retryAfter? }`. */
  problem(json: boolean, problem: Problem): Decision;
  /** The common part of every page view. */
  viewBase(status: number): PageViewBase;
  /** A message of the catalog with its placeholders filled. */
  format(key: MessageKey, params?: MessageParams): string;
}

/**
 * Makes the {@link Responder} of one core.
 * @example
 * const respond = createResponder(config);
 * return respond.redirect(config.basePath);
 */
export function createResponder(config: CoreConfig<unknown>): Responder {
  const securityHeaders: DecisionHeaders = Object.freeze({
    "Cache-Control": "no-store",
    "Content-Security-Policy": `default-src 'none'; style-src ${config.style.cspSource};${passkeySources(config)} form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    Vary: "Accept",
  });
  const format = (key: MessageKey, params?: MessageParams): string =>
    formatMessage(config.messages[key], params);
  const withSecurity = (headers: DecisionHeaders | undefined): DecisionHeaders =>
    headers === undefined ? securityHeaders : { ...securityHeaders, ...headers };
  const viewBase = (status: number): PageViewBase => ({
    lang: config.lang,
    status,
    messages: config.messages,
    format,
    styleElement: config.style.element,
    basePath: config.basePath,
    homeLink: { href: config.defaultReturnTo, label: format("home_link") },
  });
  const page = (view: PageView, headers?: DecisionHeaders): Decision => ({
    kind: "html",
    status: view.status,
    body: config.render(view) ?? renderDefaultPage(view),
    headers: withSecurity({ "Content-Type": "text/html; charset=utf-8", ...headers }),
  });
  const json = (status: number, body: unknown, headers?: DecisionHeaders): Decision => ({
    kind: "json",
    status,
    body,
    headers: withSecurity({ "Content-Type": "application/json; charset=utf-8", ...headers }),
  });

  return {
    securityHeaders,
    format,
    viewBase,
    json,
    redirect: (location, status = 303, headers) => ({
      kind: "redirect",
      status,
      location,
      headers: withSecurity(headers),
    }),
    challenge: (view, status) => page({ ...viewBase(status), ...view } as ChallengePageView),
    settings: (view, status) =>
      page({ ...viewBase(status), ...view } as SettingsPageView | EnrolmentPageView | TotpSetupPageView),
    recovery: (view, status) =>
      page({ ...viewBase(status), ...view } as RecoveryPageView | RecoveryCodesPageView),
    problem(wantsJson, problem) {
      const retry = problem.retryAfterSeconds;
      const params: MessageParams =
        retry === undefined
          ? { ...problem.params }
          : { ...problem.params, wait: formatWait(config.messages, retry) };
      const headers: DecisionHeaders =
        retry === undefined ? { ...problem.headers } : { ...problem.headers, "Retry-After": String(retry) };
      const message = format(problem.body, params);
      if (wantsJson) {
        const body =
          retry === undefined
            ? { error: problem.error, message }
            : { error: problem.error, message, retryAfter: retry };
        return json(problem.status, body, headers);
      }
      const login = problem.link === "login";
      const view: ProblemPageView = {
        ...viewBase(problem.status),
        page: "problem",
        error: problem.error,
        heading: format(problem.heading, params),
        message,
        ...(retry === undefined ? {} : { retryAfterSeconds: retry }),
        link: login
          ? { href: config.loginPath, label: format("login_link") }
          : { href: config.basePath, label: format("back_link") },
      };
      return page(view, headers);
    },
  };
}

/**
 * With passkeys on, the one script the pages may run (by its hash, matched through the tag's
 * `integrity`) and the same-origin `fetch` it makes to the passkey routes; nothing without them.
 */
function passkeySources(config: CoreConfig<unknown>): string {
  return config.webauthn === undefined ? "" : ` script-src ${PASSKEY_SCRIPT.cspSource}; connect-src 'self';`;
}
