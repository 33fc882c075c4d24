/**
 * Passkeys (WebAuthn) as a phishing-resistant second factor: the `webauthn` option, the one-use
 * challenge, and the registration and authentication ceremonies over the factor store. The flow
 * (routes, pages, session record) calls these.
 */
export type { PasskeyStore, ResponseRefusal, StoredPasskey } from "./ceremony-support.js";
export {
  type AuthenticationOptionsResult,
  type AuthenticationRefusal,
  type AuthenticationResult,
  passkeyAuthenticationOptions,
  verifyPasskeyAuthentication,
} from "./passkey-authentication.js";
export {
  type ChallengeRefusal,
  type ChallengeUse,
  consumePasskeyChallenge,
  MAX_PASSKEY_CHALLENGE_LIFETIME_MS,
  newPasskeyChallenge,
  PASSKEY_CHALLENGE_LIFETIME_MS,
  type PasskeyCeremony,
  type PasskeyChallenge,
  readPasskeyChallenge,
  type SingleUseMarkers,
} from "./passkey-challenge.js";
export {
  type NewPasskey,
  PASSKEY_CEREMONY_TIMEOUT_MS,
  type PasskeyOptions,
  type PasskeyUser,
  passkeyRegistrationOptions,
  type RegistrationRefusal,
  type RegistrationResult,
  verifyPasskeyRegistration,
} from "./passkey-registration.js";
export { parseWebAuthnOptions, type WebAuthnConfig, type WebAuthnOptions } from "./webauthn-config.js";
