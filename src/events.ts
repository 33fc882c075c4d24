import type { BudgetScope } from "./limits/api.js";
import type { Channel } from "./providers/index.js";
import type { Method } from "./record/index.js";
import { isThenable } from "./thenable.js";

/**
 * Fields every event carries. Never a code, a full destination or a session id (DESIGN §4 rule 10).
 * @example
 * const base: EventBase = { at: Date.now(), userId: "user-42" };
 */
export interface EventBase {
  /** When it happened, on the app's clock (ms since the epoch). */
  at: number;
  /** The account, as the app's `user(...)` callback returned it. */
  userId: string;
}

/**
 * A flow action that can be refused or fail.
 * @example
 * const action: FlowAction = "send";
 */
export type FlowAction = "send" | "check" | "cancel";

/**
 * Everything second-factor reports through `onEvent`. The schema is stable: new types and fields may
 * be added, existing ones keep their meaning.
 * @example
 * onEvent: (event) => { if (event.type === "locked") notifyAccountOwner(event.userId, event.lockSeconds); }
 */
export type SecondFactorEvent =
  /** A protected request met a session that has not passed (or not recently enough). */
  | (EventBase & { type: "challenge.required"; method: string; path: string; maxAgeSeconds?: number })
  /** A code was sent (a resend of the same verification has `resend: true`). */
  | (EventBase & { type: "code.sent"; channel: Channel; maskedDestination: string; resend: boolean })
  /** The provider evaluated a code as wrong. `failures` is the account's consecutive count. */
  | (EventBase & {
      type: "code.failed";
      channel: Channel;
      maskedDestination: string;
      attemptsLeft: number;
      failures: number;
    })
  /** The pending verification died (too many checks, expired, or unknown to the provider). */
  | (EventBase & { type: "code.expired"; channel: Channel; reason: "max_attempts" | "not_found" })
  /** The user canceled the pending verification. */
  | (EventBase & { type: "code.canceled"; channel: Channel })
  /** A wrong authenticator-app code (`enrolment`: while adding the app). `failures` is the account's consecutive count. */
  | (EventBase & { type: "totp.failed"; enrolment: boolean; failures: number })
  /** The second factor was passed; the session id was regenerated. */
  | (EventBase & {
      type: "verified";
      /** The method that passed: the code's channel, or `totp`, `passkey`, `recovery`, `trusted_device`. */
      method: Method;
      /** Every method the proof came through (a code sent over several channels names each). */
      methods: readonly Method[];
      /** The channel of a code (absent for other methods). */
      channel?: Channel;
      /** Where that code went, masked (absent for other methods). */
      maskedDestination?: string;
    })
  /** Consecutive wrong codes locked the account's second-factor step. */
  | (EventBase & { type: "locked"; failures: number; lockSeconds: number; lockNumber: number })
  /** A send or check was refused by a budget, the account lock, the resend wait or the provider's own limit. */
  | (EventBase & {
      type: "limited";
      action: FlowAction;
      scope: BudgetScope | "lock" | "resend" | "provider";
      retryAfterSeconds: number;
    })
  /** The provider refused to deliver to the destination on file. */
  | (EventBase & {
      type: "destination.refused";
      channel: Channel;
      maskedDestination: string;
      reason: "blocked" | "invalid_destination" | "channel_unavailable";
    })
  /** A state-changing flow request without a valid CSRF token. */
  | (EventBase & {
      type: "factor.added";
      kind: "phone" | "email" | "totp" | "passkey";
      maskedDestination: string;
    })
  | (EventBase & {
      type: "factor.removed";
      kind: "phone" | "email" | "totp" | "passkey";
      maskedDestination: string;
    })
  /** A factor was renamed on the settings page (`name` is the user's label, never a secret). */
  | (EventBase & { type: "factor.renamed"; kind: "phone" | "email" | "totp" | "passkey"; name: string })
  /**
   * A passkey answer was refused: `wrong_origin` or `wrong_rp_id` may be a phishing page relaying the
   * ceremony; `counter_not_increased` a cloned authenticator; `not_this_user` another account's passkey.
   */
  | (EventBase & {
      type: "passkey.refused";
      ceremony: "registration" | "authentication";
      reason: string;
    })
  /** A new set of recovery codes was made (the old one is void); tell the owner. Never the codes. */
  | (EventBase & { type: "recovery.generated"; count: number })
  /** A recovery code passed the second factor; `left` unused codes remain (tell the owner when low). */
  | (EventBase & { type: "recovery.used"; left: number })
  /** A recovery code that is not one of the account's unused codes; `failures` is the account's count. */
  | (EventBase & { type: "recovery.failed"; failures: number })
  | (EventBase & { type: "csrf.failed"; path: string })
  /** This browser became a trusted device ("don't ask again"); `deviceId` is the settings page's id, never the token. */
  | (EventBase & { type: "device.trusted"; deviceId: string; label: string; expiresAt: number })
  /** Trusted devices were revoked: one by the user (`deviceId`), all by the user, or all by a factor change. */
  | (EventBase & {
      type: "device.revoked";
      deviceId: string | "all";
      count: number;
      reason: "user" | "factor_changed";
    })
  /** The provider failed, timed out or refused our configuration; the flow answered 503. */
  | (EventBase & { type: "provider.error"; action: FlowAction; code: string; timeout: boolean })
  /** A session or budget store failed; the flow answered 503. */
  | (Omit<EventBase, "userId"> & { type: "store.error"; userId: string | null });

/**
 * The `type` of every {@link SecondFactorEvent}.
 * @example
 * const type: SecondFactorEventType = "locked";
 */
export type SecondFactorEventType = SecondFactorEvent["type"];

/**
 * The logger second-factor writes to: warnings and errors; `info` when given.
 * @example
 * const logger: SecondFactorLogger = { warn: (m, d) => pino.warn(d, m), error: (m, d) => pino.error(d, m) };
 */
export interface SecondFactorLogger {
  warn(message: string, details?: Readonly<Record<string, unknown>>): void;
  error(message: string, details?: Readonly<Record<string, unknown>>): void;
  info?(message: string, details?: Readonly<Record<string, unknown>>): void;
}

/** Distributes an event without its `at`, which the emitter stamps. */
type EventWithoutTime = SecondFactorEvent extends infer E
  ? E extends SecondFactorEvent
    ? Omit<E, "at">
    : never
  : never;

/**
 * Sends events to the app's hook; a hook that throws or rejects is logged, never breaks a request.
 * @example
 * emit({ type: "csrf.failed", userId: user.id, path: "/2fa/send" });
 */
export type EmitEvent = (event: EventWithoutTime) => void;

/**
 * Makes the function the core reports events through.
 * @example
 * const emit = createEmitter(options.onEvent, logger, Date.now);
 * emit({ type: "code.sent", userId, channel: "sms", maskedDestination: "•••• •••• 2661", resend: false });
 */
export function createEmitter(
  onEvent: ((event: SecondFactorEvent) => unknown) | undefined,
  logger: SecondFactorLogger,
  now: () => number,
): EmitEvent {
  if (onEvent === undefined) return () => {};
  return (event) => {
    const stamped = { ...event, at: now() } as SecondFactorEvent;
    try {
      const result = onEvent(stamped);
      if (isThenable(result)) {
        result.then(undefined, (error: unknown) => reportHookFailure(logger, stamped.type, error));
      }
    } catch (error) {
      reportHookFailure(logger, stamped.type, error);
    }
  };
}

function reportHookFailure(logger: SecondFactorLogger, type: string, error: unknown): void {
  logger.error("second-factor: the onEvent hook failed", {
    eventType: type,
    error: error instanceof Error ? error.message : String(error),
  });
}
