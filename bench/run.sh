#!/usr/bin/env bash
# The benchmark suite in one command (not part of the test run; see docs/benchmarks.md).
# Installs the peers (wrk, h2load, Locust) next to lsengine's own packages, builds lsengine into
# build-bench/ the way scripts/build.sh does, then runs bench/lsbench.py, which starts nginx on
# 127.0.0.1, runs every section and writes build-bench/bench-results.md (and .json).
# Usage: bench/run.sh [--quick] [--only throughput,rate,latency,stall,memory,merge,million] [lsbench.py flags]
# Takes about 12 minutes in full, 3 with --quick. Run it on an otherwise idle machine.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh wrk nghttp2-client python3-locust time util-linux

echo "== build (build-bench)"
cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-bench -j"$(nproc)" --target lsengine lsengine-agent lsengine-demo-target lse_merge_bench

echo "== benchmarks"
exec python3 bench/lsbench.py --build-dir build-bench "$@"
