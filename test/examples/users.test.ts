/**
 * The demo users' password check: scrypt hashes made at start, constant-time comparison, the same
 * work for unknown usernames; and the small helpers of the examples' pages.
 */
import { describe, expect, it } from "vitest";
import { csrfTokensMatch, newCsrfToken } from "../../examples/shared/csrf.js";
import { fieldsOf } from "../../examples/shared/forms.js";
import { formatAgo, formatDuration } from "../../examples/shared/status.js";
import { validateTransfer } from "../../examples/shared/transfer.js";
import {
  createUserDirectory,
  DEMO_ACCOUNTS,
  type PasswordHasher,
  scryptHasher,
} from "../../examples/shared/users.js";

describe("the demo users", () => {
  it("are alice, carol (with phones) and bob (without), as DESIGN §7 says", () => {
    const table = DEMO_ACCOUNTS.map(({ user, password }) => [user.username, password, user.phone]);
    expect(table).toEqual([
      ["alice", "alice-password", "+15017122661"],
      ["carol", "carol-password", "+12025550123"],
      ["bob", "bob-password", undefined],
    ]);
  });

  it("accept their own password only", async () => {
    const users = await createUserDirectory();
    expect((await users.verifyPassword("alice", "alice-password"))?.username).toBe("alice");
    expect((await users.verifyPassword("bob", "bob-password"))?.username).toBe("bob");
    expect(await users.verifyPassword("alice", "carol-password")).toBeNull();
    expect(await users.verifyPassword("alice", "alice-password ")).toBeNull();
    expect(await users.verifyPassword("Alice", "alice-password")).toBeNull();
    expect(await users.verifyPassword("mallory", "alice-password")).toBeNull();
    expect(await users.verifyPassword("alice", "x".repeat(5000))).toBeNull();
  });

  it("hash every password at start with its own salt, and run one hash per check, unknown users included", async () => {
    const calls: { password: string; salt: string }[] = [];
    const counting: PasswordHasher = async (password, salt) => {
      calls.push({ password, salt: salt.toString("hex") });
      return scryptHasher(password, salt);
    };
    const users = await createUserDirectory({ hasher: counting });
    // Three accounts plus the decoy for unknown usernames, each with a fresh salt.
    expect(calls).toHaveLength(4);
    expect(new Set(calls.map((call) => call.salt)).size).toBe(4);
    calls.length = 0;
    await users.verifyPassword("alice", "wrong");
    await users.verifyPassword("nobody", "wrong");
    await users.verifyPassword("x".repeat(500), "wrong");
    expect(calls).toHaveLength(3);
  });

  it("find users by id, never by anything else", async () => {
    const users = await createUserDirectory();
    const alice = DEMO_ACCOUNTS[0]?.user;
    expect(users.byId(alice?.id)).toBe(alice);
    expect(users.byId("alice")).toBeUndefined();
    expect(users.byId(undefined)).toBeUndefined();
    expect(users.byId({ id: alice?.id })).toBeUndefined();
  });
});

describe("the helpers of the examples' pages", () => {
  it("match CSRF tokens exactly", () => {
    const token = newCsrfToken();
    expect(csrfTokensMatch(token, token)).toBe(true);
    expect(csrfTokensMatch(token, `${token}x`)).toBe(false);
    expect(csrfTokensMatch(token, [token])).toBe(false);
    expect(csrfTokensMatch(undefined, undefined)).toBe(false);
    expect(csrfTokensMatch("", "")).toBe(false);
    expect(newCsrfToken()).not.toBe(token);
  });

  it("read plain string fields only, and keep a field named __proto__ a field", () => {
    expect(fieldsOf({ a: "1" })).toEqual({ ok: true, fields: { a: "1" } });
    expect(fieldsOf({ a: ["1", "2"] })).toMatchObject({ ok: false, status: 400 });
    expect(fieldsOf(undefined)).toMatchObject({ ok: false, status: 400 });
    const parsed = fieldsOf(JSON.parse('{"__proto__":"x"}'));
    expect(parsed.ok && Object.getPrototypeOf(parsed.fields)).toBe(Object.prototype);
  });

  it("say durations in words", () => {
    expect(formatDuration(2000)).toBe("2 seconds");
    expect(formatDuration(300_000)).toBe("5 minutes");
    expect(formatDuration(60_000)).toBe("60 seconds");
    expect(formatDuration(7_200_000)).toBe("2 hours");
    expect(formatAgo(1000)).toBe("just now");
    expect(formatAgo(125_000)).toBe("2 minutes ago");
  });

  it("check the transfer form", () => {
    expect(validateTransfer({ amount: "12.5", recipient: " Dave " })).toEqual({
      ok: true,
      transfer: { amount: "12.50", recipient: "Dave" },
    });
    expect(validateTransfer({ amount: "$10000", recipient: "D" })).toMatchObject({ ok: true });
    for (const amount of ["0", "0.00", "10000.01", "1e3", "-5", "12.345", "", "abc"]) {
      expect(validateTransfer({ amount, recipient: "Dave" })).toMatchObject({ ok: false });
    }
    expect(validateTransfer({ amount: "5", recipient: "" })).toMatchObject({ ok: false });
    expect(validateTransfer({ amount: "5", recipient: "a\u0000b" })).toMatchObject({ ok: false });
    expect(validateTransfer({ amount: "5", recipient: "x".repeat(65) })).toMatchObject({ ok: false });
  });
});
