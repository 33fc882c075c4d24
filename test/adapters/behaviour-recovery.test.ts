// Behaviour suite, recovery codes (issue 14), on Express 5 and 4 and Koa 3 and 2, with the memory,
// Redis and PostgreSQL factor stores (real servers), through supertest, the real twilio SDK and the
// Verify emulator: generate (shown once), use one in a new session, the same code refused afterwards,
// regenerating voids the old set, 10 concurrent uses of one code on two instances verify exactly one
// session, 10 wrong answers lock (recovery codes mixed with SMS codes), stored values are not codes,
// and no code appears in any later response, event or log line.
import type { Redis } from "ioredis";
import { Pool } from "pg";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import {
  createFactorStore,
  createMemoryFactorStore,
  FAIL_CLOSED_PG_POOL_OPTIONS,
  type FactorStore,
  migrate,
} from "../../src/stores/index.js";
import { startEmulator, type VerifyEmulator } from "../../testing/index.js";
import { FRAMEWORKS, USERS } from "../helpers/apps/index.js";
import { type PostgresServer, postgresSuiteRuns, startPostgresServer } from "../helpers/postgres-server.js";
import { type RedisServer, redisSuiteRuns, startRedisServer } from "../helpers/redis-server.js";
import { readyClient } from "../redis/support.js";
import { Browser, csrfOf, type FlowApp, startFlowApp, wrongCode } from "./harness.js";

// scrypt at its defaults costs ~0.1-0.2 s a hash; test/flow/sign-in-recovery.test.ts checks the defaults.
vi.mock("../../src/factors/recovery-codes.js", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../../src/factors/recovery-codes.js")>();
  return {
    ...actual,
    hashRecoveryCodes: (codes: readonly string[]) => actual.hashRecoveryCodes(codes, { N: 1024, r: 8, p: 1 }),
  };
});

const ALICE = USERS.alice?.phone ?? "";
const logger = { warn: () => undefined, error: () => undefined };

type StoreKind = "memory" | "redis" | "postgres";
const KINDS: readonly StoreKind[] = [
  "memory",
  ...(redisSuiteRuns("recovery codes on Redis") ? (["redis"] as const) : []),
  ...(postgresSuiteRuns("recovery codes on PostgreSQL") ? (["postgres"] as const) : []),
];

let emu: VerifyEmulator;
let redisServer: RedisServer | undefined;
let redis: Redis | undefined;
let postgres: PostgresServer | undefined;
let pool: Pool | undefined;
const running: FlowApp[] = [];

beforeAll(async () => {
  emu = await startEmulator({ port: 0 });
  if (KINDS.includes("redis")) {
    redisServer = await startRedisServer();
    redis = await readyClient(redisServer.url);
  }
  if (KINDS.includes("postgres")) {
    postgres = await startPostgresServer();
    pool = new Pool({ ...postgres.connection, ...FAIL_CLOSED_PG_POOL_OPTIONS, max: 25 });
    pool.on("error", () => undefined);
    await migrate(pool);
  }
}, 60_000);
afterAll(async () => {
  await emu?.close();
  redis?.disconnect();
  await redisServer?.close();
  await pool?.end();
  await postgres?.close();
});
beforeEach(async () => {
  emu.reset();
  await redis?.flushdb();
  await pool?.query(
    "TRUNCATE second_factor_factors, second_factor_recovery_sets, second_factor_recovery_codes, second_factor_trusted_devices CASCADE",
  );
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((app) => app.close()));
});

function storeOf(kind: StoreKind): FactorStore {
  if (kind === "redis" && redis !== undefined)
    return createFactorStore({ kind: "redis", client: redis }, { logger });
  if (kind === "postgres" && pool !== undefined)
    return createFactorStore({ kind: "postgres", pool }, { logger });
  return createMemoryFactorStore();
}

/** The codes of the page that shows them: every `<li>` inside `#recovery-codes`. */
function codesOf(html: string): string[] {
  const list = /<ol id="recovery-codes"[^>]*>([\s\S]*?)<\/ol>/.exec(html)?.[1] ?? "";
  return [...list.matchAll(/<li>([^<]+)<\/li>/g)].map((match) => match[1] ?? "");
}

describe.each(FRAMEWORKS)("%s: recovery codes", (framework) => {
  describe.each(KINDS)("%s factor store", (kind) => {
    async function start(factors: FactorStore): Promise<FlowApp> {
      const app = await startFlowApp(framework, emu, { options: { factors } });
      running.push(app);
      return app;
    }

    /** Alice passes by SMS on `browser`, then makes a set of codes on the settings page. */
    async function aliceMakesCodes(browser: Browser): Promise<string[]> {
      await browser.login("alice");
      expect((await browser.send()).status).toBe(303);
      expect((await browser.verify(emu.lastCode(ALICE) ?? "")).status).toBe(303);
      const settings = await browser.get("/2fa/setup");
      expect(settings.text).toMatch(/<form method="post" action="\/2fa\/setup\/recovery">/);
      const made = await browser.post("/2fa/setup/recovery", { _csrf: csrfOf(settings.text) });
      expect(made.status).toBe(200);
      expect(made.headers["cache-control"]).toBe("no-store");
      const codes = codesOf(made.text);
      expect(codes).toHaveLength(10);
      return codes;
    }

    /** A new browser where alice logged in and was sent to the challenge by the guard. */
    async function newSession(app: FlowApp): Promise<Browser> {
      const browser = new Browser(app);
      await browser.login("alice");
      expect((await browser.get("/account")).headers.location).toBe("/2fa");
      return browser;
    }

    async function useCode(browser: Browser, code: string): Promise<import("supertest").Response> {
      const page = await browser.get("/2fa/recovery");
      expect(page.status).toBe(200);
      return browser.post("/2fa/recovery", { code, remember: "1", _csrf: csrfOf(page.text) });
    }

    it("generates a set shown once, signs in with one in a new session, refuses it again, and a new set voids the old; no code in any later response, event or log line", async () => {
      const factors = storeOf(kind);
      const app = await start(factors);
      const codes = await aliceMakesCodes(new Browser(app));
      const shownAt = app.transcript.length;

      const browser = await newSession(app);
      const challenge = await browser.get("/2fa");
      expect(challenge.text).toContain('<a href="/2fa/recovery">Use a recovery code</a>');
      const used = await useCode(browser, (codes[2] ?? "").toUpperCase());
      expect(used.status).toBe(303);
      expect(used.headers.location).toBe("/2fa/recovery");
      const after = await browser.get("/2fa/recovery");
      expect(after.text).toContain("You have 9 recovery codes left.");
      expect(after.text).toContain('<a class="button primary" href="/account">');
      expect(after.text).toContain('href="/2fa/setup"');
      expect((await browser.get("/account")).status).toBe(200);
      expect(app.events.filter((event) => event.type === "recovery.used")).toEqual([
        expect.objectContaining({ userId: "alice", left: 9 }),
      ]);

      // The same code in another new session: refused, counted, not verified.
      const again = await newSession(app);
      expect((await useCode(again, codes[2] ?? "")).headers.location).toBe("/2fa/recovery");
      expect((await again.get("/2fa/recovery")).text).toContain('aria-invalid="true"');
      expect((await again.get("/account")).status).toBe(302);

      // Stored values are not codes: not even the hash part of a stored value passes.
      const stored = (await factors.getRecoveryCodes("alice"))?.hashes ?? [];
      expect(stored).toHaveLength(9);
      for (const value of [stored[0] ?? "", stored[0]?.split("$").at(-1) ?? ""]) {
        expect((await useCode(again, value)).status).toBe(400);
      }
      expect((await again.get("/account")).status).toBe(302);

      // A new set voids the old one: an unused old code no longer passes; a new one does.
      const renewed = await browser.get("/2fa/setup");
      expect(renewed.text).toContain("9 unused codes");
      const fresh = codesOf(
        (await browser.post("/2fa/setup/recovery", { _csrf: csrfOf(renewed.text) })).text,
      );
      expect(fresh).toHaveLength(10);
      const third = await newSession(app);
      await useCode(third, codes[0] ?? "");
      expect((await third.get("/account")).status).toBe(302);
      expect((await useCode(third, fresh[0] ?? "")).status).toBe(303);
      expect((await third.get("/account")).status).toBe(200);

      // Rule 10: no code of the first set in any response after the page that showed them, nor in any
      // event or log line; the second set's page is the only response with those.
      const laterResponses = app.transcript.slice(shownAt).join("\n");
      const everything = `${JSON.stringify(app.events)}\n${app.logs.join("\n")}`;
      for (const code of codes) {
        const bare = code.replaceAll("-", "");
        expect(laterResponses).not.toContain(code);
        expect(laterResponses.toLowerCase()).not.toContain(bare);
        expect(everything.toLowerCase()).not.toContain(bare);
        expect(everything).not.toContain(code);
      }
      for (const code of fresh) expect(everything).not.toContain(code);
    });

    it("10 concurrent uses of one code, on two instances sharing the store, verify exactly one session", async () => {
      const factors = storeOf(kind);
      const [one, two] = [await start(factors), await start(factors)];
      if (one === undefined || two === undefined) throw new Error("no apps");
      const codes = await aliceMakesCodes(new Browser(one));
      const browsers = await Promise.all(
        Array.from({ length: 10 }, (_, index) => newSession(index % 2 === 0 ? one : two)),
      );
      const tokens = await Promise.all(
        browsers.map(async (browser) => csrfOf((await browser.get("/2fa/recovery")).text)),
      );
      const answers = await Promise.all(
        browsers.map((browser, index) =>
          browser.post("/2fa/recovery", { code: codes[7] ?? "", _csrf: tokens[index] ?? "" }),
        ),
      );
      // The winner and the losers that read the set after it was consumed (a wrong code now) are sent
      // back to the recovery page; the losers that found it and lost the consume are told so (409).
      for (const answer of answers) expect([303, 409]).toContain(answer.status);
      const guarded = await Promise.all(browsers.map((browser) => browser.get("/account")));
      expect(guarded.filter((answer) => answer.status === 200)).toHaveLength(1);
      const used = [...one.events, ...two.events].filter((event) => event.type === "recovery.used");
      expect(used).toHaveLength(1);
      expect((await factors.getRecoveryCodes("alice"))?.hashes).toHaveLength(9);
    });

    it("10 wrong answers lock the account, wrong recovery codes mixed with wrong SMS codes; then a right code does not pass", async () => {
      const factors = storeOf(kind);
      const app = await start(factors);
      const codes = await aliceMakesCodes(new Browser(app));
      const sms = await newSession(app);
      expect((await sms.send()).status).toBe(303);
      const right = emu.lastCode(ALICE) ?? "";
      for (let index = 0; index < 5; index += 1) {
        expect((await sms.verify(wrongCode(right, index + 1))).status).toBe(303);
      }
      const browser = await newSession(app);
      for (let index = 0; index < 4; index += 1) {
        expect((await useCode(browser, `2222-3333-444${index + 2}`)).status).toBe(303);
      }
      const page = await browser.get("/2fa/recovery");
      const last = await browser.post("/2fa/recovery", { code: "2222-3333-4449", _csrf: csrfOf(page.text) });
      expect(last.status).toBe(303);
      expect(app.events.filter((event) => event.type === "locked")).toHaveLength(1);
      const locked = await browser.post("/2fa/recovery", { code: codes[0] ?? "", _csrf: csrfOf(page.text) });
      expect(locked.status).toBe(429);
      expect(locked.headers["retry-after"]).toBe("900");
      expect((await browser.get("/account")).status).toBe(302);
      expect((await browser.get("/2fa/recovery")).text).not.toContain('name="code"');
      expect((await factors.getRecoveryCodes("alice"))?.hashes).toHaveLength(10);
    });
  });
});
