/**
 * The micro-benchmark of the guard alone (no HTTP): each adapter's middleware called in a loop on a
 * real request of the app (captured from one real HTTP request), whose session (express-session /
 * koa-session, loaded from its store) holds the record the real flow wrote; on a small and on a
 * large session. Started by the runner with `--expose-gc`, pinned to the server core.
 */
import { startEmulator, type VerifyEmulator } from "../../testing/index.js";
import { buildExpressApp } from "../apps/express-app.js";
import { buildKoaApp } from "../apps/koa-app.js";
import type { AppConfig } from "../apps/types.js";
import { childConfig, serveIpc } from "../lib/ipc.js";
import type { Framework } from "../lib/options.js";
import { type CallCost, type CallLoop, costOf } from "./allocation.js";
import { expressLoop, koaLoop } from "./loops.js";
import { capturedExpressRequest, capturedKoaContext, sessionData } from "./prepare.js";
import { handWrittenExpress, handWrittenKoa, noopExpress, noopKoa } from "./subjects.js";

/** The micro-benchmark's settings (from the runner). */
export interface MicroConfig {
  readonly calls: number;
  readonly frameworks: readonly Framework[];
}

/** The session sizes the guard is measured on. */
export type SessionSize = "small" | "large";

/** What is called in the loop. */
export type MicroSubject =
  | "next only"
  | "hand-written check"
  | "requireSecondFactor()"
  | "requireSecondFactor({ maxAge })";

/**
 * One measured middleware on one session size.
 * @example
 * const guardRow = rows.find((row) => row.subject === "requireSecondFactor()" && row.size === "large");
 */
export interface MicroRow {
  readonly framework: Framework;
  readonly size: SessionSize;
  /** The session's data as JSON, in bytes. */
  readonly sessionBytes: number;
  readonly subject: MicroSubject;
  readonly cost: CallCost;
}

/** The large session: 200 more entries of 256 characters (about 55 KB of JSON). */
const LARGE_SESSION_ENTRIES = 200;
const LARGE_SESSION_VALUE = "x".repeat(256);

type Subjects = readonly (readonly [MicroSubject, CallLoop])[];

function grow(session: Record<string, unknown>): void {
  for (let index = 0; index < LARGE_SESSION_ENTRIES; index++) {
    session[`app_data_${index}`] = LARGE_SESSION_VALUE;
  }
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`the bench app has no ${what}`);
  return value;
}

/** One app, as a server runs it: both guards of the same instance, one real request. */
async function expressSubjects(
  config: AppConfig,
  emulator: VerifyEmulator,
): Promise<{ subjects: Subjects; session: Record<string, unknown> }> {
  const built = buildExpressApp(config);
  const guard = required(built.guard, "guard");
  const stepUpGuard = required(built.stepUpGuard, "step-up guard");
  const { req, res } = await capturedExpressRequest(built.app, emulator, 1);
  return {
    subjects: [
      ["next only", expressLoop("next only", noopExpress, req, res)],
      ["hand-written check", expressLoop("hand-written", handWrittenExpress, req, res)],
      ["requireSecondFactor()", expressLoop("guard", guard, req, res)],
      ["requireSecondFactor({ maxAge })", expressLoop("step-up guard", stepUpGuard, req, res)],
    ],
    session: sessionData(req),
  };
}

async function koaSubjects(
  config: AppConfig,
  emulator: VerifyEmulator,
): Promise<{ subjects: Subjects; session: Record<string, unknown> }> {
  const built = buildKoaApp(config);
  const guard = required(built.guard, "guard");
  const stepUpGuard = required(built.stepUpGuard, "step-up guard");
  const ctx = await capturedKoaContext(built.app, emulator, 2);
  return {
    subjects: [
      ["next only", koaLoop("next only", noopKoa, ctx)],
      ["hand-written check", koaLoop("hand-written", handWrittenKoa, ctx)],
      ["requireSecondFactor()", koaLoop("guard", guard, ctx)],
      ["requireSecondFactor({ maxAge })", koaLoop("step-up guard", stepUpGuard, ctx)],
    ],
    session: sessionData(ctx),
  };
}

/**
 * The micro-benchmark's answer: its rows, and the calibration of the allocation measurement.
 * @example
 * const { calibration, rows } = await child.request<MicroResult>("run", config);
 */
export interface MicroResult {
  /** One 4-element array of small integers per call: 80 bytes in V8's layout (16 + 32 + 32). */
  readonly calibration: CallCost;
  readonly rows: readonly MicroRow[];
}

const calibrationSink: unknown[] = [];

const calibrationLoop: CallLoop = (calls) => {
  for (let index = 0; index < calls; index++) calibrationSink[index & 7] = [index, index, index, index];
};

async function run(payload: unknown): Promise<MicroResult> {
  const settings = payload as MicroConfig;
  const emulator = await startEmulator();
  const rows: MicroRow[] = [];
  const calibration = await costOf(calibrationLoop, { calls: settings.calls, batches: 3, windows: 7 });
  try {
    for (const framework of settings.frameworks) {
      const config: AppConfig = {
        framework,
        kind: "app",
        emulatorUrl: emulator.url,
        serviceSid: emulator.defaultServiceSid,
      };
      const { subjects, session } =
        framework === "express"
          ? await expressSubjects(config, emulator)
          : await koaSubjects(config, emulator);
      // Small first: once the session has grown, the guard's code has seen both shapes.
      for (const size of ["small", "large"] as const) {
        if (size === "large") grow(session);
        for (const [subject, loop] of subjects) {
          const cost = await costOf(loop, { calls: settings.calls, batches: 5, windows: 7 });
          rows.push({
            framework,
            size,
            sessionBytes: Buffer.byteLength(JSON.stringify(session)),
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

childConfig<Record<string, never>>();
serveIpc({ run });
