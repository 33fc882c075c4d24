// `prepare` (run by `npm ci`, `npm install` and `npx` on a checkout): builds dist/ with tsup unless it
// is already newer than every source file, so `npx second-factor-emulator` starts at once after
// `npm ci` instead of building again.
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

const stamp = "node_modules/.cache/second-factor-build-stamp";
const inputs = [
  "src",
  "adapters",
  "emulator",
  "testing",
  "examples",
  "tsup.config.ts",
  "package.json",
  "tsconfig.json",
];

function newestMtime(path) {
  let stats;
  try {
    stats = statSync(path);
  } catch {
    return 0;
  }
  if (!stats.isDirectory()) return stats.mtimeMs;
  let newest = stats.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

function builtAt() {
  try {
    return statSync(stamp).mtimeMs;
  } catch {
    return -1;
  }
}

const force = process.argv.includes("--force");
if (!force && builtAt() >= Math.max(...inputs.map(newestMtime))) {
  console.log("dist/ is up to date; skipping the build (npm run build rebuilds)");
} else {
  const result = spawnSync("npx", ["--no-install", "tsup"], { stdio: "inherit" });
  if (result.status !== 0) process.exit(result.status ?? 1);
  mkdirSync(dirname(stamp), { recursive: true });
  writeFileSync(stamp, `${new Date().toISOString()}\n`);
}
