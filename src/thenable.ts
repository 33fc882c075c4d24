/**
 * True when `value` is a promise or any thenable: what an app's callbacks (`user`, `onEvent`) and the
 * core's guard may return instead of a plain value. One check for the whole package; it allocates
 * nothing, so the guard's hot path may call it.
 * @example
 * const user = config.user(req);
 * if (isThenable(user)) return Promise.resolve(user).then(checkUser);
 */
export function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return (
    typeof value === "object" && value !== null && typeof (value as { then?: unknown }).then === "function"
  );
}
