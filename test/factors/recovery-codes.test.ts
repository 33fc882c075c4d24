// Recovery-code building blocks (DESIGN §4 rule 12): codes from the CSPRNG in an alphabet without
// ambiguous symbols, forgiving of case, spaces and hyphens; stored only as salted scrypt hashes that
// are never usable as codes; a typed code found with constant-time comparisons against every hash.
import * as crypto from "node:crypto";
import { describe, expect, it, vi } from "vitest";
import {
  DEFAULT_RECOVERY_CODE_COUNT,
  findRecoveryCode,
  generateRecoveryCodes,
  hashRecoveryCodes,
  normaliseRecoveryCode,
  RECOVERY_CODE_ALPHABET,
  RECOVERY_CODE_ENTROPY_BITS,
  RECOVERY_SCRYPT,
  recoveryCodesText,
} from "../../src/factors/recovery-codes.js";

vi.mock("node:crypto", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:crypto")>();
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});

/** Cheap parameters for most tests; one test runs the defaults. */
const FAST = { N: 1024, r: 8, p: 1 };

describe("generateRecoveryCodes", () => {
  it("makes 10 distinct codes xxxx-xxxx-xxxx in an alphabet without 0/o, 1/l/i", () => {
    const codes = generateRecoveryCodes();
    expect(codes).toHaveLength(DEFAULT_RECOVERY_CODE_COUNT);
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of codes)
      expect(code).toMatch(/^[2-9a-hjkmnp-z]{4}-[2-9a-hjkmnp-z]{4}-[2-9a-hjkmnp-z]{4}$/);
    for (const ambiguous of "01oil") expect(RECOVERY_CODE_ALPHABET).not.toContain(ambiguous);
    expect(RECOVERY_CODE_ALPHABET).toHaveLength(31);
    expect(RECOVERY_CODE_ENTROPY_BITS).toBeGreaterThan(59);
    expect(RECOVERY_CODE_ENTROPY_BITS).toBeLessThan(112);
  });

  it("uses every symbol of the alphabet, none more than chance allows", () => {
    const counts = new Map<string, number>();
    for (const code of generateRecoveryCodes(100)) {
      for (const symbol of code.replaceAll("-", "")) counts.set(symbol, (counts.get(symbol) ?? 0) + 1);
    }
    expect([...counts.keys()].sort().join("")).toBe(RECOVERY_CODE_ALPHABET);
    // 1200 symbols of 31: about 39 each; 80 is far beyond chance.
    for (const count of counts.values()) expect(count).toBeLessThan(80);
  });

  it("refuses a count outside 1..100", () => {
    for (const count of [0, -1, 1.5, 101, Number.NaN])
      expect(() => generateRecoveryCodes(count)).toThrow(RangeError);
  });
});

describe("normaliseRecoveryCode", () => {
  it("forgives case, spaces and hyphens", () => {
    for (const typed of [
      "abcd-2345-efgh",
      "ABCD-2345-EFGH",
      " abcd 2345 efgh ",
      "abcd2345efgh",
      "abcd–2345—efgh",
    ]) {
      expect(normaliseRecoveryCode(typed)).toBe("abcd2345efgh");
    }
  });

  it("refuses what cannot be a code", () => {
    for (const typed of [
      "",
      "abcd-2345-efg",
      "abcd-2345-efghj",
      "abcd-2345-efg0",
      "abcd-2345-efgl",
      123,
      undefined,
      "a".repeat(65),
    ]) {
      expect(normaliseRecoveryCode(typed)).toBeUndefined();
    }
  });
});

describe("hashing and finding", () => {
  it("stores scrypt$N$r$p$salt$hash with the default parameters and finds a code by it", async () => {
    const [code = ""] = generateRecoveryCodes(1);
    const [hash = ""] = await hashRecoveryCodes([code]);
    expect(hash).toMatch(new RegExp(`^scrypt\\$${RECOVERY_SCRYPT.N}\\$8\\$1\\$[\\w-]{22}\\$[\\w-]{43}$`));
    expect(hash).not.toContain(code.replaceAll("-", ""));
    expect(await findRecoveryCode(code.toUpperCase(), [hash])).toBe(hash);
  }, 20_000);

  it("finds the exact stored hash of a typed code among the set, and nothing for a wrong code", async () => {
    const codes = generateRecoveryCodes();
    const hashes = await hashRecoveryCodes(codes, FAST);
    expect(new Set(hashes).size).toBe(codes.length);
    for (const [index, code] of codes.entries())
      expect(await findRecoveryCode(code, hashes)).toBe(hashes[index]);
    const other = generateRecoveryCodes(1)[0] ?? "";
    expect(await findRecoveryCode(other, hashes)).toBeUndefined();
    // Another set (another salt) of the same codes has other hashes.
    expect(await hashRecoveryCodes(codes, FAST)).not.toEqual(hashes);
  });

  it("never accepts a stored hash, or a part of one, as a code", async () => {
    const codes = generateRecoveryCodes(3);
    const hashes = await hashRecoveryCodes(codes, FAST);
    for (const hash of hashes) {
      expect(await findRecoveryCode(hash, hashes)).toBeUndefined();
      for (const part of hash.split("$")) expect(await findRecoveryCode(part, hashes)).toBeUndefined();
    }
  });

  it("ignores stored values that are not hashes or ask for too much work", async () => {
    const [code = ""] = generateRecoveryCodes(1);
    const [hash = ""] = await hashRecoveryCodes([code], FAST);
    const tampered = hash.replace("$1024$", "$2097152$");
    const notPowerOfTwo = hash.replace("$1024$", "$1000$");
    expect(await findRecoveryCode(code, [tampered, notPowerOfTwo, code, ""])).toBeUndefined();
  });

  it("compares with every stored hash in constant time, wherever the match is", async () => {
    const codes = generateRecoveryCodes();
    const hashes = await hashRecoveryCodes(codes, FAST);
    const compare = vi.mocked(crypto.timingSafeEqual);
    for (const code of [codes[0], codes[9], "zzzz-zzzz-zzzz"]) {
      compare.mockClear();
      await findRecoveryCode(code, hashes);
      expect(compare).toHaveBeenCalledTimes(hashes.length);
    }
  });
});

describe("recoveryCodesText", () => {
  it("lists the codes, when they were made, and that each works once", () => {
    const text = recoveryCodesText(
      ["abcd-2345-efgh", "jkmn-6789-pqrs"],
      new Date(Date.UTC(2030, 0, 2)),
      "Example",
    );
    expect(text).toContain("Recovery codes for Example");
    expect(text).toContain("2030-01-02T00:00:00.000Z");
    expect(text).toContain("Each code works once.");
    expect(text).toContain("\nabcd-2345-efgh\njkmn-6789-pqrs\n");
  });
});
