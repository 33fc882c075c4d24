import { createCipheriv, createDecipheriv, hkdfSync, randomBytes, timingSafeEqual } from "node:crypto";
import { ErrorCodes, SecondFactorError } from "../errors.js";
import { invalidOption, secretBytes } from "../options/checks.js";

/**
 * Encrypts small secrets at rest (DESIGN §4 rule 12): AES-256-GCM with a key derived from the app's
 * `secret` by HKDF-SHA256, a fresh 96-bit IV per seal, and the key's id in the result so that the
 * secret can rotate. `context` (e.g. the account id) is authenticated data: a ciphertext copied to
 * another account does not open.
 * @example
 * const box = secretBox({ secret: process.env.SECOND_FACTOR_SECRET!, previousSecrets: [oldSecret] });
 * const sealed = box.seal(totpSecretBytes, "account:42");
 * const again = box.open(sealed, "account:42");
 */
export interface SecretBox {
  /** `v1.k<key id>.<iv>.<tag>.<ciphertext>`, each part base64url. */
  seal(plaintext: Uint8Array, context: string): string;
  /**
   * The plaintext, or throws `ERR_SF_SECRET_UNREADABLE` (unknown key id, tampered, other context):
   * never a wrong plaintext.
   */
  open(sealed: string, context: string): Uint8Array;
  /** True when `sealed` was made with an older key: re-seal it with {@link SecretBox.seal}. */
  needsRotation(sealed: string): boolean;
}

/**
 * Options of {@link secretBox}.
 * @example
 * const options: SecretBoxOptions = { secret: currentSecret, previousSecrets: [lastYearsSecret] };
 */
export interface SecretBoxOptions {
  /** The app's `secret` (32 bytes or more); new ciphertexts use the key derived from it. */
  secret: string | Uint8Array;
  /**
   * Secrets used before `secret`, still accepted to open older ciphertexts (rotation): add the old
   * secret here when you change `secret`, and remove it once every stored secret is re-sealed.
   * @default []
   */
  previousSecrets?: readonly (string | Uint8Array)[];
}

const VERSION = "v1";
const KEY_INFO = "second-factor secret-box v1 key";
const ID_INFO = "second-factor secret-box v1 key id";
const SALT = "second-factor";
const IV_BYTES = 12;
const TAG_BYTES = 16;

interface Key {
  id: string;
  bytes: Buffer;
}

function deriveKey(secret: Uint8Array): Key {
  const bytes = Buffer.from(hkdfSync("sha256", secret, SALT, KEY_INFO, 32));
  // The id is derived separately so that it reveals nothing about the key.
  const id = Buffer.from(hkdfSync("sha256", secret, SALT, ID_INFO, 6)).toString("base64url");
  return { id, bytes };
}

/**
 * Makes a {@link SecretBox} from the app's secret (and older ones, for rotation).
 * @throws SecondFactorError `ERR_SF_INVALID_OPTION` for a short or missing secret.
 * @example
 * const box = secretBox({ secret: process.env.SECOND_FACTOR_SECRET! });
 */
export function secretBox(options: SecretBoxOptions): SecretBox {
  const current = deriveKey(secretBytes(options.secret, "secret"));
  const previous = options.previousSecrets ?? [];
  if (!Array.isArray(previous)) {
    throw invalidOption("previousSecrets", "a value that is not an array", "pass an array of older secrets");
  }
  const keys = [current, ...previous.map((old, i) => deriveKey(secretBytes(old, `previousSecrets[${i}]`)))];

  return {
    seal(plaintext, context) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv("aes-256-gcm", current.bytes, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(Buffer.from(context, "utf8"));
      const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
      return [VERSION, `k${current.id}`, iv, cipher.getAuthTag(), body]
        .map((part) => (typeof part === "string" ? part : part.toString("base64url")))
        .join(".");
    },

    open(sealed, context) {
      const parts = typeof sealed === "string" ? sealed.split(".") : [];
      const [version, keyPart, ivPart, tagPart, bodyPart] = parts;
      if (parts.length !== 5 || version !== VERSION || !keyPart?.startsWith("k")) {
        throw unreadable("it is not a sealed secret of this library (v1.k<id>.<iv>.<tag>.<data>)");
      }
      const id = Buffer.from(keyPart.slice(1), "utf8");
      const key = keys.find((candidate) => {
        const known = Buffer.from(candidate.id, "utf8");
        return known.length === id.length && timingSafeEqual(known, id);
      });
      if (key === undefined) {
        throw unreadable(
          `its key id ${JSON.stringify(keyPart.slice(0, 12))} matches neither "secret" nor "previousSecrets"; ` +
            "add the secret it was sealed with to previousSecrets",
        );
      }
      const iv = Buffer.from(ivPart ?? "", "base64url");
      const tag = Buffer.from(tagPart ?? "", "base64url");
      if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw unreadable("its IV or tag is malformed");
      try {
        const decipher = createDecipheriv("aes-256-gcm", key.bytes, iv, { authTagLength: TAG_BYTES });
        decipher.setAAD(Buffer.from(context, "utf8"));
        decipher.setAuthTag(tag);
        const body = Buffer.from(bodyPart ?? "", "base64url");
        return new Uint8Array(Buffer.concat([decipher.update(body), decipher.final()]));
      } catch {
        throw unreadable(
          "its authentication tag does not match: it was altered, or belongs to another account",
        );
      }
    },

    needsRotation(sealed) {
      return typeof sealed === "string" && sealed.split(".")[1] !== `k${current.id}`;
    },
  };
}

function unreadable(why: string): SecondFactorError {
  return new SecondFactorError(
    ErrorCodes.SECRET_UNREADABLE,
    `second-factor: a stored secret cannot be decrypted: ${why}.`,
    { status: 500, expose: false },
  );
}
