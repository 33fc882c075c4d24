/**
 * The contract between the core and whatever sends and checks one-time codes (Twilio Verify, or a
 * test double). Expected outcomes are results with a `status`; only outages throw, and they throw a
 * `SecondFactorError` with code `ERR_SF_PROVIDER_UNAVAILABLE` (status 503, a `Retry-After` header)
 * that never carries a destination or a code.
 */

/** A delivery channel for a one-time code. */
export type Channel = "sms" | "call" | "email" | "whatsapp";

/** Every channel, in the order pages list them. */
export const CHANNELS: readonly Channel[] = ["sms", "call", "whatsapp", "email"];

/** What the core asks the provider to send. */
export interface StartVerificationRequest {
  /** E.164 phone number, or an e-mail address for the `email` channel. Comes from the server. */
  to: string;
  channel: Channel;
  /** BCP 47 language of the message, when the app knows it. */
  locale?: string;
  /** The end user's IP address, for the provider's own fraud checks. */
  ip?: string;
}

/** Why a send was refused by the provider's own limits. */
export type RateLimitReason = "max_sends" | "concurrent_requests" | "too_many_requests";

/** Why the provider blocked a destination. */
export type BlockReason = "fraud_guard" | "geo_permissions" | "landline";

/** The outcome of {@link VerificationProvider.start}. */
export type StartVerificationResult =
  /** A code is on its way (a resend while pending keeps `sid` and the code). */
  | { status: "pending"; sid: string; channel: Channel; sendAttempts: number }
  | { status: "rate_limited"; reason: RateLimitReason; retryAfterSeconds?: number }
  | { status: "blocked"; reason: BlockReason }
  /** The destination is not a valid number or address for the provider. */
  | { status: "invalid_destination" }
  /** The channel is not enabled or not configured at the provider. */
  | { status: "channel_unavailable" };

/** The outcome of {@link VerificationProvider.check}. */
export type CheckVerificationResult =
  | { status: "approved"; sid: string; channel: Channel | null }
  /** The code was wrong; the verification is still pending. */
  | { status: "pending"; sid: string }
  /** Too many checks on this verification: a new one is needed. */
  | { status: "max_attempts" }
  /** No such live verification: approved already, expired, canceled, or never existed. */
  | { status: "not_found" }
  | { status: "rate_limited"; retryAfterSeconds?: number }
  /** The provider refused the code's format (e.g. not 4 to 10 characters). */
  | { status: "invalid_code" };

/** The outcome of {@link VerificationProvider.cancel}. */
export type CancelVerificationResult = { status: "canceled" } | { status: "not_found" };

/**
 * What the app offers, as the core hands it to {@link VerificationProvider.configure}.
 * @example
 * provider.configure?.({ channels: ["sms", "call"], codeLength: { min: 6, max: 6 }, logger: console });
 */
export interface ProviderAppSettings {
  readonly channels: readonly Channel[];
  /** The code lengths the app accepts (`codeLength` option). */
  readonly codeLength: { readonly min: number; readonly max: number };
  /** The app's logger: configuration problems are warnings, never errors. */
  readonly logger: { warn(message: string): void };
}

/**
 * Sends and checks one-time codes. Implementations must not retry calls on their own: a retried
 * send is a resend.
 * @example
 * const provider: VerificationProvider = twilioVerify({ accountSid, authToken, serviceSid });
 * const sent = await provider.start({ to: "+15017122661", channel: "sms" });
 */
export interface VerificationProvider {
  /** A short name for events and logs, e.g. `"twilio-verify"`. */
  readonly name: string;
  /**
   * Called once when an instance is created, with what the app offers, so that a provider can check
   * its own configuration against it (the Twilio provider fetches the Verify service and warns). It
   * must never throw and never block: the core does not wait for it.
   */
  configure?(app: ProviderAppSettings): Promise<void> | void;
  start(request: StartVerificationRequest): Promise<StartVerificationResult>;
  /** Checks `code` against the verification `sid` (never by destination). */
  check(request: { sid: string; code: string }): Promise<CheckVerificationResult>;
  cancel(request: { sid: string }): Promise<CancelVerificationResult>;
}
