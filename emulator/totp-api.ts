import type { EmulatorState, ServiceRecord } from "./emulator-state.js";
import { isSid, newSid } from "./sids.js";
import { challengeJson, entityJson, factorJson, listUrl, newFactorJson, pageJson } from "./totp-resources.js";
import {
  CHALLENGE_TTL_MS,
  type ChallengeRecord,
  DAY_MS,
  type EntityRecord,
  type FactorRecord,
  fromBase32,
  HOUR_MS,
  MAX_CHALLENGES_PER_DAY,
  MAX_CHALLENGES_PER_HOUR,
  MAX_SHORT_CHALLENGES_PER_DAY,
  MAX_TOTP_ATTEMPTS,
  newTotpSecret,
  type TotpAlgorithm,
  type TotpConfig,
  toBase32,
  totpCode,
  totpMatches,
} from "./totp-state.js";
import { invalidParameter, notFound, twilioError } from "./twilio-errors.js";

/** A path under `/v2/Services/{VA}/Entities`. */
export type TotpRoute =
  | { kind: "entities"; serviceSid: string }
  | { kind: "entity"; serviceSid: string; identity: string }
  | { kind: "factors"; serviceSid: string; identity: string }
  | { kind: "factor"; serviceSid: string; identity: string; sid: string }
  | { kind: "challenges"; serviceSid: string; identity: string }
  | { kind: "challenge"; serviceSid: string; identity: string; sid: string };

/** The methods each TOTP route takes, as Twilio's spec lists them. */
export const TOTP_ALLOWED: Record<TotpRoute["kind"], readonly string[]> = {
  entities: ["GET", "POST"],
  entity: ["GET", "DELETE"],
  factors: ["GET", "POST"],
  factor: ["GET", "POST", "DELETE"],
  challenges: ["GET", "POST"],
  challenge: ["GET", "POST"],
};

/** Matches an already-decoded path split into segments; undefined when it is not a TOTP path. */
export function matchTotpRoute(segments: readonly string[]): TotpRoute | undefined {
  const [empty, version, services, serviceSid, entities, identity, resource, sid, ...rest] = segments;
  if (empty !== "" || version !== "v2" || services !== "Services" || entities !== "Entities")
    return undefined;
  if (serviceSid === undefined || serviceSid === "" || rest.length > 0) return undefined;
  if (identity === undefined) return { kind: "entities", serviceSid };
  if (identity === "") return undefined;
  if (resource === undefined) return { kind: "entity", serviceSid, identity };
  if (sid === "") return undefined;
  if (resource === "Factors") {
    return sid === undefined
      ? { kind: "factors", serviceSid, identity }
      : { kind: "factor", serviceSid, identity, sid };
  }
  if (resource === "Challenges") {
    return sid === undefined
      ? { kind: "challenges", serviceSid, identity }
      : { kind: "challenge", serviceSid, identity, sid };
  }
  return undefined;
}

// Twilio: "8 to 64 characters, dash (-) separated alphanumeric".
const IDENTITY = /^[A-Za-z0-9-]{8,64}$/;
const ALGORITHMS: readonly TotpAlgorithm[] = ["sha1", "sha256", "sha512"];

function text(params: Map<string, string>, name: string, max: number): string | undefined {
  const value = params.get(name);
  if (value === undefined) return undefined;
  if (value.length === 0 || value.length > max) throw invalidParameter(name);
  return value;
}

function integer(params: Map<string, string>, name: string, min: number, max: number): number | undefined {
  const raw = params.get(name);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) throw invalidParameter(name);
  return value;
}

function config(params: Map<string, string>, base: TotpConfig): TotpConfig {
  const alg = params.get("Config.Alg");
  if (alg !== undefined && !ALGORITHMS.includes(alg as TotpAlgorithm)) throw invalidParameter("Config.Alg");
  return {
    alg: (alg as TotpAlgorithm | undefined) ?? base.alg,
    timeStep: integer(params, "Config.TimeStep", 20, 60) ?? base.timeStep,
    skew: integer(params, "Config.Skew", 0, 2) ?? base.skew,
    codeLength: integer(params, "Config.CodeLength", 3, 8) ?? base.codeLength,
  };
}

function authPayload(params: Map<string, string>): string | undefined {
  const value = params.get("AuthPayload");
  if (value === undefined) return undefined;
  if (value.length < 3 || value.length > 8) throw invalidParameter("AuthPayload");
  return value;
}

function requireEntity(state: EmulatorState, route: { serviceSid: string; identity: string }, path: string) {
  const entity = state.totp.entity(route.serviceSid, route.identity);
  if (entity === undefined) throw notFound(path);
  return entity;
}

function requireFactor(state: EmulatorState, entity: EntityRecord, sid: string, path: string): FactorRecord {
  const factor = state.totp.factors.get(sid);
  if (factor === undefined || factor.entitySid !== entity.sid) throw notFound(path);
  return factor;
}

function otpauthUri(service: ServiceRecord, factor: FactorRecord, secret: string): string {
  const issuer = service.totp.issuer ?? service.friendlyName;
  const query = [
    `secret=${secret}`,
    `issuer=${encodeURIComponent(issuer)}`,
    `algorithm=${factor.config.alg.toUpperCase()}`,
    `digits=${factor.config.codeLength}`,
    `period=${factor.config.timeStep}`,
  ].join("&");
  return `otpauth://totp/${encodeURIComponent(issuer)}:${encodeURIComponent(factor.friendlyName)}?${query}`;
}

/** The challenge's status now: a pending one past its expiry is expired. */
function refresh(challenge: ChallengeRecord, now: number): ChallengeRecord {
  if (challenge.status === "pending" && now >= challenge.expiresAt) {
    challenge.status = "expired";
    challenge.updatedAt = challenge.expiresAt;
  }
  return challenge;
}

/** Checks a code against a challenge: approves, or counts a wrong attempt (60308 past five). */
function answerChallenge(challenge: ChallengeRecord, factor: FactorRecord, code: string, now: number): void {
  refresh(challenge, now);
  if (challenge.status === "expired")
    throw twilioError(60323, { status: 403, message: "Challenge verification window expired" });
  if (challenge.status !== "pending") throw invalidParameter("AuthPayload");
  if (challenge.attempts >= MAX_TOTP_ATTEMPTS)
    throw twilioError(60308, { status: 429, message: "Max attempts reached" });
  challenge.updatedAt = now;
  if (totpMatches(factor, code, now)) {
    challenge.status = "approved";
    challenge.respondedAt = now;
  } else {
    challenge.attempts += 1;
  }
}

function checkChallengeBudget(factor: FactorRecord, now: number): void {
  factor.challengeTimes = factor.challengeTimes.filter((time) => now - time < DAY_MS);
  const lastHour = factor.challengeTimes.filter((time) => now - time < HOUR_MS).length;
  const lastDay = factor.challengeTimes.length;
  const over =
    factor.config.codeLength <= 4
      ? lastDay >= MAX_SHORT_CHALLENGES_PER_DAY
      : lastHour >= MAX_CHALLENGES_PER_HOUR || lastDay >= MAX_CHALLENGES_PER_DAY;
  if (over) throw twilioError(60312, { status: 429, message: "Max challenges reached" });
}

function pageParam(query: URLSearchParams, name: string, fallback: number, max: number): number {
  const raw = query.get(name);
  if (raw === null) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value > max || (name === "PageSize" && value < 1)) throw invalidParameter(name);
  return value;
}

/**
 * Runs one Verify TOTP operation (Entities, Factors, Challenges) on the emulator's state; Twilio
 * errors are thrown as TwilioApiError.
 */
export function dispatchTotp(
  route: TotpRoute,
  method: string,
  rawPath: string,
  query: URLSearchParams,
  params: Map<string, string>,
  state: EmulatorState,
): { status: number; body?: unknown } {
  const service = state.services.get(route.serviceSid);
  if (service === undefined) throw notFound(rawPath);
  const account = state.accountSid;
  const now = state.clock.now();
  const page = (key: string, url: string, items: Record<string, unknown>[]) => ({
    status: 200,
    body: pageJson(
      key,
      url,
      items,
      pageParam(query, "Page", 0, 1_000_000),
      pageParam(query, "PageSize", 50, 1000),
    ),
  });

  switch (route.kind) {
    case "entities": {
      if (method === "GET") {
        const entities = [...state.totp.entities.values()].filter((e) => e.serviceSid === service.sid);
        return page(
          "entities",
          listUrl(service.sid),
          entities.map((e) => entityJson(e, account)),
        );
      }
      const identity = params.get("Identity");
      if (identity === undefined || !IDENTITY.test(identity)) throw invalidParameter("Identity");
      // An existing identity is answered with its entity: creating is idempotent here.
      const entity =
        state.totp.entity(service.sid, identity) ?? state.totp.createEntity(service.sid, identity, now);
      return { status: 201, body: entityJson(entity, account) };
    }
    case "entity": {
      const entity = requireEntity(state, route, rawPath);
      if (method === "DELETE") {
        state.totp.deleteEntity(entity);
        return { status: 204 };
      }
      return { status: 200, body: entityJson(entity, account) };
    }
    case "factors": {
      if (method === "GET") {
        const entity = requireEntity(state, route, rawPath);
        const url = listUrl(service.sid, entity.identity, "Factors");
        return page(
          "factors",
          url,
          state.totp.factorsOf(entity).map((f) => factorJson(f, account)),
        );
      }
      if (!IDENTITY.test(route.identity)) throw invalidParameter("Identity");
      const friendlyName = text(params, "FriendlyName", 64);
      if (friendlyName === undefined) throw invalidParameter("FriendlyName");
      const type = params.get("FactorType");
      if (type !== "totp") {
        throw twilioError(60200, {
          message: `Invalid parameter: FactorType (this emulator serves "totp" factors only, got ${JSON.stringify(type ?? null)})`,
        });
      }
      const given = params.get("Binding.Secret");
      const secret = given === undefined ? newTotpSecret() : fromBase32(given);
      if (secret === undefined || secret.length < 10) throw invalidParameter("Binding.Secret");
      const factorConfig = config(params, {
        alg: "sha1",
        timeStep: service.totp.timeStep,
        skew: service.totp.skew,
        codeLength: service.totp.codeLength,
      });
      // Twilio creates the entity with its first factor.
      const entity =
        state.totp.entity(service.sid, route.identity) ??
        state.totp.createEntity(service.sid, route.identity, now);
      const factor: FactorRecord = {
        sid: newSid("YF"),
        serviceSid: service.sid,
        entitySid: entity.sid,
        identity: entity.identity,
        friendlyName,
        status: "unverified",
        secret,
        config: factorConfig,
        verifyAttempts: 0,
        challengeTimes: [],
        createdAt: now,
        updatedAt: now,
      };
      state.totp.factors.set(factor.sid, factor);
      const base32 = toBase32(secret);
      return {
        status: 201,
        body: newFactorJson(factor, account, { secret: base32, uri: otpauthUri(service, factor, base32) }),
      };
    }
    case "factor": {
      const entity = requireEntity(state, route, rawPath);
      const factor = requireFactor(state, entity, route.sid, rawPath);
      if (method === "DELETE") {
        state.totp.deleteFactor(factor);
        return { status: 204 };
      }
      if (method === "POST") {
        const code = authPayload(params);
        const friendlyName = text(params, "FriendlyName", 64);
        const updated = config(params, factor.config);
        if (code !== undefined && factor.status === "unverified") {
          if (factor.verifyAttempts >= MAX_TOTP_ATTEMPTS) {
            throw twilioError(60310, { status: 429, message: "Max attempts reached" });
          }
          // A wrong code is not an error (since 2021-10-27): the factor stays unverified.
          if (totpMatches(factor, code, now)) factor.status = "verified";
          else factor.verifyAttempts += 1;
        }
        if (friendlyName !== undefined) factor.friendlyName = friendlyName;
        factor.config = updated;
        factor.updatedAt = now;
      }
      return { status: 200, body: factorJson(factor, account) };
    }
    case "challenges": {
      const entity = requireEntity(state, route, rawPath);
      if (method === "GET") {
        const factorSid = query.get("FactorSid");
        const status = query.get("Status");
        const challenges = state.totp
          .challengesOf(entity)
          .map((c) => refresh(c, now))
          .filter(
            (c) =>
              (factorSid === null || c.factorSid === factorSid) && (status === null || c.status === status),
          );
        const url = listUrl(service.sid, entity.identity, "Challenges");
        return page(
          "challenges",
          url,
          challenges.map((c) => challengeJson(c, account)),
        );
      }
      const factorSid = params.get("FactorSid");
      if (factorSid === undefined || !isSid("YF", factorSid)) throw invalidParameter("FactorSid");
      const factor = requireFactor(state, entity, factorSid, rawPath);
      if (factor.status !== "verified") throw invalidParameter("FactorSid");
      const code = authPayload(params);
      checkChallengeBudget(factor, now);
      factor.challengeTimes.push(now);
      const challenge: ChallengeRecord = {
        sid: newSid("YC"),
        serviceSid: service.sid,
        entitySid: entity.sid,
        identity: entity.identity,
        factorSid: factor.sid,
        status: "pending",
        attempts: 0,
        createdAt: now,
        updatedAt: now,
        respondedAt: null,
        expiresAt: now + CHALLENGE_TTL_MS,
      };
      state.totp.challenges.set(challenge.sid, challenge);
      if (code !== undefined) answerChallenge(challenge, factor, code, now);
      return { status: 201, body: challengeJson(challenge, account) };
    }
    case "challenge": {
      const entity = requireEntity(state, route, rawPath);
      const challenge = state.totp.challenges.get(route.sid);
      if (challenge === undefined || challenge.entitySid !== entity.sid) throw notFound(rawPath);
      if (method === "POST") {
        const code = authPayload(params);
        const factor = state.totp.factors.get(challenge.factorSid);
        if (code === undefined || factor === undefined) throw invalidParameter("AuthPayload");
        answerChallenge(challenge, factor, code, now);
      }
      return { status: 200, body: challengeJson(refresh(challenge, now), account) };
    }
  }
}

/** The current code of a factor on the emulator's clock: the control API's virtual authenticator. */
export function currentTotpCode(
  state: EmulatorState,
  factorSid: string,
  offsetSteps = 0,
): string | undefined {
  const factor = state.totp.factors.get(factorSid);
  return factor === undefined ? undefined : totpCode(factor, state.clock.now(), offsetSteps);
}
