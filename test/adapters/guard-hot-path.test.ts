// The guards' hot path (a verified session goes on without a port, a view or a promise of ours) must
// accept exactly the sessions the full path accepts: called directly, with a fake core, on sessions
// shaped like express-session, cookie-session and koa-session.
import type { Request, Response } from "express";
import type { Context } from "koa";
import { describe, expect, it, vi } from "vitest";
import { expressMiddleware } from "../../adapters/express/middleware.js";
import { koaMiddleware } from "../../adapters/koa/middleware.js";
import type { SecondFactorUser } from "../../src/boundary.js";
import { fakeCore } from "./fake-core.js";

const ALICE: SecondFactorUser = { id: "alice" };
const VERIFIED = { user: "alice", verified: true };

/** express-session's shape: `regenerate` and `save` on the session, an id on the request. */
function expressServerSession(record: unknown): Record<string, unknown> {
  const session = Object.create({ regenerate() {}, save() {} }) as Record<string, unknown>;
  session.secondFactor = record;
  return session;
}

/** cookie-session's shape: `isPopulated`, no id, no `regenerate`. */
function cookieSession(record: unknown): Record<string, unknown> {
  const session = Object.create({ isPopulated: true }) as Record<string, unknown>;
  session.secondFactor = record;
  return session;
}

function expressRequest(fields: Record<string, unknown>): Request {
  return {
    method: "GET",
    url: "/account",
    originalUrl: "/account",
    headers: {},
    ...fields,
  } as unknown as Request;
}

/** Runs an Express guard once; resolves to what it handed `next` (or "answered" when it responded). */
function runExpressGuard(
  options: { allowClientSideSessions?: boolean; user?: (req: Request) => unknown },
  req: Request,
): Promise<unknown> {
  const core = fakeCore<Request>({
    user: (options.user ?? (() => ALICE)) as (req: Request) => SecondFactorUser | null,
    ...(options.allowClientSideSessions === undefined
      ? {}
      : { allowClientSideSessions: options.allowClientSideSessions }),
  });
  const guard = expressMiddleware(core).requireSecondFactor();
  return new Promise((resolve) => {
    const res = {
      headersSent: false,
      status: () => res,
      set: () => res,
      setHeader: () => res,
      redirect: () => resolve("answered"),
      send: () => resolve("answered"),
      end: () => resolve("answered"),
      type: () => res,
    } as unknown as Response;
    void guard(req, res, (error?: unknown) => resolve(error === undefined ? "next" : error));
  });
}

describe("Express guard hot path", () => {
  it("lets a verified express-session through synchronously", () => {
    const next = vi.fn();
    const core = fakeCore<Request>({ user: () => ALICE });
    const guard = expressMiddleware(core).requireSecondFactor();
    const req = expressRequest({
      session: expressServerSession(VERIFIED),
      sessionID: "s1",
      sessionStore: {},
    });
    void guard(req, {} as Response, next);
    expect(next).toHaveBeenCalledTimes(1);
    expect(next).toHaveBeenCalledWith();
  });

  it("refuses a client-side session holding a verified record unless the app opted in", async () => {
    const refused = await runExpressGuard({}, expressRequest({ session: cookieSession(VERIFIED) }));
    expect(refused).toMatchObject({ code: "ERR_SF_MISCONFIGURED" });
    expect(String(refused)).toContain("allowClientSideSessions");
    const opted = await runExpressGuard(
      { allowClientSideSessions: true },
      expressRequest({ session: cookieSession(VERIFIED) }),
    );
    expect(opted).toBe("next");
  });

  it("does not pass another user's record, a missing session or a broken user callback", async () => {
    const carol = await runExpressGuard(
      { user: () => ({ id: "carol" }) },
      expressRequest({ session: expressServerSession(VERIFIED), sessionID: "s1", sessionStore: {} }),
    );
    expect(carol).toBe("answered");
    const none = await runExpressGuard({}, expressRequest({}));
    expect(none).toMatchObject({ code: "ERR_SF_MISCONFIGURED" });
    const broken = await runExpressGuard(
      {
        user: () => {
          throw new Error("user lookup failed");
        },
      },
      expressRequest({ session: expressServerSession(VERIFIED), sessionID: "s1", sessionStore: {} }),
    );
    expect(String(broken)).toContain("user lookup failed");
  });

  it("hands a check that throws (a broken clock) to the error path, never to the route", async () => {
    const core = fakeCore<Request>({ user: () => ALICE });
    const clockFailure = new Error("the clock is broken");
    const guardOf = core.guard.bind(core);
    core.guard = (policy) => ({
      ...guardOf(policy),
      passes: () => {
        throw clockFailure;
      },
    });
    const guard = expressMiddleware(core).requireSecondFactor();
    const next = vi.fn();
    const req = expressRequest({
      session: expressServerSession(VERIFIED),
      sessionID: "s1",
      sessionStore: {},
    });
    void guard(req, { headersSent: false } as unknown as Response, next);
    expect(next).toHaveBeenCalledTimes(1);
    expect(next).toHaveBeenCalledWith(clockFailure);
  });

  it("takes the full path for an async user callback and still lets a verified session through", async () => {
    const passed = await runExpressGuard(
      { user: async () => ALICE },
      expressRequest({ session: expressServerSession(VERIFIED), sessionID: "s1", sessionStore: {} }),
    );
    expect(passed).toBe("next");
  });
});

/** koa-session's shape: `regenerate` and `save`; `sessionOptions.store` when the data is server-side. */
function koaContext(record: unknown, store: boolean): Context {
  const session = Object.create({ regenerate() {}, save() {} }) as Record<string, unknown>;
  session.secondFactor = record;
  return {
    method: "GET",
    url: "/account",
    originalUrl: "/account",
    headers: {},
    req: { headers: {} },
    get: () => "",
    set: () => {},
    session,
    sessionOptions: store ? { store: {} } : {},
  } as unknown as Context;
}

function koaGuard(options: { allowClientSideSessions?: boolean; user?: () => unknown } = {}) {
  const core = fakeCore<Context>({
    user: (options.user ?? (() => ALICE)) as () => SecondFactorUser | null,
    ...(options.allowClientSideSessions === undefined
      ? {}
      : { allowClientSideSessions: options.allowClientSideSessions }),
  });
  return koaMiddleware(core).requireSecondFactor();
}

describe("Koa guard hot path", () => {
  it("lets a verified session with an external store through", async () => {
    const next = vi.fn(async () => {});
    await koaGuard()(koaContext(VERIFIED, true), next);
    expect(next).toHaveBeenCalledTimes(1);
  });

  it("refuses a cookie-only session holding a verified record unless the app opted in", async () => {
    const next = vi.fn(async () => {});
    await expect(koaGuard()(koaContext(VERIFIED, false), next)).rejects.toMatchObject({
      code: "ERR_SF_MISCONFIGURED",
    });
    expect(next).not.toHaveBeenCalled();
    await koaGuard({ allowClientSideSessions: true })(koaContext(VERIFIED, false), next);
    expect(next).toHaveBeenCalledTimes(1);
  });

  it("tells each app's sessions apart when it remembers whether they keep their data in a store", async () => {
    const guard = koaGuard();
    const next = vi.fn(async () => {});
    const inApp = (app: object, store: boolean) => Object.assign(koaContext(VERIFIED, store), { app });
    const storeApp = {};
    const cookieApp = {};
    await guard(inApp(storeApp, true), next);
    await expect(guard(inApp(cookieApp, false), next)).rejects.toMatchObject({
      code: "ERR_SF_MISCONFIGURED",
    });
    await guard(inApp(storeApp, true), next);
    await expect(guard(inApp(cookieApp, false), next)).rejects.toMatchObject({
      code: "ERR_SF_MISCONFIGURED",
    });
    expect(next).toHaveBeenCalledTimes(2);
  });

  it("does not pass another user's record or a broken user callback", async () => {
    const next = vi.fn(async () => {});
    const ctx = koaContext(VERIFIED, true);
    await koaGuard({ user: () => ({ id: "carol" }) })(ctx, next);
    expect(next).not.toHaveBeenCalled();
    expect((ctx as unknown as { status?: number }).status).toBe(303);
    await expect(
      koaGuard({
        user: () => {
          throw new Error("user lookup failed");
        },
      })(koaContext(VERIFIED, true), next),
    ).rejects.toThrow("user lookup failed");
    expect(next).not.toHaveBeenCalled();
  });

  it("hands a check that throws (a broken clock) to the error path, never to the route", async () => {
    const core = fakeCore<Context>({ user: () => ALICE });
    const guardOf = core.guard.bind(core);
    core.guard = (policy) => ({
      ...guardOf(policy),
      passes: () => {
        throw new Error("the clock is broken");
      },
    });
    const next = vi.fn(async () => {});
    await expect(koaMiddleware(core).requireSecondFactor()(koaContext(VERIFIED, true), next)).rejects.toThrow(
      "the clock is broken",
    );
    expect(next).not.toHaveBeenCalled();
  });

  it("takes the full path for an async user callback and still lets a verified session through", async () => {
    const next = vi.fn(async () => {});
    await koaGuard({ user: async () => ALICE })(koaContext(VERIFIED, true), next);
    expect(next).toHaveBeenCalledTimes(1);
  });
});
