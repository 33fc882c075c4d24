import { randomInt, timingSafeEqual } from "node:crypto";

/** A random code of `length` decimal digits (leading zeros kept). */
export function generateCode(length: number): string {
  let code = "";
  for (let i = 0; i < length; i++) code += String(randomInt(10));
  return code;
}

/** Compares a submitted code with the expected one in constant time for equal lengths. */
export function codesMatch(expected: string, submitted: string): boolean {
  const a = Buffer.from(expected, "utf8");
  const b = Buffer.from(submitted, "utf8");
  // timingSafeEqual needs equal lengths; compare against itself so a length mismatch costs the same.
  if (a.length !== b.length) {
    timingSafeEqual(a, a);
    return false;
  }
  return timingSafeEqual(a, b);
}
