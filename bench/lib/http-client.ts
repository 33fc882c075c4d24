/**
 * A small browser-like HTTP client for making sessions and for the flow bench: keep-alive, a cookie
 * jar, no redirects followed (each step is timed on its own).
 */
import { Agent, request as httpRequest, type IncomingHttpHeaders } from "node:http";
import type { VerifyEmulator } from "../../testing/index.js";
import { userFor } from "../apps/common.js";

/** One answer, body read in full. */
export interface HttpAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  /** Milliseconds from sending the request to the last byte of the answer. */
  readonly ms: number;
}

/** A request of {@link HttpClient.send}. */
export interface HttpSend {
  readonly method: string;
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Sent as `application/x-www-form-urlencoded`. */
  readonly form?: Readonly<Record<string, string>>;
  /** Sent as `application/json`. */
  readonly json?: unknown;
}

/** A client of one origin with its own cookie jar (one "browser"). */
export class HttpClient {
  readonly #origin: URL;
  readonly #agent: Agent;
  readonly #jar = new Map<string, string>();

  constructor(origin: string, agent: Agent = new Agent({ keepAlive: true, maxSockets: 1 })) {
    this.#origin = new URL(origin);
    this.#agent = agent;
  }

  /** The jar as a `Cookie` header value. */
  get cookieHeader(): string {
    return [...this.#jar].map(([name, value]) => `${name}=${value}`).join("; ");
  }

  /** Sends one request and reads the whole answer; cookies it sets go into the jar. */
  send(options: HttpSend): Promise<HttpAnswer> {
    const headers: Record<string, string> = { ...options.headers };
    let body: string | undefined;
    if (options.form !== undefined) {
      body = new URLSearchParams(options.form).toString();
      headers["content-type"] = "application/x-www-form-urlencoded";
    } else if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers["content-type"] = "application/json";
    }
    if (body !== undefined) headers["content-length"] = String(Buffer.byteLength(body));
    const cookie = this.cookieHeader;
    if (cookie !== "") headers.cookie = cookie;
    const started = process.hrtime.bigint();
    return new Promise<HttpAnswer>((resolve, reject) => {
      const outgoing = httpRequest(
        {
          host: this.#origin.hostname,
          port: this.#origin.port,
          method: options.method,
          path: options.path,
          headers,
          agent: this.#agent,
        },
        (incoming) => {
          const chunks: Buffer[] = [];
          incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
          incoming.on("error", reject);
          incoming.on("end", () => {
            this.#remember(incoming.headers["set-cookie"]);
            resolve({
              status: incoming.statusCode ?? 0,
              headers: incoming.headers,
              text: Buffer.concat(chunks).toString("utf8"),
              ms: Number(process.hrtime.bigint() - started) / 1e6,
            });
          });
        },
      );
      outgoing.on("error", reject);
      outgoing.end(body);
    });
  }

  /** Closes the kept-alive connections. */
  close(): void {
    this.#agent.destroy();
  }

  /** Keeps each cookie's value (an empty value removes it); attributes are ignored. */
  #remember(setCookie: string[] | undefined): void {
    for (const line of setCookie ?? []) {
      const pair = line.split(";")[0] ?? "";
      const equals = pair.indexOf("=");
      if (equals <= 0) continue;
      const value = pair.slice(equals + 1).trim();
      if (value === "") this.#jar.delete(pair.slice(0, equals).trim());
      else this.#jar.set(pair.slice(0, equals).trim(), value);
    }
  }
}

/**
 * Fails with the step's name, the status and the start of the body when `answer.status` is not `expected`.
 */
export function expectStatus(step: string, answer: HttpAnswer, expected: number): HttpAnswer {
  if (answer.status !== expected) {
    throw new Error(`${step}: expected ${expected}, got ${answer.status}: ${answer.text.slice(0, 300)}`);
  }
  return answer;
}

/** Logs user `u<n>` in; returns the client (cookie jar) holding the logged-in, unverified session. */
export async function loggedIn(url: string, n: number): Promise<HttpClient> {
  const client = new HttpClient(url);
  expectStatus("login", await client.send({ method: "POST", path: "/login", form: { user: `u${n}` } }), 303);
  return client;
}

/**
 * Logs user `u<n>` in and passes the second factor by SMS through the real flow (JSON mode), so the
 * record is the one the flow writes; returns the verified session's `Cookie` header.
 */
export async function verifiedCookie(url: string, emulator: VerifyEmulator, n: number): Promise<string> {
  const phone = userFor(`u${n}`)?.phone;
  if (phone === undefined) throw new Error(`no bench user u${n}`);
  const client = await loggedIn(url, n);
  const json = { accept: "application/json" };
  const state = await client.send({ method: "GET", path: "/2fa", headers: json });
  const csrf = (JSON.parse(expectStatus("challenge state", state, 200).text) as { csrfToken?: unknown })
    .csrfToken;
  if (typeof csrf !== "string") throw new Error(`the challenge state has no csrfToken: ${state.text}`);
  const headers = { ...json, "x-csrf-token": csrf };
  const send = { method: "POST", path: "/2fa/send", headers, json: { channel: "sms" } };
  expectStatus("send", await client.send(send), 202);
  const code = emulator.lastCode(phone);
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
