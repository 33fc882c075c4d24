/**
 * The `webauthn` option: the relying party (id and name) and the origins passkeys may be used from,
 * parsed and validated once at start-up so that a wrong value fails loudly there, not at a user's
 * first passkey.
 */
import { isIP } from "node:net";
import {
  describeValue,
  invalidOption,
  isPlainObject,
  optionProblem,
  rejectUnknownKeys,
} from "../../options/checks.js";

/**
 * The `webauthn` option as the app writes it.
 * @example
 * const webauthn: WebAuthnOptions = { rpId: "example.com", rpName: "Example", origins: ["https://example.com"] };
 */
export interface WebAuthnOptions {
  /**
   * The relying party id: the domain passkeys are bound to, without scheme, port or path
   * (`example.com`, or `localhost` in development). Every origin's host must be it or end in `.rpId`.
   */
  readonly rpId: string;
  /** The name authenticators show to people ("Example Bank"). */
  readonly rpName: string;
  /**
   * Every origin pages that use passkeys are served from (`https://example.com`,
   * `https://www.example.com`); `http:` only for `http://localhost[:port]`.
   */
  readonly origins: readonly string[];
}

/**
 * The parsed `webauthn` option: a frozen copy, origins in their canonical form (`new URL(x).origin`).
 * @example
 * const config: WebAuthnConfig = parseWebAuthnOptions(options.webauthn);
 */
export interface WebAuthnConfig {
  readonly rpId: string;
  readonly rpName: string;
  readonly origins: readonly string[];
}

const KNOWN_KEYS = ["rpId", "rpName", "origins"] as const;
const DOMAIN_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const LONGEST_RP_NAME = 100;
const IP_ADDRESS_FIX =
  "browsers refuse passkeys on an IP address; serve the app on a domain, e.g. http://localhost:3000 in development";

/**
 * Parses and validates the `webauthn` option once (the options module calls it at start-up). Refuses,
 * with `ERR_SF_INVALID_OPTION` naming the option and the fix: unknown keys; an `rpId` with a scheme,
 * port, path, upper case or an IP address; an empty `rpName`; an origin that is not a bare origin, not
 * `https:` (except `http://localhost`), on an IP address, or whose host is not `rpId` or under it.
 * @param name - the option's name in error messages.
 * @default name "webauthn"
 * @example
 * const webauthn = parseWebAuthnOptions({
 *   rpId: "example.com",
 *   rpName: "Example",
 *   origins: ["https://example.com", "https://www.example.com"],
 * });
 */
export function parseWebAuthnOptions(value: unknown, name = "webauthn"): WebAuthnConfig {
  if (!isPlainObject(value)) {
    throw invalidOption(
      name,
      describeValue(value),
      'pass an object like { rpId: "example.com", rpName: "Example", origins: ["https://example.com"] }',
    );
  }
  rejectUnknownKeys(value, KNOWN_KEYS, `${name}.`);
  const rpId = parseRpId(value.rpId, `${name}.rpId`);
  const rpName = parseRpName(value.rpName, `${name}.rpName`);
  const origins = parseOrigins(value.origins, `${name}.origins`, rpId);
  return Object.freeze({ rpId, rpName, origins: Object.freeze(origins) });
}

function parseRpId(value: unknown, name: string): string {
  const fix =
    'use the bare domain the pages are served from, without scheme, port or path, e.g. "example.com"';
  if (typeof value !== "string" || value === "") throw invalidOption(name, describeValue(value), fix);
  if (isIP(value.replace(/^\[|\]$/g, "")) !== 0)
    throw invalidOption(name, describeValue(value), IP_ADDRESS_FIX);
  if (value !== value.toLowerCase()) {
    throw invalidOption(name, describeValue(value), `write it in lower case: "${value.toLowerCase()}"`);
  }
  const labels = value.split(".");
  if (value.length > 253 || !labels.every((label) => DOMAIN_LABEL.test(label))) {
    throw invalidOption(name, describeValue(value), fix);
  }
  // A single label other than localhost is a top-level domain, never registrable (a passkey for "com").
  if (labels.length === 1 && value !== "localhost") {
    throw invalidOption(
      name,
      describeValue(value),
      `${fix}; a top-level domain alone is not a relying party`,
    );
  }
  return value;
}

function parseRpName(value: unknown, name: string): string {
  const fix = `use the name people know the site by, 1 to ${LONGEST_RP_NAME} characters, e.g. "Example Bank"`;
  if (typeof value !== "string" || value.trim() === "" || value.length > LONGEST_RP_NAME) {
    throw invalidOption(name, describeValue(value), fix);
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point.
  if (/[\u0000-\u001f\u007f]/.test(value))
    throw invalidOption(name, describeValue(value), `${fix}, on one line`);
  return value;
}

function parseOrigins(value: unknown, name: string, rpId: string): string[] {
  const example = `e.g. ["https://${rpId}"]`;
  if (!Array.isArray(value) || value.length === 0) {
    throw invalidOption(
      name,
      describeValue(value),
      `list every origin the pages are served from, ${example}`,
    );
  }
  const origins = value.map((origin, index) => parseOrigin(origin, `${name}[${index}]`, rpId));
  return [...new Set(origins)];
}

function parseOrigin(value: unknown, name: string, rpId: string): string {
  const shown = describeValue(value);
  const fix = `use a scheme and host (and a port if not the default) with nothing after it, e.g. "https://${rpId}"`;
  if (typeof value !== "string") throw invalidOption(name, shown, fix);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalidOption(name, shown, fix);
  }
  // The browser reports the bare origin; anything more here is a misunderstanding, not a narrower rule.
  if (
    url.origin === "null" ||
    url.username !== "" ||
    url.password !== "" ||
    url.search !== "" ||
    url.hash !== ""
  ) {
    throw invalidOption(name, shown, fix);
  }
  if (url.pathname !== "/") throw invalidOption(name, shown, `${fix} (no path)`);
  const host = url.hostname;
  if (isIP(host.replace(/^\[|\]$/g, "")) !== 0) throw invalidOption(name, shown, IP_ADDRESS_FIX);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && host === "localhost")) {
    throw invalidOption(
      name,
      shown,
      `use https: (http: is allowed only for http://localhost), e.g. "https://${host}"`,
    );
  }
  if (host !== rpId && !host.endsWith(`.${rpId}`)) {
    throw optionProblem(
      name,
      `is not under the relying party id "${rpId}" (got ${shown})`,
      `serve the pages from ${rpId} or a subdomain of it, or change the rpId to the domain of ${shown}`,
    );
  }
  return url.origin;
}
