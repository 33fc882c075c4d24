import { defineConfig } from "vitest/config";

/** `npm run test:browser`: the examples in a real Chromium (playwright-core), apart from `vitest run`. */
export default defineConfig({
  test: {
    include: ["test/browser/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    fileParallelism: false,
    env: { TWILIO_EDGE: "", TWILIO_REGION: "" },
  },
});
