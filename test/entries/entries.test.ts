// The public entries (DESIGN §1): the main entry keeps what apps use, `second-factor/adapter` what only
// an adapter author needs; neither leaks the other's names.
import { describe, expect, expectTypeOf, it } from "vitest";
import type { BodyResult, Decision, RequestView, SessionPort } from "../../src/adapter.js";
import * as adapter from "../../src/adapter.js";
import * as main from "../../src/index.js";

const ADAPTER_ONLY = ["createSecondFactorCore", "NEXT", "readBody"];

describe("second-factor/adapter", () => {
  it("exports the core factory, NEXT and the body reader", () => {
    expect(Object.keys(adapter).sort()).toEqual([...ADAPTER_ONLY].sort());
    expect(adapter.NEXT).toEqual({ kind: "next" });
    expect(Object.isFrozen(adapter.NEXT)).toBe(true);
  });

  it("types the boundary for adapter authors", () => {
    expectTypeOf<RequestView["readBody"]>().returns.resolves.toEqualTypeOf<BodyResult>();
    expectTypeOf<SessionPort["regenerate"]>().returns.resolves.toBeVoid();
    expectTypeOf(adapter.NEXT).toEqualTypeOf<Decision>();
    expectTypeOf(adapter.createSecondFactorCore).parameter(0).toHaveProperty("provider");
  });
});

describe("second-factor (the main entry)", () => {
  it("no longer exports what only adapter authors need", () => {
    for (const name of ADAPTER_ONLY) expect(Object.keys(main)).not.toContain(name);
  });

  it("keeps what apps use", () => {
    for (const name of [
      "safeReturnTo",
      "isSecondFactorError",
      "createLimits",
      "secondFactorStatus",
      "escapeHtml",
    ]) {
      expect(Object.keys(main)).toContain(name);
    }
  });
});
