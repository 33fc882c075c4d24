import { type CountryCode, isSupportedCountry } from "libphonenumber-js";
import { describeValue, invalidOption, isPlainObject, rejectUnknownKeys } from "./checks.js";

/**
 * The `phoneNumbers` option: which numbers the settings page accepts for enrolment.
 * @default {} (any country; a number without `+` is refused unless `defaultCountry` is set)
 * @example
 * const phoneNumbers: PhoneNumbersOptions = { allowedCountries: ["US", "CA"], defaultCountry: "US" };
 */
export interface PhoneNumbersOptions {
  /** ISO 3166-1 alpha-2 codes of the countries whose numbers can be enrolled. @default any country */
  allowedCountries?: readonly string[];
  /** The country of a number typed without `+` (national form). @default none: `+` and the country code are needed */
  defaultCountry?: string;
}

/**
 * {@link PhoneNumbersOptions} after validation.
 * @example
 * const config: PhoneNumbersConfig = parsePhoneNumbers({ allowedCountries: ["FR"] });
 */
export interface PhoneNumbersConfig {
  readonly allowedCountries: readonly CountryCode[] | undefined;
  readonly defaultCountry: CountryCode | undefined;
}

/**
 * Validates the `phoneNumbers` option once: unknown keys and unknown country codes are refused with
 * `ERR_SF_INVALID_OPTION` naming the option and the fix.
 * @example
 * parsePhoneNumbers({ allowedCountries: ["US"], defaultCountry: "US" });
 */
export function parsePhoneNumbers(value: unknown): PhoneNumbersConfig {
  if (value === undefined) return { allowedCountries: undefined, defaultCountry: undefined };
  if (!isPlainObject(value)) {
    throw invalidOption(
      "phoneNumbers",
      describeValue(value),
      'pass an object { allowedCountries?, defaultCountry? }, e.g. { allowedCountries: ["US", "CA"] }',
    );
  }
  rejectUnknownKeys(value, ["allowedCountries", "defaultCountry"], "phoneNumbers.");
  let allowedCountries: CountryCode[] | undefined;
  if (value.allowedCountries !== undefined) {
    const list = value.allowedCountries;
    if (!Array.isArray(list) || list.length === 0) {
      throw invalidOption(
        "phoneNumbers.allowedCountries",
        describeValue(list),
        'use a non-empty list of ISO 3166-1 alpha-2 country codes, e.g. ["US", "CA"], or leave it out to allow any country',
      );
    }
    allowedCountries = list.map((code) => countryCode(code, "phoneNumbers.allowedCountries"));
  }
  const defaultCountry =
    value.defaultCountry === undefined
      ? undefined
      : countryCode(value.defaultCountry, "phoneNumbers.defaultCountry");
  if (
    defaultCountry !== undefined &&
    allowedCountries !== undefined &&
    !allowedCountries.includes(defaultCountry)
  ) {
    throw invalidOption(
      "phoneNumbers.defaultCountry",
      describeValue(defaultCountry),
      "use one of phoneNumbers.allowedCountries, or add it to that list",
    );
  }
  return Object.freeze({
    allowedCountries: allowedCountries === undefined ? undefined : Object.freeze(allowedCountries),
    defaultCountry,
  });
}

function countryCode(value: unknown, name: string): CountryCode {
  if (typeof value === "string" && /^[A-Z]{2}$/.test(value) && isSupportedCountry(value)) return value;
  throw invalidOption(
    name,
    describeValue(value),
    'use ISO 3166-1 alpha-2 country codes in capitals that have phone numbers, e.g. "US", "GB", "FR"',
  );
}
