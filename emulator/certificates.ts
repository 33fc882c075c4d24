import { createPrivateKey, generateKeyPair, randomBytes, X509Certificate } from "node:crypto";
import { promisify } from "node:util";
// node-forge is bundled into the emulator's build (a devDependency): users who never start the proxy
// install nothing more. Node's crypto makes the keys; forge only builds and signs the certificates.
import forge from "node-forge";
import { EmulatorError } from "./emulator-error.js";

/** A certificate and its private key, both PEM. */
export interface PemPair {
  cert: string;
  key: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const CA_NAME = "second-factor Verify emulator CA (development only)";

async function rsaKeyPair(): Promise<{ publicKey: string; privateKey: string }> {
  return promisify(generateKeyPair)("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  });
}

function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f; // a positive INTEGER
  return bytes.toString("hex");
}

function certificate(publicKeyPem: string, days: number, subjectName: string): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKeyPem);
  cert.serialNumber = serialNumber();
  // Back-dated a day: a client whose clock runs a little behind still accepts it.
  cert.validity.notBefore = new Date(Date.now() - DAY_MS);
  cert.validity.notAfter = new Date(Date.now() + days * DAY_MS);
  cert.setSubject([{ name: "commonName", value: subjectName }]);
  return cert;
}

/**
 * Creates a CA that only the emulator's proxy uses: RSA 2048, SHA-256, valid ten years, able to sign
 * server certificates and nothing else (path length 0).
 * @example
 * const ca = await createCa();
 */
export async function createCa(): Promise<PemPair> {
  const keys = await rsaKeyPair();
  const cert = certificate(keys.publicKey, 3650, CA_NAME);
  cert.setIssuer(cert.subject.attributes);
  cert.setExtensions([
    { name: "basicConstraints", cA: true, pathLenConstraint: 0, critical: true },
    { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
    { name: "subjectKeyIdentifier" },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(keys.privateKey), forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: keys.privateKey };
}

function invalidCa(message: string, cause?: unknown): never {
  throw new EmulatorError("ERR_SF_INVALID_OPTION", `startEmulator: option "proxy.ca" ${message}`, {
    cause,
  });
}

/**
 * Checks a CA given by the user (`--ca-cert`, `--ca-key`): a CA certificate, an unencrypted RSA key,
 * and the key belongs to the certificate. Returns the key as PKCS #8, which forge reads.
 * @example
 * const ca = loadCa({ cert: readFileSync("ca.pem", "utf8"), key: readFileSync("ca-key.pem", "utf8") });
 */
export function loadCa(pair: PemPair): PemPair {
  let x509: X509Certificate;
  let key: ReturnType<typeof createPrivateKey>;
  try {
    x509 = new X509Certificate(pair.cert);
  } catch (error) {
    invalidCa("cert is not a PEM certificate", error);
  }
  try {
    key = createPrivateKey(pair.key);
  } catch (error) {
    invalidCa("key is not an unencrypted PEM private key", error);
  }
  if (!x509.ca) invalidCa("cert is not a CA certificate (basicConstraints CA:TRUE)");
  if (key.asymmetricKeyType !== "rsa") invalidCa(`key must be RSA; got ${String(key.asymmetricKeyType)}`);
  if (!x509.checkPrivateKey(key)) invalidCa("key does not belong to cert");
  if (Date.parse(x509.validTo) < Date.now()) invalidCa(`cert expired on ${x509.validTo}`);
  return { cert: pair.cert, key: key.export({ type: "pkcs8", format: "pem" }).toString() };
}

/**
 * Issues a server certificate for `hostname`, signed by `ca`, with the given key pair's public key.
 * @example
 * const leaf = issueServerCertificate(ca, leafKeys, "verify.twilio.com");
 */
export function issueServerCertificate(
  ca: PemPair,
  keys: { publicKey: string; privateKey: string },
  hostname: string,
): PemPair {
  const caCert = forge.pki.certificateFromPem(ca.cert);
  const cert = certificate(keys.publicKey, 365, hostname);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: "basicConstraints", cA: false, critical: true },
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
    { name: "extKeyUsage", serverAuth: true },
    { name: "subjectAltName", altNames: [{ type: 2, value: hostname }] },
    { name: "subjectKeyIdentifier" },
    { name: "authorityKeyIdentifier", keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(ca.key), forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: keys.privateKey };
}

/** One RSA key pair for the server certificates a proxy issues (a development CA needs no more). */
export const serverKeyPair = rsaKeyPair;
