// The Limits conformance suite on the memory store (the same scenarios run on Redis in test/redis/).
import { createLimits } from "../../src/limits/index.js";
import { describeLimitsConformance } from "../helpers/limits-conformance.js";

const secret = "conformance-test-secret-0123456789abcdef";

describeLimitsConformance("memory", {
  make: (options = {}) => createLimits({ secret, ...options }),
});
