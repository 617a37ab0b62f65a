#!/usr/bin/env bash
# Demo: installs what is needed, builds, starts the bundled demo target on
# 127.0.0.1 and runs the example scenario scripts/examples/login_browse.lua
# against it: every virtual user logs in once (on_start), then browses with its
# own token at a fixed arrival rate. Then shows what the target itself counted,
# so lsengine's numbers can be checked against it.
# Only what the product needs is installed and built: the product's Debian packages (scripts/setup.sh
# --product), and the binaries lsengine, lsengine-agent and the demo target, with tests and benchmarks
# off (scripts/test.sh builds those). About 3 1/2 minutes from a clean clone on 2 cores once the packages are
# there (docs/user-guide.md, "A first run").
# Usage: scripts/demo.sh [extra lsengine run flags, e.g. --rps 500 --duration 20s]
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh --product
LSE_BUILD_DIR=build scripts/build.sh -DLSE_BUILD_TESTS=OFF -DLSE_BUILD_BENCH=OFF -- \
  lsengine lsengine-agent lsengine-demo-target

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

rc=0
build/bin/lsengine run scripts/examples/login_browse.lua --target "http://$addr" --duration 10s "$@" || rc=$?

echo
echo "What the demo target counted:"
curl -fsS "http://$addr/__stats" | head -c 2000
echo
exit "$rc"
