import type { CodeLength } from "../code.js";
import type { Channel } from "../providers/index.js";
import type { Method, Notice } from "../record/index.js";
import type { MessageCatalog, MessageKey, MessageParams } from "./messages.js";

/**
 * What every page view carries.
 * @example
 * const lang = (view: PageViewBase) => view.lang;
 */
export interface PageViewBase {
  /** The `lang` of the page (BCP 47): the user's `locale`, else the `pages.lang` option. */
  lang: string;
  /** The HTTP status the page answers with. */
  status: number;
  /** The message catalog (defaults merged with the `messages` option). */
  messages: MessageCatalog;
  /** A message with its `{name}` placeholders filled in. Plain text: escape it. */
  format: (key: MessageKey, params?: MessageParams) => string;
  /** The `<style>` element the page's Content-Security-Policy allows; put it in `<head>`. */
  styleElement: string;
  /** The flow's base path, e.g. `/2fa`. */
  basePath: string;
  /**
   * The way out of the flow that every page offers, so no state is a dead end: `href` is the
   * `defaultReturnTo` option, `label` the `home_link` message.
   * @default { href: "/", label: "Back to the site" }
   */
  homeLink: { href: string; label: string };
}

/**
 * Where the challenge stands for this session.
 * @example
 * if (view.page === "challenge" && view.state === "locked") showLockedNotice(view.lockedForSeconds);
 */
export type ChallengeState =
  /** The user has no destination for any allowed channel: nothing can be sent. */
  | "no_channel"
  /** Too many wrong codes: the account's second-factor step is locked for a while. */
  | "locked"
  /** A code is on its way: enter it, resend it, switch channel or cancel. */
  | "pending"
  /** Passed, and recently enough for the route that asked: continue, or verify again. */
  | "verified"
  /** Nothing pending: choose a channel and send. */
  | "choose";

/**
 * A channel the user can be sent a code by.
 * @example
 * const option: ChannelOption = { channel: "sms", maskedDestination: "•••• •••• 2661" };
 */
export interface ChannelOption {
  channel: Channel;
  /** The destination, masked, e.g. `•••• •••• 2661`. */
  maskedDestination: string;
}

/**
 * One of the account's phones (or addresses), as a choice of the send form or a row of the settings page.
 * @example
 * const choice: FactorChoice = { factor: "on_file_phone", maskedDestination: "•••• •••• 2661" };
 */
export interface FactorChoice {
  /** The value of the `factor` field. */
  factor: string;
  maskedDestination: string;
}

/**
 * The code this session is waiting for.
 * @example
 * const left = view.pending?.attemptsLeft ?? 0;
 */
export interface PendingView {
  channel: Channel;
  /** The factor the code went to (the resend buttons send to the same one). */
  factor?: string;
  maskedDestination: string;
  /** Checks left on this verification (5 per verification; a resend does not reset them). */
  attemptsLeft: number;
  /** When the code was sent (app clock, ms). */
  sentAt: number;
  /** Seconds until the same code can be sent again; 0 when it can be now. */
  resendInSeconds: number;
}

/**
 * An error shown on the page; `field` ties it to an input (`aria-invalid`, `aria-describedby`).
 * @example
 * const error: PageError = { field: "code", error: "invalid_code", message: "The code is made of digits only." };
 */
export interface PageError {
  field: "code" | "channel" | "factor" | "phone" | "email" | "device" | null;
  /** A stable snake_case code, the same as JSON's `error`. */
  error: string;
  message: string;
}

/**
 * The challenge page: `GET /2fa`, and the answer to a bad field.
 * @example
 * render: (view) => (view.page === "challenge" ? `<p>${escapeHtml(view.state)}</p>` : renderDefaultPage(view))
 */
export interface ChallengePageView extends PageViewBase {
  page: "challenge";
  state: ChallengeState;
  /** Put in a hidden `_csrf` input of every form. */
  csrfToken: string;
  /**
   * Form actions: `basePath + "/send"`, `"/verify"`, `"/cancel"`, and the settings page
   * (`"/setup"`: where a user with no factor enrols one, state `no_channel`).
   */
  actions: { send: string; verify: string; cancel: string; setup: string };
  /** The channels the user can choose (empty in state `no_channel`). */
  channels: readonly ChannelOption[];
  /** The phones to choose from (field `factor`), when the account has more than one; else empty. */
  phones: readonly FactorChoice[];
  pending?: PendingView;
  /** When the session passed the second factor (any state). */
  verified?: {
    verifiedAt: number;
    agoSeconds: number;
    /** The channel of the code that passed it; `null` when another method did. */
    channel: Channel | null;
    /** Every method the proof came through (`sms`, `totp`, `passkey`, ...). */
    methods: readonly Method[];
    /** Where "Continue" goes: the stored return-to or the default. */
    continueTo: string;
    /** False when the route that sent the user here needs a fresher verification (step-up). */
    requirementMet: boolean;
  };
  /** Seconds until the lock ends (state `locked`). */
  lockedForSeconds?: number;
  /** A one-time message after a redirect (code sent, wrong code, ...). */
  notice?: { kind: Notice; message: string };
  error?: PageError;
  codeLength: CodeLength;
  /** Passkeys, when the `webauthn` option is set and the route that sent the user here accepts them. */
  passkey?: PasskeyView;
  /** The "Use a recovery code" link: when the account has unused codes and the route accepts one. */
  recovery?: RecoveryLink;
  /** Present when the user can pass with an authenticator app (offered first): its form's action, `basePath + "/totp"`. */
  totp?: { action: string };
}

/**
 * The passkey script's `<script>` attributes: a versioned URL under the base path and its SRI hash
 * (the pages' Content-Security-Policy allows exactly this script).
 * @example
 * `<script src="${escapeHtml(script.src)}" integrity="${script.integrity}" defer></script>`
 */
export interface PasskeyScriptView {
  src: string;
  integrity: string;
}

/**
 * The passkey part of the challenge page.
 * @example
 * if (view.passkey?.only && !view.passkey.available) showAddPasskeyLink(view.passkey.settings);
 */
export interface PasskeyView {
  /** Whether the user has a passkey: the "Use a passkey" button is offered (with JavaScript and WebAuthn). */
  available: boolean;
  /** The route accepts passkeys only (`phishingResistant`): no code is offered. */
  only: boolean;
  /** JSON endpoints: `basePath + "/passkey/options"` and `"/passkey"`. */
  actions: { options: string; verify: string };
  script: PasskeyScriptView;
  /** The settings page, where a passkey is added (it asks for a fresh second factor first, rule 11). */
  settings: string;
}

/**
 * The "add a passkey" part of the settings page.
 * @example
 * const register = view.passkey?.actions.register; // "/2fa/setup/passkey"
 */
export interface PasskeySetupView {
  /** JSON endpoints: `basePath + "/setup/passkey/options"` and `"/setup/passkey"`. */
  actions: { options: string; register: string };
  script: PasskeyScriptView;
  /** The account has no factor yet: adding this passkey also passes the second factor (offer `remember`). */
  firstFactor: boolean;
}

/**
 * A refusal: what happened and what to do (403, 405, 413, 415, 429, 503, ...).
 * @example
 * render: (view) => (view.page === "problem" ? `<h1>${escapeHtml(view.heading)}</h1>` : renderDefaultPage(view))
 */
export interface ProblemPageView extends PageViewBase {
  page: "problem";
  /** A stable snake_case code, the same as JSON's `error`. */
  error: string;
  heading: string;
  message: string;
  retryAfterSeconds?: number;
  link: { href: string; label: string };
}

/**
 * A factor as the settings page lists it (masked; never a full destination or a secret).
 * @example
 * const row: FactorRow = { factor: "f1", kind: "phone", maskedDestination: "•••• •••• 2661", onFile: false, removable: true, createdAt: 0, lastUsedAt: null };
 */
export interface FactorRow {
  /** The `factor` field of its remove form. */
  factor: string;
  kind: "phone" | "email" | "totp" | "passkey";
  /** Masked phone or address; empty for apps and passkeys. */
  maskedDestination: string;
  /** The app's own phone (the `user(...)` callback): listed, not removable here. */
  onFile: boolean;
  removable: boolean;
  /** When it was added (app clock, ms); `null` for the one on file. */
  createdAt: number | null;
  lastUsedAt: number | null;
  /** The name the user gave it (stored factors only; `POST {basePath}/setup/rename` changes it). */
  name?: string;
}

/**
 * The settings page, `GET {basePath}/setup`: the account's factors, add a phone, remove a factor.
 * @example
 * render: (view) => (view.page === "settings" ? mySettings(view) : renderDefaultPage(view))
 */
export interface SettingsPageView extends PageViewBase {
  page: "settings";
  csrfToken: string;
  /** Form actions: `basePath + "/setup/phone"` and `"/setup/remove"`. */
  actions: { addPhone: string; remove: string };
  factors: readonly FactorRow[];
  /** The phone channels a code to a new number can go by (field `channel`). */
  phoneChannels: readonly Channel[];
  /** Whether e-mail addresses can be added (the `email` channel is on): field `email` of the same form. */
  emailEnabled: boolean;
  notice?: { kind: Notice; message: string };
  error?: PageError;
  /** What the user typed, shown again with its error (never a destination from the server). */
  entered?: { phone?: string; email?: string };
  /** Adding a passkey, when the `webauthn` option is set. */
  passkey?: PasskeySetupView;
  /** The rename form's action: `basePath + "/setup/rename"` (fields `factor` and `name`). */
  renameAction?: string;
  /** The trusted devices (rule 13) and the action of their revoke forms (field `device`: an id or `all`). */
  trustedDevices: { revoke: string; rows: readonly DeviceRow[] };
  /** The recovery codes section: how many are left, when the set was made, the form that makes a new one. */
  recovery?: RecoverySettings;
  /** Present when authenticator apps are on: the action of the "add an app" form, `basePath + "/setup/totp"`. */
  totp?: { add: string };
}

/**
 * The enrolment code page, `GET {basePath}/setup/phone`: enter the code sent to the new phone.
 * @example
 * render: (view) => (view.page === "enrolment" ? myCodeForm(view) : renderDefaultPage(view))
 */
export interface EnrolmentPageView extends PageViewBase {
  page: "enrolment";
  csrfToken: string;
  /** Form actions: `basePath + "/setup/phone/verify"` and `"/setup/phone/cancel"`. */
  actions: { verify: string; cancel: string };
  channel: Channel;
  maskedDestination: string;
  attemptsLeft: number;
  codeLength: CodeLength;
  notice?: { kind: Notice; message: string };
  error?: PageError;
  /** The account's first factor: passing it passes the second factor, so the form offers `remember`. */
  firstFactor: boolean;
}

/**
 * What a page shows, as data: the `pages.render` hook receives it and returns HTML.
 * @example
 * pages: { render: (view) => view.page === "problem" ? myProblemPage(view) : renderDefaultPage(view) }
 */
export type PageView =
  | ChallengePageView
  | ProblemPageView
  | SettingsPageView
  | EnrolmentPageView
  | RecoveryPageView
  | RecoveryCodesPageView
  | TotpSetupPageView;

/**
 * The challenge page's link to the recovery code page.
 * @example
 * const link: RecoveryLink = { href: "/2fa/recovery", left: 7 };
 */
export interface RecoveryLink {
  href: string;
  /** Unused codes of the account. */
  left: number;
}

/**
 * The settings page's recovery codes section.
 * @example
 * const section: RecoverySettings = { left: 9, createdAt: Date.now(), action: "/2fa/setup/recovery" };
 */
export interface RecoverySettings {
  /** Unused codes of the account (0 when no set was made). */
  left: number;
  /** When the set was made (app clock, ms), or `null` when none was. */
  createdAt: number | null;
  /** The action of the form (`_csrf` only) that makes a new set: `basePath + "/setup/recovery"`. */
  action: string;
}

/**
 * Where the recovery code page stands: `enter` a code; `used` (one just passed the second factor);
 * `locked` (too many wrong codes); `none` (no unused code); `not_accepted` (the route that sent the
 * user here does not accept a recovery code, e.g. `phishingResistant`).
 * @example
 * const state: RecoveryState = "enter";
 */
export type RecoveryState = "enter" | "used" | "locked" | "none" | "not_accepted";

/**
 * The recovery code page, `GET {basePath}/recovery`: a form with field `code` (+ `remember`), or
 * after a code passed, how many are left and the way to set up a new factor.
 * @example
 * render: (view) => (view.page === "recovery" ? myRecoveryPage(view) : renderDefaultPage(view))
 */
export interface RecoveryPageView extends PageViewBase {
  page: "recovery";
  state: RecoveryState;
  csrfToken: string;
  /** `use`: the form's action (`basePath + "/recovery"`); `back`: the challenge; `setup`: the settings page. */
  actions: { use: string; back: string; setup: string };
  /** Unused codes of the account (after a use: what is left). */
  left: number;
  /** Seconds until the lock ends (state `locked`). */
  lockedForSeconds?: number;
  /** Where "Continue" goes (state `used`): the kept return-to or the default. */
  continueTo?: string;
  notice?: { kind: Notice; message: string };
  error?: PageError;
}

/**
 * The page that shows a new set of recovery codes, once (the answer to `POST {basePath}/setup/recovery`,
 * never a page to come back to): each code in an `<li>` inside `#recovery-codes`, a download as a text
 * file and a print style. Never cached (`Cache-Control: no-store`).
 * @example
 * render: (view) => (view.page === "recovery_codes" ? myCodesPage(view.codes) : renderDefaultPage(view))
 */
export interface RecoveryCodesPageView extends PageViewBase {
  page: "recovery_codes";
  /** The new codes, `xxxx-xxxx-xxxx`. Shown on this page only. */
  codes: readonly string[];
  /** When the set was made (app clock, ms). */
  createdAt: number;
  /** The text file, as a `data:` URL (a download, which the page's CSP does not block), and its name. */
  download: { href: string; filename: string };
  /** `done`: back to the settings page. */
  actions: { done: string };
  /** Never set (this page answers only a set just made); here so that every page has `error`. */
  error?: PageError;
}

/**
 * A trusted device as the settings page lists it (never its token or the token's hash).
 * @example
 * const row: DeviceRow = { device: "d1", label: "Firefox on Linux", createdAt: 0, lastUsedAt: 0, expiresAt: 2592000000, thisBrowser: true };
 */
export interface DeviceRow {
  /** The `device` field of its revoke form. */
  device: string;
  /** From the User-Agent when it was trusted, e.g. "Chrome on macOS" (chosen by the client: a hint only). */
  label: string;
  /** When it was trusted, last used and stops being trusted (app clock, ms). */
  createdAt: number;
  lastUsedAt: number;
  expiresAt: number;
  /** Whether it is the browser this page is shown in. */
  thisBrowser: boolean;
}

/**
 * The authenticator-app set-up page, `GET {basePath}/setup/totp` (no-store; the only page that shows
 * the secret): scan the QR code or type the key, then enter a code (field `code`) to add the app.
 * @example
 * render: (view) => (view.page === "totp_setup" ? myTotpSetup(view) : renderDefaultPage(view))
 */
export interface TotpSetupPageView extends PageViewBase {
  page: "totp_setup";
  csrfToken: string;
  /** Form actions: `basePath + "/setup/totp/verify"` and `"/setup/totp/cancel"`. */
  actions: { verify: string; cancel: string };
  /** The QR code of {@link TotpSetupPageView.uri} as an inline SVG element made by the library (a path only: no script, no text of the URI); insert it as is. */
  qrSvg: string;
  /** The secret in Base32, in groups of four characters for typing. */
  secretGroups: readonly string[];
  /** The `otpauth://totp/...` URI (DESIGN §7: shown as text in an element with id `totp-uri`). */
  uri: string;
  /** Codes left to confirm this secret. */
  attemptsLeft: number;
  notice?: { kind: Notice; message: string };
  error?: PageError;
}
