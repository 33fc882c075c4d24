import twilio from "twilio";
import {
  type CancelVerificationResult,
  CHANNELS,
  type CheckVerificationResult,
  type ProviderAppSettings,
  type StartVerificationRequest,
  type StartVerificationResult,
  type VerificationProvider,
} from "../index.js";
import { emulatorHttpClient } from "./emulator-client.js";
import {
  cancelFailure,
  checkFailure,
  startFailure,
  type TwilioFailureContext,
  toTwilioFailure,
} from "./error-map.js";
import { cancelAnswer, checkAnswer, isVerificationSid, startAnswer } from "./results.js";
import { describeFailure, serviceWarnings } from "./service-check.js";
import { parseTwilioVerifyOptions, type TwilioVerifyConfig, type TwilioVerifyOptions } from "./settings.js";
import { type TwilioRequestClient, withDeadline, withErrorAnswers } from "./transport.js";

// The SDK's own timeout is per socket; this margin lets it fire first, the deadline only catches trickles.
export const DEADLINE_MARGIN_MS = 100;

/**
 * A {@link VerificationProvider} on Twilio Verify v2, through the official `twilio` SDK. Options are
 * validated here, once; each call has one timeout and is never retried. Checks and cancels go by
 * Verify SID, never by destination. The end user's IP is not sent: Twilio's `DeviceIp` is for the
 * `auto`/SNA channels only, and `RateLimits` needs rate limits defined on the service.
 * @throws SecondFactorError `ERR_SF_INVALID_OPTION` for a bad, missing or unknown option.
 * @example
 * import { twilioVerify } from "second-factor/twilio";
 * const provider = twilioVerify({
 *   accountSid: process.env.TWILIO_ACCOUNT_SID!,
 *   authToken: process.env.TWILIO_AUTH_TOKEN!,
 *   serviceSid: process.env.TWILIO_VERIFY_SERVICE_SID!,
 * });
 * const sent = await provider.start({ to: "+15017122661", channel: "sms" });
 * if (sent.status === "pending") await provider.check({ sid: sent.sid, code: "123456" });
 */
export function twilioVerify(options: TwilioVerifyOptions): VerificationProvider {
  const config = parseTwilioVerifyOptions(options);
  const service = createClient(config).verify.v2.services(config.serviceSid);
  const context: TwilioFailureContext = { serviceSid: config.serviceSid, timeoutMs: config.timeoutMs };
  const deadline = config.timeoutMs + DEADLINE_MARGIN_MS;

  return {
    name: "twilio-verify",

    async configure(app: ProviderAppSettings): Promise<void> {
      if (!config.checkService) return;
      let fetched: Awaited<ReturnType<typeof service.fetch>>;
      try {
        fetched = await withDeadline(service.fetch(), deadline);
      } catch (error) {
        const reason = toTwilioFailure(error);
        app.logger.warn(
          `second-factor: could not fetch Verify service ${config.serviceSid} to check its settings (${describeFailure(reason)}); sends will tell. Starting anyway.`,
        );
        return;
      }
      for (const warning of serviceWarnings(fetched, app)) app.logger.warn(warning);
    },

    async start(request: StartVerificationRequest): Promise<StartVerificationResult> {
      const { to, channel, locale } = request;
      if (typeof to !== "string" || to.length === 0) return { status: "invalid_destination" };
      if (!CHANNELS.includes(channel)) return { status: "channel_unavailable" };
      let answer: Awaited<ReturnType<typeof service.verifications.create>>;
      try {
        answer = await withDeadline(
          service.verifications.create(locale === undefined ? { to, channel } : { to, channel, locale }),
          deadline,
        );
      } catch (error) {
        return startFailure(toTwilioFailure(error), context);
      }
      return startAnswer(answer, channel);
    },

    async check({ sid, code }: { sid: string; code: string }): Promise<CheckVerificationResult> {
      if (!isVerificationSid(sid)) return { status: "not_found" };
      // Twilio refuses codes outside 4..10 characters (60200); no need to spend a request on them.
      if (typeof code !== "string" || code.length < 4 || code.length > 10) return { status: "invalid_code" };
      let answer: Awaited<ReturnType<typeof service.verificationChecks.create>>;
      try {
        answer = await withDeadline(
          service.verificationChecks.create({ verificationSid: sid, code }),
          deadline,
        );
      } catch (error) {
        return checkFailure(toTwilioFailure(error), context);
      }
      return checkAnswer(answer, sid);
    },

    async cancel({ sid }: { sid: string }): Promise<CancelVerificationResult> {
      if (!isVerificationSid(sid)) return { status: "not_found" };
      let answer: Awaited<ReturnType<ReturnType<typeof service.verifications>["update"]>>;
      try {
        answer = await withDeadline(service.verifications(sid).update({ status: "canceled" }), deadline);
      } catch (error) {
        return cancelFailure(toTwilioFailure(error), context);
      }
      return cancelAnswer(answer);
    },
  };
}

/**
 * The `twilio` SDK client of a validated configuration: no automatic retry, the configured timeout, and
 * the emulator transport when `emulatorUrl` is set.
 * @example
 * const service = createClient(config).verify.v2.services(config.serviceSid);
 */
export function createClient(config: TwilioVerifyConfig): twilio.Twilio {
  // autoRetry stays off and nothing is retried: a retried send is a resend (it costs and counts toward 60203).
  const http: TwilioRequestClient =
    config.emulatorUrl === undefined
      ? new twilio.RequestClient({ timeout: config.timeoutMs, autoRetry: false })
      : emulatorHttpClient(config.emulatorUrl, { timeoutMs: config.timeoutMs });
  return twilio(config.username, config.password, {
    accountSid: config.accountSid,
    httpClient: withErrorAnswers(http),
    autoRetry: false,
  });
}
