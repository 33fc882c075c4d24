/**
 * Makes the sessions the HTTP benches replay: logs in and walks the real challenge flow against the
 * emulator (JSON mode), so the verified record is the one the flow itself writes.
 */
import type { VerifyEmulator } from "../../testing/index.js";
import { userFor } from "../apps/users.js";
import { expectStatus, HttpClient } from "./http-client.js";

/**
 * Logs user `u<n>` in; returns the client (cookie jar) holding the logged-in, unverified session.
 * @example
 * const client = await loggedIn(url, 3);
 */
export async function loggedIn(url: string, n: number): Promise<HttpClient> {
  const client = new HttpClient(url);
  expectStatus("login", await client.send({ method: "POST", path: "/login", form: { user: `u${n}` } }), 303);
  return client;
}

/**
 * Logs user `u<n>` in and passes the second factor by SMS; returns the `Cookie` header of the
 * verified session.
 * @example
 * const cookie = await verifiedCookie(url, emulator, 3);
 */
export async function verifiedCookie(url: string, emulator: VerifyEmulator, n: number): Promise<string> {
  const user = userFor(`u${n}`);
  if (user?.phone === undefined) throw new Error(`no bench user u${n}`);
  const client = await loggedIn(url, n);
  const json = { accept: "application/json" };
  const state = expectStatus(
    "challenge state",
    await client.send({ method: "GET", path: "/2fa", headers: json }),
    200,
  );
  const csrf = (JSON.parse(state.text) as { csrfToken?: unknown }).csrfToken;
  if (typeof csrf !== "string") throw new Error(`the challenge state has no csrfToken: ${state.text}`);
  const headers = { ...json, "x-csrf-token": csrf };
  expectStatus(
    "send",
    await client.send({ method: "POST", path: "/2fa/send", headers, json: { channel: "sms" } }),
    202,
  );
  const code = emulator.lastCode(user.phone);
  if (code === undefined) throw new Error(`the emulator delivered no code to u${n}`);
  expectStatus(
    "verify",
    await client.send({ method: "POST", path: "/2fa/verify", headers, json: { code } }),
    200,
  );
  const cookie = client.cookieHeader;
  client.close();
  return cookie;
}
