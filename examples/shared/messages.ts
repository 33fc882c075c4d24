/**
 * The texts the examples change on the library's challenge pages (its `messages` option).
 */
import type { MessageCatalog } from "../../src/index.js";

/**
 * `bob` has no phone on file and the examples have no enrolment page: his challenge page says so and
 * tells him what to do here, instead of pointing at account settings that do not exist.
 * @example
 * secondFactor({ provider, user, messages: EXAMPLE_MESSAGES });
 */
export const EXAMPLE_MESSAGES: Partial<MessageCatalog> = {
  no_channel_heading: "No second factor set up",
  no_channel_body:
    "Your account has no phone number on file, so no code can be sent and nothing was sent. In a real app you would add a phone number first (enrolment), and support could help. In this example, go back to the home page, sign out, and sign in as alice or carol, who have phones on file.",
};
