// The recoveryCodes option (issue 14): parsed once, default 10 codes, 5 to 20, unknown keys refused,
// every refusal naming the option, the bad value and the fix; the caller's object is never modified.
import { describe, expect, it } from "vitest";
import { parseOptions } from "../../src/options/index.js";
import { SECRET, StubProvider } from "../helpers/core.js";

const quiet = { warn: () => {}, error: () => {} };
const base = () => ({
  provider: new StubProvider(),
  user: () => null,
  secret: SECRET,
  logger: quiet,
  factors: { kind: "memory" as const },
});

describe("the recoveryCodes option", () => {
  it("defaults to 10 codes a set, and takes a count from 5 to 20", () => {
    expect(parseOptions(base()).recoveryCodes).toEqual({ count: 10 });
    expect(parseOptions({ ...base(), recoveryCodes: {} }).recoveryCodes).toEqual({ count: 10 });
    const options = { ...base(), recoveryCodes: { count: 16 } };
    expect(parseOptions(options).recoveryCodes).toEqual({ count: 16 });
    expect(options.recoveryCodes).toEqual({ count: 16 });
    expect(parseOptions({ ...base(), recoveryCodes: { count: 5 } }).recoveryCodes.count).toBe(5);
    expect(parseOptions({ ...base(), recoveryCodes: { count: 20 } }).recoveryCodes.count).toBe(20);
  });

  it.each([
    [{ recoveryCodes: 10 }, /"recoveryCodes".*10.*recoveryCodes: \{ count: 10 \}/],
    [{ recoveryCodes: { count: 4 } }, /"recoveryCodes.count".*4.*from 5 to 20/],
    [{ recoveryCodes: { count: 21 } }, /"recoveryCodes.count".*21.*from 5 to 20/],
    [{ recoveryCodes: { count: 7.5 } }, /"recoveryCodes.count".*7\.5/],
    [{ recoveryCodes: { count: "10" } }, /"recoveryCodes.count"/],
    [{ recoveryCodes: { length: 12 } }, /recoveryCodes\.length/],
  ])("refuses %j with a message naming the option and the fix", (extra, message) => {
    let thrown: unknown;
    try {
      parseOptions({ ...base(), ...extra });
    } catch (error) {
      thrown = error;
    }
    expect((thrown as Error | undefined)?.message).toMatch(message);
    expect((thrown as { code?: string }).code).toBe("ERR_SF_INVALID_OPTION");
  });
});
