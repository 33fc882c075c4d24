/**
 * The emulator's own error: it imports nothing from the library (DESIGN §2), yet its errors carry the
 * library's codes, so `isSecondFactorError(err)` and `err.code` recognise them the same way.
 */
export class EmulatorError extends Error {
  /** `ERR_SF_INVALID_OPTION` for a bad option or fault, `ERR_SF_MISCONFIGURED` when it cannot listen. */
  readonly code: "ERR_SF_INVALID_OPTION" | "ERR_SF_MISCONFIGURED";

  /**
   * @example
   * throw new EmulatorError("ERR_SF_INVALID_OPTION", "startEmulator: port must be an integer");
   */
  constructor(code: EmulatorError["code"], message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "SecondFactorError";
    this.code = code;
  }
}
