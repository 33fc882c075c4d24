/**
 * `second-factor/twilio`: the Twilio Verify provider.
 * @example
 * import { twilioVerify } from "second-factor/twilio";
 * const provider = twilioVerify({ accountSid, authToken, serviceSid });
 */
export { DEFAULT_TIMEOUT_MS, type TwilioVerifyOptions } from "./providers/twilio-options.js";
export { twilioVerify } from "./providers/twilio-verify.js";
export type {
  BlockReason,
  CancelVerificationResult,
  Channel,
  CheckVerificationResult,
  RateLimitReason,
  StartVerificationRequest,
  StartVerificationResult,
  VerificationProvider,
} from "./providers/types.js";
