#!/usr/bin/env bash
# Starts `npx second-factor-emulator` as a user would, sends a code with plain HTTP and reads it back
# from /inbox and /inbox.json.
set -euo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
setsid npx --no-install second-factor-emulator --port 0 >"$log" 2>&1 &
pid=$!
# npx runs the bin as a child: end the whole process group, not only npx.
trap 'kill -- "-$pid" 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 1 600); do
  grep -q '^Default service: VA' "$log" && break
  kill -0 "$pid" 2>/dev/null || { cat "$log"; echo "emulator exited"; exit 1; }
  sleep 0.1
done
url=$(sed -n 's/^Verify emulator: \(http:\/\/127\.0\.0\.1:[0-9]*\)$/\1/p' "$log")
service=$(sed -n 's/^Default service: \(VA[0-9a-f]*\)$/\1/p' "$log")
[ -n "$url" ] && [ -n "$service" ] || { cat "$log"; echo "emulator did not print its address and service"; exit 1; }
curl -fsS -u "AC00000000000000000000000000000000:token" -X POST "$url/v2/Services/$service/Verifications" \
  --data-urlencode "To=+15017122661" --data-urlencode "Channel=sms" >/dev/null
code=$(curl -fsS "$url/inbox.json?to=%2B15017122661" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const m=JSON.parse(s);process.stdout.write(String(m.at(-1)?.code??""))})')
[[ "$code" =~ ^[0-9]{6}$ ]] || { echo "no code in /inbox.json"; exit 1; }
curl -fsS "$url/inbox" | grep "$code" >/dev/null || { echo "the code is not on /inbox"; exit 1; }
echo "emulator bin ok: $url, service $service, a code reached /inbox and /inbox.json"
