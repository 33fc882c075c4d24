// Memory-store specifics (the cap, fault injection) and destinationKey; the store-independent marker
// scenarios are in test/helpers/limits-conformance.ts.
import { createHash, createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { buildLimits, memoryStores } from "../../src/limits/create.js";
import type { DurableStore } from "../../src/limits/durable-store.js";
import { createLimits, parseLimitsOptions } from "../../src/limits/index.js";

const secret = "marker-test-secret-0123456789abcdef";

function clock(): { now: () => number; advance: (ms: number) => void } {
  let time = Date.UTC(2030, 0, 1);
  return {
    now: () => time,
    advance: (ms) => {
      time += ms;
    },
  };
}

describe("the never-evicting memory store", () => {
  it("refuses with a 503 and Retry-After when full, rather than evicting", async () => {
    const time = clock();
    const limits = createLimits({ secret, now: time.now, memoryMaxEntries: 3 });
    expect(await limits.claimOnce("a", 10_000)).toBe(true);
    expect(await limits.claimOnce("b", 20_000)).toBe(true);
    await limits.recordWrongCode("alice");
    const error = await limits.claimOnce("c", 10_000).catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      code: "ERR_SF_STORE_UNAVAILABLE",
      status: 503,
      headers: { "Retry-After": "10" },
    });
    await expect(limits.recordWrongCode("carol")).rejects.toMatchObject({ code: "ERR_SF_STORE_UNAVAILABLE" });
    // Nothing was evicted: both markers still hold and alice's count is intact.
    expect(await limits.claimOnce("a", 10_000)).toBe(false);
    expect(await limits.claimOnce("b", 10_000)).toBe(false);
    expect(await limits.recordWrongCode("alice")).toEqual({ failures: 2, locked: false });
  });

  it("sweeps expired entries to make room once they expire", async () => {
    const time = clock();
    const limits = createLimits({ secret, now: time.now, memoryMaxEntries: 2 });
    expect(await limits.claimOnce("a", 1000)).toBe(true);
    expect(await limits.claimOnce("b", 5000)).toBe(true);
    await expect(limits.claimOnce("c", 1000)).rejects.toMatchObject({ code: "ERR_SF_STORE_UNAVAILABLE" });
    time.advance(1000);
    expect(await limits.claimOnce("c", 1000)).toBe(true);
    expect(await limits.claimOnce("b", 1000)).toBe(false);
  });

  it("frees the entry of an account whose count ends", async () => {
    const limits = createLimits({ secret, memoryMaxEntries: 1 });
    await limits.recordWrongCode("alice");
    await limits.recordSuccess("alice");
    expect(await limits.claimOnce("k", 1000)).toBe(true);
  });

  it("turns a failing store into a 503 with the cause, for every operation", async () => {
    const config = parseLimitsOptions({ secret });
    const cause = new Error("READONLY You can't write against a read only replica.");
    const broken: DurableStore = {
      read: () => Promise.reject(cause),
      update: () => Promise.reject(cause),
      claim: () => Promise.reject(cause),
      delete: () => Promise.reject(cause),
    };
    const limits = buildLimits(config, { ...memoryStores(config), durable: broken });
    const keys = { sessionKey: "s", userId: "alice", destination: "+15017122661" };
    const calls = [
      limits.lockStatus("alice"),
      limits.recordWrongCode("alice"),
      limits.recordSuccess("alice"),
      limits.unlock("alice"),
      limits.claimOnce("k", 1000),
      limits.release("k"),
      limits.consumeCheck(keys),
    ];
    for (const call of calls) {
      const error = await call.then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error).toMatchObject({
        code: "ERR_SF_STORE_UNAVAILABLE",
        status: 503,
        headers: { "Retry-After": "5" },
      });
      expect((error as Error).cause).toBe(cause);
    }
  });

  it("denies when the stored lock state cannot be read, rather than treating the account as clean", async () => {
    const config = parseLimitsOptions({ secret });
    const corrupt: DurableStore = {
      read: async () => "not json",
      update: async (_key, change) => {
        change('[1,"x"]');
      },
      claim: async () => true,
      delete: async () => undefined,
    };
    const limits = buildLimits(config, { ...memoryStores(config), durable: corrupt });
    await expect(limits.lockStatus("alice")).rejects.toMatchObject({ code: "ERR_SF_STORE_UNAVAILABLE" });
    await expect(limits.recordWrongCode("alice")).rejects.toMatchObject({ code: "ERR_SF_STORE_UNAVAILABLE" });
  });

  it("treats a store that never applies an update as failed", async () => {
    const config = parseLimitsOptions({ secret });
    const lazy: DurableStore = {
      read: async () => undefined,
      update: async () => undefined,
      claim: async () => true,
      delete: async () => undefined,
    };
    const limits = buildLimits(config, { ...memoryStores(config), durable: lazy });
    await expect(limits.recordWrongCode("alice")).rejects.toMatchObject({ code: "ERR_SF_STORE_UNAVAILABLE" });
  });
});

describe("destinationKey", () => {
  const destination = "+15017122661";

  it("is HMAC-SHA256 under the secret, base64url", () => {
    const limits = createLimits({ secret });
    const expected = createHmac("sha256", secret).update(destination).digest("base64url");
    expect(limits.destinationKey(destination)).toBe(expected);
    expect(limits.destinationKey(destination)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("is not a plain hash and depends on the secret", () => {
    const one = createLimits({ secret }).destinationKey(destination);
    const two = createLimits({ secret: `${secret}-other` }).destinationKey(destination);
    expect(one).not.toBe(two);
    expect(one).not.toBe(createHash("sha256").update(destination).digest("base64url"));
    expect(one).not.toBe(createHash("sha256").update(destination).digest("hex"));
    expect(one).not.toContain("5017122661");
  });

  it("keys different destinations differently and e-mail case-insensitively", () => {
    const limits = createLimits({ secret });
    expect(limits.destinationKey(destination)).not.toBe(limits.destinationKey("+15017122662"));
    expect(limits.destinationKey("Alice@Example.com")).toBe(limits.destinationKey("alice@example.com"));
  });

  it("refuses an empty destination", () => {
    const limits = createLimits({ secret });
    expect(() => limits.destinationKey("")).toThrow(
      expect.objectContaining({ code: "ERR_SF_MISCONFIGURED" }),
    );
  });
});
