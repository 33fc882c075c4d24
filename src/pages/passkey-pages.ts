/**
 * The default HTML of the passkey parts of the pages. Progressive enhancement: every passkey control
 * is `hidden` until the passkey script runs, and the script shows nothing without WebAuthn, so a page
 * without JavaScript or WebAuthn works as before. Errors go to an element with `role="alert"` next to
 * the button, so screen readers announce them.
 */
import { escapeHtml } from "./escape.js";
import { rememberCheckbox, text } from "./page-text.js";
import type { ChallengePageView, PasskeyScriptView, SettingsPageView } from "./view.js";

/**
 * The challenge page's passkey part: the "Use a passkey" button for a user who has one; on a route
 * that accepts passkeys only, what to do for a user who has none (a link to the settings page).
 * Empty when the page offers no passkey.
 * @example
 * parts.push(passkeySignIn(view));
 */
export function passkeySignIn(view: ChallengePageView): string {
  const passkey = view.passkey;
  if (passkey === undefined) return "";
  const parts: string[] = [];
  if (passkey.only) parts.push(`<p>${text(view, "passkey_only_intro")}</p>`);
  if (!passkey.available) {
    if (passkey.only) {
      parts.push(
        `<p>${text(view, "passkey_none")}</p>`,
        `<p><a class="button primary" href="${escapeHtml(passkey.settings)}">${text(view, "passkey_settings_link")}</a></p>`,
      );
    }
    return parts.join("\n");
  }
  parts.push(
    `<section data-passkey="authenticate" data-options-url="${escapeHtml(passkey.actions.options)}"` +
      ` data-submit-url="${escapeHtml(passkey.actions.verify)}" data-csrf="${escapeHtml(view.csrfToken)}"` +
      ` aria-labelledby="sf-passkey-heading" hidden>`,
    `<h2 id="sf-passkey-heading">${text(view, "passkey_heading")}</h2>`,
    `<p>${text(view, "passkey_intro")}</p>`,
    rememberCheckbox(view, "sf-passkey-remember"),
    `<button type="button" class="primary" data-passkey-start>${text(view, "passkey_button")}</button>`,
    '<p class="error" role="alert" data-passkey-status></p>',
    "</section>",
    passkey.only ? `<noscript><p>${text(view, "passkey_no_script")}</p></noscript>` : "",
    scriptTag(passkey.script),
  );
  return parts.join("\n");
}

/**
 * The settings page's "add a passkey" part (field `name`, and `remember` when this passkey will be the
 * account's first factor). Empty when passkeys are off.
 * @example
 * parts.push(passkeySetup(view));
 */
export function passkeySetup(view: SettingsPageView): string {
  const passkey = view.passkey;
  if (passkey === undefined) return "";
  return [
    `<section data-passkey="register" data-options-url="${escapeHtml(passkey.actions.options)}"` +
      ` data-submit-url="${escapeHtml(passkey.actions.register)}" data-csrf="${escapeHtml(view.csrfToken)}"` +
      ` aria-labelledby="sf-passkey-add-heading" hidden>`,
    `<h2 id="sf-passkey-add-heading">${text(view, "passkey_add_heading")}</h2>`,
    `<p>${text(view, "passkey_add_intro")}</p>`,
    `<label for="sf-passkey-name">${text(view, "passkey_name_label")}</label>`,
    '<input type="text" id="sf-passkey-name" name="name" maxlength="64" autocomplete="off" spellcheck="false">',
    passkey.firstFactor ? rememberCheckbox(view, "sf-passkey-remember") : "",
    `<button type="button" data-passkey-start>${text(view, "passkey_add_button")}</button>`,
    '<p class="error" role="alert" data-passkey-status></p>',
    "</section>",
    scriptTag(passkey.script),
  ].join("\n");
}

/**
 * The rename form of one stored factor on the settings page (fields `factor` and `name`).
 * @example
 * renameForm(view, row.factor, row.name, index);
 */
export function renameForm(view: SettingsPageView, factor: string, name: string, index: number): string {
  if (view.renameAction === undefined) return "";
  const id = `sf-rename-${index}`;
  return [
    `<form method="post" action="${escapeHtml(view.renameAction)}" class="rename">`,
    `<input type="hidden" name="_csrf" value="${escapeHtml(view.csrfToken)}">`,
    `<input type="hidden" name="factor" value="${escapeHtml(factor)}">`,
    `<label for="${id}">${text(view, "rename_label")}</label>`,
    `<input type="text" id="${id}" name="name" value="${escapeHtml(name)}" maxlength="64" required autocomplete="off">`,
    `<button type="submit">${text(view, "rename_button")}</button>`,
    "</form>",
  ].join("\n");
}

function scriptTag(script: PasskeyScriptView): string {
  return `<script src="${escapeHtml(script.src)}" integrity="${escapeHtml(script.integrity)}" defer></script>`;
}
