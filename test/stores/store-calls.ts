/** One call of every FactorStore method, for the outage tests: each must reject, never answer. */
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
