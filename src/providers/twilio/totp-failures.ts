import type { TotpRefusal, TotpRemoveResult } from "../totp-provider.js";
import {
  rejected,
  type TwilioFailure,
  type TwilioFailureContext,
  throwIfCredentialsRefused,
  unavailable,
} from "./error-map.js";

/**
 * Maps a failed factor verification or challenge (Verify TOTP) to a refusal, or throws like
 * `checkFailure`: `ERR_SF_PROVIDER_REJECTED` for credentials, `ERR_SF_PROVIDER_UNAVAILABLE` for the rest.
 * A wrong code is no failure at Twilio (the factor stays `unverified`, the challenge `pending`).
 * @example
 * totpCodeFailure({ kind: "answer", status: 429, code: 60308, detail: "", retryAfterSeconds: undefined }, context);
 * // { status: "too_many_attempts" }
 */
export function totpCodeFailure(failure: TwilioFailure, context: TwilioFailureContext): TotpRefusal {
  if (failure.kind === "transport") throw unavailable(failure, context);
  throwIfCredentialsRefused(failure);
  switch (failure.code) {
    // 60308: five attempts on a challenge; 60310: on a factor verification; 60312: challenges per
    // factor per hour or day; 20429: Twilio's own request rate.
    case 60308:
    case 60310:
    case 60312:
    case 20429:
      return failure.retryAfterSeconds === undefined
        ? { status: "too_many_attempts" }
        : { status: "too_many_attempts", retryAfterSeconds: failure.retryAfterSeconds };
    // Before 2021-10-27 Twilio answered a wrong code with 60311 "Factor verification failed".
    case 60311:
      return { status: "wrong" };
    case 60323:
      return { status: "expired" };
    case 60200:
      return { status: "invalid_code" };
    // 60315 (factor not usable for this operation; UNCONFIRMED wording) and an unknown entity or factor.
    case 60315:
    case 20404:
      return { status: "not_found" };
    default:
      throw unavailable(failure, context);
  }
}

/**
 * Maps a failed factor creation: throws `ERR_SF_PROVIDER_REJECTED` for what configuration must fix
 * (credentials, unknown service, refused parameters), `ERR_SF_PROVIDER_UNAVAILABLE` for the rest.
 * @example
 * enrolFailure({ kind: "transport", name: "AxiosError", code: "ECONNREFUSED", timedOut: false }, context);
 */
export function enrolFailure(failure: TwilioFailure, context: TwilioFailureContext): never {
  if (failure.kind === "transport") throw unavailable(failure, context);
  throwIfCredentialsRefused(failure);
  if (failure.code === 20404) {
    throw rejected(
      failure,
      `Twilio Verify does not know the service ${context.serviceSid} (error 20404). Check serviceSid.`,
    );
  }
  if (failure.code === 60200) {
    throw rejected(
      failure,
      "Twilio Verify refused a parameter of the new TOTP factor (error 60200). Check factorName (1 to 64 characters) and the service's Totp settings.",
    );
  }
  throw unavailable(failure, context);
}

/**
 * Maps a failed factor deletion.
 * @example
 * removeFailure({ kind: "answer", status: 404, code: 20404, detail: "", retryAfterSeconds: undefined }, context);
 * // { status: "not_found" }
 */
export function removeFailure(failure: TwilioFailure, context: TwilioFailureContext): TotpRemoveResult {
  if (failure.kind === "transport") throw unavailable(failure, context);
  throwIfCredentialsRefused(failure);
  if (failure.code === 20404) return { status: "not_found" };
  throw unavailable(failure, context);
}
