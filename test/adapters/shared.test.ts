// The framework-free pieces both adapters share: flow-path matching, decision payloads, parsed-body
// checks, misuse detection, and the session port that never leaves a half-written record after a store failure.
import { describe, expect, it, vi } from "vitest";
import { fromParsedBody, streamConsumed } from "../../adapters/shared/body/index.js";
import { responseParts } from "../../adapters/shared/decision.js";
import { isUnderBasePath } from "../../adapters/shared/flow-path.js";
import { assertCalledAsFactory, looksLikeMiddlewareCall } from "../../adapters/shared/misuse.js";
import {
  createSessionPort,
  LazySessionPort,
  recordIn,
  type SessionAccess,
  type SessionBinding,
} from "../../adapters/shared/session-port.js";
import { unlockerFor } from "../../adapters/shared/unlock.js";
import { isSecondFactorError } from "../../src/errors.js";
import { mediaType } from "../../src/negotiate.js";

describe("isUnderBasePath", () => {
  it.each([
    ["/2fa", true],
    ["/2fa/", true],
    ["/2fa/send", true],
    ["/2fa?x=1", true],
    ["/2FA/verify", true],
    ["/2fab", false],
    ["/2f", false],
    ["/account?next=/2fa", false],
    ["/", false],
  ])("%s -> %s", (url, expected) => {
    expect(isUnderBasePath(url, "/2fa")).toBe(expected);
  });

  it("compares like toLowerCase(), ASCII letters only folded, other characters exactly", () => {
    expect(isUnderBasePath("/AUTH/2Fa/x", "/auth/2fa")).toBe(true);
    // "@" and "`" differ only in the bit that folds letters: they are not the same character.
    expect(isUnderBasePath("/@fa", "/`fa")).toBe(false);
    expect(isUnderBasePath("/[fa", "/{fa")).toBe(false);
    expect(isUnderBasePath("/ÉTAPE/x", "/étape")).toBe(true);
    expect(isUnderBasePath("/étapes", "/étape")).toBe(false);
    expect(isUnderBasePath("/2fa", "/2fa/")).toBe(false);
    expect(isUnderBasePath("/2FA/", "/2fa/")).toBe(true);
  });

  it("handles a nested base path", () => {
    expect(isUnderBasePath("/auth/2fa/send", "/auth/2fa")).toBe(true);
    expect(isUnderBasePath("/auth/2fa-x", "/auth/2fa")).toBe(false);
  });
});

describe("responseParts", () => {
  const deepFreeze = <T extends object>(value: T): T => {
    for (const inner of Object.values(value))
      if (typeof inner === "object" && inner !== null) deepFreeze(inner);
    return Object.freeze(value);
  };

  it("lists the decision's headers, then Location and the default Content-Type when it names none", () => {
    const redirect = {
      kind: "redirect" as const,
      status: 302 as const,
      location: "/2fa",
      headers: { Vary: "Accept" },
    };
    expect(responseParts(redirect)).toEqual({
      status: 302,
      headers: [
        ["Vary", "Accept"],
        ["Location", "/2fa"],
        ["Content-Type", "text/plain; charset=utf-8"],
      ],
      setCookies: [],
      text: "",
      byteLength: 0,
    });
    const page = { kind: "html" as const, status: 200, body: "é", headers: { "content-type": "text/html" } };
    expect(responseParts(page)).toEqual({
      status: 200,
      headers: [["content-type", "text/html"]],
      setCookies: [],
      text: "é",
      byteLength: 2,
    });
  });

  it("keeps a decision's cookies in its parts, once for a deeply frozen one, and never a stale Expires", () => {
    const frozen = deepFreeze({
      kind: "html" as const,
      status: 200,
      body: "ok",
      headers: {},
      cookies: [{ name: "a", value: "1", maxAgeSeconds: 5 }],
    });
    expect(responseParts(frozen).setCookies).toEqual(["a=1; Path=/; Max-Age=5; HttpOnly; SameSite=Lax"]);
    expect(responseParts(frozen)).toBe(responseParts(frozen));
    const expires = Object.freeze(new Date(Date.UTC(2030, 0, 1)));
    const withDate = deepFreeze({
      kind: "html" as const,
      status: 200,
      body: "ok",
      headers: {},
      cookies: [{ name: "b", value: "2", expires }],
    });
    expect(responseParts(withDate).setCookies[0]).toContain("Expires=Tue, 01 Jan 2030");
    expires.setTime(Date.UTC(2031, 0, 1));
    expect(responseParts(withDate).setCookies[0]).toContain("Expires=Wed, 01 Jan 2031");
  });

  it("serialises a deeply frozen JSON refusal once, and never answers stale text for a body that can change", () => {
    const frozen = deepFreeze({
      kind: "json" as const,
      status: 401,
      body: { error: "second_factor_required", max_age: 300 },
      headers: {},
    });
    const stringify = vi.spyOn(JSON, "stringify");
    try {
      expect(responseParts(frozen).text).toBe('{"error":"second_factor_required","max_age":300}');
      expect(responseParts(frozen).text).toBe('{"error":"second_factor_required","max_age":300}');
      expect(stringify).toHaveBeenCalledTimes(1);
    } finally {
      stringify.mockRestore();
    }
    const nested = { attempts: 3 };
    const shallow = Object.freeze({
      kind: "json" as const,
      status: 401,
      body: Object.freeze({ error: "x", detail: nested }),
      headers: Object.freeze({}),
    });
    expect(responseParts(shallow).text).toBe('{"error":"x","detail":{"attempts":3}}');
    nested.attempts = 2;
    expect(responseParts(shallow).text).toBe('{"error":"x","detail":{"attempts":2}}');
  });

  it("works a deeply frozen decision out once, and never answers stale parts for one that can change", () => {
    const frozen = deepFreeze({
      kind: "json" as const,
      status: 401,
      body: { error: "x" },
      headers: { A: "1" },
    });
    expect(responseParts(frozen)).toBe(responseParts(frozen));
    const headers: Record<string, string> = { A: "1" };
    const shallow = Object.freeze({ kind: "json" as const, status: 401, body: { error: "y" }, headers });
    const first = responseParts(shallow);
    headers.A = "2";
    const second = responseParts(shallow);
    expect(second).not.toBe(first);
    expect(second.headers).toContainEqual(["A", "2"]);
  });
});

describe("fromParsedBody", () => {
  it("takes form and JSON fields as the app's parser left them", () => {
    expect(fromParsedBody({ code: "1" }, "application/x-www-form-urlencoded")).toEqual({
      ok: true,
      type: "form",
      fields: { code: "1" },
    });
    expect(fromParsedBody({ code: "1" }, "Application/JSON; charset=utf-8")).toMatchObject({
      ok: true,
      type: "json",
    });
  });

  it("still checks the Content-Type (415) and the shape (400)", () => {
    expect(fromParsedBody({ code: "1" }, "text/plain")).toMatchObject({ ok: false, status: 415 });
    expect(fromParsedBody({ code: "1" }, undefined)).toMatchObject({ ok: false, status: 415 });
    expect(fromParsedBody(["1"], "application/json")).toMatchObject({ ok: false, status: 400 });
    expect(fromParsedBody("code=1", "application/x-www-form-urlencoded")).toMatchObject({
      ok: false,
      status: 400,
    });
    expect(fromParsedBody(null, "application/json")).toMatchObject({ ok: false, status: 400 });
  });

  it("reads media types and consumed streams", () => {
    expect(mediaType(" Application/Json ; charset=utf-8")).toBe("application/json");
    expect(mediaType(undefined)).toBe("");
    expect(streamConsumed({ readableEnded: true })).toBe(true);
    expect(streamConsumed({ complete: true, readable: false })).toBe(true);
    expect(streamConsumed({ readableEnded: false, complete: false, readable: true })).toBe(false);
  });
});

describe("misuse detection", () => {
  it("recognises Express and Koa middleware arguments, not policies", () => {
    expect(looksLikeMiddlewareCall([{ headers: {}, method: "GET" }, {}, () => {}])).toBe(true);
    expect(looksLikeMiddlewareCall([{ req: {}, res: {} }, async () => {}])).toBe(true);
    expect(looksLikeMiddlewareCall([])).toBe(false);
    expect(looksLikeMiddlewareCall([undefined])).toBe(false);
    expect(looksLikeMiddlewareCall([{ maxAge: "5m" }])).toBe(false);
    expect(looksLikeMiddlewareCall([{ when: () => true }])).toBe(false);
  });

  it("throws ERR_SF_MISCONFIGURED naming the call to write", () => {
    let caught: unknown;
    try {
      assertCalledAsFactory("routes", [{ headers: {} }, {}, () => {}], "app.use(mfa.routes())");
    } catch (error) {
      caught = error;
    }
    expect(isSecondFactorError(caught) && caught.code).toBe("ERR_SF_MISCONFIGURED");
    expect(String(caught)).toContain("`app.use(mfa.routes())`");
    expect(String(caught)).toContain("`app.use(mfa.routes)`");
  });
});

/** A session in memory whose regenerate and save fail while `failing` is set. */
function memorySession(initial: unknown) {
  const state = { record: initial, failing: false, saves: 0, regenerations: 0 };
  const access: SessionAccess = {
    read: () => state.record,
    write: (record) => {
      state.record = record;
    },
    regenerate: async () => {
      if (state.failing) throw new Error("store down");
      state.regenerations += 1;
    },
    save: async () => {
      if (state.failing) throw new Error("store down");
      state.saves += 1;
    },
  };
  return { state, port: createSessionPort(access) };
}

describe("createSessionPort", () => {
  it("reads, writes and passes regenerate and save through", async () => {
    const { state, port } = memorySession(undefined);
    expect(port.readRecord()).toBeUndefined();
    port.writeRecord({ v: 1 });
    await port.regenerate();
    await port.save();
    expect(port.readRecord()).toEqual({ v: 1 });
    expect(state).toMatchObject({ saves: 1, regenerations: 1 });
  });

  it("turns a store failure into ERR_SF_STORE_UNAVAILABLE (503, Retry-After), keeping the cause", async () => {
    const { state, port } = memorySession(undefined);
    state.failing = true;
    const error = await port.save().catch((caught: unknown) => caught);
    expect(isSecondFactorError(error) && error.code).toBe("ERR_SF_STORE_UNAVAILABLE");
    expect(isSecondFactorError(error) && error.status).toBe(503);
    expect(isSecondFactorError(error) && error.headers["Retry-After"]).toBe("5");
    expect(isSecondFactorError(error) && error.expose).toBe(false);
    expect((error as Error).cause).toEqual(new Error("store down"));
  });

  it("puts the record back and ignores later writes after a failure: never half-written", async () => {
    const before = { v: 1, pending: { sid: "VE1", checksUsed: 2 } };
    const { state, port } = memorySession(before);
    port.writeRecord({ v: 1, pending: { sid: "VE1", checksUsed: 3 } });
    state.failing = true;
    await expect(port.save()).rejects.toMatchObject({ code: "ERR_SF_STORE_UNAVAILABLE" });
    expect(state.record).toEqual(before);
    port.writeRecord({ v: 1, verifiedAt: 1 });
    expect(state.record).toEqual(before);
    state.failing = false;
    await expect(port.regenerate()).rejects.toMatchObject({ code: "ERR_SF_STORE_UNAVAILABLE" });
    expect(state.regenerations).toBe(0);
  });

  it("removes a record that did not exist before the failed write", async () => {
    const { state, port } = memorySession(undefined);
    port.writeRecord({ v: 1 });
    state.failing = true;
    await expect(port.regenerate()).rejects.toMatchObject({ code: "ERR_SF_STORE_UNAVAILABLE" });
    expect(state.record).toBeUndefined();
  });
});

describe("LazySessionPort", () => {
  /** A native request whose session is a plain object, with counts of how the port reached it. */
  function lazyPort(initial: unknown) {
    const native = { session: { sf: initial } as Record<string, unknown>, builds: 0 };
    const binding: SessionBinding<typeof native> = {
      key: "sf",
      access: (request, key) => {
        request.builds += 1;
        const { state, port } = memorySession(request.session[key]);
        return {
          read: () => port.readRecord(),
          write: (value) => {
            port.writeRecord(value);
            request.session[key] = state.record;
          },
          regenerate: () => port.regenerate(),
          save: () => port.save(),
        };
      },
    };
    return { native, port: new LazySessionPort(native, binding) };
  }

  it("reads `native.session[key]` in place and builds nothing until the first write", () => {
    const { native, port } = lazyPort({ v: 1 });
    expect(port.readRecord()).toEqual({ v: 1 });
    native.session.sf = { v: 4 };
    expect(port.readRecord()).toEqual({ v: 4 });
    expect(native.builds).toBe(0);
  });

  it("reads undefined from a request without a session object", () => {
    expect(recordIn({}, "sf")).toBeUndefined();
    expect(recordIn({ session: null }, "sf")).toBeUndefined();
    expect(recordIn({ session: "x" }, "sf")).toBeUndefined();
  });

  it("builds the full port once, on the first write, regenerate or save, and reads from it after", async () => {
    const { native, port } = lazyPort(undefined);
    port.writeRecord({ v: 2 });
    await port.save();
    await port.regenerate();
    expect(port.readRecord()).toEqual({ v: 2 });
    expect(native.session.sf).toEqual({ v: 2 });
    expect(native.builds).toBe(1);

    const saved = lazyPort({ v: 3 });
    await saved.port.save();
    expect(saved.native.builds).toBe(1);
  });
});

describe("unlockerFor", () => {
  it("forwards a user id and refuses an empty one", async () => {
    const unlocked: string[] = [];
    const unlock = unlockerFor({ unlock: async (userId) => void unlocked.push(userId) });
    await unlock("alice");
    expect(unlocked).toEqual(["alice"]);
    await expect(unlock("")).rejects.toMatchObject({ code: "ERR_SF_INVALID_OPTION" });
    await expect(unlock(42 as unknown as string)).rejects.toMatchObject({ code: "ERR_SF_INVALID_OPTION" });
    expect(unlocked).toEqual(["alice"]);
  });
});
