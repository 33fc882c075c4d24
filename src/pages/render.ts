import type { Channel } from "../providers/index.js";
import { escapeHtml } from "./escape.js";
import { formatWait, type MessageKey } from "./messages.js";
import { channelNameKey, codeHint, csrfInput, rememberCheckbox, text } from "./page-text.js";
import { passkeySignIn } from "./passkey-pages.js";
import { recoveryBody, recoveryCodesBody, recoveryLink } from "./recovery-pages.js";
import { enrolmentBody, settingsBody } from "./settings-pages.js";
import { totpChallengeSection, totpSetupBody } from "./totp-pages.js";
import type { ChallengePageView, ChannelOption, PageView, PendingView, ProblemPageView } from "./view.js";

/**
 * The default HTML of a page: accessible, no script, works on a phone. Every value is escaped; the
 * only markup that is not is the page's own `styleElement`. Every page ends with a link out of the
 * flow (`homeLink`, the `defaultReturnTo` option), so no state is a dead end.
 * @example
 * pages: { render: (view) => (view.page === "challenge" ? renderDefaultPage(view) : myProblemPage(view)) }
 */
export function renderDefaultPage(view: PageView): string {
  const body =
    view.page === "challenge"
      ? challengeBody(view)
      : view.page === "settings"
        ? settingsBody(view)
        : view.page === "enrolment"
          ? enrolmentBody(view)
          : view.page === "recovery"
            ? recoveryBody(view)
            : view.page === "recovery_codes"
              ? recoveryCodesBody(view)
              : view.page === "totp_setup"
                ? totpSetupBody(view)
                : problemBody(view);
  return [
    "<!doctype html>",
    `<html lang="${escapeHtml(view.lang)}">`,
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="referrer" content="no-referrer">',
    '<meta name="robots" content="noindex">',
    `<title>${text(view, "title")}</title>`,
    view.styleElement,
    "</head>",
    "<body>",
    "<main>",
    `<h1>${text(view, "title")}</h1>`,
    body,
    "</main>",
    `<footer><a href="${escapeHtml(view.homeLink.href)}">${escapeHtml(view.homeLink.label)}</a></footer>`,
    "</body>",
    "</html>",
    "",
  ].join("\n");
}

function problemBody(view: ProblemPageView): string {
  return [
    '<div class="problem" role="alert">',
    `<h2>${escapeHtml(view.heading)}</h2>`,
    `<p>${escapeHtml(view.message)}</p>`,
    "</div>",
    `<p><a class="button primary" href="${escapeHtml(view.link.href)}">${escapeHtml(view.link.label)}</a></p>`,
  ].join("\n");
}

function challengeBody(view: ChallengePageView): string {
  const parts: string[] = [];
  // A wrong code is shown on the code field itself (pending state), not as a page notice; a locked
  // page says why itself, and no notice ("send a new one") may contradict it.
  const wrongCodeOnField =
    (view.state === "pending" || view.totp !== undefined) && view.notice?.kind === "wrong_code";
  if (view.notice !== undefined && !wrongCodeOnField && view.state !== "locked") {
    const done = view.notice.kind === "sent" || view.notice.kind === "resent";
    parts.push(
      `<p class="notice${done ? " done" : ""}" role="status">${escapeHtml(view.notice.message)}</p>`,
    );
  }
  if (view.error !== undefined && view.error.field === null) {
    parts.push(`<p class="error" id="sf-error" role="alert">${escapeHtml(view.error.message)}</p>`);
  }
  // A route that accepts passkeys only (phishingResistant) offers no code at all.
  if (view.passkey?.only === true && view.state !== "locked") {
    if (view.state === "verified") parts.push(verifiedSection(view));
    parts.push(passkeySignIn(view));
    return parts.join("\n");
  }
  switch (view.state) {
    case "no_channel":
      parts.push(`<h2>${text(view, "no_channel_heading")}</h2>`, `<p>${text(view, "no_channel_body")}</p>`);
      break;
    case "locked":
      parts.push(
        `<h2>${text(view, "locked_heading")}</h2>`,
        `<p>${text(view, "locked_body", { wait: formatWait(view.messages, view.lockedForSeconds ?? 0) })}</p>`,
      );
      break;
    case "pending":
      if (view.pending !== undefined) parts.push(pendingSection(view, view.pending));
      break;
    case "verified":
      parts.push(verifiedSection(view), `<p>${text(view, "reverify_intro")}</p>`, totpChallengeSection(view));
      if (view.channels.length > 0) parts.push(chooseForm(view, false));
      break;
    case "choose":
      if (view.verified !== undefined && !view.verified.requirementMet) {
        const ago = formatWait(view.messages, view.verified.agoSeconds);
        parts.push(`<p>${text(view, "step_up_intro", { ago })}</p>`);
      } else {
        parts.push(`<p>${text(view, "intro")}</p>`);
      }
      // An authenticator app, when the user has one, comes first: it costs nothing and is not restricted.
      parts.push(totpChallengeSection(view));
      if (view.channels.length > 0 || (view.totp === undefined && view.passkey?.available !== true))
        parts.push(chooseForm(view, view.totp === undefined));
      break;
  }
  if (view.state !== "locked") parts.push(passkeySignIn(view));
  parts.push(recoveryLink(view));
  return parts.join("\n");
}

function verifiedSection(view: ChallengePageView): string {
  const verified = view.verified;
  if (verified === undefined) return "";
  const ago = formatWait(view.messages, verified.agoSeconds);
  return [
    `<h2>${text(view, "verified_heading")}</h2>`,
    `<p>${text(view, "verified_body", { ago })}</p>`,
    `<p><a class="button primary" href="${escapeHtml(verified.continueTo)}">${text(view, "continue_link")}</a></p>`,
  ].join("\n");
}

/** The channel choice and its send button: the page's main action unless a verified session shows it. */
function chooseForm(view: ChallengePageView, main: boolean): string {
  const error = view.error?.field === "channel" ? view.error : undefined;
  const describedBy = error === undefined ? "" : ' aria-describedby="sf-channel-error"';
  const options = view.channels.map((option, index) =>
    channelChoice(view, option, index === 0, error !== undefined),
  );
  return [
    `<form method="post" action="${escapeHtml(view.actions.send)}">`,
    csrfInput(view.csrfToken),
    `<fieldset${describedBy}>`,
    `<legend>${text(view, "choose_legend")}</legend>`,
    ...options,
    phoneChoice(view),
    error === undefined
      ? ""
      : `<p class="error" id="sf-channel-error" role="alert">${escapeHtml(error.message)}</p>`,
    "</fieldset>",
    `<button type="submit"${main ? ' class="primary"' : ""}>${text(view, "send_button")}</button>`,
    "</form>",
  ].join("\n");
}

/** With several phones, which one (field `factor`); the first is chosen unless the user picks another. */
function phoneChoice(view: ChallengePageView): string {
  if (view.phones.length < 2) return "";
  const error = view.error?.field === "factor" ? view.error : undefined;
  return [
    `<fieldset${error === undefined ? "" : ' aria-describedby="sf-factor-error"'}>`,
    `<legend>${text(view, "factor_legend")}</legend>`,
    ...view.phones.map((phone, index) => {
      const id = `sf-factor-${index}`;
      return (
        `<label class="choice" for="${id}"><input type="radio" id="${id}" name="factor" value="${escapeHtml(phone.factor)}"` +
        `${index === 0 ? " checked" : ""}${error === undefined ? "" : ' aria-invalid="true"'}>` +
        ` <span class="nowrap">${escapeHtml(phone.maskedDestination)}</span></label>`
      );
    }),
    error === undefined
      ? ""
      : `<p class="error" id="sf-factor-error" role="alert">${escapeHtml(error.message)}</p>`,
    "</fieldset>",
  ].join("\n");
}

function channelChoice(
  view: ChallengePageView,
  option: ChannelOption,
  checked: boolean,
  invalid: boolean,
): string {
  const id = `sf-channel-${option.channel}`;
  const label = text(view, channelLabelKey(option.channel), { destination: option.maskedDestination });
  return (
    `<label class="choice" for="${id}"><input type="radio" id="${id}" name="channel" value="${option.channel}"` +
    `${checked ? " checked" : ""}${invalid ? ' aria-invalid="true"' : ""} required> <span>${label}</span></label>`
  );
}

function pendingSection(view: ChallengePageView, pending: PendingView): string {
  const error =
    view.error?.field === "code"
      ? view.error
      : view.notice?.kind === "wrong_code"
        ? { message: view.notice.message }
        : undefined;
  const { min, max } = view.codeLength;
  const describedBy = error === undefined ? "sf-code-hint" : "sf-code-hint sf-code-error";
  const channelName = view.messages[channelNameKey(pending.channel)];
  const waiting = pending.resendInSeconds > 0;
  return [
    `<p>${text(view, "pending_intro", { channel: channelName, destination: pending.maskedDestination })}</p>`,
    `<form method="post" action="${escapeHtml(view.actions.verify)}">`,
    csrfInput(view.csrfToken),
    `<label for="sf-code">${text(view, "code_label")}</label>`,
    `<p class="hint" id="sf-code-hint">${codeHint(view, view.codeLength, pending.attemptsLeft)}</p>`,
    // The error sits above the input, so the input and its button never move when it shows.
    error === undefined
      ? ""
      : `<p class="error" id="sf-code-error" role="alert">${escapeHtml(error.message)}</p>`,
    `<input type="text" id="sf-code" name="code" inputmode="numeric" autocomplete="one-time-code"` +
      ` pattern="${codePattern(min, max)}" maxlength="32" spellcheck="false" autocapitalize="off" required` +
      ` aria-describedby="${describedBy}"${error === undefined ? "" : ' aria-invalid="true"'}>`,
    rememberCheckbox(view),
    `<button type="submit" class="primary">${text(view, "verify_button")}</button>`,
    "</form>",
    `<h2>${text(view, "resend_heading")}</h2>`,
    `<p id="sf-resend-status">${
      waiting
        ? text(view, "resend_later", { wait: formatWait(view.messages, pending.resendInSeconds) })
        : text(view, "resend_now")
    }</p>`,
    '<div class="actions">',
    // No script counts down: until a resend is possible its button is disabled and the text says when.
    sendButton(view, pending.channel, text(view, "resend_button"), waiting, pending.factor),
    ...view.channels
      .filter((option) => option.channel !== pending.channel)
      .map((option) =>
        sendButton(
          view,
          option.channel,
          text(view, "switch_button", { channel: view.messages[channelNameKey(option.channel)] }),
          false,
          option.channel === "email" || pending.channel === "email" ? undefined : pending.factor,
        ),
      ),
    "</div>",
    `<form method="post" action="${escapeHtml(view.actions.cancel)}">`,
    csrfInput(view.csrfToken),
    `<button type="submit" class="link">${text(view, "cancel_button")}</button>`,
    "</form>",
  ].join("\n");
}

function sendButton(
  view: ChallengePageView,
  channel: Channel,
  label: string,
  disabled: boolean,
  factor: string | undefined,
): string {
  return [
    `<form method="post" action="${escapeHtml(view.actions.send)}">`,
    csrfInput(view.csrfToken),
    `<input type="hidden" name="channel" value="${channel}">`,
    factor === undefined || view.phones.length < 2
      ? ""
      : `<input type="hidden" name="factor" value="${escapeHtml(factor)}">`,
    `<button type="submit"${disabled ? ' disabled aria-describedby="sf-resend-status"' : ""}>${label}</button>`,
    "</form>",
  ].join("\n");
}

/** Digits with optional spaces or hyphens between them, as the flow normalises them. */
function codePattern(min: number, max: number): string {
  const count = min === max ? `{${min}}` : `{${min},${max}}`;
  return `[ \\-]*(?:[0-9][ \\-]*)${count}`;
}

function channelLabelKey(channel: Channel): MessageKey {
  return `channel_${channel}`;
}
