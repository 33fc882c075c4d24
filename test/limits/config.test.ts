import { describe, expect, it } from "vitest";
import {
  createLimits,
  DEFAULT_CHECK_BUDGETS,
  DEFAULT_SEND_BUDGETS,
  type LimitsOptions,
  parseLimitsOptions,
} from "../../src/limits/index.js";

const secret = "s".repeat(16) + "e".repeat(16);

function optionError(options: unknown): { code: string; message: string; status: number } {
  try {
    createLimits(options as LimitsOptions);
  } catch (error) {
    return error as { code: string; message: string; status: number };
  }
  throw new Error("createLimits accepted the options");
}

describe("limits options", () => {
  it("fills in the documented defaults", () => {
    const config = parseLimitsOptions({ secret });
    expect(config.sends).toEqual({
      session: { points: 5, durationSeconds: 600 },
      user: { points: 5, durationSeconds: 600 },
      destination: { points: 5, durationSeconds: 600 },
      ip: { points: 20, durationSeconds: 600 },
    });
    expect(config.checks).toEqual({
      session: { points: 10, durationSeconds: 900 },
      user: { points: 20, durationSeconds: 900 },
      destination: { points: 20, durationSeconds: 900 },
      ip: { points: 50, durationSeconds: 900 },
    });
    expect(config.lockout).toEqual({
      threshold: 10,
      baseSeconds: 900,
      maxSeconds: 86_400,
      forgetAfterSeconds: 86_400,
    });
    expect(config.keyPrefix).toBe("sf");
    expect(config.memoryMaxEntries).toBe(100_000);
    expect(config.store).toBe("memory");
  });

  it("replaces only the scopes given and leaves the caller's object alone", () => {
    const options: LimitsOptions = { secret, sends: { ip: { points: 50, durationSeconds: 60 } } };
    const snapshot = JSON.stringify(options);
    const config = parseLimitsOptions(options);
    expect(config.sends.ip).toEqual({ points: 50, durationSeconds: 60 });
    expect(config.sends.user).toEqual(DEFAULT_SEND_BUDGETS.user);
    expect(config.checks).toEqual(DEFAULT_CHECK_BUDGETS);
    expect(JSON.stringify(options)).toBe(snapshot);
  });

  it("copies a Uint8Array secret so later changes to it do not change the keys", () => {
    const bytes = new Uint8Array(32).fill(7);
    const limits = createLimits({ secret: bytes });
    const before = limits.destinationKey("+15017122661");
    bytes.fill(9);
    expect(limits.destinationKey("+15017122661")).toBe(before);
  });

  it.each([
    [{ secret, typo: 1 }, "limits.typo"],
    [{ secret, sends: { users: { points: 1, durationSeconds: 1 } } }, "limits.sends.users"],
    [{ secret, sends: { user: { points: 1, durationSeconds: 1, extra: 1 } } }, "limits.sends.user.extra"],
    [{ secret, lockout: { threshold: 10, minutes: 5 } }, "limits.lockout.minutes"],
    [{ secret, store: { kind: "redis", client: {}, db: 1 } }, "limits.store.db"],
  ])("rejects the unknown key in %j, naming it", (options, name) => {
    const error = optionError(options);
    expect(error.code).toBe("ERR_SF_INVALID_OPTION");
    expect(error.message).toContain(`"${name}"`);
    expect(error.message).toContain("Fix:");
  });

  it.each([
    [{ secret, sends: { user: { points: 0, durationSeconds: 600 } } }, "limits.sends.user.points"],
    [{ secret, sends: { user: { points: 2.5, durationSeconds: 600 } } }, "limits.sends.user.points"],
    [{ secret, checks: { ip: { points: 5 } } }, "limits.checks.ip.durationSeconds"],
    [
      { secret, checks: { ip: { points: 5, durationSeconds: Number.NaN } } },
      "limits.checks.ip.durationSeconds",
    ],
    [{ secret, checks: "many" }, "limits.checks"],
    [{ secret, lockout: { threshold: 101 } }, "limits.lockout.threshold"],
    [{ secret, lockout: { threshold: 0 } }, "limits.lockout.threshold"],
    [{ secret, lockout: { baseSeconds: 900, maxSeconds: 60 } }, "limits.lockout.maxSeconds"],
    [{ secret, lockout: { forgetAfterSeconds: 3600 } }, "limits.lockout.forgetAfterSeconds"],
    [{ secret, keyPrefix: "" }, "limits.keyPrefix"],
    [{ secret, keyPrefix: "has space" }, "limits.keyPrefix"],
    [{ secret, now: 5 }, "limits.now"],
    [{ secret, store: "postgres" }, "limits.store"],
    [{ secret, memoryMaxEntries: -1 }, "limits.memoryMaxEntries"],
  ])("rejects the bad value in %j, naming the option", (options, name) => {
    const error = optionError(options);
    expect(error.code).toBe("ERR_SF_INVALID_OPTION");
    expect(error.status).toBe(500);
    expect(error.message).toContain(`"${name}"`);
  });

  it("refuses a missing, non-string or short secret without echoing it", () => {
    const short = "x".repeat(31);
    const shortError = optionError({ secret: short });
    expect(shortError.code).toBe("ERR_SF_INVALID_OPTION");
    expect(shortError.message).toContain('"limits.secret"');
    expect(shortError.message).toContain("a secret of 31 bytes");
    expect(shortError.message).not.toContain(short);
    expect(optionError({}).message).toContain('"limits.secret"');
    expect(optionError({ secret: new Uint8Array(31) }).message).toContain("a secret of 31 bytes");
    expect(optionError({ secret: 12345 }).message).toContain("a value of type number");
  });

  it("counts the secret's bytes, not its characters", () => {
    // 16 two-byte characters are 32 bytes.
    expect(() => createLimits({ secret: "é".repeat(16) })).not.toThrow();
    expect(optionError({ secret: "é".repeat(15) }).message).toContain("a secret of 30 bytes");
  });

  it("refuses options that are not an object", () => {
    expect(optionError(null).code).toBe("ERR_SF_INVALID_OPTION");
    expect(optionError([secret]).code).toBe("ERR_SF_INVALID_OPTION");
  });

  it("refuses a Redis store whose client is missing or not an ioredis client", () => {
    expect(optionError({ secret, store: { kind: "redis", client: null } }).message).toContain(
      '"limits.store.client" must be an ioredis client',
    );
    const notAClient = optionError({ secret, store: { kind: "redis", client: {} } });
    expect(notAClient.code).toBe("ERR_SF_INVALID_OPTION");
    expect(notAClient.message).toContain('"limits.store.client" is not an ioredis client');
    expect(optionError({ secret, store: { kind: "mongo" } }).message).toContain('"limits.store"');
  });

  it("names options under the caller's own path", () => {
    try {
      createLimits({ secret, keyPrefix: "" }, { optionPath: "budgets" });
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).toContain('"budgets.keyPrefix"');
    }
  });

  it("refuses to run on a clock that returns something other than a finite number", async () => {
    const limits = createLimits({ secret, now: () => Number.NaN });
    await expect(limits.recordWrongCode("u1")).rejects.toMatchObject({ code: "ERR_SF_MISCONFIGURED" });
    await expect(limits.lockStatus("u1")).rejects.toMatchObject({ code: "ERR_SF_MISCONFIGURED" });
  });

  it("defaults forgetAfterSeconds up to a larger maxSeconds", () => {
    const config = parseLimitsOptions({ secret, lockout: { maxSeconds: 172_800 } });
    expect(config.lockout.forgetAfterSeconds).toBe(172_800);
  });
});
