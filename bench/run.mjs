/**
 * `npm run bench`: builds the TypeScript benches with esbuild into `.tmp/bench` (the package's
 * dependencies stay external; our sources, adapters included, are bundled as they are now), then
 * runs the runner with the command-line arguments.
 * @example
 * npm run bench -- --rounds 4 --only http,micro
 */
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outdir = join(root, ".tmp", "bench");

/** The entry points: the runner and every script it starts in a child process. */
const ENTRIES = [
  "bench/main.ts",
  "bench/http/server-main.ts",
  "bench/http/load-main.ts",
  "bench/micro/guard-main.ts",
];

await build({
  absWorkingDir: root,
  entryPoints: ENTRIES,
  outdir,
  outbase: "bench",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  packages: "external",
  sourcemap: true,
  logLevel: "warning",
});

const { main } = await import(pathToFileURL(join(outdir, "main.js")).href);
process.exitCode = await main({ buildDir: outdir, root, argv: process.argv.slice(2) });
