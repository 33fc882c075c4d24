/**
 * The English texts of the default pages and of JSON error messages. Translate by passing any subset
 * as the `messages` option. `{name}` placeholders are filled in (and escaped) by the pages.
 * @example
 * secondFactor({ ...options, messages: { title: "Vérification en deux étapes" }, pages: { lang: "fr" } });
 */
export const DEFAULT_MESSAGES = {
  title: "Two-step verification",
  intro: "To keep your account safe, confirm it's you with a one-time code.",
  choose_legend: "Where should we send your code?",
  channel_sms: "Text message to {destination}",
  channel_call: "Voice call to {destination}",
  channel_whatsapp: "WhatsApp message to {destination}",
  channel_email: "E-mail to {destination}",
  channel_name_sms: "text message",
  channel_name_call: "voice call",
  channel_name_whatsapp: "WhatsApp",
  channel_name_email: "e-mail",
  send_button: "Send code",
  pending_intro: "We sent a code by {channel} to {destination}.",
  code_label: "Verification code",
  code_hint_exact: "Enter the {length}-digit code.",
  code_hint_range: "Enter the code ({min} to {max} digits).",
  attempts_left_one: "1 attempt left for this code.",
  attempts_left: "{count} attempts left for this code.",
  verify_button: "Verify",
  resend_heading: "Didn't get it?",
  resend_now: "You can have the same code sent again.",
  resend_later: "You can have the code sent again in {wait}. Reload this page then.",
  resend_button: "Send the code again",
  switch_button: "Send it by {channel} instead",
  cancel_button: "Cancel this code",
  notice_sent: "Code sent.",
  notice_resent: "Code sent again. It is the same code as before.",
  notice_wrong_code: "That code was not right. Check it and try again.",
  notice_expired: "That code has expired. Send a new one.",
  notice_too_many_attempts: "Too many wrong tries for that code. Send a new one.",
  notice_canceled: "The code was canceled.",
  verified_heading: "You are verified",
  verified_body: "You passed two-step verification {ago} ago.",
  continue_link: "Continue",
  reverify_intro: "To verify again, send a new code.",
  step_up_intro: "This action needs a recent verification. You last verified {ago} ago.",
  locked_heading: "Verification is locked",
  locked_body:
    "There were too many wrong codes, so verification is locked for this account. You can try again in {wait}. If it wasn't you, contact support.",
  no_channel_heading: "No second factor set up",
  no_channel_body:
    "Your account has no phone number on file that can receive codes. Add one in your account settings or contact support, then come back.",
  error_code_missing: "Enter the code we sent you.",
  error_code_format: "The code is made of digits only ({min} to {max}).",
  error_channel_invalid: "Choose one of the options listed.",
  error_no_pending: "No code is waiting to be checked. Send a new code.",
  error_blocked: "We can't send codes to {destination} right now. Try another option or contact support.",
  error_invalid_destination:
    "The number or address on file, {destination}, can't receive codes. Update it in your account settings or contact support.",
  error_channel_unavailable: "That option is not available right now. Choose another one.",
  error_factor_invalid: "Choose one of the phones listed.",
  factor_legend: "Which phone?",
  settings_heading: "Your second factors",
  settings_intro: "These are the ways we can confirm it's you when you sign in.",
  settings_none: "You have no second factor yet. Add a phone to protect your account.",
  factor_phone: "Phone {destination}",
  factor_email: "E-mail {destination}",
  factor_totp: "Authenticator app",
  factor_passkey: "Passkey",
  factor_on_file: "On file: managed by the site",
  factor_added_at: "Added {date}",
  factor_last_used: "last used {date}",
  factor_never_used: "not used yet",
  remove_button: "Remove",
  add_phone_heading: "Add a phone",
  phone_label: "Phone number",
  phone_hint: "In international form, with + and the country code, e.g. +1 201 555 0123.",
  enrol_channel_legend: "How should we send the code?",
  enrol_send_button: "Send a code",
  add_email_heading: "Add an e-mail address",
  email_label: "E-mail address",
  enrol_pending_intro: "We sent a code by {channel} to {destination}. Enter it to add it to your account.",
  enrol_verify_button: "Confirm and add",
  enrol_cancel_button: "Cancel and go back",
  notice_factor_added: "Added. It can now receive your codes.",
  notice_factor_removed: "Removed.",
  notice_enrolment_canceled: "Nothing was added.",
  error_phone_missing: "Enter a phone number.",
  error_phone_invalid: "That is not a valid phone number. Use international form, e.g. +1 201 555 0123.",
  error_phone_country: "Numbers from that country can't be added here.",
  error_email_invalid: "That is not a valid e-mail address.",
  error_already_enrolled: "That one is already on your account.",
  error_factor_on_file: "That phone is managed by the site and can't be removed here.",
  error_last_factor: "You can't remove your only second factor. Add another one first.",
  error_no_enrolment: "No code is waiting to be checked. Start again from your settings.",
  manage_link: "Manage your second factors",
  back_link: "Back to verification",
  login_link: "Sign in",
  home_link: "Back to the site",
  problem_csrf_heading: "This form has expired",
  problem_csrf_body: "For your security, nothing was sent or checked. Go back and try again.",
  problem_bad_request_heading: "We couldn't read that request",
  problem_bad_request_body: "Nothing was sent or checked. Go back and try again.",
  problem_too_large_heading: "That request was too large",
  problem_too_large_body: "Nothing was sent or checked. Go back and try again.",
  problem_unsupported_heading: "That request was not a form we know",
  problem_unsupported_body: "Nothing was sent or checked. Go back and use the form on the page.",
  problem_method_heading: "That address only accepts the form",
  problem_method_body: "Go back and use the form on the page.",
  problem_rate_limited_heading: "Too many attempts",
  problem_rate_limited_body: "Nothing was sent or checked. You can try again in {wait}.",
  problem_resend_wait_heading: "Please wait a moment",
  problem_resend_wait_body: "The code was sent very recently. You can ask for it again in {wait}.",
  problem_locked_heading: "Verification is locked",
  problem_locked_body:
    "There were too many wrong codes, so verification is locked for this account. Nothing was sent or checked. You can try again in {wait}. If it wasn't you, contact support.",
  problem_unavailable_heading: "Verification is unavailable right now",
  problem_unavailable_body:
    "We couldn't reach the verification service, so nothing was verified. Your code, if one was sent, is still valid. Try again in {wait}.",
  problem_login_heading: "Please sign in",
  problem_login_body: "Sign in first, then verify.",
  wait_seconds_one: "1 second",
  wait_seconds: "{count} seconds",
  wait_minutes_one: "1 minute",
  wait_minutes: "{count} minutes",
  wait_hours_one: "1 hour",
  wait_hours: "{count} hours",

  // Authenticator apps (TOTP)
  totp_heading: "Use your authenticator app",
  totp_intro: "Enter the 6-digit code your authenticator app shows for this site.",
  totp_code_label: "Code from your authenticator app",
  totp_code_hint: "6 digits. A new code shows every 30 seconds.",
  totp_button: "Verify with the app",
  totp_or_phone: "Or get a code by phone",
  error_totp_none: "Your account has no authenticator app that can be used here. Choose another option.",
  error_totp_code_missing: "Enter the code your authenticator app shows.",
  error_totp_code_format: "The code is the 6 digits your authenticator app shows.",
  error_totp_used: "That code was already used. Wait for the next code in your app and enter it.",
  error_totp_unavailable:
    "Your authenticator app can't be checked right now. Choose another option or contact support.",
  error_totp_disabled: "Authenticator apps are not offered here.",
  error_totp_setup_expired: "This set-up has ended. Start again from your settings.",
  add_totp_heading: "Add an authenticator app",
  add_totp_intro:
    "An app such as Google Authenticator, Microsoft Authenticator or a password manager shows a new code every 30 seconds, even offline.",
  add_totp_button: "Set up an authenticator app",
  totp_setup_heading: "Set up your authenticator app",
  totp_setup_scan: "Scan this QR code with your authenticator app.",
  totp_setup_manual: "Can't scan it? Enter this key in the app instead:",
  totp_setup_uri_label: "Set-up link",
  totp_setup_secret_hint: "This key is shown only while you set up the app. Keep it to yourself.",
  totp_setup_code_intro: "Then enter the code the app shows, to finish.",
  totp_setup_verify_button: "Confirm and add",
  totp_setup_cancel_button: "Cancel and go back",
  notice_totp_added: "Authenticator app added. Use a code from it when you sign in.",

  // Recovery codes
  notice_recovery_used: "You signed in with a recovery code.",
  recovery_link: "Use a recovery code",
  recovery_heading: "Use a recovery code",
  recovery_intro:
    "Enter one of the recovery codes you saved when you set up two-step verification. Each code works once.",
  recovery_code_label: "Recovery code",
  recovery_code_hint:
    "12 letters and digits, like abcd-efgh-2345. Capitals, spaces and hyphens don't matter.",
  recovery_button: "Use this code",
  recovery_back_link: "Verify another way",
  recovery_none: "You have no recovery codes left. Verify another way, or contact support.",
  recovery_not_accepted: "A recovery code is not accepted for this page. Verify another way.",
  recovery_used_left: "You have {count} recovery codes left.",
  recovery_used_left_one: "You have 1 recovery code left.",
  recovery_used_left_none: "That was your last recovery code.",
  recovery_used_advice:
    "If you lost your phone or authenticator, set up a new one now, and make new recovery codes when you run low.",
  recovery_setup_link: "Set up a new factor",
  error_recovery_missing: "Enter a recovery code.",
  error_recovery_format:
    "That is not a recovery code. A code has 12 letters and digits, like abcd-efgh-2345.",
  error_recovery_used: "That code was just used. Each code works once: enter another one.",
  error_recovery_no_factor:
    "Add a phone, an authenticator app or a passkey first: recovery codes are the way back when it is lost.",
  recovery_settings_heading: "Recovery codes",
  recovery_settings_about:
    "Recovery codes let you in when you can't use your phone, app or passkey. Each works once.",
  recovery_settings_left: "{count} unused codes, made {date}.",
  recovery_settings_left_one: "1 unused code, made {date}.",
  recovery_settings_left_none: "Every code of the set made {date} is used.",
  recovery_generate_button: "Make recovery codes",
  recovery_regenerate_button: "Make new recovery codes",
  recovery_regenerate_hint: "Making new codes voids the old ones.",
  recovery_codes_heading: "Your recovery codes",
  recovery_codes_intro:
    "Save these codes somewhere safe, away from your phone: in a password manager, or printed. Each code works once. This is the only time they are shown.",
  recovery_codes_made: "Made {date}. Any older recovery codes no longer work.",
  recovery_codes_download: "Download them as a text file",
  recovery_codes_print: "Or print this page.",
  recovery_codes_done: "I saved them",

  // Passkeys
  passkey_heading: "Use a passkey",
  passkey_intro: "Use the passkey saved on this device, or on a phone or security key.",
  passkey_button: "Use a passkey",
  passkey_only_intro: "This page needs a passkey: a code by text message, call or app is not enough here.",
  passkey_none:
    "You have no passkey yet. Add one on your security settings page, then come back to this page.",
  passkey_settings_link: "Go to your security settings",
  passkey_add_heading: "Add a passkey",
  passkey_add_intro:
    "A passkey signs you in with this device's screen lock, a phone or a security key. It cannot be phished.",
  passkey_name_label: "Name of the passkey (optional)",
  passkey_add_button: "Add a passkey",
  passkey_no_script:
    "Passkeys need JavaScript and a browser that supports them; the other ways on this page work without.",
  rename_label: "New name",
  rename_button: "Rename",
  error_passkeys_off: "Passkeys are not enabled on this site.",
  error_no_passkey: "You have no passkey yet. Add one on your security settings page.",
  error_passkey_challenge: "That passkey request has expired or was already used. Try again.",
  error_passkey_refused: "That passkey could not be accepted. Try again, or choose another way.",
  error_passkey_exists: "This passkey is already on an account.",
  error_factor_name: "A name has 1 to 64 characters, on one line.",

  // Trusted devices
  remember_label: "Don't ask again on this browser",
  devices_heading: "Trusted browsers",
  devices_intro: "These browsers don't ask for a second factor when you sign in, until the date shown.",
  devices_none: "No browser is trusted. Tick \"Don't ask again on this browser\" when you confirm it's you.",
  device_details: "Trusted {created}, last used {used}, until {expires}",
  device_this_browser: "(this browser)",
  device_revoke_button: "Revoke",
  devices_revoke_all_button: "Revoke all",
  error_device_invalid: "Choose one of the browsers listed.",
} as const;

/**
 * Every text of the default pages, by key.
 * @example
 * const key: MessageKey = "send_button";
 */
export type MessageKey = keyof typeof DEFAULT_MESSAGES;

/**
 * A full message catalog. Pass a `Partial<MessageCatalog>` as the `messages` option to translate.
 * @example
 * const french: Partial<MessageCatalog> = { send_button: "Envoyer le code" };
 */
export type MessageCatalog = Readonly<Record<MessageKey, string>>;

/**
 * The keys of the catalog, for validation of the `messages` option.
 * @example
 * MESSAGE_KEYS.includes("title"); // true
 */
export const MESSAGE_KEYS: readonly MessageKey[] = Object.keys(DEFAULT_MESSAGES) as MessageKey[];

/**
 * Values that fill `{name}` placeholders.
 * @example
 * formatMessage("{count} attempts left", { count: 4 } satisfies MessageParams);
 */
export type MessageParams = Readonly<Record<string, string | number>>;

/**
 * Fills `{name}` placeholders of a message (unknown placeholders are left as they are). The result is
 * plain text: escape it before putting it in HTML.
 * @example
 * formatMessage("{count} attempts left", { count: 4 }); // "4 attempts left"
 */
export function formatMessage(template: string, params: MessageParams = {}): string {
  return template.replace(/\{([a-z_]+)\}/g, (whole, name: string) => {
    const value = params[name];
    return value === undefined ? whole : String(value);
  });
}

/**
 * A wait in seconds as words of the catalog, rounded up to a whole minute or hour past 90 seconds.
 * @example
 * formatWait(DEFAULT_MESSAGES, 900); // "15 minutes"
 */
export function formatWait(messages: MessageCatalog, seconds: number): string {
  const whole = Math.max(1, Math.ceil(seconds));
  if (whole < 90) return plural(messages, "wait_seconds", whole);
  if (whole < 90 * 60) return plural(messages, "wait_minutes", Math.ceil(whole / 60));
  return plural(messages, "wait_hours", Math.ceil(whole / 3600));
}

function plural(
  messages: MessageCatalog,
  key: "wait_seconds" | "wait_minutes" | "wait_hours",
  count: number,
): string {
  return count === 1 ? messages[`${key}_one`] : formatMessage(messages[key], { count });
}
