/**
 * The default HTML of the settings page and the enrolment code page: the same rules as the challenge
 * pages (every value escaped, labels, errors tied to their field, no script).
 */
import { devicesSection } from "./device-pages.js";
import { escapeHtml } from "./escape.js";
import { channelNameKey, codeHint, csrfInput, rememberCheckbox, text } from "./page-text.js";
import { passkeySetup, renameForm } from "./passkey-pages.js";
import { recoverySettingsSection } from "./recovery-pages.js";
import { addTotpForm } from "./totp-pages.js";
import type { EnrolmentPageView, FactorRow, SettingsPageView } from "./view.js";

/**
 * The body of the settings page: notices, the account's factors (masked) with their remove forms, and
 * the add-a-phone form (fields `phone` and `channel`; `email` when e-mail is on).
 * @example
 * const html = settingsBody(view);
 */
export function settingsBody(view: SettingsPageView): string {
  const parts: string[] = [`<h2>${text(view, "settings_heading")}</h2>`];
  if (view.notice !== undefined) {
    parts.push(`<p class="notice done" role="status">${escapeHtml(view.notice.message)}</p>`);
  }
  const pageError = view.error !== undefined && (view.error.field === null || view.error.field === "factor");
  if (pageError && view.error !== undefined) {
    parts.push(`<p class="error" id="sf-error" role="alert">${escapeHtml(view.error.message)}</p>`);
  }
  if (view.factors.length === 0) {
    parts.push(`<p>${text(view, "settings_none")}</p>`);
  } else {
    parts.push(`<p>${text(view, "settings_intro")}</p>`, '<ul class="factors">');
    view.factors.forEach((row, index) => {
      parts.push(factorItem(view, row, index));
    });
    parts.push("</ul>");
  }
  parts.push(addTotpForm(view));
  parts.push(passkeySetup(view));
  parts.push(addPhoneForm(view));
  if (view.emailEnabled) parts.push(addEmailForm(view));
  parts.push(devicesSection(view));
  parts.push(recoverySettingsSection(view));
  return parts.join("\n");
}

/**
 * The body of the enrolment code page: the code form (field `code`) and a cancel button.
 * @example
 * const html = enrolmentBody(view);
 */
export function enrolmentBody(view: EnrolmentPageView): string {
  const wrong = view.notice?.kind === "wrong_code";
  const error = view.error?.field === "code" ? view.error.message : wrong ? view.notice?.message : undefined;
  const parts: string[] = [];
  if (view.notice !== undefined && !wrong) {
    parts.push(`<p class="notice" role="status">${escapeHtml(view.notice.message)}</p>`);
  }
  if (view.error !== undefined && view.error.field === null) {
    parts.push(`<p class="error" id="sf-error" role="alert">${escapeHtml(view.error.message)}</p>`);
  }
  const describedBy = error === undefined ? "sf-code-hint" : "sf-code-hint sf-code-error";
  parts.push(
    `<p>${text(view, "enrol_pending_intro", {
      channel: view.messages[channelNameKey(view.channel)],
      destination: view.maskedDestination,
    })}</p>`,
    `<form method="post" action="${escapeHtml(view.actions.verify)}">`,
    csrfInput(view.csrfToken),
    `<label for="sf-code">${text(view, "code_label")}</label>`,
    `<p class="hint" id="sf-code-hint">${codeHint(view, view.codeLength, view.attemptsLeft)}</p>`,
    error === undefined ? "" : `<p class="error" id="sf-code-error" role="alert">${escapeHtml(error)}</p>`,
    `<input type="text" id="sf-code" name="code" inputmode="numeric" autocomplete="one-time-code"` +
      ` maxlength="32" spellcheck="false" autocapitalize="off" required aria-describedby="${describedBy}"` +
      `${error === undefined ? "" : ' aria-invalid="true"'}>`,
    view.firstFactor ? rememberCheckbox(view) : "",
    `<button type="submit" class="primary">${text(view, "enrol_verify_button")}</button>`,
    "</form>",
    `<form method="post" action="${escapeHtml(view.actions.cancel)}">`,
    csrfInput(view.csrfToken),
    `<button type="submit" class="link">${text(view, "enrol_cancel_button")}</button>`,
    "</form>",
  );
  return parts.join("\n");
}

function factorItem(view: SettingsPageView, row: FactorRow, index: number): string {
  const id = `sf-factor-${index}`;
  const label =
    row.kind === "phone"
      ? text(view, "factor_phone", { destination: row.maskedDestination })
      : row.kind === "email"
        ? text(view, "factor_email", { destination: row.maskedDestination })
        : text(view, row.kind === "totp" ? "factor_totp" : "factor_passkey");
  const details = row.onFile
    ? text(view, "factor_on_file")
    : `${text(view, "factor_added_at", { date: day(row.createdAt) })}, ${
        row.lastUsedAt === null
          ? text(view, "factor_never_used")
          : text(view, "factor_last_used", { date: day(row.lastUsedAt) })
      }`;
  const remove = row.removable
    ? [
        `<form method="post" action="${escapeHtml(view.actions.remove)}">`,
        csrfInput(view.csrfToken),
        `<input type="hidden" name="factor" value="${escapeHtml(row.factor)}">`,
        `<button type="submit" aria-describedby="${id}">${text(view, "remove_button")}</button>`,
        "</form>",
      ].join("\n")
    : "";
  const rename = row.name === undefined || row.onFile ? "" : renameForm(view, row.factor, row.name, index);
  return `<li><span id="${id}">${label}</span> <span class="hint">${details}</span>${remove}${rename}</li>`;
}

function addPhoneForm(view: SettingsPageView): string {
  const error = view.error?.field === "phone" || view.error?.field === "channel" ? view.error : undefined;
  const phoneError = error?.field === "phone" ? error : undefined;
  const channelError = error?.field === "channel" ? error : undefined;
  const describedBy = phoneError === undefined ? "sf-phone-hint" : "sf-phone-hint sf-phone-error";
  const channels = view.phoneChannels.map((channel, index) => {
    const id = `sf-enrol-${channel}`;
    return (
      `<label class="choice" for="${id}"><input type="radio" id="${id}" name="channel" value="${channel}"` +
      `${index === 0 ? " checked" : ""}${channelError === undefined ? "" : ' aria-invalid="true"'} required>` +
      ` <span>${escapeHtml(view.messages[channelNameKey(channel)])}</span></label>`
    );
  });
  return [
    `<h2>${text(view, "add_phone_heading")}</h2>`,
    `<form method="post" action="${escapeHtml(view.actions.addPhone)}">`,
    csrfInput(view.csrfToken),
    `<label for="sf-phone">${text(view, "phone_label")}</label>`,
    `<p class="hint" id="sf-phone-hint">${text(view, "phone_hint")}</p>`,
    phoneError === undefined
      ? ""
      : `<p class="error" id="sf-phone-error" role="alert">${escapeHtml(phoneError.message)}</p>`,
    `<input type="tel" id="sf-phone" name="phone" autocomplete="tel" maxlength="64" required` +
      ` aria-describedby="${describedBy}"${phoneError === undefined ? "" : ' aria-invalid="true"'}` +
      `${view.entered?.phone === undefined ? "" : ` value="${escapeHtml(view.entered.phone)}"`}>`,
    `<fieldset${channelError === undefined ? "" : ' aria-describedby="sf-enrol-channel-error"'}>`,
    `<legend>${text(view, "enrol_channel_legend")}</legend>`,
    ...channels,
    channelError === undefined
      ? ""
      : `<p class="error" id="sf-enrol-channel-error" role="alert">${escapeHtml(channelError.message)}</p>`,
    "</fieldset>",
    `<button type="submit" class="primary">${text(view, "enrol_send_button")}</button>`,
    "</form>",
  ].join("\n");
}

function addEmailForm(view: SettingsPageView): string {
  const error = view.error?.field === "email" ? view.error : undefined;
  return [
    `<h2>${text(view, "add_email_heading")}</h2>`,
    `<form method="post" action="${escapeHtml(view.actions.addPhone)}">`,
    csrfInput(view.csrfToken),
    `<label for="sf-email">${text(view, "email_label")}</label>`,
    error === undefined
      ? ""
      : `<p class="error" id="sf-email-error" role="alert">${escapeHtml(error.message)}</p>`,
    `<input type="email" id="sf-email" name="email" autocomplete="email" maxlength="254" required` +
      `${error === undefined ? "" : ' aria-invalid="true" aria-describedby="sf-email-error"'}` +
      `${view.entered?.email === undefined ? "" : ` value="${escapeHtml(view.entered.email)}"`}>`,
    `<button type="submit">${text(view, "enrol_send_button")}</button>`,
    "</form>",
  ].join("\n");
}

/** A day on the app's clock, as ISO `YYYY-MM-DD` (UTC): unambiguous in every language. */
function day(ms: number | null): string {
  return ms === null ? "" : new Date(ms).toISOString().slice(0, 10);
}
