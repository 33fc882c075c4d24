import { isoDate } from "./clock.js";
import { TWILIO_BASE } from "./resources.js";
import type { ChallengeRecord, EntityRecord, FactorRecord } from "./totp-state.js";

function entityUrl(serviceSid: string, identity: string): string {
  return `${TWILIO_BASE}/v2/Services/${serviceSid}/Entities/${encodeURIComponent(identity)}`;
}

/** `verify.v2.service.entity` */
export function entityJson(entity: EntityRecord, accountSid: string): Record<string, unknown> {
  const url = entityUrl(entity.serviceSid, entity.identity);
  return {
    sid: entity.sid,
    identity: entity.identity,
    account_sid: accountSid,
    service_sid: entity.serviceSid,
    date_created: isoDate(entity.createdAt),
    date_updated: isoDate(entity.updatedAt),
    url,
    links: { factors: `${url}/Factors`, new_factors: `${url}/Factors`, challenges: `${url}/Challenges` },
  };
}

/** `verify.v2.service.entity.factor` (never the binding). */
export function factorJson(factor: FactorRecord, accountSid: string): Record<string, unknown> {
  return {
    sid: factor.sid,
    account_sid: accountSid,
    service_sid: factor.serviceSid,
    entity_sid: factor.entitySid,
    identity: factor.identity,
    date_created: isoDate(factor.createdAt),
    date_updated: isoDate(factor.updatedAt),
    friendly_name: factor.friendlyName,
    status: factor.status,
    factor_type: "totp",
    config: {
      alg: factor.config.alg,
      skew: factor.config.skew,
      code_length: factor.config.codeLength,
      time_step: factor.config.timeStep,
    },
    metadata: null,
    url: `${entityUrl(factor.serviceSid, factor.identity)}/Factors/${factor.sid}`,
  };
}

/** `verify.v2.service.entity.new_factor`: the factor with its binding, the only time it is shown. */
export function newFactorJson(
  factor: FactorRecord,
  accountSid: string,
  binding: { secret: string; uri: string },
): Record<string, unknown> {
  const { sid, account_sid, service_sid, entity_sid, identity, ...rest } = factorJson(factor, accountSid);
  return { sid, account_sid, service_sid, entity_sid, identity, binding, options: null, ...rest };
}

/** `verify.v2.service.entity.challenge` of a TOTP factor. */
export function challengeJson(challenge: ChallengeRecord, accountSid: string): Record<string, unknown> {
  const url = `${entityUrl(challenge.serviceSid, challenge.identity)}/Challenges/${challenge.sid}`;
  return {
    sid: challenge.sid,
    account_sid: accountSid,
    service_sid: challenge.serviceSid,
    entity_sid: challenge.entitySid,
    identity: challenge.identity,
    factor_sid: challenge.factorSid,
    date_created: isoDate(challenge.createdAt),
    date_updated: isoDate(challenge.updatedAt),
    date_responded: challenge.respondedAt === null ? null : isoDate(challenge.respondedAt),
    expiration_date: isoDate(challenge.expiresAt),
    status: challenge.status,
    responded_reason: "none",
    details: null,
    hidden_details: null,
    metadata: null,
    factor_type: "totp",
    url,
    links: { notifications: `${url}/Notifications` },
  };
}

/** A page of a list (`{ <key>: [...], meta }`), Twilio's page-number pagination. */
export function pageJson(
  key: string,
  listUrl: string,
  items: readonly Record<string, unknown>[],
  page: number,
  pageSize: number,
): Record<string, unknown> {
  const pageUrl = (n: number): string => `${listUrl}?PageSize=${pageSize}&Page=${n}`;
  const start = page * pageSize;
  return {
    [key]: items.slice(start, start + pageSize),
    meta: {
      page,
      page_size: pageSize,
      first_page_url: pageUrl(0),
      previous_page_url: page > 0 ? pageUrl(page - 1) : null,
      url: pageUrl(page),
      next_page_url: start + pageSize < items.length ? pageUrl(page + 1) : null,
      key,
    },
  };
}

/** The list URL of an entity's resource, or of the entities of a service. */
export function listUrl(serviceSid: string, identity?: string, resource?: string): string {
  return identity === undefined
    ? `${TWILIO_BASE}/v2/Services/${serviceSid}/Entities`
    : `${entityUrl(serviceSid, identity)}/${resource ?? ""}`;
}
