/** Core-level helpers for recovery codes: requests to `/2fa/recovery` and `/2fa/setup/recovery`, alice with a set. */
import { expect } from "vitest";
import type { Decision } from "../../src/boundary.js";
import {
  ALICE,
  bodyText,
  csrfOf,
  FakeSession,
  type Harness,
  requestView,
  showPage,
  verifySession,
} from "../helpers/core.js";

/** A GET, or a form (or JSON) POST with the session's CSRF token, to a flow or settings route. */
export async function request(
  h: Harness,
  session: FakeSession,
  path: string,
  method: "GET" | "POST",
  fields: Record<string, unknown> = {},
  json = false,
  user = ALICE,
): Promise<Decision> {
  const csrf = session.value === undefined ? undefined : csrfOf(session);
  const decision = await h.core.handleFlow(
    requestView(path, {
      method,
      ...(json ? { accept: "application/json" } : {}),
      ...(method === "POST"
        ? {
            contentType: json ? "application/json" : "application/x-www-form-urlencoded",
            ...(json ? { csrfHeader: csrf } : {}),
            body: json
              ? { ok: true, type: "json", fields }
              : { ok: true, type: "form", fields: { _csrf: csrf, ...fields } },
          }
        : {}),
    }),
    session,
    user,
  );
  if (decision === undefined) throw new Error("no decision");
  return decision;
}

/** The codes of a codes page, in order. */
export function codesOf(decision: Decision): string[] {
  const list = /<ol id="recovery-codes"[^>]*>([\s\S]*?)<\/ol>/.exec(bodyText(decision))?.[1] ?? "";
  return [...list.matchAll(/<li>([^<]+)<\/li>/g)].map((match) => match[1] ?? "");
}

/** Alice verified by SMS, then a new set of codes. */
export async function aliceWithCodes(h: Harness): Promise<{ session: FakeSession; codes: string[] }> {
  const session = new FakeSession();
  await verifySession(h, session);
  const made = await request(h, session, "/2fa/setup/recovery", "POST");
  expect(made).toMatchObject({ kind: "html", status: 200 });
  return { session, codes: codesOf(made) };
}

/** A new session of alice (logged in again) with the challenge page shown. */
export async function newSession(h: Harness): Promise<FakeSession> {
  const session = new FakeSession();
  await showPage(h, session);
  return session;
}
