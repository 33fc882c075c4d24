/** The challenge flow, resolveUser: what the app's user callback returns (split from the one flow test by route). */
import { describe, expect, it } from "vitest";
import { ALICE, harness } from "../helpers/core.js";

describe("resolveUser", () => {
  it("validates what the app's callback returns", async () => {
    const users: unknown[] = [
      null,
      undefined,
      false,
      { id: 42, phone: "+15017122661" },
      { id: "" },
      { id: "a", phone: 15017122661 },
      "alice",
    ];
    const h = harness({ user: () => users.shift() as never });
    expect(h.core.resolveUser({})).toBeNull();
    expect(h.core.resolveUser({})).toBeNull();
    expect(h.core.resolveUser({})).toBeNull();
    expect(h.core.resolveUser({})).toEqual({ id: "42", phone: "+15017122661" });
    expect(() => h.core.resolveUser({})).toThrow(expect.objectContaining({ code: "ERR_SF_MISCONFIGURED" }));
    let phoneError: unknown;
    try {
      h.core.resolveUser({});
    } catch (error) {
      phoneError = error;
    }
    expect(phoneError).toMatchObject({ code: "ERR_SF_MISCONFIGURED" });
    expect(String((phoneError as Error).message)).not.toContain("5017122661");
    expect(() => h.core.resolveUser({})).toThrow(/"user" callback/);
  });

  it("names the field at fault, also behind a numeric id, and keeps a valid user as it is", () => {
    const nullLocale = { id: "b", locale: null };
    const users: unknown[] = [{ id: 7, email: 5 }, { id: "x".repeat(257) }, { id: 7.5 }, nullLocale];
    const h = harness({ user: () => users.shift() as never });
    expect(() => h.core.resolveUser({})).toThrow(/"email" is of type number/);
    expect(() => h.core.resolveUser({})).toThrow(/"id" is/);
    expect(() => h.core.resolveUser({})).toThrow(/"id" is/);
    expect(h.core.resolveUser({})).toBe(nullLocale);
  });

  it("returns a promise for an async callback and the same object for a valid user", async () => {
    const h = harness({ user: async () => ALICE });
    expect(await h.core.resolveUser({})).toBe(ALICE);
    const sync = harness({ user: () => ALICE });
    expect(sync.core.resolveUser({})).toBe(ALICE);
  });
});
