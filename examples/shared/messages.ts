/**
 * The texts the examples change on the library's challenge pages (its `messages` option).
 */
import type { MessageCatalog } from "../../src/index.js";

/**
 * The "no second factor" page. With enrolment on (the library's default) a user without a factor is
 * sent to the settings page to enrol one and never sees it; the text says where to go should the
 * example run with `enrolment: "off"`.
 * @example
 * secondFactor({ provider, user, messages: EXAMPLE_MESSAGES });
 */
export const EXAMPLE_MESSAGES: Partial<MessageCatalog> = {
  no_channel_heading: "No second factor set up",
  no_channel_body:
    "Your account has no phone number enrolled, so no code can be sent and nothing was sent. Add one on the settings page (/2fa/setup), or sign in as alice or carol, whose phones are enrolled.",
};
