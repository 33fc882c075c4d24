import type { Decision } from "../boundary.js";
import { withoutFields } from "../record/index.js";
import { commit, type FlowContext } from "./context.js";
import { showChallenge } from "./state.js";

/**
 * `GET /2fa`: the challenge page (or its JSON state), always 200 for a logged-in user. Never sends:
 * a refresh shows the page again. A one-time notice is shown once and then dropped.
 * @example
 * return showPage(context);
 */
export async function showPage(context: FlowContext): Promise<Decision> {
  const lock = await context.limits.lockStatus(context.user.id);
  const shown = context.record;
  if (shown.notice !== undefined) await commit(context, withoutFields(shown, "notice"));
  else if (context.recordChanged) await commit(context, shown);
  return showChallenge(context, shown, lock, 200);
}
