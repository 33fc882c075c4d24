import { Clock } from "./clock.js";
import { FaultList } from "./faults.js";
import { newSid } from "./sids.js";
import { TotpState } from "./totp-state.js";
import type { DeliveredMessage, EmulatorChannel } from "./types.js";

/** How long a verification lives, as at Twilio by default. */
export const VERIFICATION_TTL_MS = 10 * 60 * 1000;
/** Wrong checks a verification takes; the next check gets 60202. */
export const MAX_CHECKS = 5;
/** Sends to one destination per window; the next send gets 60203. */
export const MAX_SENDS = 5;
/** The send window. */
export const SEND_WINDOW_MS = 10 * 60 * 1000;
/** Messages kept for the inbox; older ones are dropped first. */
const MAX_MESSAGES = 5000;
/** Dead verifications are forgotten this long after creation, so a long-running emulator stays small. */
const FORGET_AFTER_MS = 24 * 60 * 60 * 1000;

/** A Verify service as the emulator keeps it. */
export interface ServiceRecord {
  sid: string;
  friendlyName: string;
  codeLength: number;
  lookupEnabled: boolean;
  psd2Enabled: boolean;
  skipSmsToLandlines: boolean;
  dtmfInputRequired: boolean;
  ttsName: string | null;
  doNotShareWarningEnabled: boolean;
  customCodeEnabled: boolean;
  push: { includeDate: boolean; apnCredentialSid: string | null; fcmCredentialSid: string | null };
  totp: { issuer: string | null; timeStep: number; codeLength: number; skew: number };
  whatsapp: { msgServiceSid: string | null; from: string | null };
  passkeys: {
    relyingParty: { id: string | null; name: string | null; origins: string[] | null };
    authenticatorAttachment: string | null;
    discoverableCredentials: string | null;
    userVerification: string | null;
  };
  defaultTemplateSid: string | null;
  verifyEventSubscriptionEnabled: boolean;
  createdAt: number;
  updatedAt: number;
}

/** One send or resend of a verification. */
export interface SendAttempt {
  time: number;
  channel: EmulatorChannel;
  attemptSid: string;
}

/** A verification as the emulator keeps it. */
export interface VerificationRecord {
  sid: string;
  serviceSid: string;
  /** Normalised destination. */
  to: string;
  /** The channel of the latest send. */
  channel: EmulatorChannel;
  code: string;
  status: "pending" | "approved" | "canceled";
  wrongChecks: number;
  /** Soft-deleted (approved): gone for fetch, check and update. */
  deleted: boolean;
  amount: string | null;
  payee: string | null;
  sendAttempts: SendAttempt[];
  createdAt: number;
  updatedAt: number;
}

/** Everything the emulator knows; one instance per running emulator. */
export class EmulatorState {
  readonly clock = new Clock();
  readonly accountSid: string;
  readonly services = new Map<string, ServiceRecord>();
  readonly verifications = new Map<string, VerificationRecord>();
  readonly messages: DeliveredMessage[] = [];
  /** Send times per `serviceSid + "\n" + to`. */
  readonly sendWindows = new Map<string, number[]>();
  readonly faults = new FaultList();
  /** Verify TOTP: entities, factors, challenges. */
  readonly totp = new TotpState();

  constructor(accountSid: string = newSid("AC")) {
    this.accountSid = accountSid;
  }

  /** Drops verifications, TOTP entities, messages, faults and send windows; keeps services and the clock. */
  reset(): void {
    this.verifications.clear();
    this.totp.clear();
    this.messages.length = 0;
    this.sendWindows.clear();
    this.faults.clear();
  }

  /** Records a delivered message, dropping the oldest beyond the cap. */
  deliver(message: DeliveredMessage): void {
    this.messages.push(message);
    if (this.messages.length > MAX_MESSAGES) this.messages.splice(0, this.messages.length - MAX_MESSAGES);
  }

  /** Forgets verifications and send windows that can no longer matter. */
  prune(now: number): void {
    for (const [sid, record] of this.verifications) {
      if (now - record.createdAt > FORGET_AFTER_MS) this.verifications.delete(sid);
    }
    for (const [key, times] of this.sendWindows) {
      const recent = times.filter((t) => now - t < SEND_WINDOW_MS);
      if (recent.length === 0) this.sendWindows.delete(key);
      else this.sendWindows.set(key, recent);
    }
  }
}

/** True when the verification's 10 minutes are over on the emulator's clock. */
export function isExpired(record: VerificationRecord, now: number): boolean {
  return now - record.createdAt >= VERIFICATION_TTL_MS;
}

/** True when the verification has taken its five wrong checks. */
export function isMaxedOut(record: VerificationRecord): boolean {
  return record.wrongChecks >= MAX_CHECKS;
}

/** Still fetchable: not approved (soft-deleted), expired or maxed out. Canceled ones stay visible. */
export function isVisible(record: VerificationRecord, now: number): boolean {
  return !record.deleted && !isExpired(record, now) && !isMaxedOut(record);
}

/** Pending and still able to take a check or a resend. */
export function isLive(record: VerificationRecord, now: number): boolean {
  return record.status === "pending" && isVisible(record, now);
}
