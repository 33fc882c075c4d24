/**
 * The middleware the micro-benchmark calls: the guard (with and without `maxAge`), a hand-written
 * timestamp check (the floor a guard cannot beat), and a middleware that only calls `next`.
 */
import type { RequestHandler } from "express";
import type { Middleware } from "koa";

/** The window of the hand-written check, as the step-up guard's. */
const HAND_WRITTEN_MAX_AGE_MS = 3_600_000;

interface HandWrittenRecord {
  userId?: unknown;
  verifiedAt?: unknown;
}

function passes(session: Record<string, unknown> | null | undefined): boolean {
  const record = session?.secondFactor as HandWrittenRecord | undefined;
  return (
    record !== undefined &&
    record.userId === session?.userId &&
    typeof record.verifiedAt === "number" &&
    Date.now() - record.verifiedAt <= HAND_WRITTEN_MAX_AGE_MS
  );
}

/**
 * A hand-written Express check of the record's timestamp: what an app would write without us.
 * @example
 * app.get("/account", handWrittenExpress, handler);
 */
export const handWrittenExpress: RequestHandler = (req, res, next) => {
  if (passes((req as unknown as { session?: Record<string, unknown> }).session)) {
    next();
    return;
  }
  res.statusCode = 302;
  res.end();
};

/**
 * The same check as Koa middleware.
 * @example
 * router.get("/account", handWrittenKoa, handler);
 */
export const handWrittenKoa: Middleware = async (ctx, next) => {
  if (passes((ctx as unknown as { session?: Record<string, unknown> | null }).session)) return next();
  ctx.status = 302;
};

/**
 * Express middleware that only calls `next` (the loop's own cost).
 * @example
 * noopExpress(req, res, next);
 */
export const noopExpress: RequestHandler = (_req, _res, next) => {
  next();
};

/**
 * Koa middleware that only calls `next` (the loop's own cost).
 * @example
 * await noopKoa(ctx, next);
 */
export const noopKoa: Middleware = async (_ctx, next) => next();
