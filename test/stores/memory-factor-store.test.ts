// The memory factor store passes the conformance suite (the atomic cases race real concurrent calls).
import { describe, it } from "vitest";
import { createMemoryFactorStore } from "../../src/stores/index.js";
import { factorStoreConformance } from "../../testing/index.js";

describe("the memory factor store", () => {
  const store = createMemoryFactorStore();
  factorStoreConformance({ makeStore: () => store, test: it });
});
