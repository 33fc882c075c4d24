/**
 * The guard alone, no HTTP: each adapter's middleware called in a loop on a real request of the app
 * (captured from one HTTP request after the real flow verified its session, so `req` / `ctx` and the
 * session have the shapes a server sees), on a small and on a large session. Pinned to the server core.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Request, RequestHandler, Response } from "express";
import type { Context, Middleware } from "koa";
import { startEmulator, type VerifyEmulator } from "../../testing/index.js";
import type { AppConfig, Listener } from "../apps/common.js";
import { buildExpressApp } from "../apps/express-app.js";
import { buildKoaApp } from "../apps/koa-app.js";
import { expectStatus, HttpClient, verifiedCookie } from "../lib/http-client.js";
import { serveRunner } from "../lib/processes.js";
import type { Framework } from "../options.js";
import { type CallCost, type CallLoop, costOf } from "./allocation.js";

/** What is called in the loop: the loop's own cost, then the guard with and without step-up. */
const SUBJECTS = ["next only", "requireSecondFactor()", "requireSecondFactor({ maxAge })"] as const;

/** One middleware on one session size. */
export interface MicroRow {
  readonly framework: Framework;
  readonly size: "small" | "large";
  /** The session's data as JSON, in bytes. */
  readonly sessionBytes: number;
  readonly subject: (typeof SUBJECTS)[number];
  readonly cost: CallCost;
}

/** The rows, and the calibration of the allocation measure. */
export interface MicroResult {
  /** One 4-element array of small integers per call: 80 bytes in V8's layout (16 + 32 + 32). */
  readonly calibration: CallCost;
  readonly rows: readonly MicroRow[];
}

const CAPTURE_PATH = "/capture";
const LARGE_VALUE = "x".repeat(256);

/** Serves `listener`, verifies user `u<n>` through the real flow, then requests the capture route. */
async function captureThrough(listener: Listener, emulator: VerifyEmulator, n: number): Promise<void> {
  const server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const cookie = await verifiedCookie(url, emulator, n);
    const client = new HttpClient(url);
    expectStatus(
      "capture",
      await client.send({ method: "GET", path: CAPTURE_PATH, headers: { cookie } }),
      200,
    );
    client.close();
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

/** Express: the middleware called in a plain loop (the guard's pass is synchronous). */
async function expressLoops(config: AppConfig, emulator: VerifyEmulator) {
  const built = buildExpressApp(config);
  let captured: { req: Request; res: Response } | undefined;
  built.app.get(CAPTURE_PATH, (req, res) => {
    captured = { req, res };
    res.send("captured");
  });
  await captureThrough(built.listener, emulator, 1);
  if (captured === undefined) throw new Error("the capture route was not reached");
  const { req, res } = captured;
  let passed = 0;
  const next = () => {
    passed++;
  };
  const loop =
    (middleware: RequestHandler): CallLoop =>
    (calls) => {
      const expected = passed + calls;
      for (let index = 0; index < calls; index++) middleware(req, res, next);
      if (passed !== expected) throw new Error(`express: ${expected - passed} calls did not reach next()`);
    };
  const noop: RequestHandler = (_req, _res, callNext) => callNext();
  return { session: req.session as unknown, loops: [loop(noop), loop(built.guard), loop(built.stepUpGuard)] };
}

/** Koa: each call awaited, as Koa's dispatcher does. */
async function koaLoops(config: AppConfig, emulator: VerifyEmulator) {
  const built = buildKoaApp(config);
  let ctx: Context | undefined;
  built.app.use(async (each, next) => {
    if (each.path !== CAPTURE_PATH) return next();
    ctx = each;
    each.body = "captured";
  });
  await captureThrough(built.app.callback(), emulator, 2);
  if (ctx === undefined) throw new Error("the capture route was not reached");
  const captured = ctx;
  let passed = 0;
  const resolved = Promise.resolve();
  const next = () => {
    passed++;
    return resolved;
  };
  const loop =
    (middleware: Middleware): CallLoop =>
    async (calls) => {
      const expected = passed + calls;
      for (let index = 0; index < calls; index++) await middleware(captured, next);
      if (passed !== expected) throw new Error(`koa: ${expected - passed} calls did not reach next()`);
    };
  const noop: Middleware = async (_ctx, callNext) => callNext();
  return {
    session: captured.session as unknown,
    loops: [loop(noop), loop(built.guard), loop(built.stepUpGuard)],
  };
}

const calibrationSink: unknown[] = [];
const calibrationLoop: CallLoop = (calls) => {
  for (let index = 0; index < calls; index++) calibrationSink[index & 7] = [index, index, index, index];
};

async function run(payload: unknown): Promise<MicroResult> {
  const { calls, frameworks } = payload as { calls: number; frameworks: readonly Framework[] };
  const emulator = await startEmulator();
  const rows: MicroRow[] = [];
  const calibration = await costOf(calibrationLoop, { calls, batches: 3, windows: 7 });
  try {
    for (const framework of frameworks) {
      const config: AppConfig = {
        framework,
        emulatorUrl: emulator.url,
        serviceSid: emulator.defaultServiceSid,
      };
      const { session, loops } =
        framework === "express" ? await expressLoops(config, emulator) : await koaLoops(config, emulator);
      if (typeof session !== "object" || session === null)
        throw new Error("the request has no loaded session");
      const data = session as Record<string, unknown>;
      // Small first: once the session has grown, the guard's code has seen both shapes.
      for (const size of ["small", "large"] as const) {
        // Large: 200 more entries of 256 characters (about 54 KB of JSON).
        if (size === "large")
          for (let index = 0; index < 200; index++) data[`app_data_${index}`] = LARGE_VALUE;
        for (const [index, subject] of SUBJECTS.entries()) {
          const cost = await costOf(loops[index] as CallLoop, { calls, batches: 5, windows: 7 });
          rows.push({
            framework,
            size,
            sessionBytes: Buffer.byteLength(JSON.stringify(data)),
            subject,
            cost,
          });
        }
      }
    }
  } finally {
    await emulator.close();
  }
  return { calibration, rows };
}

serveRunner({ run });
