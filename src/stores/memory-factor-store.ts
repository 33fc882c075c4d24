/**
 * The factor store in process memory: the default, for development and single-instance tests. A
 * restart forgets every enrolled factor, so `createFactorStore` warns when it is chosen by default.
 * Each method reads and writes in one synchronous step, which makes every write atomic.
 */
import {
  checkCounter,
  checkKeepLast,
  checkNewFactor,
  checkNewTrustedDevice,
  checkRecoveryHashes,
  checkText,
  checkTime,
  counterMayAdvance,
  destinationKey,
  oldestFirst,
  randomId,
  sameHash,
} from "./factor-arguments.js";
import type { Factor, FactorStore, PasskeyFactor, RecoveryCodeSet, TrustedDevice } from "./index.js";

interface Account {
  readonly factors: Map<string, Factor>;
  readonly devices: Map<string, TrustedDevice>;
  recovery: RecoveryCodeSet | undefined;
}

/**
 * Makes a {@link FactorStore} in process memory. Records handed out are frozen copies.
 * @example
 * const store = createMemoryFactorStore();
 * await store.addFactor("u1", { kind: "phone", name: "Phone", destination: "+15017122661", verifiedAt: Date.now(), createdAt: Date.now() });
 */
export function createMemoryFactorStore(): FactorStore {
  const accounts = new Map<string, Account>();
  const passkeyOwners = new Map<string, { userId: string; factorId: string }>();

  const account = (userId: string): Account | undefined => accounts.get(userId);
  const accountForWrite = (userId: string): Account => {
    let found = accounts.get(userId);
    if (found === undefined) {
      found = { factors: new Map(), devices: new Map(), recovery: undefined };
      accounts.set(userId, found);
    }
    return found;
  };
  const replaceFactor = (userId: string, factorId: string, change: (factor: Factor) => Factor): boolean => {
    const factors = account(userId)?.factors;
    const factor = factors?.get(factorId);
    if (factors === undefined || factor === undefined) return false;
    factors.set(factorId, freezeFactor(change(factor)));
    return true;
  };
  const liveDevice = (userId: string, deviceId: string, at: number) => {
    const device = account(userId)?.devices.get(deviceId);
    return device !== undefined && device.expiresAt > at ? device : undefined;
  };

  return {
    async listFactors(userId) {
      checkText(userId, "userId");
      return oldestFirst([...(account(userId)?.factors.values() ?? [])]);
    },

    async getFactor(userId, factorId) {
      checkText(userId, "userId");
      checkText(factorId, "factorId");
      return account(userId)?.factors.get(factorId);
    },

    async addFactor(userId, input) {
      checkText(userId, "userId");
      const factor = checkNewFactor(input);
      const factors = account(userId)?.factors;
      const key = destinationKey(factor);
      if (key !== undefined) {
        for (const existing of factors?.values() ?? []) {
          if (destinationKey(existing) === key) return { status: "already_enrolled", factor: existing };
        }
      }
      if (factor.kind === "passkey") {
        const owner = passkeyOwners.get(factor.credentialId);
        if (owner !== undefined) {
          const existing = accounts.get(owner.userId)?.factors.get(owner.factorId);
          if (owner.userId === userId && existing !== undefined)
            return { status: "already_enrolled", factor: existing };
          return { status: "credential_in_use" };
        }
      }
      const added = freezeFactor({ ...factor, id: randomId(), userId, lastUsedAt: null } as Factor);
      accountForWrite(userId).factors.set(added.id, added);
      if (added.kind === "passkey") passkeyOwners.set(added.credentialId, { userId, factorId: added.id });
      return { status: "added", factor: added };
    },

    async renameFactor(userId, factorId, name) {
      checkText(userId, "userId");
      checkText(factorId, "factorId");
      checkText(name, "name");
      return replaceFactor(userId, factorId, (factor) => ({ ...factor, name }));
    },

    async touchFactor(userId, factorId, at) {
      checkText(userId, "userId");
      checkText(factorId, "factorId");
      checkTime(at, "at");
      return replaceFactor(userId, factorId, (factor) => ({ ...factor, lastUsedAt: at }));
    },

    async updatePasskeyCounter(userId, factorId, counter, at) {
      checkText(userId, "userId");
      checkText(factorId, "factorId");
      checkCounter(counter, "counter");
      checkTime(at, "at");
      const factor = account(userId)?.factors.get(factorId);
      if (factor?.kind !== "passkey") return "not_found";
      if (!counterMayAdvance(factor.counter, counter)) return "not_increased";
      replaceFactor(userId, factorId, () => ({ ...factor, counter, lastUsedAt: at }));
      return "updated";
    },

    async removeFactor(userId, factorId, options) {
      checkText(userId, "userId");
      checkText(factorId, "factorId");
      const keepLast = checkKeepLast(options);
      const factors = account(userId)?.factors;
      const factor = factors?.get(factorId);
      if (factors === undefined || factor === undefined) return "not_found";
      if (keepLast && factors.size <= 1) return "kept_last";
      factors.delete(factorId);
      if (factor.kind === "passkey") passkeyOwners.delete(factor.credentialId);
      return "removed";
    },

    async findPasskey(credentialId) {
      checkText(credentialId, "credentialId");
      const owner = passkeyOwners.get(credentialId);
      const factor = owner && accounts.get(owner.userId)?.factors.get(owner.factorId);
      return factor?.kind === "passkey" ? (factor as PasskeyFactor) : undefined;
    },

    async replaceRecoveryCodes(userId, hashes, createdAt) {
      checkText(userId, "userId");
      const checked = checkRecoveryHashes(hashes);
      checkTime(createdAt, "createdAt");
      accountForWrite(userId).recovery = Object.freeze({ hashes: Object.freeze(checked), createdAt });
    },

    async getRecoveryCodes(userId) {
      checkText(userId, "userId");
      return account(userId)?.recovery;
    },

    async consumeRecoveryCode(userId, hash) {
      checkText(userId, "userId");
      checkText(hash, "hash");
      const found = account(userId);
      const recovery = found?.recovery;
      if (found === undefined || recovery === undefined) return { consumed: false, left: 0 };
      // Every stored hash is compared, whether or not one already matched.
      const left = recovery.hashes.filter((stored) => !sameHash(stored, hash));
      if (left.length === recovery.hashes.length) return { consumed: false, left: left.length };
      found.recovery = Object.freeze({ hashes: Object.freeze(left), createdAt: recovery.createdAt });
      return { consumed: true, left: left.length };
    },

    async addTrustedDevice(userId, input) {
      checkText(userId, "userId");
      const device = Object.freeze({ ...checkNewTrustedDevice(input), id: randomId(), userId });
      const devices = accountForWrite(userId).devices;
      for (const [id, existing] of devices) if (existing.expiresAt <= device.createdAt) devices.delete(id);
      devices.set(device.id, device);
      return device;
    },

    async findTrustedDevice(userId, tokenHash, at) {
      checkText(userId, "userId");
      checkText(tokenHash, "tokenHash");
      checkTime(at, "at");
      let found: TrustedDevice | undefined;
      for (const device of account(userId)?.devices.values() ?? []) {
        if (sameHash(device.tokenHash, tokenHash) && device.expiresAt > at) found = device;
      }
      return found;
    },

    async touchTrustedDevice(userId, deviceId, at) {
      checkText(userId, "userId");
      checkText(deviceId, "deviceId");
      checkTime(at, "at");
      const device = liveDevice(userId, deviceId, at);
      if (device === undefined) return false;
      account(userId)?.devices.set(deviceId, Object.freeze({ ...device, lastUsedAt: at }));
      return true;
    },

    async listTrustedDevices(userId, at) {
      checkText(userId, "userId");
      checkTime(at, "at");
      return oldestFirst(
        [...(account(userId)?.devices.values() ?? [])].filter((device) => device.expiresAt > at),
      );
    },

    async revokeTrustedDevice(userId, deviceId) {
      checkText(userId, "userId");
      checkText(deviceId, "deviceId");
      return account(userId)?.devices.delete(deviceId) ?? false;
    },

    async revokeAllTrustedDevices(userId) {
      checkText(userId, "userId");
      const devices = account(userId)?.devices;
      const count = devices?.size ?? 0;
      devices?.clear();
      return count;
    },
  };
}

function freezeFactor(factor: Factor): Factor {
  if (factor.kind === "passkey")
    return Object.freeze({ ...factor, transports: Object.freeze([...factor.transports]) });
  if (factor.kind === "totp")
    return Object.freeze({ ...factor, secret: Object.freeze({ ...factor.secret }) });
  return Object.freeze({ ...factor });
}
