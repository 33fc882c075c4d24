// DESIGN §4 rule 12: TOTP secrets are encrypted at rest (AES-256-GCM, a key derived from `secret`, a
// key id so the secret can rotate); a tampered or misplaced ciphertext is refused, never opened wrong.
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { secretBox } from "../../src/factors/secret-box.js";

const SECRET = "s".repeat(40);
const NEW_SECRET = "n".repeat(40);
const ACCOUNT = "totp:42";

function code(error: unknown): unknown {
  return (error as { code?: unknown }).code;
}

function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

describe("secretBox", () => {
  it("round-trips, with a fresh IV each time", () => {
    const box = secretBox({ secret: SECRET });
    const plain = randomBytes(20);
    const a = box.seal(plain, ACCOUNT);
    const b = box.seal(plain, ACCOUNT);
    expect(a).toMatch(/^v1\.k[\w-]{8}\.[\w-]{16}\.[\w-]{22}\.[\w-]+$/);
    expect(a).not.toBe(b);
    expect(Buffer.from(box.open(a, ACCOUNT))).toEqual(plain);
    expect(Buffer.from(box.open(b, ACCOUNT))).toEqual(plain);
  });

  it("after a rotation, opens old ciphertexts with previousSecrets and seals with the new key", () => {
    const plain = randomBytes(20);
    const old = secretBox({ secret: SECRET }).seal(plain, ACCOUNT);
    const rotated = secretBox({ secret: NEW_SECRET, previousSecrets: [SECRET] });
    expect(Buffer.from(rotated.open(old, ACCOUNT))).toEqual(plain);
    expect(rotated.needsRotation(old)).toBe(true);
    const fresh = rotated.seal(plain, ACCOUNT);
    expect(rotated.needsRotation(fresh)).toBe(false);
    expect(fresh.split(".")[1]).not.toBe(old.split(".")[1]);
    // The new ciphertext is under the new key only: the old secret alone cannot open it.
    expect(code(thrownBy(() => secretBox({ secret: SECRET }).open(fresh, ACCOUNT)))).toBe(
      "ERR_SF_SECRET_UNREADABLE",
    );
    // Without previousSecrets the old one is unreadable, and the message says what to do.
    const error = thrownBy(() => secretBox({ secret: NEW_SECRET }).open(old, ACCOUNT));
    expect(code(error)).toBe("ERR_SF_SECRET_UNREADABLE");
    expect(String((error as Error).message)).toContain("previousSecrets");
  });

  it("refuses a tampered ciphertext, tag or IV, and one moved to another account", () => {
    const box = secretBox({ secret: SECRET });
    const sealed = box.seal(randomBytes(20), ACCOUNT);
    const parts = sealed.split(".");
    for (const index of [2, 3, 4]) {
      const bytes = Buffer.from(parts[index] ?? "", "base64url");
      bytes[0] = (bytes[0] ?? 0) ^ 1;
      const tampered = parts.map((part, i) => (i === index ? bytes.toString("base64url") : part)).join(".");
      expect(code(thrownBy(() => box.open(tampered, ACCOUNT)))).toBe("ERR_SF_SECRET_UNREADABLE");
    }
    expect(code(thrownBy(() => box.open(sealed, "totp:43")))).toBe("ERR_SF_SECRET_UNREADABLE");
    for (const junk of ["", "v1", "v2.kx.a.b.c", `${sealed}.x`]) {
      expect(code(thrownBy(() => box.open(junk, ACCOUNT)))).toBe("ERR_SF_SECRET_UNREADABLE");
    }
  });

  it("stores nothing of the secret in any encoding, nor of the key", () => {
    const box = secretBox({ secret: SECRET });
    const plain = randomBytes(20);
    const sealed = box.seal(plain, ACCOUNT);
    const base32 = toBase32(plain);
    for (const encoded of [
      plain.toString("hex"),
      plain.toString("base64"),
      plain.toString("base64url"),
      base32,
      base32.toLowerCase(),
      SECRET,
    ]) {
      expect(sealed).not.toContain(encoded.slice(0, 12));
    }
  });

  it("refuses a short secret or previous secret, naming the option", () => {
    expect(() => secretBox({ secret: "short" })).toThrow(/option "secret"/);
    expect(() => secretBox({ secret: SECRET, previousSecrets: ["short"] })).toThrow(/previousSecrets\[0\]/);
  });
});

function toBase32(bytes: Uint8Array): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const byte of bytes) bits += byte.toString(2).padStart(8, "0");
  let out = "";
  for (let i = 0; i + 5 <= bits.length; i += 5) out += alphabet[Number.parseInt(bits.slice(i, i + 5), 2)];
  return out;
}
