/**
 * What every default page writes the same way: catalog texts as HTML, the CSRF input, the code hint.
 */
import type { CodeLength } from "../code.js";
import type { Channel } from "../providers/index.js";
import { escapeHtml } from "./escape.js";
import { formatMessage, type MessageKey, type MessageParams } from "./messages.js";
import type { PageView } from "./view.js";

/**
 * A message of the page's catalog as HTML: the template and every value escaped, and a masked
 * `{destination}` kept on one line (`•••• •••• 2661` must not break between its groups).
 * @example
 * text(view, "pending_intro", { channel: "text message", destination: "•••• •••• 2661" });
 */
export function text(view: PageView, key: MessageKey, params: MessageParams = {}): string {
  const values: Record<string, string> = {};
  for (const [name, value] of Object.entries(params)) {
    values[name] =
      name === "destination" ? `<span class="nowrap">${escapeHtml(value)}</span>` : escapeHtml(value);
  }
  return formatMessage(escapeHtml(view.messages[key]), values);
}

/**
 * The hidden `_csrf` input every form carries (rule 6).
 * @example
 * csrfInput(view.csrfToken); // '<input type="hidden" name="_csrf" value="...">'
 */
export function csrfInput(token: string): string {
  return `<input type="hidden" name="_csrf" value="${escapeHtml(token)}">`;
}

/**
 * The `remember` checkbox (value `1`) of every form that can pass the second factor (DESIGN §7): ticked,
 * the factor's success makes this browser a trusted device (rule 13).
 * @example
 * rememberCheckbox(view); // '<label class="choice" for="sf-remember"><input type="checkbox" ...'
 */
export function rememberCheckbox(view: PageView, id = "sf-remember"): string {
  return (
    `<label class="choice" for="${escapeHtml(id)}"><input type="checkbox" id="${escapeHtml(id)}" name="remember" value="1">` +
    ` <span>${text(view, "remember_label")}</span></label>`
  );
}

/**
 * The hint under a code field: how many digits, and how many attempts are left.
 * @example
 * codeHint(view, { min: 6, max: 6 }, 4); // "Enter the 6-digit code. 4 attempts left for this code."
 */
export function codeHint(view: PageView, codeLength: CodeLength, attemptsLeft: number): string {
  const { min, max } = codeLength;
  const hint =
    min === max
      ? text(view, "code_hint_exact", { length: min })
      : text(view, "code_hint_range", { min, max });
  const attempts =
    attemptsLeft === 1
      ? text(view, "attempts_left_one")
      : text(view, "attempts_left", { count: attemptsLeft });
  return `${hint} ${attempts}`;
}

/**
 * The catalog key of a channel's name in a sentence ("text message", "voice call", ...).
 * @example
 * view.messages[channelNameKey("sms")]; // "text message"
 */
export function channelNameKey(channel: Channel): MessageKey {
  return `channel_name_${channel}`;
}
