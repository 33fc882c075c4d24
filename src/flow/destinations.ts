import type { SecondFactorUser } from "../boundary.js";
import type { Limits } from "../limits/index.js";
import { maskDestination } from "../mask.js";
import type { CoreConfig } from "../options/index.js";
import type { ChannelOption } from "../pages/view.js";
import type { Channel } from "../providers/index.js";
import { safeEqual } from "../record/csrf.js";
import type { PendingChallenge, Requirement } from "../record/index.js";
import { failClosed } from "../stores/factor-arguments.js";
import type { Factor } from "../stores/index.js";

const E164 = /^\+[1-9][0-9]{6,14}$/;
const EMAIL = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]+$/;

/**
 * The factor id of the phone the app's `user(...)` callback returns ("on file": the app vouches for
 * it; it cannot be removed from the settings page).
 * @default "on_file_phone"
 * @example
 * if (destination.factorId === ON_FILE_PHONE) showOnFileLabel();
 */
export const ON_FILE_PHONE = "on_file_phone";

/**
 * The factor id of the e-mail address the app's `user(...)` callback returns.
 * @default "on_file_email"
 * @example
 * destinations.some((destination) => destination.factorId === ON_FILE_EMAIL);
 */
export const ON_FILE_EMAIL = "on_file_email";

/**
 * Whether a factor id names a destination on file (not in the store).
 * @example
 * isOnFileId("on_file_phone"); // true
 */
export function isOnFileId(factorId: string): boolean {
  return factorId === ON_FILE_PHONE || factorId === ON_FILE_EMAIL;
}

/**
 * Somewhere a code can go: an enrolled phone or address, or the one on file.
 * @example
 * const destination: Destination = { factorId: ON_FILE_PHONE, kind: "phone", destination: "+15017122661", masked: "•••• •••• 2661", onFile: true };
 */
export interface Destination {
  /** The store's factor id, or {@link ON_FILE_PHONE} / {@link ON_FILE_EMAIL}. */
  readonly factorId: string;
  readonly kind: "phone" | "email";
  /** E.164 or an address: never shown, never sent to the browser. */
  readonly destination: string;
  readonly masked: string;
  readonly onFile: boolean;
}

/**
 * What an account has: the destinations codes can go to (on file first, then enrolled, oldest first)
 * and every factor in the store (any kind).
 * @example
 * const account: AccountFactors = await loadAccountFactors(config, user);
 */
export interface AccountFactors {
  readonly destinations: readonly Destination[];
  readonly stored: readonly Factor[];
  /** The account's recovery codes: how many are unused and when the set was made; none when never made. */
  readonly recovery?: RecoveryCodesSummary;
}

/**
 * How many recovery codes an account has left, and when its set was made (app clock, ms).
 * @example
 * const summary: RecoveryCodesSummary = { left: 9, createdAt: Date.now() };
 */
export interface RecoveryCodesSummary {
  readonly left: number;
  readonly createdAt: number;
}

/**
 * Reads the account's factors from the store (a store failure throws `ERR_SF_STORE_UNAVAILABLE`: 503,
 * rule 8) and adds the destinations on file. E-mail addresses count only when the `email` channel is
 * on. Never called by the guard's hot path.
 * @example
 * const { destinations } = await loadAccountFactors(config, user);
 */
export async function loadAccountFactors(
  config: CoreConfig<unknown>,
  user: SecondFactorUser,
): Promise<AccountFactors> {
  // One round trip each, side by side: the recovery codes' count for the challenge and settings pages.
  const [stored, recovery] = await Promise.all([
    failClosed(() => config.factors.listFactors(user.id)),
    failClosed(() => config.factors.getRecoveryCodes(user.id)),
  ]);
  const destinations = [...onFileDestinations(user)];
  for (const factor of stored) {
    if (factor.kind !== "phone" && factor.kind !== "email") continue;
    if (
      destinations.some((known) => known.kind === factor.kind && known.destination === factor.destination)
    ) {
      continue;
    }
    destinations.push({
      factorId: factor.id,
      kind: factor.kind,
      destination: factor.destination,
      masked: maskDestination(factor.destination),
      onFile: false,
    });
  }
  const emailOn = config.channels.includes("email");
  return {
    destinations: destinations.filter((known) => emailOn || known.kind !== "email"),
    stored,
    ...(recovery === undefined
      ? {}
      : { recovery: { left: recovery.hashes.length, createdAt: recovery.createdAt } }),
  };
}

/**
 * The destinations the app's `user(...)` callback vouches for: its `phone` and `email`.
 * @example
 * onFileDestinations({ id: "1", phone: "+15017122661" }); // [{ factorId: "on_file_phone", ... }]
 */
export function onFileDestinations(user: SecondFactorUser): Destination[] {
  const found: Destination[] = [];
  if (typeof user.phone === "string" && user.phone.length > 0) {
    found.push(onFile(ON_FILE_PHONE, "phone", user.phone));
  }
  if (typeof user.email === "string" && user.email.length > 0) {
    found.push(onFile(ON_FILE_EMAIL, "email", user.email));
  }
  return found;
}

function onFile(factorId: string, kind: "phone" | "email", destination: string): Destination {
  return { factorId, kind, destination, masked: maskDestination(destination), onFile: true };
}

/**
 * The kind of destination a channel delivers to.
 * @example
 * kindOf("call"); // "phone"
 */
export function kindOf(channel: Channel): "phone" | "email" {
  return channel === "email" ? "email" : "phone";
}

/**
 * Where a code for `channel` goes: the destination with id `factorId`, else the first of the right
 * kind; `undefined` when there is none. It always comes from the server (the store or the user on
 * file), never from the request (DESIGN §4 rule 2).
 * @example
 * destinationFor(destinations, "sms", undefined)?.destination; // "+15017122661"
 */
export function destinationFor(
  destinations: readonly Destination[],
  channel: Channel,
  factorId: string | undefined,
): Destination | undefined {
  const kind = kindOf(channel);
  return destinations.find(
    (destination) =>
      destination.kind === kind && (factorId === undefined || destination.factorId === factorId),
  );
}

/**
 * The destination a pending challenge went to, when it is still one of the account's: a removed phone
 * or a changed number voids the challenge (rule 2).
 * @example
 * const destination = pendingDestination(limits, destinations, record.pending);
 */
export function pendingDestination(
  limits: Pick<Limits, "destinationKey">,
  destinations: readonly Destination[],
  pending: PendingChallenge,
): Destination | undefined {
  const kind = kindOf(pending.channel);
  return destinations.find(
    (destination) =>
      destination.kind === kind &&
      safeEqual(limits.destinationKey(destination.destination), pending.destinationKey),
  );
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
 * them here (its `methods`) and backed by a destination (the first of its kind is shown).
 * @example
 * availableChannels(["sms", "call"], destinations, record.requirement); // [{ channel: "sms", maskedDestination: "•••• •••• 2661" }, ...]
 */
export function availableChannels(
  allowed: readonly Channel[],
  destinations: readonly Destination[],
  requirement: Requirement | undefined,
): ChannelOption[] {
  const options: ChannelOption[] = [];
  for (const channel of allowed) {
    if (requirement?.channels !== undefined && !requirement.channels.includes(channel)) continue;
    const destination = destinationFor(destinations, channel, undefined);
    if (destination === undefined) continue;
    options.push({ channel, maskedDestination: destination.masked });
  }
  return options;
}
