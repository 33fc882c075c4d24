/**
 * The default HTML of recovery codes (issue 14): the page to type a code, the page that shows a new
 * set once, the challenge page's link and the settings page's section. The same rules as every default
 * page: values escaped, labels, errors tied to their field, no script.
 */
import { escapeHtml } from "./escape.js";
import { formatWait } from "./messages.js";
import { csrfInput, rememberCheckbox, text } from "./page-text.js";
import type { ChallengePageView, RecoveryCodesPageView, RecoveryPageView, SettingsPageView } from "./view.js";

/**
 * The body of the recovery code page: the form (field `code`, `remember`), or what happened.
 * @example
 * const html = recoveryBody(view);
 */
export function recoveryBody(view: RecoveryPageView): string {
  // After a use the page is about what is left, not about typing a code.
  const parts: string[] = view.state === "used" ? [] : [`<h2>${text(view, "recovery_heading")}</h2>`];
  const back = `<p><a href="${escapeHtml(view.actions.back)}">${text(view, "recovery_back_link")}</a></p>`;
  if (view.error !== undefined && view.error.field === null) {
    parts.push(`<p class="error" id="sf-error" role="alert">${escapeHtml(view.error.message)}</p>`);
  }
  switch (view.state) {
    case "used":
      parts.push(usedSection(view));
      return parts.join("\n");
    case "locked":
      parts.push(
        `<p>${text(view, "locked_body", { wait: formatWait(view.messages, view.lockedForSeconds ?? 0) })}</p>`,
        back,
      );
      return parts.join("\n");
    case "none":
      parts.push(`<p>${text(view, "recovery_none")}</p>`, back);
      return parts.join("\n");
    case "not_accepted":
      parts.push(`<p>${text(view, "recovery_not_accepted")}</p>`, back);
      return parts.join("\n");
    case "enter":
      parts.push(`<p>${text(view, "recovery_intro")}</p>`, codeForm(view), back);
      return parts.join("\n");
  }
}

function codeForm(view: RecoveryPageView): string {
  const error =
    view.error?.field === "code"
      ? view.error.message
      : view.notice?.kind === "wrong_code"
        ? view.notice.message
        : undefined;
  const describedBy = error === undefined ? "sf-recovery-hint" : "sf-recovery-hint sf-recovery-error";
  return [
    `<form method="post" action="${escapeHtml(view.actions.use)}">`,
    csrfInput(view.csrfToken),
    `<label for="sf-recovery-code">${text(view, "recovery_code_label")}</label>`,
    `<p class="hint" id="sf-recovery-hint">${text(view, "recovery_code_hint")}</p>`,
    error === undefined
      ? ""
      : `<p class="error" id="sf-recovery-error" role="alert">${escapeHtml(error)}</p>`,
    `<input type="text" id="sf-recovery-code" name="code" autocomplete="off" maxlength="64"` +
      ` spellcheck="false" autocapitalize="off" required aria-describedby="${describedBy}"` +
      `${error === undefined ? "" : ' aria-invalid="true"'}>`,
    rememberCheckbox(view),
    `<button type="submit" class="primary">${text(view, "recovery_button")}</button>`,
    "</form>",
  ].join("\n");
}

function usedSection(view: RecoveryPageView): string {
  const left =
    view.left === 0
      ? text(view, "recovery_used_left_none")
      : view.left === 1
        ? text(view, "recovery_used_left_one")
        : text(view, "recovery_used_left", { count: view.left });
  return [
    `<p class="notice done" role="status">${text(view, "notice_recovery_used")}</p>`,
    `<p>${left}</p>`,
    `<p>${text(view, "recovery_used_advice")}</p>`,
    `<p><a class="button primary" href="${escapeHtml(view.continueTo ?? view.homeLink.href)}">${text(view, "continue_link")}</a></p>`,
    `<p><a class="button" href="${escapeHtml(view.actions.setup)}">${text(view, "recovery_setup_link")}</a></p>`,
  ].join("\n");
}

/**
 * The body of the page that shows a new set once: each code in an `<li>` of `#recovery-codes`, a
 * download as a text file (a `data:` URL: the download needs no second request that would have to
 * keep the codes), and the print style (`@media print` of the stylesheet hides everything else).
 * @example
 * const html = recoveryCodesBody(view);
 */
export function recoveryCodesBody(view: RecoveryCodesPageView): string {
  return [
    `<h2>${text(view, "recovery_codes_heading")}</h2>`,
    `<p>${text(view, "recovery_codes_intro")}</p>`,
    '<ol id="recovery-codes" class="recovery-codes">',
    ...view.codes.map((code) => `<li>${escapeHtml(code)}</li>`),
    "</ol>",
    `<p class="hint">${text(view, "recovery_codes_made", { date: minute(view.createdAt) })}</p>`,
    `<p class="no-print"><a class="button" href="${escapeHtml(view.download.href)}" download="${escapeHtml(view.download.filename)}">${text(view, "recovery_codes_download")}</a></p>`,
    `<p class="no-print">${text(view, "recovery_codes_print")}</p>`,
    `<p class="no-print"><a class="button primary" href="${escapeHtml(view.actions.done)}">${text(view, "recovery_codes_done")}</a></p>`,
  ].join("\n");
}

/**
 * The challenge page's "Use a recovery code" link, or nothing when the view has none.
 * @example
 * parts.push(recoveryLink(view));
 */
export function recoveryLink(view: ChallengePageView): string {
  if (view.recovery === undefined || view.state === "locked") return "";
  return `<p><a href="${escapeHtml(view.recovery.href)}">${text(view, "recovery_link")}</a></p>`;
}

/**
 * The settings page's recovery codes section: how many are left, when the set was made, and the form
 * that makes a new set (shown once the account has a factor to be the backup of).
 * @example
 * parts.push(recoverySettingsSection(view));
 */
export function recoverySettingsSection(view: SettingsPageView): string {
  const recovery = view.recovery;
  if (recovery === undefined || view.factors.length === 0) return "";
  const made = recovery.createdAt === null ? "" : day(recovery.createdAt);
  const status =
    recovery.createdAt === null
      ? ""
      : recovery.left === 0
        ? text(view, "recovery_settings_left_none", { date: made })
        : recovery.left === 1
          ? text(view, "recovery_settings_left_one", { date: made })
          : text(view, "recovery_settings_left", { count: recovery.left, date: made });
  const again = recovery.createdAt !== null;
  return [
    `<h2>${text(view, "recovery_settings_heading")}</h2>`,
    `<p>${text(view, "recovery_settings_about")}</p>`,
    status === "" ? "" : `<p id="sf-recovery-status">${status}</p>`,
    `<form method="post" action="${escapeHtml(recovery.action)}">`,
    csrfInput(view.csrfToken),
    again ? `<p class="hint" id="sf-recovery-regenerate">${text(view, "recovery_regenerate_hint")}</p>` : "",
    `<button type="submit"${again ? ' aria-describedby="sf-recovery-regenerate"' : ""}>${text(
      view,
      again ? "recovery_regenerate_button" : "recovery_generate_button",
    )}</button>`,
    "</form>",
  ]
    .filter((part) => part !== "")
    .join("\n");
}

/** A day on the app's clock, as ISO `YYYY-MM-DD` (UTC): unambiguous in every language. */
function day(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** A moment as ISO `YYYY-MM-DD HH:MM UTC`. */
function minute(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}
