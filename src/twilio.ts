/**
 * `second-factor/twilio`: the Twilio Verify providers (one-time codes, and authenticator apps).
 * @example
 * import { twilioVerify } from "second-factor/twilio";
 * const provider = twilioVerify({ accountSid, authToken, serviceSid });
 */

export type {
  BlockReason,
  CancelVerificationResult,
  Channel,
  CheckVerificationResult,
  RateLimitReason,
  StartVerificationRequest,
  StartVerificationResult,
  VerificationProvider,
} from "./providers/index.js";
export type {
  TotpCodeRequest,
  TotpConfirmResult,
  TotpEnrolment,
  TotpProvider,
  TotpRefusal,
  TotpRemoveResult,
  TotpSecretRef,
  TotpSingleUse,
  TotpVerifyResult,
} from "./providers/totp-provider.js";
export { twilioVerify } from "./providers/twilio/index.js";
export { DEFAULT_TIMEOUT_MS, type TwilioVerifyOptions } from "./providers/twilio/settings.js";
export { type TwilioVerifyTotpOptions, twilioVerifyTotp } from "./providers/twilio/twilio-totp.js";
