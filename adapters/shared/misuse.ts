import { ErrorCodes, SecondFactorError } from "../../src/errors.js";

/**
 * True when a factory was handed a framework's middleware arguments instead of its own: the app wrote
 * `app.use(mfa.requireSecondFactor)` (Express `(req, res, next)`, Koa `(ctx, next)`) without the call.
 */
export function looksLikeMiddlewareCall(args: readonly unknown[]): boolean {
  if (args.length >= 2 && typeof args[args.length - 1] === "function") return true;
  const first = args[0];
  if (typeof first !== "object" || first === null) return false;
  return "headers" in first || ("req" in first && "res" in first);
}

/**
 * Throws the configuration error for a factory used as middleware (the way helmet catches
 * `app.use(helmet)`), naming the call the app should have written.
 */
export function assertCalledAsFactory(name: string, args: readonly unknown[], example: string): void {
  if (!looksLikeMiddlewareCall(args)) return;
  throw new SecondFactorError(
    ErrorCodes.MISCONFIGURED,
    `second-factor: \`${name}\` was used as a middleware without being called. ` +
      `Write \`${example}\` (with the parentheses), not \`${example.replace("()", "")}\`.`,
  );
}
