/**
 * A stand-in for the core, for tests of the adapters alone: it keeps a tiny record
 * (`{ user, verified }`), answers a few flow routes and maps 503 errors, so each adapter duty
 * (session detection, body reading, decision writing, store failures) can be checked on its own.
 */
import type {
  Decision,
  RequestView,
  SecondFactorCore,
  SecondFactorUser,
  SessionPort,
} from "../../src/boundary.js";
import { NEXT } from "../../src/boundary.js";
import { isSecondFactorError } from "../../src/errors.js";

/** Options of {@link fakeCore}. */
export interface FakeCoreOptions<Native> {
  user: (native: Native) => SecondFactorUser | null;
  allowClientSideSessions?: boolean;
  /** Called inside `POST /2fa/verify` right before the session is regenerated. */
  beforeRegenerate?: () => void;
  /** A broken guard's answer for an unverified user, in place of the redirect (adapters must not pass it). */
  brokenRefusal?: () => unknown;
}

interface FakeRecord {
  user: string;
  verified: boolean;
}

function recordOf(session: SessionPort): FakeRecord | undefined {
  const value = session.readRecord();
  return typeof value === "object" && value !== null ? (value as FakeRecord) : undefined;
}

const html = (status: number, body: string): Decision => ({ kind: "html", status, body, headers: {} });

/** Makes the fake core. */
export function fakeCore<Native>(options: FakeCoreOptions<Native>): SecondFactorCore<Native> {
  const flow = async (
    request: RequestView,
    session: SessionPort,
    user: SecondFactorUser | null,
  ): Promise<Decision | undefined> => {
    const path = request.url.split("?")[0];
    const read = request.method === "GET" || request.method === "HEAD";
    if (read && path === "/2fa") return html(200, `<p>challenge for ${user?.id}</p>`);
    if (request.method === "GET" && path === "/2fa/json") {
      return { kind: "json", status: 202, body: { ok: true }, headers: { "X-Fake": "1" } };
    }
    if (request.method === "POST" && path === "/2fa/echo") {
      const body = await request.readBody();
      return { kind: "json", status: body.ok ? 200 : body.status, body, headers: {} };
    }
    if (request.method === "POST" && path === "/2fa/verify") {
      if (user === null) return html(401, "no user");
      session.writeRecord({ user: user.id, verified: true } satisfies FakeRecord);
      options.beforeRegenerate?.();
      await session.regenerate();
      await session.save();
      return {
        kind: "redirect",
        status: 303,
        location: "/account",
        headers: { "Cache-Control": "no-store" },
      };
    }
    if (request.method === "POST" && path === "/2fa/boom") throw new Error("boom (test)");
    return undefined;
  };

  return {
    basePath: "/2fa",
    sessionKey: "secondFactor",
    bodyLimit: 1024,
    allowClientSideSessions: options.allowClientSideSessions ?? false,
    resolveUser: (native) => options.user(native),
    guard: () => ({
      passes(record, user) {
        const fields = record as { verified?: unknown; user?: unknown } | undefined;
        return user !== null && fields?.verified === true && fields.user === user.id;
      },
      decide(_native, request, session, user) {
        const record = recordOf(session);
        if (user !== null && record?.verified === true && record.user === user.id) return NEXT;
        if (options.brokenRefusal !== undefined) return options.brokenRefusal() as Decision;
        if (request.accept === "application/json") {
          return {
            kind: "json",
            status: 401,
            body: { error: "second_factor_required" },
            headers: { "WWW-Authenticate": 'Bearer error="insufficient_user_authentication"' },
          };
        }
        return { kind: "redirect", status: 303, location: "/2fa", headers: {} };
      },
    }),
    handleFlow: flow,
    failureDecision(error) {
      if (!isSecondFactorError(error) || error.status !== 503) return undefined;
      return { kind: "html", status: 503, body: "<p>try again soon</p>", headers: { "Retry-After": "5" } };
    },
  };
}
