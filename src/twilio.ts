/**
 * `second-factor/twilio`: the Twilio Verify provider.
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
export { twilioVerify } from "./providers/twilio/index.js";
export { DEFAULT_TIMEOUT_MS, type TwilioVerifyOptions } from "./providers/twilio/settings.js";
