/**
 * The HTML of the examples' own pages (home, sign-in, account, transfer, problems). Every value is
 * escaped with the library's `escapeHtml`; the pages run no script; every form carries `_csrf`.
 */
import { escapeHtml, maskDestination, type SecondFactorStepUpStatus } from "../../src/index.js";
import { channelName, formatAgo, formatClock, formatDuration } from "./status.js";
import { STYLE_ELEMENT } from "./style.js";
import type { DemoAccount, DemoUser } from "./users.js";

/** What every page of one request knows: the framework's name and who is signed in. */
export interface PageContext {
  /** `"Express"` or `"Koa"`, shown in the header. */
  readonly framework: string;
  /** The signed-in user, if any. */
  readonly user: DemoUser | undefined;
  /** The session's CSRF token for the sign-out form (present when signed in). */
  readonly csrfToken: string | undefined;
  /** The step-up window of `/transfer` as configured, e.g. `"5m"`, and in ms. */
  readonly stepUp: { readonly label: string; readonly ms: number };
  /** The app clock, for "when" on the pages. */
  readonly now: number;
}

/** A form field's error, tied to its input. */
export interface FieldError {
  readonly field: string;
  readonly message: string;
}

function layout(context: PageContext, title: string, body: string): string {
  return [
    "<!doctype html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="referrer" content="no-referrer">',
    `<title>${escapeHtml(title)} · second-factor ${escapeHtml(context.framework)} example</title>`,
    STYLE_ELEMENT,
    "</head>",
    "<body>",
    header(context),
    "<main>",
    body,
    "</main>",
    "</body>",
    "</html>",
    "",
  ].join("\n");
}

function header(context: PageContext): string {
  const account =
    context.user === undefined
      ? '<a href="/login">Sign in</a>'
      : `<span class="muted">${escapeHtml(context.user.username)}</span>${logoutForm(context.csrfToken ?? "")}`;
  return [
    '<header class="bar"><div>',
    `<a class="brand" href="/">second-factor <span>${escapeHtml(context.framework)}</span></a>`,
    `<div class="who">${account}</div>`,
    '<nav aria-label="Main"><ul>',
    '<li><a href="/">Home</a></li>',
    '<li><a href="/account">Account</a></li>',
    '<li><a href="/transfer">Transfer</a></li>',
    "</ul></nav>",
    "</div></header>",
  ].join("\n");
}

function logoutForm(csrfToken: string): string {
  return (
    `<form method="post" action="/logout"><input type="hidden" name="_csrf" value="${escapeHtml(csrfToken)}">` +
    '<button type="submit" class="link">Sign out</button></form>'
  );
}

/** The status lines of the second factor, as a definition list. */
function statusList(context: PageContext, status: SecondFactorStepUpStatus): string {
  const window = escapeHtml(formatDuration(context.stepUp.ms));
  if (!status.verified) {
    return [
      "<dl>",
      '<dt>Second factor</dt><dd><span class="off">Not passed</span> in this session yet.</dd>',
      `<dt>Transfers</dt><dd>Need a second factor passed within the last ${window}.</dd>`,
      "</dl>",
    ].join("\n");
  }
  const verifiedAt = status.verifiedAt.getTime();
  const passed = `${formatClock(verifiedAt)} (${formatAgo(context.now - verifiedAt)}) by ${status.methods.map(channelName).join(" or ")}`;
  const closes = escapeHtml(formatClock(status.stepUpOpenUntil.getTime()));
  const transfers = status.stepUpOpen
    ? `<span class="ok">Open</span> until ${closes}: the second factor was passed within the last ${window}.`
    : `<span class="off">Closed</span> since ${closes}: it is more than ${window} since the second factor was passed, so <a href="/transfer">Transfer</a> will ask for a new code.`;
  return [
    "<dl>",
    `<dt>Second factor</dt><dd><span class="ok">Passed</span> at ${escapeHtml(passed)}.</dd>`,
    `<dt>Transfers</dt><dd>${transfers}</dd>`,
    "</dl>",
  ].join("\n");
}

function demoAccounts(accounts: readonly DemoAccount[]): string {
  const rows = accounts.map(
    ({ user, password }) =>
      `<tr><td><code>${escapeHtml(user.username)}</code></td><td><code>${escapeHtml(password)}</code></td>` +
      `<td>${user.phone === undefined ? "none yet: enrols one" : `…${escapeHtml(user.phone.slice(-4))}`}</td></tr>`,
  );
  return [
    "<table>",
    "<caption>Demo accounts</caption>",
    '<thead><tr><th scope="col">Username</th><th scope="col">Password</th><th scope="col">Phone</th></tr></thead>',
    `<tbody>${rows.join("")}</tbody>`,
    "</table>",
  ].join("\n");
}

/**
 * `GET /`: public; signed in, it shows who, whether and when the second factor was passed, and the
 * step-up window of `/transfer`.
 * @example
 * res.send(homePage(context, { accounts: DEMO_ACCOUNTS, status, inboxUrl }));
 */
export function homePage(
  context: PageContext,
  view: {
    accounts: readonly DemoAccount[];
    status: SecondFactorStepUpStatus | undefined;
    inboxUrl: string | undefined;
  },
): string {
  const inbox =
    view.inboxUrl === undefined
      ? ""
      : `<p>No Twilio account needed: codes go to the local Verify emulator. Open its <a href="${escapeHtml(view.inboxUrl)}">inbox</a> to read them.</p>`;
  const pages = [
    "<h2>Try it</h2>",
    '<ul class="links">',
    '<li><a href="/account">Account</a>: needs the second factor.</li>',
    `<li><a href="/transfer">Transfer</a>: needs it passed within the last ${escapeHtml(formatDuration(context.stepUp.ms))} (step-up).</li>`,
    '<li><a href="/api/me">/api/me</a>: JSON, needs the second factor.</li>',
    "</ul>",
  ].join("\n");
  if (context.user === undefined || view.status === undefined) {
    return layout(
      context,
      "Home",
      [
        "<h1>A second factor for your app</h1>",
        `<p>This ${escapeHtml(context.framework)} app guards its pages with <strong>second-factor</strong>: after signing in, a one-time code (by text message or voice call, through Twilio Verify) is needed before the account opens.</p>`,
        inbox,
        '<div class="card">',
        demoAccounts(view.accounts),
        '<p class="actions"><a href="/login">Sign in</a> with one of them.</p>',
        "</div>",
        pages,
      ].join("\n"),
    );
  }
  return layout(
    context,
    "Home",
    [
      `<h1>Hello, ${escapeHtml(context.user.displayName)}</h1>`,
      '<div class="card">',
      `<p>You are signed in as <strong>${escapeHtml(context.user.username)}</strong>.</p>`,
      statusList(context, view.status),
      "</div>",
      inbox,
      pages,
      '<div class="card">',
      "<h2>Done?</h2>",
      "<p>Signing out ends the session, and with it the second factor.</p>",
      `<form method="post" action="/logout"><input type="hidden" name="_csrf" value="${escapeHtml(context.csrfToken ?? "")}"><button type="submit">Sign out</button></form>`,
      "</div>",
    ].join("\n"),
  );
}

/**
 * `GET /login` (200) and a failed `POST /login` (401, with `error`): the sign-in form.
 * @example
 * res.status(401).send(loginPage(context, { csrfToken, returnTo, username, error: "Wrong username or password." }));
 */
export function loginPage(
  context: PageContext,
  view: {
    csrfToken: string;
    returnTo: string | undefined;
    username?: string;
    error?: string;
    accounts: readonly DemoAccount[];
  },
): string {
  const invalid = view.error === undefined ? "" : ' aria-invalid="true" aria-describedby="login-error"';
  const signedIn =
    context.user === undefined
      ? ""
      : `<p class="notice">You are signed in as ${escapeHtml(context.user.username)}. Signing in again starts a new session.</p>`;
  return layout(
    context,
    "Sign in",
    [
      "<h1>Sign in</h1>",
      signedIn,
      view.error === undefined
        ? ""
        : `<p class="problem error" id="login-error" role="alert">${escapeHtml(view.error)}</p>`,
      '<form method="post" action="/login">',
      `<input type="hidden" name="_csrf" value="${escapeHtml(view.csrfToken)}">`,
      // Where to go after signing in: already checked by safeReturnTo, and checked again on the way back.
      `<input type="hidden" name="returnTo" value="${escapeHtml(view.returnTo ?? "")}">`,
      '<label for="username">Username</label>',
      `<input type="text" id="username" name="username" autocomplete="username" autocapitalize="none" spellcheck="false" maxlength="64" required value="${escapeHtml(view.username ?? "")}"${invalid}>`,
      '<label for="password">Password</label>',
      `<input type="password" id="password" name="password" autocomplete="current-password" maxlength="1024" required${invalid}>`,
      '<p class="actions"><button type="submit">Sign in</button></p>',
      "</form>",
      '<div class="card">',
      demoAccounts(view.accounts),
      "</div>",
    ].join("\n"),
  );
}

/**
 * `GET /account` (behind the second factor): the account, its enrolled phones (masked) with a link to
 * the settings page `/2fa/setup`, and its second-factor status.
 * @example
 * res.send(accountPage(context, status, ["+15017122661"]));
 */
export function accountPage(
  context: PageContext,
  status: SecondFactorStepUpStatus,
  phones: readonly string[],
): string {
  const user = context.user;
  if (user === undefined) throw new Error("accountPage needs a signed-in user");
  const enrolled =
    phones.length === 0 ? "none" : phones.map((phone) => escapeHtml(maskDestination(phone))).join(", ");
  return layout(
    context,
    "Account",
    [
      "<h1>Your account</h1>",
      '<div class="card">',
      "<dl>",
      `<dt>Name</dt><dd>${escapeHtml(user.displayName)}</dd>`,
      `<dt>Username</dt><dd>${escapeHtml(user.username)}</dd>`,
      `<dt>Phones</dt><dd>${enrolled}</dd>`,
      "</dl>",
      '<p><a href="/2fa/setup">Manage your second factors</a> (add or remove a phone)</p>',
      "</div>",
      '<div class="card">',
      statusList(context, status),
      "</div>",
      '<p><a href="/transfer">Make a transfer</a> · <a href="/security-keys">Security keys</a> (passkey only) · <a href="/">Home</a></p>',
    ].join("\n"),
  );
}

/**
 * `GET /transfer` and a refused `POST /transfer` (400, with `errors`): the step-up-protected form.
 * @example
 * res.send(transferPage(context, { csrfToken, status }));
 */
export function transferPage(
  context: PageContext,
  view: {
    csrfToken: string;
    status: SecondFactorStepUpStatus;
    values?: { amount?: string; recipient?: string };
    errors?: readonly FieldError[];
  },
): string {
  const errorOf = (field: string) => view.errors?.find((error) => error.field === field);
  const input = (field: string, label: string, extra: string) => {
    const error = errorOf(field);
    const id = `transfer-${field}`;
    const describedBy = error === undefined ? `${id}-hint` : `${id}-hint ${id}-error`;
    return [
      `<label for="${id}">${label}</label>`,
      `<p class="hint" id="${id}-hint">${field === "amount" ? "In US dollars, e.g. 25 or 12.50 (at most 10,000)." : "Who gets the money, e.g. Dave."}</p>`,
      `<input type="text" id="${id}" name="${field}" ${extra} required aria-describedby="${describedBy}"` +
        `${error === undefined ? "" : ' aria-invalid="true"'} value="${escapeHtml(view.values?.[field as "amount" | "recipient"] ?? "")}">`,
      error === undefined ? "" : `<p class="error" id="${id}-error">${escapeHtml(error.message)}</p>`,
    ].join("\n");
  };
  const window = formatDuration(context.stepUp.ms);
  return layout(
    context,
    "Transfer",
    [
      "<h1>Make a transfer</h1>",
      view.errors === undefined || view.errors.length === 0
        ? ""
        : '<p class="problem error" role="alert">The transfer was not sent. Check the fields below.</p>',
      `<p>Sensitive actions ask for a <strong>recent</strong> second factor (step-up): this page needs one passed within the last ${escapeHtml(window)} (<code>STEP_UP_MAX_AGE=${escapeHtml(context.stepUp.label)}</code>).</p>`,
      '<div class="card">',
      statusList(context, view.status),
      "</div>",
      '<form method="post" action="/transfer" novalidate>',
      `<input type="hidden" name="_csrf" value="${escapeHtml(view.csrfToken)}">`,
      input("amount", "Amount", 'inputmode="decimal" autocomplete="off" maxlength="12"'),
      input("recipient", "Recipient", 'autocomplete="off" maxlength="64"'),
      '<p class="actions"><button type="submit">Send transfer</button></p>',
      "</form>",
      '<p class="muted">A demo: nothing is really sent.</p>',
    ].join("\n"),
  );
}

/**
 * A successful `POST /transfer`.
 * @example
 * res.send(transferDonePage(context, { amount: "12.50", recipient: "Dave" }));
 */
export function transferDonePage(context: PageContext, view: { amount: string; recipient: string }): string {
  return layout(
    context,
    "Transfer sent",
    [
      "<h1>Transfer sent</h1>",
      `<p class="notice" role="status">$${escapeHtml(view.amount)} to ${escapeHtml(view.recipient)}. (A demo: nothing was really sent.)</p>`,
      '<p><a href="/transfer">Make another transfer</a> · <a href="/">Home</a></p>',
    ].join("\n"),
  );
}

/**
 * `GET /security-keys` (behind `requireSecondFactor({ phishingResistant: true })`): a page that only a
 * session verified by a passkey reaches, with its second-factor status.
 * @example
 * res.send(securityKeysPage(context, status));
 */
export function securityKeysPage(context: PageContext, status: SecondFactorStepUpStatus): string {
  return layout(
    context,
    "Security keys",
    [
      "<h1>Security keys</h1>",
      '<p class="notice" role="status">You reached this page with a passkey: a phishing-resistant second factor. A code by text message or call is not enough here.</p>',
      '<div class="card">',
      statusList(context, status),
      "</div>",
      '<p><a href="/2fa/setup">Manage your passkeys and phones</a> · <a href="/">Home</a></p>',
    ].join("\n"),
  );
}

/**
 * A refusal or an error of the examples' own routes: what happened and what to do.
 * @example
 * res.status(403).send(problemPage(context, PROBLEMS.csrf));
 */
export function problemPage(context: PageContext, problem: Problem): string {
  return layout(
    context,
    problem.heading,
    [
      `<h1>${escapeHtml(problem.heading)}</h1>`,
      `<div class="problem" role="alert"><p>${escapeHtml(problem.message)}</p></div>`,
      `<p><a href="${escapeHtml(problem.link.href)}">${escapeHtml(problem.link.label)}</a></p>`,
    ].join("\n"),
  );
}

/** A problem page's content and status. */
export interface Problem {
  readonly status: number;
  /** A stable snake_case code, also the `error` of JSON answers. */
  readonly error: string;
  readonly heading: string;
  readonly message: string;
  readonly link: { readonly href: string; readonly label: string };
}

const HOME = { href: "/", label: "Back to the home page" } as const;

/**
 * The problems the examples' own routes answer with.
 * @example
 * res.status(PROBLEMS.csrf.status).send(problemPage(context, PROBLEMS.csrf));
 */
export const PROBLEMS = {
  csrf: {
    status: 403,
    error: "csrf_failed",
    heading: "This form has expired",
    message: "For your security, nothing was done. Go back, reload the page and try again.",
    link: HOME,
  },
  badRequest: {
    status: 400,
    error: "bad_request",
    heading: "We couldn't read that form",
    message: "Nothing was done. Go back and try again.",
    link: HOME,
  },
  tooLarge: {
    status: 413,
    error: "too_large",
    heading: "That form was too large",
    message: "Nothing was done. Go back and try again.",
    link: HOME,
  },
  unsupported: {
    status: 415,
    error: "unsupported_media_type",
    heading: "That request was not a form we know",
    message: "Nothing was done. Go back and use the form on the page.",
    link: HOME,
  },
  tooManyLogins: {
    status: 429,
    error: "too_many_attempts",
    heading: "Too many sign-in attempts",
    message:
      "Too many wrong passwords for this account or from your network. Wait a few minutes, then try again.",
    link: { href: "/login", label: "Back to sign in" },
  },
  notFound: {
    status: 404,
    error: "not_found",
    heading: "Page not found",
    message: "There is no page at this address.",
    link: HOME,
  },
  storeUnavailable: {
    status: 503,
    error: "session_store_unavailable",
    heading: "We can't reach your session right now",
    message: "The session store is not answering, so nothing was changed. Try again in a few seconds.",
    link: HOME,
  },
  internal: {
    status: 500,
    error: "internal_error",
    heading: "Something went wrong",
    message: "Nothing was changed. Try again; if it keeps happening, tell the app's owners.",
    link: HOME,
  },
} as const satisfies Record<string, Problem>;

/** The problem pages of client errors a framework or body parser raises, by status. */
const CLIENT_PROBLEMS: Readonly<Record<number, Problem>> = {
  400: PROBLEMS.badRequest,
  404: PROBLEMS.notFound,
  413: PROBLEMS.tooLarge,
  415: PROBLEMS.unsupported,
};

/**
 * The problem for a client error raised by Express, Koa or a body parser (an error with `status` 400,
 * 404, 413 or 415: too large, bad charset, malformed URL); `undefined` for anything else.
 * @example
 * const problem = clientProblemOf(error) ?? PROBLEMS.internal;
 */
export function clientProblemOf(error: unknown): Problem | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === "number" ? CLIENT_PROBLEMS[status] : undefined;
}
