import type { SecondFactorUser } from "../boundary.js";
import { maskDestination } from "../mask.js";
import type { ChannelOption } from "../pages/view.js";
import type { Channel } from "../providers/index.js";
import type { Requirement } from "../record/index.js";

const E164 = /^\+[1-9][0-9]{6,14}$/;
const EMAIL = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]+$/;

/**
 * Where a code for `channel` goes for this user: their phone for `sms`, `call` and `whatsapp`, their
 * e-mail for `email`; `undefined` when they have none. It always comes from the server's user, never
 * from the request (DESIGN §4 rule 2).
 * @example
 * destinationFor({ id: "1", phone: "+15017122661" }, "sms"); // "+15017122661"
 */
export function destinationFor(user: SecondFactorUser, channel: Channel): string | undefined {
  const value = channel === "email" ? user.email : user.phone;
  return typeof value === "string" && value.length > 0 ? value : undefined;
}

/**
 * Whether a destination can be given to the provider: E.164 for phone channels, an address for e-mail.
 * @example
 * isDeliverable("+15017122661", "call"); // true
 */
export function isDeliverable(destination: string, channel: Channel): boolean {
  return channel === "email" ? EMAIL.test(destination) && destination.length <= 254 : E164.test(destination);
}

/**
 * The channels this user can be sent a code by now: allowed by the instance, by the route that sent
 * them here (its `channels`) and backed by a destination on file.
 * @example
 * availableChannels(["sms", "call"], user, record.requirement); // [{ channel: "sms", maskedDestination: "•••• •••• 2661" }, ...]
 */
export function availableChannels(
  allowed: readonly Channel[],
  user: SecondFactorUser,
  requirement: Requirement | undefined,
): ChannelOption[] {
  const options: ChannelOption[] = [];
  for (const channel of allowed) {
    if (requirement?.channels !== undefined && !requirement.channels.includes(channel)) continue;
    const destination = destinationFor(user, channel);
    if (destination === undefined) continue;
    options.push({ channel, maskedDestination: maskDestination(destination) });
  }
  return options;
}
