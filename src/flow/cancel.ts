import type { Decision } from "../boundary.js";
import { callProvider } from "../outage.js";
import { withoutFields } from "../record/index.js";
import { commit, type FlowContext } from "./context.js";
import { challengeData, challengeJson } from "./state.js";

/**
 * `POST /2fa/cancel`: cancels the pending verification at the provider (by SID), drops it from the
 * record, then 303 to the page (JSON: 200 with the state). With nothing pending it only redirects.
 * A provider outage answers 503 and leaves the challenge pending.
 * @example
 * return cancelCode(context);
 */
export async function cancelCode(context: FlowContext): Promise<Decision> {
  const { config, respond, user, record, json } = context;
  const pending = record.pending;
  let next = record;
  if (pending !== undefined) {
    await callProvider(config, "cancel", user.id, () => config.provider.cancel({ sid: pending.sid }));
    next = { ...withoutFields(record, "pending"), notice: "canceled" };
    await commit(context, next);
    config.emit({ type: "code.canceled", userId: user.id, channel: pending.channel });
  } else if (context.recordChanged) {
    await commit(context, next);
  }
  if (!json) return respond.redirect(config.basePath);
  const lock = await context.limits.lockStatus(user.id);
  return respond.json(200, challengeJson(challengeData(context, next, lock)));
}
