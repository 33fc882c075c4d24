/** Authenticator apps in tests: the code an app shows for a set-up page's URI, and core-level posts. */
import { TOTP, URI } from "otpauth";
import type { Decision, SecondFactorUser } from "../../src/boundary.js";
import { csrfOf, type FakeSession, type Harness, requestView } from "./core.js";

/** The `otpauth://` URI in a page's `#totp-uri` element (HTML entities decoded). */
export function totpUriOf(html: string): string {
  const raw = /id="totp-uri">([^<]+)</.exec(html)?.[1];
  if (raw === undefined) throw new Error(`no #totp-uri in the page:\n${html.slice(0, 400)}`);
  return raw
    .replaceAll("&amp;", "&")
    .replaceAll("&#39;", "'")
    .replaceAll("&quot;", '"')
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">");
}

/** The Base32 secret of an `otpauth://` URI. */
export function secretOfUri(uri: string): string {
  const totp = URI.parse(uri);
  if (!(totp instanceof TOTP)) throw new Error("not a TOTP URI");
  return totp.secret.base32;
}

/** The code an authenticator app shows for `uri` at `ms`, `offsetSteps` steps of 30 s away. */
export function appCode(uri: string, ms: number, offsetSteps = 0): string {
  const totp = URI.parse(uri);
  if (!(totp instanceof TOTP)) throw new Error("not a TOTP URI");
  return totp.generate({ timestamp: ms + offsetSteps * totp.period * 1000 });
}

/** A six-digit code that is not `code`. */
export function otherCode(code: string): string {
  return String((Number(code) + 1) % 1_000_000).padStart(6, "0");
}

/** POST a form (or JSON) to `path` under `/2fa` on the harness's core, with the session's CSRF token. */
export async function postFlow(
  h: Harness,
  session: FakeSession,
  user: SecondFactorUser,
  path: string,
  fields: Record<string, unknown> = {},
  json = false,
): Promise<Decision> {
  // A browser has seen a page (and its CSRF token) before it posts.
  if (session.value === undefined) await getFlow(h, session, user, "setup");
  const token = csrfOf(session);
  const view = json
    ? requestView(`/2fa/${path}`, {
        method: "POST",
        accept: "application/json",
        contentType: "application/json",
        csrfHeader: token,
        body: { ok: true, type: "json", fields },
      })
    : requestView(`/2fa/${path}`, {
        method: "POST",
        contentType: "application/x-www-form-urlencoded",
        body: { ok: true, type: "form", fields: "_csrf" in fields ? fields : { _csrf: token, ...fields } },
      });
  const decision = await h.core.handleFlow(view, session, user);
  if (decision === undefined) throw new Error("no decision");
  return decision;
}

/** GET a page under `/2fa` on the harness's core. */
export async function getFlow(
  h: Harness,
  session: FakeSession,
  user: SecondFactorUser,
  path: string,
  json = false,
): Promise<Decision> {
  const decision = await h.core.handleFlow(
    requestView(path === "" ? "/2fa" : `/2fa/${path}`, json ? { accept: "application/json" } : {}),
    session,
    user,
  );
  if (decision === undefined) throw new Error("no decision");
  return decision;
}

/**
 * Adds an authenticator app to `user` through the settings routes (the account may manage factors):
 * returns the app's URI and the factor id.
 */
export async function enrolApp(
  h: Harness,
  session: FakeSession,
  user: SecondFactorUser,
): Promise<{ uri: string; factorId: string }> {
  const started = await postFlow(h, session, user, "setup/totp");
  if (started.kind !== "redirect") throw new Error(`set-up refused: ${JSON.stringify(started)}`);
  const page = await getFlow(h, session, user, "setup/totp");
  if (page.kind !== "html") throw new Error(`no set-up page: ${JSON.stringify(page)}`);
  const uri = totpUriOf(page.body);
  const confirmed = await postFlow(h, session, user, "setup/totp/verify", { code: appCode(uri, h.clock.ms) });
  if (confirmed.kind !== "redirect") throw new Error(`confirmation refused: ${JSON.stringify(confirmed)}`);
  const factors = await h.core.factors.listFactors(user.id);
  const app = factors.filter((factor) => factor.kind === "totp").at(-1);
  if (app === undefined) throw new Error("no app added");
  return { uri, factorId: app.id };
}
