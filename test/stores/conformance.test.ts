// The conformance suite itself: runner-independent (no test runner imported; cases registered through
// the `test` it is given), and able to fail: stores that break a rule are caught by the case for it.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createMemoryFactorStore, type FactorStore } from "../../src/stores/index.js";
import { factorStoreConformance } from "../../testing/index.js";

/** The suite's cases by name, registered through a plain function as node:test would take them. */
function cases(makeStore: () => FactorStore): Map<string, () => Promise<void>> {
  const registered = new Map<string, () => Promise<void>>();
  factorStoreConformance({ makeStore, test: (name, run) => registered.set(name, run) });
  return registered;
}

async function failingCases(store: FactorStore): Promise<string[]> {
  const failed: string[] = [];
  for (const [name, run] of cases(() => store)) {
    await run().catch(() => failed.push(name));
  }
  return failed;
}

describe("the factor store conformance suite", () => {
  it("imports no test runner", () => {
    const source = readFileSync(new URL("../../src/stores/conformance.ts", import.meta.url), "utf8");
    const imports = source.split("\n").filter((line) => line.startsWith("import "));
    expect(imports.length).toBeGreaterThan(0);
    expect(imports.join("\n")).not.toMatch(/["'](vitest|jest|@jest\/globals|mocha|node:test)["']/);
  });

  it("registers its cases through the given function, and a correct store passes them all", async () => {
    const registered = cases(createMemoryFactorStore);
    expect(registered.size).toBeGreaterThanOrEqual(18);
    expect(await failingCases(createMemoryFactorStore())).toEqual([]);
  });

  it("catches a store whose recovery codes can be used twice", async () => {
    const store = createMemoryFactorStore();
    const broken: FactorStore = {
      ...store,
      consumeRecoveryCode: async (userId, hash) => {
        const set = await store.getRecoveryCodes(userId);
        return { consumed: set?.hashes.includes(hash) ?? false, left: set?.hashes.length ?? 0 };
      },
    };
    expect(await failingCases(broken)).toContain(
      "20 concurrent uses of one recovery code: exactly one succeeds",
    );
  });

  it("catches a store that lets another account's trusted device through, or a passkey counter go down", async () => {
    const store = createMemoryFactorStore();
    const broken: FactorStore = {
      ...store,
      findTrustedDevice: async (userId, tokenHash, at) =>
        (await store.findTrustedDevice(userId, tokenHash, at)) ?? {
          id: "x",
          userId,
          tokenHash,
          label: "stolen",
          createdAt: 0,
          lastUsedAt: 0,
          expiresAt: at + 1,
        },
      updatePasskeyCounter: async (userId, factorId, _counter, at) =>
        store.updatePasskeyCounter(userId, factorId, 4_000_000_000, at),
    };
    const failed = await failingCases(broken);
    expect(failed).toContain(
      "trusted devices: found by token hash for their own account only, until they expire",
    );
    expect(failed).toContain(
      "a passkey counter only goes up (0 stays allowed for authenticators without a counter)",
    );
  });
});
