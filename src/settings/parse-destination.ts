import { parsePhoneNumberFromString } from "libphonenumber-js";
import type { CoreConfig } from "../options/index.js";
import type { MessageKey } from "../pages/messages.js";
import type { PageError } from "../pages/view.js";
import type { Channel } from "../providers/index.js";

const EMAIL = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]+$/;

/**
 * A new phone or address as the settings form gave it, checked locally before anything is sent.
 * @example
 * const parsed: NewDestination = { ok: true, kind: "phone", destination: "+15017122661", channel: "sms" };
 */
export type NewDestination =
  | {
      readonly ok: true;
      readonly kind: "phone" | "email";
      readonly destination: string;
      readonly channel: Channel;
    }
  | {
      readonly ok: false;
      readonly field: PageError["field"];
      readonly error: string;
      readonly key: MessageKey;
    };

/**
 * Reads the add form: field `email` (when the `email` channel is on) enrols an address; otherwise
 * field `phone` is parsed with libphonenumber-js into E.164 (a number without `+` needs
 * `phoneNumbers.defaultCountry`), refused when invalid or from a country outside
 * `phoneNumbers.allowedCountries`, with field `channel` among the instance's phone channels (the first
 * one when left out).
 * @example
 * parseNewDestination(config, { phone: "+1 501 712 2661", channel: "sms" }); // { ok: true, destination: "+15017122661", ... }
 */
export function parseNewDestination(
  config: CoreConfig<unknown>,
  fields: Readonly<Record<string, unknown>>,
): NewDestination {
  const emailOn = config.channels.includes("email");
  if (emailOn && typeof fields.email === "string" && fields.email.trim() !== "") {
    const address = fields.email.trim();
    if (address.length > 254 || !EMAIL.test(address)) {
      return { ok: false, field: "email", error: "invalid_email", key: "error_email_invalid" };
    }
    const at = address.lastIndexOf("@");
    // The domain is case-insensitive; the local part is kept as typed (RFC 5321).
    const normalised = `${address.slice(0, at)}@${address.slice(at + 1).toLowerCase()}`;
    return { ok: true, kind: "email", destination: normalised, channel: "email" };
  }
  const phoneChannels: readonly Channel[] = config.channels.filter((channel) => channel !== "email");
  const channel = fields.channel === undefined || fields.channel === "" ? phoneChannels[0] : fields.channel;
  if (typeof channel !== "string" || !phoneChannels.includes(channel as Channel)) {
    return { ok: false, field: "channel", error: "invalid_channel", key: "error_channel_invalid" };
  }
  const typed = fields.phone;
  if (typed === undefined || (typeof typed === "string" && typed.trim() === "")) {
    return { ok: false, field: "phone", error: "phone_missing", key: "error_phone_missing" };
  }
  if (typeof typed !== "string" || typed.length > 64) {
    return { ok: false, field: "phone", error: "invalid_phone", key: "error_phone_invalid" };
  }
  const { defaultCountry, allowedCountries } = config.phoneNumbers;
  const parsed = parsePhoneNumberFromString(
    typed.trim(),
    defaultCountry === undefined ? {} : { defaultCountry },
  );
  if (parsed === undefined || !parsed.isValid()) {
    return { ok: false, field: "phone", error: "invalid_phone", key: "error_phone_invalid" };
  }
  if (
    allowedCountries !== undefined &&
    (parsed.country === undefined || !allowedCountries.includes(parsed.country))
  ) {
    return { ok: false, field: "phone", error: "country_not_allowed", key: "error_phone_country" };
  }
  return { ok: true, kind: "phone", destination: parsed.number, channel: channel as Channel };
}
