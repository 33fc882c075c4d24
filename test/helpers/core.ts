/** Test doubles for the core: a stub provider, a fake session, fake requests, and a core wired to them. */
import type { BodyResult, Decision, RequestView, SecondFactorUser, SessionPort } from "../../src/boundary.js";
import { createSecondFactorCore, type SecondFactorCoreInstance } from "../../src/core.js";
import type { SecondFactorEvent } from "../../src/events.js";
import { createLimits, type Limits } from "../../src/limits/index.js";
import type { SecondFactorOptions } from "../../src/options/index.js";
import type {
  CancelVerificationResult,
  CheckVerificationResult,
  StartVerificationRequest,
  StartVerificationResult,
  VerificationProvider,
} from "../../src/providers/index.js";

export const SECRET = "test-secret-0123456789-abcdefghijklmnop";
export const ALICE: SecondFactorUser = { id: "alice", phone: "+15017122661" };
export const CAROL: SecondFactorUser = { id: "carol", phone: "+12025550123" };
export const BOB: SecondFactorUser = { id: "bob" };

/** A provider double: the code is "123456" unless told otherwise; every call is recorded. */
export class StubProvider implements VerificationProvider {
  readonly name = "stub";
  readonly starts: StartVerificationRequest[] = [];
  readonly checks: { sid: string; code: string }[] = [];
  readonly cancels: string[] = [];
  code = "123456";
  /** When set, the next start answers this instead of pending. */
  startAnswer: StartVerificationResult | undefined;
  /** When set, every check answers this. */
  checkAnswer: CheckVerificationResult | undefined;
  /** When set, calls throw it. */
  failure: unknown;
  /** When true, calls never settle. */
  hang = false;
  /** Latency of every call, in ms (real time): checks that overlap, as with Twilio. */
  delayMs = 0;
  private sequence = 0;
  private readonly live = new Map<string, { to: string; checks: number }>();

  async start(request: StartVerificationRequest): Promise<StartVerificationResult> {
    this.starts.push(request);
    await this.gate();
    if (this.startAnswer !== undefined) return this.startAnswer;
    for (const [sid, verification] of this.live) {
      if (verification.to === request.to)
        return { status: "pending", sid, channel: request.channel, sendAttempts: 2 };
    }
    this.sequence += 1;
    const sid = `VE${String(this.sequence).padStart(32, "0")}`;
    this.live.set(sid, { to: request.to, checks: 0 });
    return { status: "pending", sid, channel: request.channel, sendAttempts: 1 };
  }

  async check(request: { sid: string; code: string }): Promise<CheckVerificationResult> {
    this.checks.push(request);
    await this.gate();
    if (this.checkAnswer !== undefined) return this.checkAnswer;
    const verification = this.live.get(request.sid);
    if (verification === undefined) return { status: "not_found" };
    verification.checks += 1;
    if (verification.checks > 5) {
      this.live.delete(request.sid);
      return { status: "max_attempts" };
    }
    if (request.code !== this.code) return { status: "pending", sid: request.sid };
    this.live.delete(request.sid);
    return { status: "approved", sid: request.sid, channel: "sms" };
  }

  async cancel(request: { sid: string }): Promise<CancelVerificationResult> {
    this.cancels.push(request.sid);
    await this.gate();
    return this.live.delete(request.sid) ? { status: "canceled" } : { status: "not_found" };
  }

  /** Forgets a verification, as Twilio does when it expires. */
  expire(sid: string): void {
    this.live.delete(sid);
  }

  private async gate(): Promise<void> {
    if (this.hang) await new Promise(() => {});
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    if (this.failure !== undefined) throw this.failure;
  }
}

/** A session as the adapters give it: an object in memory, an id that regenerate changes. */
export class FakeSession implements SessionPort {
  id = 1;
  value: unknown;
  saves = 0;
  failSave: unknown;
  failRegenerate: unknown;
  readonly writes: unknown[] = [];

  readRecord(): unknown {
    return this.value;
  }
  writeRecord(record: unknown): void {
    this.writes.push(record);
    this.value = record;
  }
  async regenerate(): Promise<void> {
    if (this.failRegenerate !== undefined) throw this.failRegenerate;
    this.id += 1;
  }
  async save(): Promise<void> {
    if (this.failSave !== undefined) throw this.failSave;
    this.saves += 1;
  }
}

export interface RequestInit {
  method?: string;
  accept?: string;
  contentType?: string;
  csrfHeader?: string;
  ip?: string;
  body?: BodyResult;
  secure?: boolean;
  userAgent?: string;
  /** The request's cookies by name. */
  cookies?: Readonly<Record<string, string>>;
}

/** A {@link RequestView} over plain values. */
export function requestView(url: string, init: RequestInit = {}): RequestView & { bodyReads: number } {
  const view = {
    method: init.method ?? "GET",
    url,
    accept: init.accept ?? "text/html,application/xhtml+xml,*/*;q=0.8",
    contentType: init.contentType,
    ip: init.ip ?? "127.0.0.1",
    csrfHeader: init.csrfHeader,
    secure: init.secure ?? false,
    userAgent: init.userAgent,
    cookie: (name: string) =>
      init.cookies !== undefined && Object.hasOwn(init.cookies, name) ? init.cookies[name] : undefined,
    bodyReads: 0,
    async readBody(): Promise<BodyResult> {
      view.bodyReads += 1;
      return init.body ?? { ok: true, type: "form", fields: {} };
    },
  };
  return view;
}

/** A controllable clock. */
export class Clock {
  constructor(public ms = Date.UTC(2026, 10, 25, 12, 0, 0)) {}
  readonly now = (): number => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
}

export interface Harness {
  core: SecondFactorCoreInstance<unknown>;
  provider: StubProvider;
  clock: Clock;
  limits: Limits;
  events: SecondFactorEvent[];
  logs: { level: string; message: string; details?: unknown }[];
}

/** A core on a stub provider, real memory limits, a fake clock, and captured events and logs. */
export function harness(overrides: Partial<SecondFactorOptions<unknown>> = {}, limits?: Limits): Harness {
  const provider = new StubProvider();
  const clock = new Clock();
  const events: SecondFactorEvent[] = [];
  const logs: Harness["logs"] = [];
  const budgets = limits ?? createLimits({ secret: SECRET, now: clock.now });
  const core = createSecondFactorCore<unknown>({
    provider,
    user: () => ALICE,
    limits: budgets,
    now: clock.now,
    resendAfter: 0,
    factors: { kind: "memory" },
    onEvent: (event) => {
      events.push(event);
    },
    logger: {
      warn: (message, details) => logs.push({ level: "warn", message, details }),
      error: (message, details) => logs.push({ level: "error", message, details }),
    },
    ...overrides,
  });
  return { core, provider, clock, limits: budgets, events, logs };
}

/** The form a page shows: reads the CSRF token out of the session's record. */
export function csrfOf(session: FakeSession): string {
  return (session.value as { csrf: string }).csrf;
}

/** GET /2fa (creates the record and its CSRF token). */
export async function showPage(
  h: Harness,
  session: FakeSession,
  user: SecondFactorUser | null = ALICE,
  accept?: string,
): Promise<Decision> {
  const decision = await h.core.handleFlow(
    requestView("/2fa", accept === undefined ? {} : { accept }),
    session,
    user,
  );
  if (decision === undefined) throw new Error("no decision");
  return decision;
}

/** POST a form to a flow route, with the session's CSRF token unless `fields._csrf` says otherwise. */
export async function postForm(
  h: Harness,
  session: FakeSession,
  path: "send" | "verify" | "cancel",
  fields: Record<string, unknown>,
  user: SecondFactorUser | null = ALICE,
  init: RequestInit = {},
): Promise<Decision> {
  const withCsrf =
    "_csrf" in fields || session.value === undefined ? fields : { _csrf: csrfOf(session), ...fields };
  const decision = await h.core.handleFlow(
    requestView(`/2fa/${path}`, {
      method: "POST",
      contentType: "application/x-www-form-urlencoded",
      body: { ok: true, type: "form", fields: withCsrf },
      ...init,
    }),
    session,
    user,
  );
  if (decision === undefined) throw new Error("no decision");
  return decision;
}

/** POST JSON to a flow route, with the CSRF header. */
export async function postJson(
  h: Harness,
  session: FakeSession,
  path: "send" | "verify" | "cancel",
  fields: Record<string, unknown>,
  user: SecondFactorUser | null = ALICE,
): Promise<Decision> {
  const decision = await h.core.handleFlow(
    requestView(`/2fa/${path}`, {
      method: "POST",
      accept: "application/json",
      contentType: "application/json",
      csrfHeader: session.value === undefined ? undefined : csrfOf(session),
      body: { ok: true, type: "json", fields },
    }),
    session,
    user,
  );
  if (decision === undefined) throw new Error("no decision");
  return decision;
}

/** Logs in (GET /2fa) and sends a code by SMS. */
export async function startChallenge(
  h: Harness,
  session: FakeSession,
  user: SecondFactorUser = ALICE,
): Promise<void> {
  await showPage(h, session, user);
  const sent = await postForm(h, session, "send", { channel: "sms" }, user);
  if (sent.kind !== "redirect") throw new Error(`send failed: ${JSON.stringify(sent)}`);
}

/** The whole flow to a verified session. */
export async function verifySession(
  h: Harness,
  session: FakeSession,
  user: SecondFactorUser = ALICE,
): Promise<Decision> {
  await startChallenge(h, session, user);
  return postForm(h, session, "verify", { code: h.provider.code }, user);
}

/** The body of an html or json decision, as text. */
export function bodyText(decision: Decision | undefined): string {
  if (decision === undefined) return "";
  if (decision.kind === "html") return decision.body;
  if (decision.kind === "json") return JSON.stringify(decision.body);
  return "";
}

/** A header of a decision, case-insensitively. */
export function header(decision: Decision | undefined, name: string): string | undefined {
  if (decision === undefined || decision.kind === "next") return undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(decision.headers)) if (key.toLowerCase() === wanted) return value;
  return undefined;
}
