import { defineConfig } from "tsup";

const ESM_REQUIRE =
  'import { createRequire as __sfCreateRequire } from "node:module";\nconst require = __sfCreateRequire(import.meta.url);';

export default defineConfig([
  {
    entry: {
      index: "src/index.ts",
      adapter: "src/adapter.ts",
      twilio: "src/twilio.ts",
      testing: "testing/index.ts",
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
    // The emulator's proxy makes its certificates with node-forge, a devDependency bundled into the
    // entries that import it (testing, the bin): the package's dependencies stay what apps need.
    // forge is CommonJS and requires Node's modules, so ESM builds get a real `require`.
    noExternal: ["node-forge"],
    banner: ({ format }) => (format === "esm" ? { js: ESM_REQUIRE } : {}),
  },
  {
    entry: { "emulator/cli": "emulator/cli.ts" },
    format: ["esm"],
    sourcemap: true,
    clean: false,
    target: "node20",
    noExternal: ["node-forge"],
    banner: { js: `#!/usr/bin/env node\n${ESM_REQUIRE}` },
    async onSuccess() {
      const { chmod } = await import("node:fs/promises");
      await chmod("dist/emulator/cli.js", 0o755);
    },
  },
  {
    // The example apps, for `npm start` and `npm run example:koa`: built next to, never into, the
    // published dist/. Their dependencies (express, koa, sessions) stay imports from node_modules.
    entry: { "express/server": "examples/express/server.ts", "koa/server": "examples/koa/server.ts" },
    outDir: "dist-examples",
    format: ["esm"],
    sourcemap: true,
    clean: true,
    target: "node20",
    platform: "node",
    splitting: false,
    skipNodeModulesBundle: true,
    async onSuccess() {
      // The build output ignores itself, so git and Biome leave it alone without a root .gitignore entry.
      const { writeFile } = await import("node:fs/promises");
      await writeFile("dist-examples/.gitignore", "*\n");
    },
  },
]);
