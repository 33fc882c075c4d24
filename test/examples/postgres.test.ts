/**
 * The examples with DATABASE_URL on a real PostgreSQL (started by the test): the tables are made at
 * start, alice's and carol's phones are enrolled once however often the app starts, a phone bob enrols
 * survives a restart of the app (he is challenged, not sent to the settings page again), and a PostgreSQL
 * that goes away makes the pages that read it answer 503 until it is back.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PostgresServer, postgresSuiteRuns, startPostgresServer } from "../helpers/postgres-server.js";
import {
  BOB_ID,
  BOB_NEW_PHONE,
  EXAMPLES,
  enrolBob,
  follow,
  forms,
  type RunningApp,
  signIn,
  signInVerified,
  startApp,
} from "./helpers.js";

describe.runIf(postgresSuiteRuns("the examples on PostgreSQL"))("the examples on PostgreSQL", () => {
  let server: PostgresServer;

  beforeAll(async () => {
    server = await startPostgresServer();
    const admin = new pg.Pool({ ...server.connection });
    try {
      for (const name of EXAMPLES) await admin.query(`CREATE DATABASE sf_example_${name}`);
    } finally {
      await admin.end();
    }
  }, 60_000);
  afterAll(async () => {
    await server?.close();
  });

  describe.each(EXAMPLES)("the %s example", (name) => {
    const env = () => ({
      DATABASE_URL: `postgres://postgres@127.0.0.1:${server.port}/sf_example_${name}`,
    });
    const running: RunningApp[] = [];
    const start = async () => {
      const app = await startApp(name, { env: env() });
      running.push(app);
      return app;
    };
    const stop = async (app: RunningApp) => {
      expect(app.unexpected).toEqual([]);
      running.splice(running.indexOf(app), 1);
      await app.close();
    };
    afterAll(async () => {
      for (const app of running.splice(0)) await app.close();
    });

    it("makes the tables at start and enrols alice's and carol's phones once, however often it starts", async () => {
      await stop(await start());
      await stop(await start());
      const app = await start();
      const alice = await app.prepared.setup.factors.listFactors("usr_1001");
      const carol = await app.prepared.setup.factors.listFactors("usr_1002");
      expect(alice.map((factor) => [factor.kind, "destination" in factor && factor.destination])).toEqual([
        ["phone", "+15017122661"],
      ]);
      expect(carol.map((factor) => [factor.kind, "destination" in factor && factor.destination])).toEqual([
        ["phone", "+12025550123"],
      ]);
      expect(app.prepared.setup.factorBackend).toEqual({
        kind: "postgres",
        url: `postgres://127.0.0.1:${server.port}/sf_example_${name}`,
      });
      await stop(app);
    });

    it("keeps the phone bob enrolled across a restart: he is challenged, not sent to the settings page", async () => {
      const first = await start();
      const enrolled = await enrolBob(first, first.client());
      expect(enrolled.status).toBe(303);
      expect(enrolled.headers.location).toBe("/account");
      await stop(first);

      const second = await start();
      const phones = (await second.prepared.setup.factors.listFactors(BOB_ID)).map(
        (factor) => "destination" in factor && factor.destination,
      );
      expect(phones).toEqual([BOB_NEW_PHONE]);
      const client = second.client();
      expect((await signIn(client, "bob", "bob-password", "/account")).status).toBe(303);
      const landed = await follow(client, "/account");
      expect(landed.path).toBe("/2fa");
      expect(landed.response.status).toBe(200);
      expect(forms(landed.response.text).some((form) => form.action.endsWith("/2fa/send"))).toBe(true);
      await stop(second);
    });

    it("answers 503 with Retry-After while PostgreSQL is down, never a page without the store, and serves again when it is back", async () => {
      const app = await start();
      const client = app.client();
      await signInVerified(app, client);
      expect((await client.get("/account")).status).toBe(200);
      await server.stop();
      try {
        const down = await client.get("/account");
        expect(down.status).toBe(503);
        expect(down.headers["retry-after"]).toMatch(/^\d+$/);
        const json = await client.get("/api/me").set("Accept", "application/json");
        expect(json.status).toBe(503);
      } finally {
        await server.start();
      }
      await expect.poll(async () => (await client.get("/account")).status, { timeout: 10_000 }).toBe(200);
      await stop(app);
    });
  });
});
