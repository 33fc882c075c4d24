import type { RequestView, SecondFactorUser, SessionPort } from "../boundary.js";
import type { Limits } from "../limits/index.js";
import type { CoreConfig } from "../options/index.js";
import { saveSession } from "../outage.js";
import { newRecord, readRecord, type SecondFactorRecord, withoutFields } from "../record/index.js";
import type { Responder } from "../respond/index.js";
import type { Factor, TrustedDevice } from "../stores/index.js";
import { type Destination, pendingDestination, type RecoveryCodesSummary } from "./destinations.js";

/**
 * What every flow handler works with: one request of one logged-in user.
 * @example
 * async function handler(context: FlowContext): Promise<Decision> { return context.respond.redirect(context.config.basePath); }
 */
export interface FlowContext {
  readonly config: CoreConfig<unknown>;
  /** The budgets, failing closed (any error is a store outage). */
  readonly limits: Limits;
  readonly respond: Responder;
  readonly request: RequestView;
  readonly session: SessionPort;
  readonly user: SecondFactorUser;
  /** Whether to answer JSON (DESIGN §5 negotiation). */
  readonly json: boolean;
  /** The session's record for this user, cleaned up (a fresh one when there was none or it was void). */
  readonly record: SecondFactorRecord;
  /** Whether {@link record} differs from what the session holds (new, or a void challenge dropped). */
  readonly recordChanged: boolean;
  /** The request path, e.g. `/2fa/send`, for events. */
  readonly path: string;
  /** Where codes can go: the phone (and address) on file, then the enrolled ones (from the store). */
  readonly destinations: readonly Destination[];
  /** Every factor the store holds for the account (any kind). */
  readonly storedFactors: readonly Factor[];
  /** Whether the account has any factor at all (on file, or any kind in the store). */
  readonly hasFactor: boolean;
  /** The account's unexpired trusted devices: loaded for the settings routes only. */
  readonly trustedDevices?: readonly TrustedDevice[];
  /** The account's recovery codes (how many left, when made); absent when no set was ever made. */
  readonly recovery?: RecoveryCodesSummary;
}

/**
 * The session's record for `user`: a record of anyone else, of another version or of a bad shape is
 * void and replaced by a fresh one (rule 1); a pending challenge whose destination is no longer the
 * user's (a changed or removed phone) or whose channel is no longer offered is dropped.
 * @example
 * const { record, changed } = loadRecord(config, limits, session, user, destinations);
 */
export function loadRecord(
  config: CoreConfig<unknown>,
  limits: Limits,
  session: SessionPort,
  user: SecondFactorUser,
  destinations: readonly Destination[],
): { record: SecondFactorRecord; changed: boolean } {
  const existing = readRecord(session.readRecord(), user.id);
  if (existing === undefined) return { record: newRecord(user.id), changed: true };
  const kept = withoutVoidPending(config, limits, existing, destinations);
  return { record: kept, changed: kept !== existing };
}

/**
 * `record` itself, or a copy without its pending challenge when that challenge's destination is no
 * longer one of `destinations` (a changed or removed phone) or its channel is no longer offered.
 * @example
 * const record = withoutVoidPending(config, limits, existing, destinations);
 */
export function withoutVoidPending(
  config: CoreConfig<unknown>,
  limits: Pick<Limits, "destinationKey">,
  record: SecondFactorRecord,
  destinations: readonly Destination[],
): SecondFactorRecord {
  const pending = record.pending;
  if (pending === undefined) return record;
  // Rule 2: a challenge counts only for this user's own destination, as the server knows it now.
  const stillValid =
    config.channels.includes(pending.channel) &&
    pendingDestination(limits, destinations, pending) !== undefined;
  return stillValid ? record : withoutFields(record, "pending");
}

/**
 * Writes the record once, complete, and persists the session (rule 8: never half-written).
 * @example
 * await commit(context, { ...context.record, notice: "sent" });
 */
export async function commit(context: FlowContext, record: SecondFactorRecord): Promise<void> {
  context.session.writeRecord(record);
  await saveSession(context.session);
}
