import { createHmac } from "node:crypto";
import { invalidOption, isPlainObject, optionalClock, secretBytes } from "../../options/checks.js";
import {
  normalizeTotpCode,
  type TotpCodeRequest,
  type TotpConfirmResult,
  type TotpProvider,
  type TotpSecretRef,
  type TotpSingleUse,
  type TotpVerifyResult,
} from "../totp-provider.js";
import { type TwilioFailureContext, toTwilioFailure, unexpectedAnswer } from "./error-map.js";
import { createClient, DEADLINE_MARGIN_MS } from "./index.js";
import { parseTwilioVerifyOptions, type TwilioVerifyOptions } from "./settings.js";
import { enrolFailure, removeFailure, totpCodeFailure } from "./totp-failures.js";
import { withDeadline } from "./transport.js";

/**
 * Options of {@link twilioVerifyTotp}: those of `twilioVerify`, plus the app's `secret` (it keys the
 * HMAC that turns a user id into a Verify identity) and the factor's name.
 * @example
 * const options: TwilioVerifyTotpOptions = { accountSid, authToken, serviceSid, secret: process.env.SECOND_FACTOR_SECRET! };
 */
export type TwilioVerifyTotpOptions = TwilioVerifyOptions & {
  /** The app's `secret` (32 bytes or more): Verify identities are HMACs of user ids under it. */
  secret: string | Uint8Array;
  /**
   * The factor's friendly name; Twilio shows it as the account name in the authenticator app, so it
   * must not be personal data (1 to 64 characters).
   * @default "Authenticator app"
   */
  factorName?: string;
  /**
   * The app's clock in epoch ms, for the time step an approval reports.
   * @default Date.now
   */
  now?: () => number;
};

// The factors this provider creates: what every authenticator app reads, and what the flow's
// single-use window assumes.
const TIME_STEP_SECONDS = 30;
const SKEW_STEPS = 1;
const CODE_LENGTH = 6;
const FACTOR_SID = /^YF[0-9a-f]{32}$/i;

/**
 * A {@link TotpProvider} on Twilio Verify TOTP (Entities, Factors, Challenges) through the `twilio`
 * SDK. The secret lives at Twilio: the app stores only the factor SID; the binding (secret and URI)
 * is shown once at enrolment. The Verify identity is an HMAC of the user id, never personal data.
 * Decisions read `status === "verified"` (confirm) and `status === "approved"` (verify) only; a
 * challenge is created per code, and nothing is retried.
 * @throws SecondFactorError `ERR_SF_INVALID_OPTION` for a bad option.
 * @example
 * import { twilioVerifyTotp } from "second-factor/twilio";
 * const totp = twilioVerifyTotp({ accountSid, authToken, serviceSid, secret: process.env.SECOND_FACTOR_SECRET! });
 * const { uri, secret, stored } = await totp.enrol({ accountId: "42", label: "alice" });
 */
export function twilioVerifyTotp(options: TwilioVerifyTotpOptions): TotpProvider {
  if (!isPlainObject(options)) {
    throw invalidOption(
      "twilioVerifyTotp(options)",
      "a value that is not an object",
      "pass { accountSid, authToken, serviceSid, secret }",
    );
  }
  const { secret, factorName, now: clock, ...twilioOptions } = options;
  const config = parseTwilioVerifyOptions(twilioOptions);
  const key = secretBytes(secret, "twilioVerifyTotp.secret");
  const name = factorNameOption(factorName);
  const now = optionalClock(clock, "twilioVerifyTotp.now") ?? Date.now;
  const service = createClient(config).verify.v2.services(config.serviceSid);
  const context: TwilioFailureContext = { serviceSid: config.serviceSid, timeoutMs: config.timeoutMs };
  const deadline = config.timeoutMs + DEADLINE_MARGIN_MS;
  const identity = (accountId: string): string =>
    createHmac("sha256", key)
      .update(`second-factor twilio identity\n${accountId}`)
      .digest("hex")
      .slice(0, 32);
  const approval = (factorSid: string, code: string): { timeStep: number; singleUse: TotpSingleUse } => ({
    timeStep: Math.floor(now() / 1000 / TIME_STEP_SECONDS),
    // Twilio does not say which step matched: the used code of this factor is the marker, for as
    // long as Twilio's window (±1 step) could accept it again. Keyed, so the store never holds the code.
    singleUse: {
      key: `totp-code:${createHmac("sha256", key).update(`${factorSid}\n${code}`).digest("base64url").slice(0, 22)}`,
      ttlSeconds: (2 * SKEW_STEPS + 2) * TIME_STEP_SECONDS,
    },
  });
  const subject = (request: TotpCodeRequest): { factorSid: string; code: string } | TotpVerifyResult => {
    const code = normalizeTotpCode(request.code, CODE_LENGTH);
    if (code === undefined) return { status: "invalid_code" };
    const factorSid = factorSidOf(request.stored);
    if (factorSid === undefined) return { status: "not_found" };
    return { factorSid, code };
  };

  return {
    name: "twilio-verify-totp",

    async enrol({ accountId }) {
      let answer: { sid?: unknown; status?: unknown; binding?: unknown };
      try {
        answer = await withDeadline(
          service.entities(identity(accountId)).newFactors.create({
            friendlyName: name,
            factorType: "totp",
            "config.timeStep": TIME_STEP_SECONDS,
            "config.skew": SKEW_STEPS,
            "config.codeLength": CODE_LENGTH,
            "config.alg": "sha1",
          }),
          deadline,
        );
      } catch (error) {
        return enrolFailure(toTwilioFailure(error), context);
      }
      const binding = (answer.binding ?? {}) as { secret?: unknown; uri?: unknown };
      if (typeof answer.sid !== "string" || !FACTOR_SID.test(answer.sid)) {
        throw unexpectedAnswer("a new factor without a YF SID");
      }
      if (
        typeof binding.secret !== "string" ||
        typeof binding.uri !== "string" ||
        !binding.uri.startsWith("otpauth://totp/")
      ) {
        throw unexpectedAnswer("a new factor without its binding");
      }
      return { uri: binding.uri, secret: binding.secret, stored: { type: "twilio", factorSid: answer.sid } };
    },

    async confirm(request): Promise<TotpConfirmResult> {
      const checked = subject(request);
      if ("status" in checked) return checked as TotpConfirmResult;
      let answer: { sid?: unknown; status?: unknown };
      try {
        answer = await withDeadline(
          service
            .entities(identity(request.accountId))
            .factors(checked.factorSid)
            .update({ authPayload: checked.code }),
          deadline,
        );
      } catch (error) {
        return totpCodeFailure(toTwilioFailure(error), context);
      }
      if (answer.sid !== checked.factorSid) throw unexpectedAnswer("an update of another factor");
      if (answer.status === "verified")
        return { status: "confirmed", ...approval(checked.factorSid, checked.code) };
      if (answer.status === "unverified") return { status: "wrong" };
      throw unexpectedAnswer("a factor in an unknown status");
    },

    async verify(request): Promise<TotpVerifyResult> {
      const checked = subject(request);
      if ("status" in checked) return checked;
      let answer: { factorSid?: unknown; status?: unknown };
      try {
        answer = await withDeadline(
          service
            .entities(identity(request.accountId))
            .challenges.create({ factorSid: checked.factorSid, authPayload: checked.code }),
          deadline,
        );
      } catch (error) {
        return totpCodeFailure(toTwilioFailure(error), context);
      }
      if (answer.factorSid !== checked.factorSid) throw unexpectedAnswer("a challenge of another factor");
      switch (answer.status) {
        case "approved":
          return { status: "approved", ...approval(checked.factorSid, checked.code) };
        case "pending":
        case "denied":
          return { status: "wrong" };
        case "expired":
          return { status: "expired" };
        default:
          throw unexpectedAnswer("a challenge in an unknown status");
      }
    },

    async remove({ accountId, stored }) {
      const factorSid = factorSidOf(stored);
      if (factorSid === undefined) return { status: "not_found" };
      try {
        await withDeadline(service.entities(identity(accountId)).factors(factorSid).remove(), deadline);
      } catch (error) {
        return removeFailure(toTwilioFailure(error), context);
      }
      return { status: "removed" };
    },
  };
}

function factorSidOf(stored: TotpSecretRef | undefined): string | undefined {
  return stored?.type === "twilio" &&
    typeof stored.factorSid === "string" &&
    FACTOR_SID.test(stored.factorSid)
    ? stored.factorSid
    : undefined;
}

function factorNameOption(value: unknown): string {
  if (value === undefined) return "Authenticator app";
  if (typeof value !== "string" || value.trim().length === 0 || value.length > 64) {
    throw invalidOption(
      "twilioVerifyTotp.factorName",
      typeof value === "string" ? JSON.stringify(value.slice(0, 70)) : `a value of type ${typeof value}`,
      'use 1 to 64 characters that name no person, e.g. "Example Bank"',
    );
  }
  return value;
}
