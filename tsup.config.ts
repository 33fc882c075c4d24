import { defineConfig } from "tsup";

export default defineConfig([
  {
    entry: {
      index: "src/index.ts",
      twilio: "src/twilio.ts",
      testing: "src/testing.ts",
      express: "adapters/express/index.ts",
      koa: "adapters/koa/index.ts",
    },
    format: ["esm", "cjs"],
    dts: true,
    sourcemap: true,
    clean: true,
    target: "node20",
    splitting: false,
    shims: true,
  },
  {
    entry: { "emulator/cli": "src/emulator/cli.ts" },
    format: ["esm"],
    sourcemap: true,
    clean: false,
    target: "node20",
    banner: { js: "#!/usr/bin/env node" },
    async onSuccess() {
      const { chmod } = await import("node:fs/promises");
      await chmod("dist/emulator/cli.js", 0o755);
    },
  },
]);
