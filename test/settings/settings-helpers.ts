/** Core-level helpers for the settings routes: a request to `/2fa/setup...` on the harness's core. */
import type { Decision, SecondFactorUser } from "../../src/boundary.js";
import { newRecord, type SecondFactorRecord } from "../../src/record/index.js";
import { csrfOf, type FakeSession, type Harness, requestView } from "../helpers/core.js";

/** GET a settings page (`/2fa/setup` or `/2fa/setup/phone`). */
export async function getSettings(
  h: Harness,
  session: FakeSession,
  user: SecondFactorUser,
  path = "/2fa/setup",
  accept?: string,
): Promise<Decision> {
  const decision = await h.core.handleFlow(
    requestView(path, accept === undefined ? {} : { accept }),
    session,
    user,
  );
  if (decision === undefined) throw new Error("no decision");
  return decision;
}

/** POST a form to a settings route, with the session's CSRF token unless `fields._csrf` is given. */
export async function postSettings(
  h: Harness,
  session: FakeSession,
  user: SecondFactorUser,
  path: "phone" | "phone/verify" | "phone/cancel" | "remove",
  fields: Record<string, unknown>,
): Promise<Decision> {
  const withCsrf =
    "_csrf" in fields || session.value === undefined ? fields : { _csrf: csrfOf(session), ...fields };
  const decision = await h.core.handleFlow(
    requestView(`/2fa/setup/${path}`, {
      method: "POST",
      contentType: "application/x-www-form-urlencoded",
      body: { ok: true, type: "form", fields: withCsrf },
    }),
    session,
    user,
  );
  if (decision === undefined) throw new Error("no decision");
  return decision;
}

/** A session record of `userId` that passed the second factor at `verifiedAt` by `methods`. */
export function verifiedRecord(
  userId: string,
  verifiedAt: number,
  methods: SecondFactorRecord["verifiedMethods"] = ["sms"],
): SecondFactorRecord {
  return { ...newRecord(userId), verifiedAt, verifiedChannel: "sms", verifiedMethods: methods };
}

/** Adds a phone to the store of the harness's core, as an app that verified it itself would. */
export async function enrolDirectly(h: Harness, userId: string, destination: string): Promise<string> {
  const added = await h.core.factors.addFactor(userId, {
    kind: "phone",
    name: "Phone",
    destination,
    createdAt: h.clock.ms,
    verifiedAt: h.clock.ms,
  });
  if (added.status !== "added") throw new Error(`not added: ${added.status}`);
  return added.factor.id;
}
