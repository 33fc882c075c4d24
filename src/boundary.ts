/**
 * The core/adapter boundary (DESIGN §3). Adapters translate a framework request into these plain
 * shapes and the core's {@link Decision} back into a response. Nothing here knows Express or Koa.
 */
import type { Method } from "./record/index.js";

/** The user the app's `user(...)` callback returned: who is logged in, and where codes may go. */
export interface SecondFactorUser {
  /** A stable, unique id of the account (not the username if that can change). */
  id: string;
  /** E.164 phone number on file, from the server (never from the request). */
  phone?: string | undefined;
  /** E-mail address on file, for the opt-in `email` channel. */
  email?: string | undefined;
  /** BCP 47 language for messages and pages. */
  locale?: string | undefined;
}

/** The parsed body of a flow request, or why it could not be read. */
export type BodyResult =
  | { ok: true; type: "form" | "json"; fields: Readonly<Record<string, unknown>> }
  | { ok: false; status: 400 | 413 | 415; reason: string };

/** A request as the core sees it: built by the adapter, cheap to make (getters over the native request). */
export interface RequestView {
  /** Upper-case HTTP method. */
  readonly method: string;
  /** Path and query as the client sent them to the app (Express `req.originalUrl`, Koa `ctx.originalUrl`). */
  readonly url: string;
  /** The raw `Accept` header. */
  readonly accept: string | undefined;
  /** The raw `Content-Type` header. */
  readonly contentType: string | undefined;
  /** The client IP as the framework derives it under its own proxy setting. */
  readonly ip: string | undefined;
  /** The raw `x-csrf-token` header. */
  readonly csrfHeader: string | undefined;
  /** Whether the request came over HTTPS, as the framework derives it under its own proxy setting. */
  readonly secure: boolean;
  /** The raw `User-Agent` header (for a trusted device's label; never for a security decision). */
  readonly userAgent: string | undefined;
  /**
   * The value of the request cookie `name` (the first one sent, with surrounding quotes removed, not
   * decoded), or `undefined`. The `Cookie` header is read only when this is called: the guard's hot
   * path never calls it.
   */
  cookie(name: string): string | undefined;
  /** Reads and parses the body once (form or JSON, size-limited); only the flow's POST routes call it. */
  readBody(): Promise<BodyResult>;
}

/**
 * The app's server-side session, as the core needs it. The adapter checks that a session middleware
 * is in front and that it is server-side before it builds one.
 */
export interface SessionPort {
  /** The value stored under the record's key, or `undefined`. Sync: the session is already loaded. */
  readRecord(): unknown;
  /** Replaces (or with `undefined`, removes) the record. */
  writeRecord(record: unknown): void;
  /** Gives the session a new id, keeping the record (DESIGN §4 rule 4). Rejects when the store fails. */
  regenerate(): Promise<void>;
  /** Persists the session now, so a redirect that follows sees it. Rejects when the store fails. */
  save(): Promise<void>;
}

/** Extra response headers of a {@link Decision}. */
export type DecisionHeaders = Readonly<Record<string, string>>;

/**
 * A cookie a {@link Decision} sets or, with an empty value and `maxAgeSeconds: 0`, clears. The adapter
 * writes it as one more `Set-Cookie` header, after any the app's session middleware sets. The name
 * must be an RFC 6265 token and the value cookie-octets (no `;`, `,`, space, quote or control
 * character): anything else is refused as `ERR_SF_MISCONFIGURED`, so no cookie can inject a header.
 * @example
 * const cookie: DecisionCookie = { name: "__Host-trust", value: token, secure: true, maxAgeSeconds: 2592000 };
 */
export interface DecisionCookie {
  readonly name: string;
  /** Cookie-octets; `""` with `maxAgeSeconds: 0` clears the cookie. */
  readonly value: string;
  /** Hidden from page scripts. @default true */
  readonly httpOnly?: boolean;
  /** Sent on which cross-site requests. `"None"` needs `secure`. @default "Lax" */
  readonly sameSite?: "Strict" | "Lax" | "None";
  /** Sent over HTTPS only. Required by the `__Host-` and `__Secure-` name prefixes. @default false */
  readonly secure?: boolean;
  /** The path the browser sends it to; `"/"` for a `__Host-` name. @default "/" */
  readonly path?: string;
  /** Seconds until it expires (a whole number; `0` clears it). @default a session cookie */
  readonly maxAgeSeconds?: number;
  /** When it expires, for browsers that ignore `Max-Age`. @default none */
  readonly expires?: Date;
}

/** Cookies a {@link Decision} sets or clears, in order. */
export type DecisionCookies = readonly DecisionCookie[];

/** What the adapter must do with the request. */
export type Decision =
  | { readonly kind: "next" }
  | {
      readonly kind: "redirect";
      readonly status: 302 | 303;
      readonly location: string;
      readonly headers: DecisionHeaders;
      readonly cookies?: DecisionCookies;
    }
  | {
      readonly kind: "html";
      readonly status: number;
      readonly body: string;
      readonly headers: DecisionHeaders;
      readonly cookies?: DecisionCookies;
    }
  | {
      readonly kind: "json";
      readonly status: number;
      readonly body: unknown;
      readonly headers: DecisionHeaders;
      readonly cookies?: DecisionCookies;
    };

/** The one `next` decision: the guard's pass-through allocates nothing. */
export const NEXT: Decision = Object.freeze({ kind: "next" });

/**
 * A route's second-factor policy, given to `requireSecondFactor(policy)`.
 * @typeParam Native - the framework's request (`express.Request`, Koa `Context`).
 */
export interface GuardPolicy<Native> {
  /** Step-up: the second factor must have been passed at most this long ago (`"5m"`, `"30s"`, or ms). */
  maxAge?: string | number;
  /**
   * The methods this route accepts: a session that passed by any other is sent through the challenge.
   * @default the instance's `channels`
   * @example
   * mfa.requireSecondFactor({ methods: ["sms"] })
   */
  methods?: readonly Method[];
  /** The former name of {@link GuardPolicy.methods}, kept as an alias until 1.0; do not pass both. @deprecated use `methods` */
  channels?: readonly Method[];
  /**
   * Accept only a session verified by a passkey (phishing-resistant, NIST SP 800-63B-4): the challenge
   * page offers passkeys only. With `methods`, they may name `"passkey"` alone.
   * @default false
   * @example
   * mfa.requireSecondFactor({ phishingResistant: true, maxAge: "5m" })
   */
  phishingResistant?: boolean;
  /** Apply the guard only when this returns true (e.g. skip for a trusted network). @default always */
  when?: (request: Native) => boolean | Promise<boolean>;
}

/** A guard made by {@link SecondFactorCore.guard}: the whole decision for one protected request. */
export interface CoreGuard<Native> {
  /**
   * The hot path, asked before {@link decide}: true when `record` (the raw value under the session key)
   * lets `user` through on this route at once. Synchronous and allocation-free; throws only when the
   * app's `now` clock is broken (`ERR_SF_MISCONFIGURED`). False means only "ask {@link decide}" (which
   * also covers a `when` policy), never a refusal by itself.
   */
  passes(record: unknown, user: SecondFactorUser | null): boolean;
  /**
   * Decides for one request. On a verified session that satisfies the policy it returns {@link NEXT}
   * synchronously, allocating nothing; otherwise a redirect to the challenge (HTML) or a 401 (JSON),
   * having stored the return-to when the request was a GET.
   */
  decide(
    native: Native,
    request: RequestView,
    session: SessionPort,
    user: SecondFactorUser | null,
  ): Decision | Promise<Decision>;
}

/**
 * The framework-agnostic engine an adapter wraps. Made once per `secondFactor(options)` call, with the
 * options validated there.
 * @typeParam Native - the framework's request (`express.Request`, Koa `Context`).
 */
export interface SecondFactorCore<Native> {
  /** Calls the app's `user(...)` callback and validates what it returns (a bad shape is a configuration error). */
  resolveUser(native: Native): SecondFactorUser | null | Promise<SecondFactorUser | null>;
  /** Makes a guard for a route; validates the policy now, so a bad policy fails at start-up. */
  guard(policy?: GuardPolicy<Native>): CoreGuard<Native>;
  /** The flow's base path, e.g. `/2fa`: adapters pass only requests under it to {@link handleFlow}. */
  readonly basePath: string;
  /** Handles a request to the challenge flow; `undefined` when the path is not one of the flow's. */
  handleFlow(
    request: RequestView,
    session: SessionPort,
    user: SecondFactorUser | null,
  ): Promise<Decision | undefined>;
  /**
   * Turns an error thrown by a session store, budget store or provider into the answer the flow gives
   * (503 with `Retry-After`, as HTML or JSON per the request); `undefined` for errors that are not ours
   * to answer (the adapter passes those on to the framework).
   */
  failureDecision(error: unknown, request: RequestView): Decision | undefined;
  /** Whether the app opted in to client-side sessions (`allowClientSideSessions`). */
  readonly allowClientSideSessions: boolean;
  /** The session key the record lives under. @default "secondFactor" */
  readonly sessionKey: string;
  /** The maximum body size the flow accepts, in bytes. */
  readonly bodyLimit: number;
}
