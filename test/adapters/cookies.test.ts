// Cookies at the boundary (DESIGN §3), on Express 5 and 4 and Koa 3 and 2: a decision's cookies are set
// beside the session middleware's own cookie, a clearing cookie clears, a cookie the core asks for by
// name is read, a frozen decision's cookies stay right, and a cookie that could inject a header is refused.
import type { ServerResponse } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { expressMiddleware } from "../../adapters/express/middleware.js";
import { koaMiddleware } from "../../adapters/koa/middleware.js";
import type { Decision, RequestView, SecondFactorCore, SecondFactorUser } from "../../src/boundary.js";
import { clearingCookie } from "../../src/respond/set-cookie.js";
import {
  FRAMEWORKS,
  type Framework,
  sessionCookiesOf,
  startApp,
  type TestApp,
} from "../helpers/apps/index.js";
import { fakeCore } from "./fake-core.js";

/** A `expires` date the test changes between two answers of one deeply frozen decision. */
const frozenExpiry = new Date(Date.UTC(2030, 0, 1));
const FROZEN: Decision = Object.freeze({
  kind: "html",
  status: 200,
  body: "frozen",
  headers: Object.freeze({}),
  cookies: Object.freeze([
    Object.freeze({ name: "frozen", value: "f1", expires: Object.freeze(frozenExpiry) }),
  ]),
});
/** A cookie value the test swaps in, to see that nothing outside the grammar reaches a header. */
let badValue = "";

/** The fake core plus routes that exercise cookies. */
function cookieCore<Native>(user: (native: Native) => SecondFactorUser | null): SecondFactorCore<Native> {
  const base = fakeCore<Native>({ user });
  const routes = async (
    request: RequestView,
    ...rest: Parameters<typeof base.handleFlow> extends [unknown, ...infer R] ? R : never
  ) => {
    const [session] = rest;
    const url = new URL(request.url, "http://app.test");
    if (url.pathname === "/2fa/cookie") {
      const name = url.searchParams.get("name") ?? "";
      return {
        kind: "json",
        status: 200,
        body: { value: request.cookie(name) ?? null },
        headers: {},
      } as const;
    }
    if (url.pathname === "/2fa/trust" && request.method === "POST") {
      session.writeRecord({ user: "alice", verified: true });
      await session.regenerate();
      await session.save();
      return {
        kind: "redirect",
        status: 303,
        location: "/account",
        headers: {},
        cookies: [
          { name: "trust", value: "t0ken_-1", httpOnly: true, sameSite: "Lax", path: "/", maxAgeSeconds: 60 },
          { name: "other", value: "two", httpOnly: false, sameSite: "Strict", path: "/2fa" },
        ],
      } as const;
    }
    if (url.pathname === "/2fa/untrust") {
      return {
        kind: "html",
        status: 200,
        body: "cleared",
        headers: {},
        cookies: [clearingCookie("trust")],
      } as const;
    }
    if (url.pathname === "/2fa/frozen") return FROZEN;
    if (url.pathname === "/2fa/bad") {
      return {
        kind: "html",
        status: 200,
        body: "bad",
        headers: {},
        cookies: [{ name: "x", value: badValue }],
      } as const;
    }
    return base.handleFlow(request, ...rest);
  };
  // The app set a cookie of its own before the decision is written (Express `req.res`, Koa `ctx.res`).
  const resolveUser = (native: Native) => {
    const { res, originalUrl } = native as unknown as { res: ServerResponse; originalUrl: string };
    if (originalUrl === "/2fa/trust") res.setHeader("Set-Cookie", ["app=1; Path=/"]);
    return base.resolveUser(native);
  };
  return { ...base, resolveUser, handleFlow: routes };
}

const running: TestApp[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((app) => app.close()));
});

async function app(framework: Framework): Promise<TestApp> {
  const started = await startApp({
    framework,
    mfa: {
      express: (user) => expressMiddleware(cookieCore(user)),
      koa: (user) => koaMiddleware(cookieCore(user)),
    },
  });
  running.push(started);
  return started;
}

function setCookies(response: { headers: Record<string, unknown> }): string[] {
  const raw = response.headers["set-cookie"];
  return Array.isArray(raw) ? (raw as string[]) : [];
}

describe.each(FRAMEWORKS)("%s: cookies at the boundary", (framework) => {
  it("sets a decision's cookies beside the session cookie of a regenerated session and the app's own", async () => {
    const test = await app(framework);
    const client = test.client();
    await client.post("/login").send({ user: "alice" }).expect(200);
    const response = await client.post("/2fa/trust").expect(303);
    expect(sessionCookiesOf(response)).toMatch(/^sid=/);
    const cookies = setCookies(response);
    expect(cookies).toContain("trust=t0ken_-1; Path=/; Max-Age=60; HttpOnly; SameSite=Lax");
    expect(cookies).toContain("other=two; Path=/2fa; SameSite=Strict");
    expect(cookies).toContain("app=1; Path=/");
    // The browser keeps both: the session still works and the cookie comes back.
    await client.get("/account").expect(200);
    expect((await client.get("/2fa/cookie?name=trust")).body).toEqual({ value: "t0ken_-1" });
  });

  it("clears a cookie with an empty value, Max-Age=0 and a past Expires", async () => {
    const test = await app(framework);
    const client = test.client();
    await client.post("/login").send({ user: "alice" }).expect(200);
    await client.post("/2fa/trust").expect(303);
    const response = await client.get("/2fa/untrust").expect(200);
    expect(setCookies(response)).toContain(
      "trust=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax",
    );
    expect((await client.get("/2fa/cookie?name=trust")).body).toEqual({ value: null });
  });

  it("reads a cookie asked for by name, the first one sent, unquoted, and no other", async () => {
    const test = await app(framework);
    const ask = (name: string, header: string) =>
      test
        .client()
        .get(`/2fa/cookie?name=${encodeURIComponent(name)}`)
        .set("Cookie", header);
    expect((await ask("b", "a=1; b=2;c=3")).body).toEqual({ value: "2" });
    expect((await ask("b", 'b="quoted"; b=second')).body).toEqual({ value: "quoted" });
    expect((await ask("b", "ab=1; b_=2")).body).toEqual({ value: null });
    expect((await ask("b", "")).body).toEqual({ value: null });
    expect((await ask("b", "b=")).body).toEqual({ value: "" });
  });

  it("writes a deeply frozen decision's cookies right every time (a Date stays mutable)", async () => {
    const test = await app(framework);
    frozenExpiry.setTime(Date.UTC(2030, 0, 1));
    const first = await test.client().get("/2fa/frozen").expect(200);
    expect(setCookies(first)).toEqual([
      "frozen=f1; Path=/; Expires=Tue, 01 Jan 2030 00:00:00 GMT; HttpOnly; SameSite=Lax",
    ]);
    frozenExpiry.setTime(Date.UTC(2031, 0, 1));
    const second = await test.client().get("/2fa/frozen").expect(200);
    expect(setCookies(second)).toEqual([
      "frozen=f1; Path=/; Expires=Wed, 01 Jan 2031 00:00:00 GMT; HttpOnly; SameSite=Lax",
    ]);
  });

  it("refuses a cookie value that could inject a header or an attribute, and sends none of it", async () => {
    const test = await app(framework);
    for (const value of ["a\r\nSet-Cookie: evil=1", "a; Domain=evil.test", "a b", 'a"b', "a,b", "é"]) {
      badValue = value;
      const response = await test.client().get("/2fa/bad");
      expect(response.status).toBe(500);
      expect(JSON.stringify(response.headers)).not.toContain("evil");
      expect(setCookies(response).some((cookie) => cookie.startsWith("x="))).toBe(false);
    }
  });
});
