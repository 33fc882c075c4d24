#!/usr/bin/env bash
# Checks the package as users install it: build, pack, publint, are-the-types-wrong, then a CommonJS
# and an ES module project (JS and TS) that import every subpath of the packed tarball, and the bin.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

npm run build --silent
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tarball=$(npm pack --silent --pack-destination "$work" | tail -n 1)
tgz="$work/$tarball"
echo "packed $tarball ($(du -k "$tgz" | cut -f1) KiB)"

# The PostgreSQL factor store's schema ships for apps that run their own migrations (docs/factors.md).
tar -tzf "$tgz" | grep -x 'package/sql/postgres-factor-store.sql' >/dev/null || { echo "sql/postgres-factor-store.sql is not in the package"; exit 1; }

npx --no-install publint run "$tgz" --strict
npx --no-install attw "$tgz" --profile node16

# Every subpath of the exports map that has code.
mapfile -t subpaths < <(node -e '
  const exp = require("./package.json").exports;
  for (const k of Object.keys(exp)) if (k !== "./package.json") console.log(k === "." ? "second-factor" : "second-factor/" + k.slice(2));
')
echo "subpaths: ${subpaths[*]}"

ts_version=$(node -p 'require("typescript/package.json").version')
types_node_version=$(node -p 'require("@types/node/package.json").version')
make_project() { # dir type
  mkdir -p "$1"
  printf '{ "name": "smoke-%s", "version": "1.0.0", "private": true, "type": "%s" }\n' "$2" "$2" > "$1/package.json"
  (cd "$1" && npm install --silent --no-audit --no-fund --prefer-offline "$tgz" "typescript@$ts_version" "@types/node@$types_node_version" >/dev/null)
}

cjs="$work/cjs"; esm="$work/esm"
make_project "$cjs" commonjs
make_project "$esm" module

{
  for s in "${subpaths[@]}"; do
    printf 'const m_%s = require("%s");\n' "${s//[^a-z]/_}" "$s"
    printf 'if (Object.keys(m_%s).length === 0) throw new Error("%s exports nothing");\n' "${s//[^a-z]/_}" "$s"
  done
  echo 'console.log("cjs ok");'
} > "$cjs/smoke.cjs"
{
  for s in "${subpaths[@]}"; do
    printf 'import * as m_%s from "%s";\n' "${s//[^a-z]/_}" "$s"
  done
  for s in "${subpaths[@]}"; do
    printf 'if (Object.keys(m_%s).length === 0) throw new Error("%s exports nothing");\n' "${s//[^a-z]/_}" "$s"
  done
  echo 'console.log("esm ok");'
} > "$esm/smoke.mjs"
(cd "$cjs" && node smoke.cjs)
(cd "$esm" && node smoke.mjs)
# The same imports on every other Node that CI proves (.ci/run sets SMOKE_NODE_BINS: node binaries).
for other in ${SMOKE_NODE_BINS:-}; do
  echo "imports on Node $("$other" --version):"
  (cd "$cjs" && "$other" smoke.cjs)
  (cd "$esm" && "$other" smoke.mjs)
done

# TypeScript consumers: the same imports must type-check under node16 resolution, CJS and ESM.
for dir in "$cjs" "$esm"; do
  {
    for s in "${subpaths[@]}"; do printf 'import * as m_%s from "%s";\n' "${s//[^a-z]/_}" "$s"; done
    printf 'export const all = [%s];\n' "$(printf 'm_%s,' "${subpaths[@]//[^a-z]/_}")"
  } > "$dir/smoke.ts"
  printf '{ "compilerOptions": { "module": "node16", "moduleResolution": "node16", "strict": true, "noEmit": true, "skipLibCheck": true, "types": ["node"] }, "files": ["smoke.ts"] }\n' > "$dir/tsconfig.json"
  (cd "$dir" && npx --no-install tsc -p .)
  echo "ts ok: $(basename "$dir")"
done

# The emulator's bin, as a user runs it after installing the package.
out=$(cd "$esm" && timeout 20 npx --no-install second-factor-emulator --help 2>&1) || { echo "$out"; echo "bin failed"; exit 1; }
echo "bin ok"
# The proxy's certificate library is bundled into the emulator's build: it is never a dependency that
# installing the package brings to apps that do not run the emulator.
deps=$(node -e 'const p=require("./package.json"); console.log(Object.keys({...p.dependencies, ...p.optionalDependencies}).sort().join(" "))')
case " $deps " in *" node-forge "*) echo "node-forge is a dependency: $deps"; exit 1;; esac
! grep -rqE '(from|require\()\s*"node-forge"' "$esm/node_modules/second-factor/dist" || { echo "dist imports node-forge"; exit 1; }
out=$(cd "$esm" && timeout 8 node node_modules/second-factor/dist/emulator/cli.js --port 0 --proxy 2>&1) || true
grep -q '^NODE_EXTRA_CA_CERTS=' <<<"$out" || { echo "$out"; echo "bin --proxy failed"; exit 1; }
echo "dependencies ($deps) without node-forge, node-forge bundled, bin --proxy ok"
echo "package checks passed"
