/**
 * A software WebAuthn authenticator for tests: an ES256 (P-256) key pair from node:crypto,
 * authenticator data built by hand, `none` attestation CBOR-encoded by the few lines below. It answers
 * what a browser would post as `PublicKeyCredential` JSON, for any challenge, origin and rpId, so tests
 * can also build the answers a real browser would never send (another origin, another rpId).
 */
import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from "node:crypto";

type Cbor = number | string | Uint8Array | Cbor[] | Map<number | string, Cbor>;

/** Just enough CBOR (RFC 8949) for an attestation object and a COSE key. */
export function cbor(value: Cbor): Buffer {
  const head = (major: number, length: number): Buffer => {
    if (length < 24) return Buffer.from([(major << 5) | length]);
    if (length < 0x100) return Buffer.from([(major << 5) | 24, length]);
    if (length < 0x10000) return Buffer.from([(major << 5) | 25, length >> 8, length & 0xff]);
    throw new RangeError("cbor: value too long for this test encoder");
  };
  if (typeof value === "number") return value >= 0 ? head(0, value) : head(1, -1 - value);
  if (typeof value === "string") {
    const bytes = Buffer.from(value, "utf8");
    return Buffer.concat([head(3, bytes.length), bytes]);
  }
  if (value instanceof Uint8Array) return Buffer.concat([head(2, value.length), value]);
  if (Array.isArray(value)) return Buffer.concat([head(4, value.length), ...value.map(cbor)]);
  return Buffer.concat([
    head(5, value.size),
    ...[...value].flatMap(([key, item]) => [cbor(key), cbor(item)]),
  ]);
}

const FLAG_USER_PRESENT = 0x01;
const FLAG_USER_VERIFIED = 0x04;
const FLAG_BACKUP_ELIGIBLE = 0x08;
const FLAG_BACKED_UP = 0x10;
const FLAG_ATTESTED_CREDENTIAL = 0x40;

/** Where and for what an answer is made; a browser would take origin and rpId from the page. */
export interface Ceremony {
  readonly challenge: string;
  readonly origin: string;
  readonly rpId: string;
}

export interface SoftAuthenticator {
  readonly credentialId: string;
  /** The signature counter of the next assertion (0 forever for `counter: "none"`). */
  counter: number;
  /** `navigator.credentials.create` as JSON. */
  register(ceremony: Ceremony): RegistrationJSON;
  /** `navigator.credentials.get` as JSON; the counter goes up first unless the authenticator keeps none. */
  assert(ceremony: Ceremony, options?: { counter?: number }): AuthenticationJSON;
}

export interface RegistrationJSON {
  id: string;
  rawId: string;
  type: "public-key";
  clientExtensionResults: Record<string, never>;
  response: { clientDataJSON: string; attestationObject: string; transports: string[] };
}

export interface AuthenticationJSON {
  id: string;
  rawId: string;
  type: "public-key";
  clientExtensionResults: Record<string, never>;
  response: { clientDataJSON: string; authenticatorData: string; signature: string };
}

/**
 * A new authenticator with one credential. `counter: "none"` is an authenticator that keeps no
 * counter (most synced passkeys): it always reports 0.
 */
export function softAuthenticator(
  options: { counter?: number | "none"; backedUp?: boolean } = {},
): SoftAuthenticator {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const credentialId = randomBytes(16);
  const keepsCounter = options.counter !== "none";
  const flagsOfKey = options.backedUp ? FLAG_BACKUP_ELIGIBLE | FLAG_BACKED_UP : 0;
  const authenticator: SoftAuthenticator = {
    credentialId: credentialId.toString("base64url"),
    counter: typeof options.counter === "number" ? options.counter : 0,
    register(ceremony) {
      const attested = Buffer.concat([
        Buffer.alloc(16), // AAGUID: all zeros, as with `none` attestation
        Buffer.from([credentialId.length >> 8, credentialId.length & 0xff]),
        credentialId,
        coseKey(publicKey),
      ]);
      const authData = authenticatorData(
        ceremony.rpId,
        FLAG_USER_PRESENT | FLAG_USER_VERIFIED | FLAG_ATTESTED_CREDENTIAL | flagsOfKey,
        authenticator.counter,
        attested,
      );
      const attestationObject = cbor(
        new Map<string, Cbor>([
          ["fmt", "none"],
          ["attStmt", new Map()],
          ["authData", authData],
        ]),
      );
      return {
        id: authenticator.credentialId,
        rawId: authenticator.credentialId,
        type: "public-key",
        clientExtensionResults: {},
        response: {
          clientDataJSON: clientData("webauthn.create", ceremony).toString("base64url"),
          attestationObject: attestationObject.toString("base64url"),
          transports: ["internal", "hybrid"],
        },
      };
    },
    assert(ceremony, assertion = {}) {
      if (assertion.counter !== undefined) authenticator.counter = assertion.counter;
      else if (keepsCounter) authenticator.counter += 1;
      const authData = authenticatorData(
        ceremony.rpId,
        FLAG_USER_PRESENT | FLAG_USER_VERIFIED | flagsOfKey,
        authenticator.counter,
      );
      const clientDataJSON = clientData("webauthn.get", ceremony);
      const signed = Buffer.concat([authData, createHash("sha256").update(clientDataJSON).digest()]);
      return {
        id: authenticator.credentialId,
        rawId: authenticator.credentialId,
        type: "public-key",
        clientExtensionResults: {},
        response: {
          clientDataJSON: clientDataJSON.toString("base64url"),
          authenticatorData: authData.toString("base64url"),
          signature: sign("sha256", signed, privateKey).toString("base64url"),
        },
      };
    },
  };
  return authenticator;
}

function clientData(type: string, ceremony: Ceremony): Buffer {
  return Buffer.from(
    JSON.stringify({ type, challenge: ceremony.challenge, origin: ceremony.origin, crossOrigin: false }),
  );
}

function authenticatorData(rpId: string, flags: number, counter: number, attested?: Buffer): Buffer {
  const count = Buffer.alloc(4);
  count.writeUInt32BE(counter);
  return Buffer.concat([
    createHash("sha256").update(rpId).digest(),
    Buffer.from([flags]),
    count,
    ...(attested ? [attested] : []),
  ]);
}

/** The COSE_Key of an EC2 P-256 public key for ES256 (RFC 9053): kty 2, alg -7, crv 1, x, y. */
function coseKey(publicKey: KeyObject): Buffer {
  const jwk = publicKey.export({ format: "jwk" });
  return cbor(
    new Map<number, Cbor>([
      [1, 2],
      [3, -7],
      [-1, 1],
      [-2, Buffer.from(jwk.x ?? "", "base64url")],
      [-3, Buffer.from(jwk.y ?? "", "base64url")],
    ]),
  );
}
