// Issue #6, done when: three instances of one example app on one Redis, behind a round-robin client,
// behave as one: the whole flow works across them, 10 wrong codes spread over them lock the account
// exactly as on one, the send budget holds across them, and 20 parallel correct-code requests verify
// one session once. With Redis stopped or frozen mid-flow, nothing passes (503 with Retry-After, no
// hang), and the flow completes once Redis is back. Instances run in-process, each with its own
// `prepareExample` (so its own ioredis client), sharing SESSION_SECRET, REDIS_URL and one emulator.
// Issue 18: the same on a three-master Redis Cluster through REDIS_CLUSTER_URLS, where a shard that
// stops mid-flow makes every request answer 503 once the cluster marks it failed, and never a pass.
import { createServer, request as httpRequest, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createApp as createExpressApp } from "../../examples/express/app.js";
import { createApp as createKoaApp } from "../../examples/koa/app.js";
import { ExampleConfigError, loadConfig } from "../../examples/shared/config.js";
import { enrolDemoPhones } from "../../examples/shared/factor-storage.js";
import { type PreparedExample, prepareExample } from "../../examples/shared/setup.js";
import { openStorage } from "../../examples/shared/storage.js";
import { DEMO_ACCOUNTS } from "../../examples/shared/users.js";
import { startEmulator, type VerifyEmulator } from "../../testing/index.js";
import { csrfOf, forms } from "../examples/helpers.js";
import { type RedisCluster, redisClusterSuiteRuns, startRedisCluster } from "../helpers/redis-cluster.js";
import { freePort, type RedisServer, redisSuiteRuns, startRedisServer } from "../helpers/redis-server.js";
import { eventually, readyClient } from "./support.js";

const SUITE = "three example instances on one Redis";
const ALICE_PHONE = "+15017122661";
const CAROL_PHONE = "+12025550123";
const INSTANCES = 3;
const ANSWER_WITHIN_MS = 5000;
const RECOVER_WITHIN_MS = 3000;

/** One answer of an instance, as the client saw it. */
interface Answer {
  readonly status: number;
  readonly location: string | undefined;
  readonly retryAfter: string | undefined;
  readonly setCookies: readonly string[];
  readonly text: string;
  readonly instance: number;
  readonly ms: number;
}

/**
 * A browser whose requests go round-robin over the instances, with one cookie jar: what a load
 * balancer without sticky sessions does.
 */
class RoundRobinBrowser {
  private turn: number;
  private readonly jar = new Map<string, string>();

  /** `firstInstance`: where the first request goes (browsers arriving at different instances). */
  constructor(
    private readonly urls: readonly string[],
    firstInstance = 0,
  ) {
    this.turn = firstInstance;
  }

  /** The `Cookie` header the browser would send now. */
  cookieHeader(): string {
    return [...this.jar].map(([name, value]) => `${name}=${value}`).join("; ");
  }

  get(
    path: string,
    options: { instance?: number; cookie?: string; keepCookies?: boolean } = {},
  ): Promise<Answer> {
    return this.request("GET", path, undefined, options);
  }

  post(
    path: string,
    form: Record<string, string>,
    options: { instance?: number; cookie?: string; keepCookies?: boolean } = {},
  ): Promise<Answer> {
    return this.request("POST", path, form, options);
  }

  private async request(
    method: string,
    path: string,
    form: Record<string, string> | undefined,
    options: { instance?: number; cookie?: string; keepCookies?: boolean },
  ): Promise<Answer> {
    const instance = options.instance ?? this.turn++ % this.urls.length;
    const headers: Record<string, string> = { accept: "text/html" };
    const cookie = options.cookie ?? this.cookieHeader();
    if (cookie !== "") headers.cookie = cookie;
    if (form !== undefined) headers["content-type"] = "application/x-www-form-urlencoded";
    const started = performance.now();
    const response = await send(`${this.urls[instance]}${path}`, method, headers, form);
    if (options.keepCookies !== false) this.remember(response.setCookies);
    return { ...response, instance, ms: performance.now() - started };
  }

  /** Keeps the cookies an answer set, and drops the ones it cleared. */
  remember(setCookies: readonly string[]): void {
    for (const line of setCookies) {
      const [pair = "", ...attributes] = line.split(";");
      const separator = pair.indexOf("=");
      const name = pair.slice(0, separator).trim();
      const value = pair.slice(separator + 1).trim();
      const expires = attributes.find((attribute) => /^\s*expires=/i.test(attribute));
      const expired = expires !== undefined && Date.parse(expires.split("=")[1] ?? "") <= Date.now();
      if (value === "" || expired) this.jar.delete(name);
      else this.jar.set(name, value);
    }
  }
}

/**
 * One HTTP request on a connection of its own (no keep-alive, so no stale pooled socket after a test
 * stops or freezes something), with a 15 s deadline: a hang fails the test instead of stalling it.
 */
function send(
  url: string,
  method: string,
  headers: Record<string, string>,
  form: Record<string, string> | undefined,
): Promise<Omit<Answer, "instance" | "ms">> {
  const body = form === undefined ? undefined : new URLSearchParams(form).toString();
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method, headers, agent: false, timeout: 15_000 }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("error", reject);
      response.on("end", () => {
        const header = (name: string) => {
          const value = response.headers[name];
          return Array.isArray(value) ? value[0] : value;
        };
        resolve({
          status: response.statusCode ?? 0,
          location: header("location"),
          retryAfter: header("retry-after"),
          setCookies: response.headers["set-cookie"] ?? [],
          text: Buffer.concat(chunks).toString("utf8"),
        });
      });
    });
    request.on("timeout", () => request.destroy(new Error(`${method} ${url} did not answer within 15 s`)));
    request.on("error", reject);
    request.end(body);
  });
}

/** Signs in through the login form. */
async function signIn(browser: RoundRobinBrowser, username: string, password: string): Promise<Answer> {
  const page = await browser.get("/login");
  return browser.post("/login", { _csrf: csrfOf(page.text, "/login"), username, password });
}

async function sendCode(browser: RoundRobinBrowser, channel = "sms"): Promise<Answer> {
  const page = await browser.get("/2fa");
  return browser.post("/2fa/send", { _csrf: csrfOf(page.text, "/2fa/send"), channel });
}

async function submitCode(browser: RoundRobinBrowser, code: string): Promise<Answer> {
  const page = await browser.get("/2fa");
  return browser.post("/2fa/verify", { _csrf: csrfOf(page.text, "/2fa/verify"), code });
}

/** Whether every instance answers `path` with 200 for this browser, asked at once. */
async function everyInstanceAnswers200(browser: RoundRobinBrowser, path: string): Promise<boolean> {
  const answers = await Promise.all(
    Array.from({ length: INSTANCES }, (_, instance) => browser.get(path, { instance })),
  );
  return answers.every((answer) => answer.status === 200);
}

/** A code that is certainly not the one the emulator sent last to `phone`. */
function wrongCodeFor(emulator: VerifyEmulator, phone: string): string {
  return emulator.lastCode(phone) === "000000" ? "111111" : "000000";
}

type ExampleName = "express" | "koa";
type Backend = "redis" | "cluster";

/** One Redis Cluster for the whole file, started by the first suite that needs it. */
let sharedCluster: Promise<RedisCluster> | undefined;
afterAll(async () => {
  await (await sharedCluster)?.close();
});

const runs = (backend: Backend, name: string): boolean =>
  backend === "redis" ? redisSuiteRuns(name) : redisClusterSuiteRuns(name);

for (const backend of ["redis", "cluster"] as const satisfies readonly Backend[]) {
  for (const example of ["express", "koa"] as const satisfies readonly ExampleName[]) {
    const name =
      backend === "redis"
        ? `${SUITE} (${example})`
        : `three example instances on a Redis Cluster (${example})`;
    describe.runIf(runs(backend, name))(name, () => {
      let redis: RedisServer;
      let cluster: RedisCluster;
      let admin: Redis;
      let emulator: VerifyEmulator;
      const prepared: PreparedExample[] = [];
      const servers: Server[] = [];
      const urls: string[] = [];
      /** Errors an instance reported as unexpected (500s): must stay empty, outages included. */
      const unexpected: unknown[] = [];

      beforeAll(async () => {
        if (backend === "redis") {
          redis = await startRedisServer();
          admin = await readyClient(redis.url);
        } else {
          sharedCluster ??= startRedisCluster();
          cluster = await sharedCluster;
        }
        emulator = await startEmulator({ port: 0 });
        const env = {
          SESSION_SECRET: "cluster-tests-session-secret-0123456789abcdef",
          ...(backend === "redis" ? { REDIS_URL: redis.url } : { REDIS_CLUSTER_URLS: cluster.seedUrls }),
          TWILIO_VERIFY_EMULATOR_URL: emulator.url,
          TWILIO_VERIFY_SERVICE_SID: emulator.defaultServiceSid,
        };
        for (let index = 0; index < INSTANCES; index += 1) {
          const instance = await prepareExample(env, {
            defaultPort: 0,
            logError: (error) => unexpected.push(error),
          });
          prepared.push(instance);
          const listener: RequestListener =
            example === "express"
              ? createExpressApp(instance.setup)
              : createKoaApp(instance.setup).callback();
          const server = createServer(listener);
          await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
          servers.push(server);
          urls.push(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
        }
        // Each instance's client connects on its own: wait until every one answers.
        await eventually(async () => {
          const answers = await Promise.all(urls.map((url) => fetch(`${url}/login`)));
          return answers.every((answer) => answer.status === 200);
        }, 5000);
      });

      /**
       * The enrolled factors share the sessions' Redis (DESIGN §7), so a flush, a restart or a shard
       * that comes back empty takes alice's and carol's phones too: enrol them again, as every instance
       * does at start.
       */
      async function enrolDemoPhonesAgain(): Promise<void> {
        const first = prepared[0];
        if (first !== undefined) await enrolDemoPhones(first.setup.factors, DEMO_ACCOUNTS, Date.now());
      }

      afterEach(async () => {
        expect(unexpected).toEqual([]);
        // Each test starts from an empty Redis (budgets, locks, sessions) and an empty inbox.
        if (backend === "redis") {
          redis.resume();
          await eventually(async () => (await admin.flushdb()) === "OK", RECOVER_WITHIN_MS);
        } else {
          await cluster.waitUntilHealthy();
          await cluster.flushAll();
        }
        await enrolDemoPhonesAgain();
        emulator.reset();
      });

      afterAll(async () => {
        for (const server of servers) {
          server.closeAllConnections();
          await new Promise<void>((resolve) => server.close(() => resolve()));
        }
        for (const instance of prepared) await instance.close();
        admin?.disconnect();
        await emulator?.close();
        await redis?.close();
      });

      /** Signs alice in and passes the second factor, every step on the next instance. */
      async function verifiedAlice(): Promise<RoundRobinBrowser> {
        const browser = new RoundRobinBrowser(urls);
        expect((await signIn(browser, "alice", "alice-password")).status).toBe(303);
        const guarded = await browser.get("/account");
        expect(guarded.location).toMatch(/^\/2fa/);
        expect((await sendCode(browser)).status).toBe(303);
        const code = emulator.lastCode(ALICE_PHONE);
        if (code === undefined) throw new Error("no code in the emulator's inbox");
        const verified = await submitCode(browser, code);
        expect(verified.status).toBe(303);
        expect(verified.location).toBe("/account");
        return browser;
      }

      /** alice verified; carol half-way: a code was sent, she has yet to enter it. */
      async function aliceVerifiedCarolHalfWay() {
        const alice = await verifiedAlice();
        const sendCsrf = csrfOf((await alice.get("/2fa")).text, "/2fa/send");
        const carol = new RoundRobinBrowser(urls, 1);
        expect((await signIn(carol, "carol", "carol-password")).status).toBe(303);
        await carol.get("/account");
        expect((await sendCode(carol)).status).toBe(303);
        const code = emulator.lastCode(CAROL_PHONE) ?? "";
        const verifyCsrf = csrfOf((await carol.get("/2fa")).text, "/2fa/verify");
        return { alice, sendCsrf, carol, code, verifyCsrf };
      }

      it("walks the whole flow with every request on the next instance", async () => {
        const browser = await verifiedAlice();
        for (let instance = 0; instance < INSTANCES; instance += 1) {
          const account = await browser.get("/account", { instance });
          expect(account.status).toBe(200);
        }
        expect(new Set(emulator.messages({ to: ALICE_PHONE }).map((message) => message.to))).toEqual(
          new Set([ALICE_PHONE]),
        );
      });

      it("locks the account after 10 wrong codes spread over the instances, on every instance", async () => {
        // A second session of carol's, signed in before the lock, to show the lock is the account's.
        const other = new RoundRobinBrowser(urls);
        expect((await signIn(other, "carol", "carol-password")).status).toBe(303);
        const otherCsrf = csrfOf((await other.get("/2fa")).text, "/2fa/send");
        const browser = new RoundRobinBrowser(urls);
        expect((await signIn(browser, "carol", "carol-password")).status).toBe(303);
        const answers: Answer[] = [];
        for (let wrong = 0; wrong < 10; wrong += 1) {
          // Twilio allows 5 checks per verification: a new code after each five.
          if (wrong % 5 === 0) expect((await sendCode(browser)).status).toBe(303);
          answers.push(await submitCode(browser, wrongCodeFor(emulator, CAROL_PHONE)));
        }
        expect(new Set(answers.map((answer) => answer.instance))).toEqual(new Set([0, 1, 2]));
        expect(answers.map((answer) => answer.status)).toEqual(Array(10).fill(303));
        // Locked on every instance, for every session: no send, and the page says so.
        for (let instance = 0; instance < INSTANCES; instance += 1) {
          const refused = await other.post("/2fa/send", { _csrf: otherCsrf, channel: "sms" }, { instance });
          expect(refused.status).toBe(429);
          expect(Number(refused.retryAfter)).toBeGreaterThan(800);
          expect(Number(refused.retryAfter)).toBeLessThanOrEqual(900);
          const page = await browser.get("/2fa", { instance });
          expect(page.status).toBe(200);
          expect(forms(page.text).some((form) => form.action.endsWith("/2fa/verify"))).toBe(false);
        }
        expect(emulator.messages({ to: CAROL_PHONE })).toHaveLength(2);
      });

      it("holds the send budget across instances and sessions: 5 per user", async () => {
        const sessions: RoundRobinBrowser[] = [];
        for (let index = 0; index < 5 + INSTANCES; index += 1) {
          const browser = new RoundRobinBrowser(urls, index);
          expect((await signIn(browser, "alice", "alice-password")).status).toBe(303);
          sessions.push(browser);
        }
        const answers: Answer[] = [];
        for (const browser of sessions.slice(0, 5)) answers.push(await sendCode(browser));
        expect(answers.map((answer) => answer.status)).toEqual([303, 303, 303, 303, 303]);
        expect(new Set(answers.map((answer) => answer.instance)).size).toBe(INSTANCES);
        // The 6th, 7th and 8th sessions, one on each instance: all refused.
        for (const [instance, browser] of sessions.slice(5).entries()) {
          const csrf = csrfOf((await browser.get("/2fa")).text, "/2fa/send");
          const refused = await browser.post("/2fa/send", { _csrf: csrf, channel: "sms" }, { instance });
          expect(refused.status).toBe(429);
          expect(Number(refused.retryAfter)).toBeGreaterThan(500);
        }
        // Refused before the provider: nothing more was sent.
        expect(emulator.messages({ to: ALICE_PHONE })).toHaveLength(5);
      });

      it("verifies one session once when 20 correct-code requests race over the instances", async () => {
        const browser = new RoundRobinBrowser(urls);
        expect((await signIn(browser, "alice", "alice-password")).status).toBe(303);
        await browser.get("/account");
        expect((await sendCode(browser)).status).toBe(303);
        const code = emulator.lastCode(ALICE_PHONE) ?? "";
        const page = await browser.get("/2fa");
        const csrf = csrfOf(page.text, "/2fa/verify");
        const before = browser.cookieHeader();
        const answers = await Promise.all(
          Array.from({ length: 20 }, (_, index) =>
            browser.post(
              "/2fa/verify",
              { _csrf: csrf, code },
              { instance: index % INSTANCES, cookie: before, keepCookies: false },
            ),
          ),
        );
        const winners = answers.filter((answer) => answer.status === 303 && answer.location === "/account");
        expect(winners).toHaveLength(1);
        // The winner's new session is verified; the session the others shared is not.
        const winner = new RoundRobinBrowser(urls);
        winner.remember(winners[0]?.setCookies ?? []);
        expect(winner.cookieHeader()).not.toBe(before);
        expect((await winner.get("/account")).status).toBe(200);
        for (let instance = 0; instance < INSTANCES; instance += 1) {
          expect(
            (await browser.get("/account", { instance, cookie: before, keepCookies: false })).status,
          ).not.toBe(200);
        }
      });

      // Registered only where it applies: no skipped tests.
      if (backend === "cluster")
        it("lets nothing through while a shard is down mid-flow, answers 503 in time, and resumes when it returns", async () => {
          const { alice, sendCsrf, carol, code, verifyCsrf } = await aliceVerifiedCarolHalfWay();
          const shard = cluster.masters[0];
          if (shard === undefined) throw new Error("no master to stop");
          const everyRequest = (instance: number) =>
            Promise.all([
              alice.get("/account", { instance }),
              alice.get("/api/me", { instance }),
              alice.post("/2fa/send", { _csrf: sendCsrf, channel: "sms" }, { instance }),
              carol.post("/2fa/verify", { _csrf: verifyCsrf, code }, { instance }),
            ]);
          await shard.stop();
          try {
            // Until the cluster marks the shard failed, a request whose keys all live elsewhere is served.
            for (let instance = 0; instance < INSTANCES; instance += 1) {
              for (const answer of await everyRequest(instance)) {
                expect(answer.ms).toBeLessThan(ANSWER_WITHIN_MS);
                expect([200, 303, 503], answer.text.slice(0, 200)).toContain(answer.status);
              }
            }
            await cluster.waitUntilDown();
            for (let instance = 0; instance < INSTANCES; instance += 1) {
              for (const answer of await everyRequest(instance)) {
                expect(answer.status, answer.text.slice(0, 200)).toBe(503);
                expect(answer.retryAfter).toMatch(/^\d+$/);
                expect(answer.ms).toBeLessThan(ANSWER_WITHIN_MS);
              }
            }
          } finally {
            await shard.restart();
          }
          await cluster.waitUntilHealthy();
          await eventually(async () => {
            await enrolDemoPhonesAgain();
            return true;
          }, RECOVER_WITHIN_MS);
          // Each instance's client finds the shard again on its own: every one must be back.
          await eventually(
            () => everyInstanceAnswers200(new RoundRobinBrowser(urls), "/login"),
            RECOVER_WITHIN_MS,
          );
          // carol never passed, and alice sent nothing more while the shard was down.
          expect(emulator.messages({ to: ALICE_PHONE }).length).toBeLessThanOrEqual(2);
          // The restarted shard kept nothing: sign in again and pass the second factor.
          emulator.reset();
          const again = await verifiedAlice();
          expect((await again.get("/account")).status).toBe(200);
        });

      // Registered only where it applies: no skipped tests.
      if (backend === "redis")
        it("lets nothing through while Redis is frozen, answers 503 in time, and resumes when it answers", async () => {
          const { alice, sendCsrf, carol, code, verifyCsrf } = await aliceVerifiedCarolHalfWay();
          redis.pause();
          try {
            for (let instance = 0; instance < INSTANCES; instance += 1) {
              const answers = await Promise.all([
                alice.get("/account", { instance }),
                alice.get("/api/me", { instance }),
                alice.post("/2fa/send", { _csrf: sendCsrf, channel: "sms" }, { instance }),
                carol.post("/2fa/verify", { _csrf: verifyCsrf, code }, { instance }),
              ]);
              for (const answer of answers) {
                expect(answer.status, answer.text.slice(0, 200)).toBe(503);
                expect(answer.retryAfter).toMatch(/^\d+$/);
                expect(answer.ms).toBeLessThan(ANSWER_WITHIN_MS);
              }
            }
          } finally {
            redis.resume();
          }
          const back = await eventually(() => everyInstanceAnswers200(alice, "/account"), RECOVER_WITHIN_MS);
          expect(back).toBeLessThan(RECOVER_WITHIN_MS);
          // Nothing was sent during the outage, and carol's flow completes with the code she had.
          expect(emulator.messages({ to: ALICE_PHONE })).toHaveLength(1);
          expect(emulator.messages({ to: CAROL_PHONE })).toHaveLength(1);
          const verified = await carol.post("/2fa/verify", { _csrf: verifyCsrf, code });
          expect(verified.status).toBe(303);
          expect(verified.location).toBe("/account");
          expect((await carol.get("/account")).status).toBe(200);
        });

      // Registered only where it applies: no skipped tests.
      if (backend === "redis")
        it("lets nothing through while Redis is stopped, and the flow completes after it returns", async () => {
          const browser = await verifiedAlice();
          await redis.stop();
          for (let instance = 0; instance < INSTANCES; instance += 1) {
            for (const path of ["/account", "/2fa", "/"]) {
              const answer = await browser.get(path, { instance });
              expect(answer.status, `${path} on instance ${instance}`).toBe(503);
              expect(answer.retryAfter).toMatch(/^\d+$/);
              expect(answer.ms).toBeLessThan(ANSWER_WITHIN_MS);
            }
          }
          await redis.restart();
          // Each instance's client reconnects on its own schedule: every one must be back, not just one.
          const back = await eventually(() => everyInstanceAnswers200(browser, "/login"), RECOVER_WITHIN_MS);
          expect(back).toBeLessThan(RECOVER_WITHIN_MS);
          // The test Redis keeps nothing across a restart: enrol the phones, sign in again, pass the factor.
          await enrolDemoPhonesAgain();
          const again = await verifiedAlice();
          expect((await again.get("/account")).status).toBe(200);
        });
    });
  }
}

describe("REDIS_CLUSTER_URLS in the examples' configuration", () => {
  it("reads the comma-separated seeds, and refuses REDIS_URL beside it, a bad seed, or a cluster it cannot reach", async () => {
    const { config } = loadConfig(
      { REDIS_CLUSTER_URLS: " redis://127.0.0.1:7000, redis://127.0.0.1:7001,," },
      { port: 3000 },
    );
    expect(config.redisClusterUrls).toEqual(["redis://127.0.0.1:7000", "redis://127.0.0.1:7001"]);
    expect(config.redisUrl).toBeUndefined();
    expect(loadConfig({ REDIS_CLUSTER_URLS: " , " }, { port: 3000 }).config.redisClusterUrls).toBeUndefined();
    await expect(openStorage("redis://127.0.0.1:6379", ["redis://127.0.0.1:7000"])).rejects.toThrow(
      /REDIS_URL and REDIS_CLUSTER_URLS are both set/,
    );
    await expect(openStorage(undefined, ["http://127.0.0.1:7000"])).rejects.toThrow(
      /REDIS_CLUSTER_URLS must start with redis:\/\//,
    );
    const port = await freePort();
    const refused = openStorage(undefined, [`redis://:hunter2-secret@127.0.0.1:${port}`]);
    await expect(refused).rejects.toThrow(
      new RegExp(`Could not connect to the Redis Cluster at redis://127\\.0\\.0\\.1:${port}`),
    );
    await expect(refused).rejects.toThrow(ExampleConfigError);
    await expect(refused).rejects.not.toThrow(/hunter2/);
  });
});
