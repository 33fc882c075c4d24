/** The loops the micro-benchmark times: one middleware called `calls` times on one request. */
import type { Request, RequestHandler, Response } from "express";
import type { Context, Middleware } from "koa";
import type { CallLoop } from "./allocation.js";

/**
 * Calls Express `middleware(req, res, next)` in a plain loop (the guard's pass is synchronous).
 * @throws Error when a call did not reach `next()` (a redirect would measure the wrong path).
 * @example
 * const loop = expressLoop("guard", guard, req, res);
 */
export function expressLoop(name: string, middleware: RequestHandler, req: Request, res: Response): CallLoop {
  let passed = 0;
  const next = (): void => {
    passed++;
  };
  return (calls) => {
    const expected = passed + calls;
    for (let index = 0; index < calls; index++) middleware(req, res, next);
    if (passed !== expected)
      throw new Error(`express ${name}: ${expected - passed} calls did not reach next()`);
  };
}

/**
 * Awaits Koa `middleware(ctx, next)` in a loop, as Koa's dispatcher would.
 * @throws Error when a call did not reach `next()`.
 * @example
 * const loop = koaLoop("guard", guard, ctx);
 */
export function koaLoop(name: string, middleware: Middleware, ctx: Context): CallLoop {
  let passed = 0;
  const resolved = Promise.resolve();
  const next = (): Promise<void> => {
    passed++;
    return resolved;
  };
  return async (calls) => {
    const expected = passed + calls;
    for (let index = 0; index < calls; index++) await middleware(ctx, next);
    if (passed !== expected) throw new Error(`koa ${name}: ${expected - passed} calls did not reach next()`);
  };
}
