import { createHmac, randomBytes } from "node:crypto";
import { codesMatch } from "./codes.js";
import { newSid } from "./sids.js";

/** Wrong codes one challenge takes (60308) and one factor verification takes (60310). */
export const MAX_TOTP_ATTEMPTS = 5;
/** Challenges per factor per hour (60312), for code lengths of 5 or more. */
export const MAX_CHALLENGES_PER_HOUR = 50;
/** Challenges per factor per 24 hours (60312), for code lengths of 5 or more. */
export const MAX_CHALLENGES_PER_DAY = 100;
/** Challenges per factor per 24 hours (60312), for code lengths of 4 or less. */
export const MAX_SHORT_CHALLENGES_PER_DAY = 10;
/** How long a challenge can be answered (60323 after), Twilio's default. */
export const CHALLENGE_TTL_MS = 5 * 60 * 1000;
export const HOUR_MS = 60 * 60 * 1000;
export const DAY_MS = 24 * HOUR_MS;

/** The HMAC algorithms Verify TOTP factors take. */
export type TotpAlgorithm = "sha1" | "sha256" | "sha512";

/** A factor's TOTP settings. */
export interface TotpConfig {
  alg: TotpAlgorithm;
  skew: number;
  codeLength: number;
  timeStep: number;
}

/** An Entity (YE): the app's user at Verify, by an opaque identity. */
export interface EntityRecord {
  sid: string;
  serviceSid: string;
  identity: string;
  createdAt: number;
  updatedAt: number;
}

/** A TOTP Factor (YF). */
export interface FactorRecord {
  sid: string;
  serviceSid: string;
  entitySid: string;
  identity: string;
  friendlyName: string;
  status: "unverified" | "verified";
  secret: Buffer;
  config: TotpConfig;
  /** Wrong codes given to the factor's verification (60310 after five). */
  verifyAttempts: number;
  /** Creation times of its challenges, for 60312. */
  challengeTimes: number[];
  createdAt: number;
  updatedAt: number;
}

/** A Challenge (YC) of a TOTP factor. */
export interface ChallengeRecord {
  sid: string;
  serviceSid: string;
  entitySid: string;
  identity: string;
  factorSid: string;
  status: "pending" | "approved" | "expired";
  attempts: number;
  createdAt: number;
  updatedAt: number;
  respondedAt: number | null;
  expiresAt: number;
}

/** Entities, factors and challenges of every service. */
export class TotpState {
  /** By `serviceSid + "\n" + identity`. */
  readonly entities = new Map<string, EntityRecord>();
  readonly factors = new Map<string, FactorRecord>();
  readonly challenges = new Map<string, ChallengeRecord>();

  clear(): void {
    this.entities.clear();
    this.factors.clear();
    this.challenges.clear();
  }

  entity(serviceSid: string, identity: string): EntityRecord | undefined {
    return this.entities.get(`${serviceSid}\n${identity}`);
  }

  createEntity(serviceSid: string, identity: string, now: number): EntityRecord {
    const record = { sid: newSid("YE"), serviceSid, identity, createdAt: now, updatedAt: now };
    this.entities.set(`${serviceSid}\n${identity}`, record);
    return record;
  }

  /** Drops an entity with its factors and challenges. */
  deleteEntity(entity: EntityRecord): void {
    this.entities.delete(`${entity.serviceSid}\n${entity.identity}`);
    for (const factor of this.factorsOf(entity)) this.deleteFactor(factor);
  }

  deleteFactor(factor: FactorRecord): void {
    this.factors.delete(factor.sid);
    for (const [sid, challenge] of this.challenges) {
      if (challenge.factorSid === factor.sid) this.challenges.delete(sid);
    }
  }

  factorsOf(entity: EntityRecord): FactorRecord[] {
    return [...this.factors.values()].filter((factor) => factor.entitySid === entity.sid);
  }

  challengesOf(entity: EntityRecord): ChallengeRecord[] {
    return [...this.challenges.values()].filter((challenge) => challenge.entitySid === entity.sid);
  }
}

/** A new random secret of 160 bits. */
export function newTotpSecret(): Buffer {
  return randomBytes(20);
}

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** RFC 4648 Base32 without padding, as authenticator apps take it. */
export function toBase32(bytes: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = "";
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

/** Base32 (case-insensitive, padding and spaces ignored) to bytes, or undefined when it is not Base32. */
export function fromBase32(text: string): Buffer | undefined {
  const clean = text.replace(/[\s=]/g, "").toUpperCase();
  if (clean.length === 0 || !/^[A-Z2-7]+$/.test(clean)) return undefined;
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const char of clean) {
    value = (value << 5) | BASE32.indexOf(char);
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** The RFC 6238 code of `factor` for the time step that holds `nowMs`, shifted by `offset` steps. */
export function totpCode(factor: Pick<FactorRecord, "secret" | "config">, nowMs: number, offset = 0): string {
  const { alg, codeLength, timeStep } = factor.config;
  const counter = Math.floor(nowMs / 1000 / timeStep) + offset;
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const hmac = createHmac(alg, factor.secret).update(message).digest();
  const at = (hmac[hmac.length - 1] ?? 0) & 15;
  const binary = hmac.readUInt32BE(at) & 0x7fffffff;
  return String(binary % 10 ** codeLength).padStart(codeLength, "0");
}

/** True when `code` is the factor's code for a step within its skew of now. */
export function totpMatches(factor: FactorRecord, code: string, nowMs: number): boolean {
  let match = false;
  // Every step in the window is compared, so the time does not tell which one matched.
  for (let offset = -factor.config.skew; offset <= factor.config.skew; offset++) {
    if (codesMatch(totpCode(factor, nowMs, offset), code)) match = true;
  }
  return match;
}
