/** Turns identifiers into store keys with an HMAC, so the store never holds them in the clear. */
import { createHmac } from "node:crypto";

/**
 * Keys identifiers with HMAC-SHA256 under the server secret, base64url (43 characters).
 * @example
 * const keyer = createKeyer(secretBytes);
 * keyer.destination("+15017122661"); // "q3v...": the same number always gives the same key
 */
export interface Keyer {
  /** Any identifier (session, user id, IP group, marker name) as it is. */
  identifier(value: string): string;
  /** A destination; e-mail addresses are compared case-insensitively, so they are lower-cased first. */
  destination(destination: string): string;
}

/**
 * Makes a {@link Keyer} over a copy of `secret`.
 * @example
 * const keyer = createKeyer(new TextEncoder().encode(process.env.SECOND_FACTOR_SECRET));
 */
export function createKeyer(secret: Uint8Array): Keyer {
  const key = Buffer.from(secret);
  // A keyed hash, never a plain one: phone numbers are few enough to enumerate (DESIGN §8).
  const mac = (value: string): string => createHmac("sha256", key).update(value, "utf8").digest("base64url");
  return {
    identifier: mac,
    destination: (destination) => mac(normalizeDestination(destination)),
  };
}

function normalizeDestination(destination: string): string {
  const trimmed = destination.trim();
  return trimmed.includes("@") ? trimmed.toLowerCase() : trimmed;
}
