/**
 * A small in-memory passkey store for the ceremony tests, with the factor store's semantics for what
 * the ceremonies use (listFactors, findPasskey, the counter's compare-and-set), and hooks to make
 * a read wait or a call fail.
 */
import type { PasskeyStore, StoredPasskey } from "../../src/factors/passkey/index.js";
import type { NewPasskey } from "../../src/factors/passkey/passkey-registration.js";

export interface TestPasskeyStore extends PasskeyStore {
  add(userId: string, passkey: NewPasskey): StoredPasskey;
  get(factorId: string): StoredPasskey | undefined;
  /** Awaited inside findPasskey after the read: lets a test hold concurrent readers. */
  afterFind?: () => Promise<void>;
  /** Thrown by every method while set: a store outage. */
  failure?: Error;
}

export function testPasskeyStore(): TestPasskeyStore {
  const factors = new Map<string, StoredPasskey>();
  let next = 1;
  const store: TestPasskeyStore = {
    add(userId, passkey) {
      const factor: StoredPasskey = { kind: "passkey", id: `f${next++}`, userId, ...passkey };
      factors.set(factor.id, factor);
      return factor;
    },
    get: (factorId) => factors.get(factorId),
    async listFactors(userId) {
      if (store.failure) throw store.failure;
      return [{ kind: "phone" }, ...[...factors.values()].filter((factor) => factor.userId === userId)];
    },
    async findPasskey(credentialId) {
      if (store.failure) throw store.failure;
      const found = [...factors.values()].find((factor) => factor.credentialId === credentialId);
      await store.afterFind?.();
      return found;
    },
    async updatePasskeyCounter(userId, factorId, counter) {
      if (store.failure) throw store.failure;
      const factor = factors.get(factorId);
      if (factor === undefined || factor.userId !== userId) return "not_found";
      const advances = counter > factor.counter || (counter === 0 && factor.counter === 0);
      if (!advances) return "not_increased";
      factors.set(factorId, { ...factor, counter });
      return "updated";
    },
  };
  return store;
}
