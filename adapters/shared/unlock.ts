import { ErrorCodes, SecondFactorError } from "../../src/errors.js";

/** The instance's `unlock(userId)`: the core's own, refusing an id that cannot name an account. */
export function unlockerFor(core: {
  unlock(userId: string): Promise<void>;
}): (userId: string) => Promise<void> {
  return async (userId: string) => {
    if (typeof userId !== "string" || userId.length === 0) {
      throw new SecondFactorError(
        ErrorCodes.INVALID_OPTION,
        `second-factor: unlock(userId) needs the account's id as a non-empty string, got ${typeof userId}.`,
      );
    }
    await core.unlock(userId);
  };
}
