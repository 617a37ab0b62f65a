#!/usr/bin/env bash
# Demo: installs what is needed, builds, starts the bundled demo target on
# 127.0.0.1, logs in to get a token, and runs a real load test against the
# token-protected /api/products at a fixed arrival rate. Then shows what the
# target itself counted, so lsengine's numbers can be checked against it.
# Usage: scripts/demo.sh [extra lsengine url flags, e.g. --rps 500 --duration 20s]
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
LSE_BUILD_DIR=build scripts/build.sh

log=$(mktemp)
build/bin/lsengine-demo-target --port 0 --quiet >"$log" 2>&1 &
target_pid=$!
trap 'kill "$target_pid" 2>/dev/null || true; wait "$target_pid" 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 100); do
  grep -q "listening on" "$log" && break
  sleep 0.05
done
addr=$(sed -n 's/^listening on \(.*\)$/\1/p' "$log" | head -1)
[[ -n "$addr" ]] || { echo "demo target did not start:"; cat "$log"; exit 1; }
echo "demo target on http://$addr"

token=$(curl -fsS -X POST "http://$addr/auth/login" -H 'Content-Type: application/json' \
  -d '{"user":"demo","pass":"secret"}' | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
[[ -n "$token" ]] || { echo "login failed"; exit 1; }

build/bin/lsengine url "http://$addr/api/products" -H "Authorization: Bearer $token" \
  --rps 200 --duration 10s "$@"

echo
echo "What the demo target counted:"
curl -fsS "http://$addr/__stats" | head -c 2000
echo
