/**
 * The factor store conformance suite: what every {@link FactorStore} must do, as test cases any runner
 * can run (Vitest, Jest, `node:test`). It uses `node:assert` and registers each case through the `test`
 * function it is given. Exported from `second-factor/testing`.
 */
import { deepStrictEqual, ok, rejects, strictEqual } from "node:assert/strict";
import { randomBytes } from "node:crypto";
import type { Factor, FactorStore, NewFactor, NewTrustedDevice, PasskeyFactor } from "./index.js";

/**
 * What {@link factorStoreConformance} needs.
 * @example
 * const options: FactorStoreConformanceOptions = { makeStore: () => myStore, test: it };
 */
export interface FactorStoreConformanceOptions {
  /** Returns the store under test. Called once per case; it may return the same store every time (cases use their own accounts). */
  makeStore: () => FactorStore | Promise<FactorStore>;
  /** Registers one case: Vitest's or Jest's `it`/`test`, or `node:test`'s `test`. */
  test: (name: string, run: () => Promise<void>) => unknown;
  /** How many calls race in the concurrency cases (10 to 50). @default 20 */
  concurrency?: number;
}

const DAY = 86_400_000;
const T0 = 1_700_000_000_000;

/** A user id no other case (or run) uses. */
function account(): string {
  return `conformance-${randomBytes(8).toString("hex")}`;
}

function phone(destination = "+15017122661", createdAt = T0): NewFactor {
  return { kind: "phone", name: "Phone", destination, verifiedAt: createdAt, createdAt };
}

function passkey(credentialId: string, counter = 0, createdAt = T0): NewFactor {
  return {
    kind: "passkey",
    name: "Security key",
    credentialId,
    publicKey: "pQECAyYgASFYIPb0",
    counter,
    transports: ["usb", "nfc"],
    backedUp: false,
    createdAt,
  };
}

function device(tokenHash: string, createdAt = T0, ttl = 30 * DAY): NewTrustedDevice {
  return {
    tokenHash,
    label: "Firefox on Linux",
    createdAt,
    lastUsedAt: createdAt,
    expiresAt: createdAt + ttl,
  };
}

function credentialId(): string {
  return randomBytes(24).toString("base64url");
}

function race<T>(times: number, call: (index: number) => Promise<T>): Promise<T[]> {
  return Promise.all(Array.from({ length: times }, (_, index) => call(index)));
}

async function added(store: FactorStore, userId: string, factor: NewFactor): Promise<Factor> {
  const result = await store.addFactor(userId, factor);
  if (result.status !== "added") throw new Error(`expected the factor to be added, got ${result.status}`);
  return result.factor;
}

/**
 * Registers the factor store conformance cases with `test`. Every case works on fresh random accounts,
 * so one store can serve them all and the cases may run in any order. The concurrency cases race
 * `concurrency` calls with `Promise.all`: run them against a real server, not a mock.
 * @example
 * // vitest (or jest)
 * import { describe, it } from "vitest";
 * import { factorStoreConformance } from "second-factor/testing";
 * describe("my factor store", () => factorStoreConformance({ makeStore: () => myStore, test: it }));
 * // node:test
 * import { test } from "node:test";
 * factorStoreConformance({ makeStore: () => myStore, test });
 */
export function factorStoreConformance(options: FactorStoreConformanceOptions): void {
  const { makeStore, test } = options;
  const racers = Math.min(50, Math.max(10, options.concurrency ?? 20));

  test("an unknown account has no factors, recovery codes or devices", async () => {
    const store = await makeStore();
    const userId = account();
    deepStrictEqual([...(await store.listFactors(userId))], []);
    strictEqual(await store.getFactor(userId, "no-such-factor"), undefined);
    strictEqual(await store.getRecoveryCodes(userId), undefined);
    deepStrictEqual(await store.consumeRecoveryCode(userId, "h1"), { consumed: false, left: 0 });
    deepStrictEqual([...(await store.listTrustedDevices(userId, T0))], []);
    strictEqual(await store.revokeAllTrustedDevices(userId), 0);
  });

  test("adds a factor of each kind and reads it back as given, with a random id", async () => {
    const store = await makeStore();
    const userId = account();
    const inputs: NewFactor[] = [
      phone("+15017122661", T0),
      {
        kind: "email",
        name: "E-mail",
        destination: "ana@example.com",
        verifiedAt: T0 + 1,
        createdAt: T0 + 1,
      },
      {
        kind: "totp",
        name: "Authenticator",
        secret: { type: "encrypted", ciphertext: "k1.c2VjcmV0" },
        createdAt: T0 + 2,
      },
      {
        kind: "totp",
        name: "Twilio app",
        secret: { type: "twilio", factorSid: `YF${"0123456789abcdef".repeat(2)}` },
        createdAt: T0 + 3,
      },
      passkey(credentialId(), 7, T0 + 4),
    ];
    const factors = [];
    for (const input of inputs) factors.push(await added(store, userId, input));
    for (const [index, factor] of factors.entries()) {
      deepStrictEqual(factor, { ...inputs[index], id: factor.id, userId, lastUsedAt: null });
      ok(/^[A-Za-z0-9_-]{16,}$/.test(factor.id), `a factor id is random base64url (got ${factor.id})`);
      deepStrictEqual(await store.getFactor(userId, factor.id), factor);
    }
    const key = factors[4] as PasskeyFactor;
    deepStrictEqual([...key.transports], ["usb", "nfc"]);
    strictEqual(key.backedUp, false);
    strictEqual(new Set(factors.map((factor) => factor.id)).size, factors.length);
    deepStrictEqual([...(await store.listFactors(userId))], factors);
  });

  test("the same phone or e-mail address added twice to one account is one factor", async () => {
    const store = await makeStore();
    const userId = account();
    const first = await added(store, userId, phone());
    const again = await store.addFactor(userId, phone("+15017122661", T0 + 5));
    deepStrictEqual(again, { status: "already_enrolled", factor: first });
    const email: NewFactor = {
      kind: "email",
      name: "E",
      destination: "a@example.com",
      verifiedAt: T0,
      createdAt: T0,
    };
    await added(store, userId, email);
    strictEqual((await store.addFactor(userId, email)).status, "already_enrolled");
    strictEqual((await store.listFactors(userId)).length, 2);
  });

  test(`${racers} concurrent adds of one phone make exactly one factor`, async () => {
    const store = await makeStore();
    const userId = account();
    const results = await race(racers, () => store.addFactor(userId, phone()));
    const winners = results.filter((result) => result.status === "added");
    strictEqual(winners.length, 1);
    const id = winners[0]?.status === "added" ? winners[0].factor.id : "";
    for (const result of results) {
      ok(result.status !== "credential_in_use");
      strictEqual(result.factor.id, id, "every other add is told which factor is already enrolled");
    }
    strictEqual((await store.listFactors(userId)).length, 1);
  });

  test("accounts are apart: the same phone in two accounts, and no account reaches another's factor", async () => {
    const store = await makeStore();
    const alice = account();
    const mallory = account();
    const hers = await added(store, alice, phone());
    await added(store, mallory, phone());
    strictEqual(await store.getFactor(mallory, hers.id), undefined);
    strictEqual(await store.renameFactor(mallory, hers.id, "Mine now"), false);
    strictEqual(await store.touchFactor(mallory, hers.id, T0 + 9), false);
    strictEqual(await store.removeFactor(mallory, hers.id), "not_found");
    deepStrictEqual(await store.getFactor(alice, hers.id), hers);
    strictEqual((await store.listFactors(mallory)).length, 1);
  });

  test("a passkey credential id belongs to one account; findPasskey finds its owner", async () => {
    const store = await makeStore();
    const alice = account();
    const bob = account();
    const id = credentialId();
    const key = await added(store, alice, passkey(id));
    deepStrictEqual(await store.findPasskey(id), key);
    deepStrictEqual(await store.addFactor(bob, passkey(id)), { status: "credential_in_use" });
    deepStrictEqual(await store.addFactor(alice, passkey(id)), { status: "already_enrolled", factor: key });
    strictEqual((await store.listFactors(bob)).length, 0);
    strictEqual(await store.findPasskey(credentialId()), undefined);
  });

  test(`${racers} accounts racing to add one passkey credential: exactly one gets it`, async () => {
    const store = await makeStore();
    const id = credentialId();
    const users = Array.from({ length: racers }, account);
    const results = await race(racers, (index) => store.addFactor(users[index] ?? "", passkey(id)));
    const winners = results.flatMap((result) => (result.status === "added" ? [result.factor] : []));
    strictEqual(winners.length, 1);
    strictEqual(results.filter((result) => result.status === "credential_in_use").length, racers - 1);
    deepStrictEqual(await store.findPasskey(id), winners[0]);
    let enrolled = 0;
    for (const userId of users) enrolled += (await store.listFactors(userId)).length;
    strictEqual(enrolled, 1);
  });

  test("renames a factor and records when it was last used", async () => {
    const store = await makeStore();
    const userId = account();
    const factor = await added(store, userId, phone());
    strictEqual(await store.renameFactor(userId, factor.id, "Work phone"), true);
    strictEqual(await store.touchFactor(userId, factor.id, T0 + 60_000), true);
    deepStrictEqual(await store.getFactor(userId, factor.id), {
      ...factor,
      name: "Work phone",
      lastUsedAt: T0 + 60_000,
    });
    strictEqual(await store.renameFactor(userId, "no-such-factor", "x"), false);
    strictEqual(await store.touchFactor(userId, "no-such-factor", T0), false);
  });

  test("a passkey counter only goes up (0 stays allowed for authenticators without a counter)", async () => {
    const store = await makeStore();
    const userId = account();
    const counting = await added(store, userId, passkey(credentialId(), 5));
    strictEqual(await store.updatePasskeyCounter(userId, counting.id, 5, T0 + 1), "not_increased");
    strictEqual(await store.updatePasskeyCounter(userId, counting.id, 4, T0 + 1), "not_increased");
    strictEqual(await store.updatePasskeyCounter(userId, counting.id, 0, T0 + 1), "not_increased");
    strictEqual(await store.updatePasskeyCounter(userId, counting.id, 6, T0 + 2), "updated");
    const after = (await store.getFactor(userId, counting.id)) as PasskeyFactor;
    strictEqual(after.counter, 6);
    strictEqual(after.lastUsedAt, T0 + 2);
    const counterless = await added(store, userId, passkey(credentialId(), 0));
    strictEqual(await store.updatePasskeyCounter(userId, counterless.id, 0, T0 + 3), "updated");
    strictEqual(await store.updatePasskeyCounter(userId, counterless.id, 0, T0 + 4), "updated");
    strictEqual(((await store.getFactor(userId, counterless.id)) as PasskeyFactor).lastUsedAt, T0 + 4);
    const number = await added(store, userId, phone());
    strictEqual(await store.updatePasskeyCounter(userId, number.id, 9, T0), "not_found");
    strictEqual(await store.updatePasskeyCounter(account(), counting.id, 99, T0), "not_found");
    strictEqual(await store.updatePasskeyCounter(userId, "no-such-factor", 9, T0), "not_found");
  });

  test(`${racers} concurrent uses of one passkey counter value: exactly one is accepted`, async () => {
    const store = await makeStore();
    const userId = account();
    const key = await added(store, userId, passkey(credentialId(), 10));
    const results = await race(racers, () => store.updatePasskeyCounter(userId, key.id, 11, T0 + 1));
    strictEqual(results.filter((result) => result === "updated").length, 1);
    strictEqual(results.filter((result) => result === "not_increased").length, racers - 1);
    strictEqual(((await store.getFactor(userId, key.id)) as PasskeyFactor).counter, 11);
  });

  test("a removed factor is gone for every reader, and its phone or credential can be added again", async () => {
    const store = await makeStore();
    const userId = account();
    const number = await added(store, userId, phone());
    const id = credentialId();
    const key = await added(store, userId, passkey(id));
    strictEqual(await store.removeFactor(userId, number.id), "removed");
    strictEqual(await store.removeFactor(userId, number.id), "not_found");
    strictEqual(await store.getFactor(userId, number.id), undefined);
    strictEqual(await store.removeFactor(userId, key.id), "removed");
    strictEqual(await store.findPasskey(id), undefined);
    deepStrictEqual([...(await store.listFactors(userId))], []);
    strictEqual(await store.renameFactor(userId, number.id, "back"), false);
    strictEqual(await store.updatePasskeyCounter(userId, key.id, 5, T0), "not_found");
    strictEqual((await store.addFactor(userId, phone())).status, "added");
    const other = account();
    const again = await added(store, other, passkey(id));
    deepStrictEqual(await store.findPasskey(id), again);
  });

  test(`${racers} concurrent removes of one factor: exactly one removes it`, async () => {
    const store = await makeStore();
    const userId = account();
    const factor = await added(store, userId, phone());
    const results = await race(racers, () => store.removeFactor(userId, factor.id));
    strictEqual(results.filter((result) => result === "removed").length, 1);
    strictEqual(results.filter((result) => result === "not_found").length, racers - 1);
    deepStrictEqual([...(await store.listFactors(userId))], []);
  });

  test("keepLast: the only factor is kept, and concurrent removals of every factor leave exactly one", async () => {
    const store = await makeStore();
    const userId = account();
    const only = await added(store, userId, phone());
    strictEqual(await store.removeFactor(userId, only.id, { keepLast: true }), "kept_last");
    strictEqual(await store.removeFactor(userId, "no-such-factor", { keepLast: true }), "not_found");
    deepStrictEqual(await store.getFactor(userId, only.id), only);
    const count = Math.min(racers, 10);
    for (let index = 1; index < count; index += 1) {
      await added(store, userId, phone(`+1501712${String(index).padStart(4, "0")}`, T0 + index));
    }
    const factors = await store.listFactors(userId);
    strictEqual(factors.length, count);
    const results = await Promise.all(
      factors.map((factor) => store.removeFactor(userId, factor.id, { keepLast: true })),
    );
    strictEqual(results.filter((result) => result === "removed").length, count - 1);
    strictEqual(results.filter((result) => result === "kept_last").length, 1);
    strictEqual((await store.listFactors(userId)).length, 1);
  });

  test("recovery codes: a set replaces the last one, each code is consumed once, and counts down", async () => {
    const store = await makeStore();
    const userId = account();
    await store.replaceRecoveryCodes(userId, ["old-1", "old-2"], T0);
    await store.replaceRecoveryCodes(userId, ["h1", "h2", "h3"], T0 + DAY);
    const set = await store.getRecoveryCodes(userId);
    deepStrictEqual([...(set?.hashes ?? [])].sort(), ["h1", "h2", "h3"]);
    strictEqual(set?.createdAt, T0 + DAY);
    deepStrictEqual(await store.consumeRecoveryCode(userId, "old-1"), { consumed: false, left: 3 });
    deepStrictEqual(await store.consumeRecoveryCode(userId, "h2"), { consumed: true, left: 2 });
    deepStrictEqual(await store.consumeRecoveryCode(userId, "h2"), { consumed: false, left: 2 });
    deepStrictEqual(await store.consumeRecoveryCode(account(), "h1"), { consumed: false, left: 0 });
    deepStrictEqual([...((await store.getRecoveryCodes(userId))?.hashes ?? [])].sort(), ["h1", "h3"]);
    deepStrictEqual(await store.consumeRecoveryCode(userId, "h1"), { consumed: true, left: 1 });
    deepStrictEqual(await store.consumeRecoveryCode(userId, "h3"), { consumed: true, left: 0 });
    const spent = await store.getRecoveryCodes(userId);
    deepStrictEqual([...(spent?.hashes ?? ["?"])], []);
    strictEqual(spent?.createdAt, T0 + DAY);
  });

  test(`${racers} concurrent uses of one recovery code: exactly one succeeds`, async () => {
    const store = await makeStore();
    const userId = account();
    await store.replaceRecoveryCodes(userId, ["only", "other"], T0);
    const results = await race(racers, () => store.consumeRecoveryCode(userId, "only"));
    strictEqual(results.filter((result) => result.consumed).length, 1);
    for (const result of results) strictEqual(result.left, 1);
  });

  test("concurrent uses of different recovery codes each succeed, and each is told an exact count left", async () => {
    const store = await makeStore();
    const userId = account();
    const hashes = Array.from({ length: racers }, (_, index) => `code-${index}`);
    await store.replaceRecoveryCodes(userId, hashes, T0);
    const results = await race(racers, (index) => store.consumeRecoveryCode(userId, `code-${index}`));
    ok(results.every((result) => result.consumed));
    deepStrictEqual(
      results.map((result) => result.left).sort((a, b) => a - b),
      hashes.map((_, index) => index),
    );
  });

  test("a replacement racing with uses of the old set leaves only the new set", async () => {
    const store = await makeStore();
    const userId = account();
    await store.replaceRecoveryCodes(userId, ["a", "b", "c"], T0);
    await Promise.all([
      ...["a", "b", "c"].map((hash) => store.consumeRecoveryCode(userId, hash)),
      store.replaceRecoveryCodes(userId, ["x", "y"], T0 + 1),
    ]);
    const set = await store.getRecoveryCodes(userId);
    deepStrictEqual([...(set?.hashes ?? [])].sort(), ["x", "y"]);
    strictEqual(set?.createdAt, T0 + 1);
  });

  test("trusted devices: found by token hash for their own account only, until they expire", async () => {
    const store = await makeStore();
    const userId = account();
    const made = await store.addTrustedDevice(userId, device("token-hash-1", T0, DAY));
    deepStrictEqual(made, { ...device("token-hash-1", T0, DAY), id: made.id, userId });
    ok(/^[A-Za-z0-9_-]{16,}$/.test(made.id));
    deepStrictEqual(await store.findTrustedDevice(userId, "token-hash-1", T0 + 1), made);
    strictEqual(await store.findTrustedDevice(userId, "token-hash-2", T0 + 1), undefined);
    strictEqual(await store.findTrustedDevice(account(), "token-hash-1", T0 + 1), undefined);
    strictEqual(await store.findTrustedDevice(userId, "token-hash-1", T0 + DAY), undefined);
    deepStrictEqual([...(await store.listTrustedDevices(userId, T0 + DAY))], []);
    strictEqual(await store.touchTrustedDevice(userId, made.id, T0 + DAY), false);
  });

  test("trusted devices: touched, listed oldest first, revoked one by one or all", async () => {
    const store = await makeStore();
    const userId = account();
    const other = account();
    const first = await store.addTrustedDevice(userId, device("d1", T0));
    const second = await store.addTrustedDevice(userId, device("d2", T0 + 1000));
    const theirs = await store.addTrustedDevice(other, device("d3", T0));
    strictEqual(await store.touchTrustedDevice(userId, first.id, T0 + 5000), true);
    strictEqual(await store.touchTrustedDevice(other, first.id, T0 + 5000), false);
    deepStrictEqual(await store.listTrustedDevices(userId, T0 + 6000), [
      { ...first, lastUsedAt: T0 + 5000 },
      second,
    ]);
    strictEqual(await store.revokeTrustedDevice(other, first.id), false);
    strictEqual(await store.revokeTrustedDevice(userId, first.id), true);
    strictEqual(await store.revokeTrustedDevice(userId, first.id), false);
    strictEqual(await store.findTrustedDevice(userId, "d1", T0 + 6000), undefined);
    await store.addTrustedDevice(userId, device("d4", T0 + 2000));
    strictEqual(await store.revokeAllTrustedDevices(userId), 2);
    deepStrictEqual([...(await store.listTrustedDevices(userId, T0 + 6000))], []);
    strictEqual(await store.findTrustedDevice(userId, "d2", T0 + 6000), undefined);
    deepStrictEqual(await store.findTrustedDevice(other, "d3", T0 + 6000), theirs);
  });

  test("malformed arguments are refused with ERR_SF_INVALID_ARGUMENT, and nothing is written", async () => {
    const store = await makeStore();
    const userId = account();
    const refused = { code: "ERR_SF_INVALID_ARGUMENT" };
    await rejects(store.addFactor(userId, phone("5017122661")), refused);
    await rejects(store.addFactor(userId, { ...phone(), kind: "fax" } as unknown as NewFactor), refused);
    await rejects(
      store.addFactor(userId, { ...(passkey(credentialId()) as object), counter: -1 } as NewFactor),
      refused,
    );
    await rejects(store.addFactor(userId, passkey("not base64url!")), refused);
    await rejects(store.addFactor("", phone()), refused);
    await rejects(store.replaceRecoveryCodes(userId, [], T0), refused);
    await rejects(store.replaceRecoveryCodes(userId, ["same", "same"], T0), refused);
    await rejects(store.addTrustedDevice(userId, { ...device("d"), expiresAt: Number.NaN }), refused);
    await rejects(store.findTrustedDevice(userId, "d", -1), refused);
    await rejects(
      store.removeFactor(userId, "f", { keepLast: "yes" } as unknown as { keepLast: boolean }),
      refused,
    );
    deepStrictEqual([...(await store.listFactors(userId))], []);
    strictEqual(await store.getRecoveryCodes(userId), undefined);
    deepStrictEqual([...(await store.listTrustedDevices(userId, T0))], []);
  });
}
