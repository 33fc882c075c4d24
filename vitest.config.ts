import { defineConfig } from "vitest/config";

// CI runs the suites on each Node LTS (.ci/run): it names the version it meant, and this proves which
// Node actually runs Vitest (its test processes are forked from this one's binary).
const expectedNode = process.env.SF_EXPECTED_NODE_VERSION;
if (expectedNode !== undefined) {
  console.log(`Vitest runs on Node ${process.version} (${process.execPath})`);
  if (process.version !== expectedNode) {
    throw new Error(`Vitest runs on Node ${process.version}, not the ${expectedNode} CI asked for`);
  }
}

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/browser/**", "node_modules/**"],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: "forks",
    // Most suites wait on real servers (Redis, PostgreSQL, the emulator) and timers, not on the CPU:
    // four workers on CI's two cores halve the wall time (measured: 233 s with two, 113 s with four).
    maxWorkers: 4,
    env: { TWILIO_EDGE: "", TWILIO_REGION: "" },
  },
});
