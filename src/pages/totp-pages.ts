/**
 * The default HTML of authenticator apps: the code form of the challenge page (offered first), the
 * "add an app" form of the settings page, and the set-up page (QR code, key, `#totp-uri`, code form).
 * Same rules as the other pages: every value escaped, labels, errors tied to their field, no script.
 */
import { escapeHtml } from "./escape.js";
import { codeHint, csrfInput, rememberCheckbox, text } from "./page-text.js";
import type { ChallengePageView, SettingsPageView, TotpSetupPageView } from "./view.js";

/**
 * The challenge page's authenticator-app form (field `code`, `remember`), and a heading before the
 * phone options when there are any; empty when the view offers no app.
 * @example
 * parts.push(totpChallengeSection(view));
 */
export function totpChallengeSection(view: ChallengePageView): string {
  if (view.totp === undefined) return "";
  const error =
    view.error?.field === "code"
      ? view.error.message
      : view.notice?.kind === "wrong_code"
        ? view.notice.message
        : undefined;
  const describedBy = error === undefined ? "sf-totp-hint" : "sf-totp-hint sf-totp-error";
  return [
    `<h2>${text(view, "totp_heading")}</h2>`,
    `<form method="post" action="${escapeHtml(view.totp.action)}">`,
    csrfInput(view.csrfToken),
    `<label for="sf-totp">${text(view, "totp_code_label")}</label>`,
    `<p class="hint" id="sf-totp-hint">${text(view, "totp_code_hint")}</p>`,
    error === undefined ? "" : `<p class="error" id="sf-totp-error" role="alert">${escapeHtml(error)}</p>`,
    `<input type="text" id="sf-totp" name="code" inputmode="numeric" autocomplete="one-time-code"` +
      ` pattern="[ \\-]*(?:[0-9][ \\-]*){6}" maxlength="32" spellcheck="false" autocapitalize="off" required` +
      ` aria-describedby="${describedBy}"${error === undefined ? "" : ' aria-invalid="true"'}>`,
    rememberCheckbox(view, "sf-totp-remember"),
    `<button type="submit" class="primary">${text(view, "totp_button")}</button>`,
    "</form>",
    view.channels.length === 0 ? "" : `<h2>${text(view, "totp_or_phone")}</h2>`,
  ].join("\n");
}

/**
 * The settings page's "add an authenticator app" form; empty when apps are off.
 * @example
 * parts.push(addTotpForm(view));
 */
export function addTotpForm(view: SettingsPageView): string {
  if (view.totp === undefined) return "";
  return [
    `<h2>${text(view, "add_totp_heading")}</h2>`,
    `<p>${text(view, "add_totp_intro")}</p>`,
    `<form method="post" action="${escapeHtml(view.totp.add)}">`,
    csrfInput(view.csrfToken),
    `<button type="submit">${text(view, "add_totp_button")}</button>`,
    "</form>",
  ].join("\n");
}

/**
 * The body of the set-up page: the QR code, the key in groups, the `otpauth://` URI in `#totp-uri`,
 * the code form (field `code`, `remember`) and a cancel button.
 * @example
 * const html = totpSetupBody(view);
 */
export function totpSetupBody(view: TotpSetupPageView): string {
  const wrong = view.notice?.kind === "wrong_code";
  const error = view.error?.field === "code" ? view.error.message : wrong ? view.notice?.message : undefined;
  const parts: string[] = [`<h2>${text(view, "totp_setup_heading")}</h2>`];
  if (view.notice !== undefined && !wrong) {
    parts.push(`<p class="notice" role="status">${escapeHtml(view.notice.message)}</p>`);
  }
  if (view.error !== undefined && view.error.field === null) {
    parts.push(`<p class="error" id="sf-error" role="alert">${escapeHtml(view.error.message)}</p>`);
  }
  const describedBy = error === undefined ? "sf-code-hint" : "sf-code-hint sf-code-error";
  parts.push(
    `<p>${text(view, "totp_setup_scan")}</p>`,
    // Made by otpauthQrSvg from the URI: a path of the code's modules only, nothing to escape.
    `<figure class="qr">${view.qrSvg}</figure>`,
    `<p>${text(view, "totp_setup_manual")}</p>`,
    `<p><code class="secret" id="totp-secret">${view.secretGroups.map((group) => escapeHtml(group)).join(" ")}</code></p>`,
    `<p class="hint">${text(view, "totp_setup_secret_hint")}</p>`,
    `<p>${text(view, "totp_setup_uri_label")}: <code class="secret" id="totp-uri">${escapeHtml(view.uri)}</code></p>`,
    `<p>${text(view, "totp_setup_code_intro")}</p>`,
    `<form method="post" action="${escapeHtml(view.actions.verify)}">`,
    csrfInput(view.csrfToken),
    `<label for="sf-code">${text(view, "totp_code_label")}</label>`,
    `<p class="hint" id="sf-code-hint">${codeHint(view, { min: 6, max: 6 }, view.attemptsLeft)}</p>`,
    error === undefined ? "" : `<p class="error" id="sf-code-error" role="alert">${escapeHtml(error)}</p>`,
    `<input type="text" id="sf-code" name="code" inputmode="numeric" autocomplete="one-time-code"` +
      ` pattern="[ \\-]*(?:[0-9][ \\-]*){6}" maxlength="32" spellcheck="false" autocapitalize="off" required` +
      ` aria-describedby="${describedBy}"${error === undefined ? "" : ' aria-invalid="true"'}>`,
    rememberCheckbox(view),
    `<button type="submit" class="primary">${text(view, "totp_setup_verify_button")}</button>`,
    "</form>",
    `<form method="post" action="${escapeHtml(view.actions.cancel)}">`,
    csrfInput(view.csrfToken),
    `<button type="submit" class="link">${text(view, "totp_setup_cancel_button")}</button>`,
    "</form>",
  );
  return parts.join("\n");
}
