/** One call of every FactorStore method, for the outage tests: each must reject, never answer. */
import { expect } from "vitest";
import type { FactorStore } from "../../src/stores/index.js";

export function everyStoreCall(store: FactorStore, userId: string): Record<string, () => Promise<unknown>> {
  const at = 1_700_000_000_000;
  return {
    listFactors: () => store.listFactors(userId),
    getFactor: () => store.getFactor(userId, "f"),
    addFactor: () =>
      store.addFactor(userId, {
        kind: "phone",
        name: "P",
        destination: "+12025550123",
        verifiedAt: at,
        createdAt: at,
      }),
    addPasskey: () =>
      store.addFactor(userId, {
        kind: "passkey",
        name: "K",
        credentialId: "b3V0YWdl",
        publicKey: "cGs",
        counter: 0,
        transports: [],
        backedUp: false,
        createdAt: at,
      }),
    renameFactor: () => store.renameFactor(userId, "f", "n"),
    touchFactor: () => store.touchFactor(userId, "f", at),
    updatePasskeyCounter: () => store.updatePasskeyCounter(userId, "f", 1, at),
    removeFactor: () => store.removeFactor(userId, "f"),
    removeFactorKeepLast: () => store.removeFactor(userId, "f", { keepLast: true }),
    findPasskey: () => store.findPasskey("b3V0YWdl"),
    replaceRecoveryCodes: () => store.replaceRecoveryCodes(userId, ["h"], at),
    getRecoveryCodes: () => store.getRecoveryCodes(userId),
    consumeRecoveryCode: () => store.consumeRecoveryCode(userId, "h"),
    addTrustedDevice: () =>
      store.addTrustedDevice(userId, {
        tokenHash: "t",
        label: "l",
        createdAt: at,
        lastUsedAt: at,
        expiresAt: at + 1,
      }),
    findTrustedDevice: () => store.findTrustedDevice(userId, "t", at),
    touchTrustedDevice: () => store.touchTrustedDevice(userId, "d", at),
    listTrustedDevices: () => store.listTrustedDevices(userId, at),
    revokeTrustedDevice: () => store.revokeTrustedDevice(userId, "d"),
    revokeAllTrustedDevices: () => store.revokeAllTrustedDevices(userId),
  };
}

/** Adds one phone to `userId`, so the outage tests stop a store that holds data. */
export async function seedPhone(store: FactorStore, userId: string): Promise<void> {
  const seeded = await store.addFactor(userId, {
    kind: "phone",
    name: "Phone",
    destination: "+15017122661",
    verifiedAt: 1,
    createdAt: 1,
  });
  expect(seeded.status).toBe("added");
}

/** Rule 8: every method rejects with ERR_SF_STORE_UNAVAILABLE (503, Retry-After) within 5 s, never answers. */
export async function expectEveryCallFailsClosed(store: FactorStore, userId: string): Promise<void> {
  for (const [name, call] of Object.entries(everyStoreCall(store, userId))) {
    const started = performance.now();
    await expect(call(), name).rejects.toMatchObject({
      code: "ERR_SF_STORE_UNAVAILABLE",
      status: 503,
      headers: { "Retry-After": "5" },
    });
    expect(performance.now() - started, name).toBeLessThan(5000);
  }
}
