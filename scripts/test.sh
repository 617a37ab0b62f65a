#!/usr/bin/env bash
# The one test command (README, CI): installs packages, builds, runs every unit
# and integration test, then builds and runs the unit tests under ASan+UBSan,
# then runs each libFuzzer target briefly.
# Integration tests start their own real servers (nginx, the demo target) on
# 127.0.0.1 and stop them; nothing is left running.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh

echo "== build (RelWithDebInfo)"
LSE_BUILD_DIR=build scripts/build.sh

echo "== unit + integration tests"
ctest --test-dir build --output-on-failure -j2 -L 'unit|integration'

echo "== unit tests under AddressSanitizer + UndefinedBehaviorSanitizer"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DLSE_SANITIZE=address,undefined >/dev/null
cmake --build build-asan -j"$(nproc)" --target lse_unit_tests
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j2 -L unit

echo "== fuzz targets, a few seconds each (scripts/fuzz.sh; longer runs: scripts/fuzz.sh 600)"
LSE_FUZZ_JOBS="$(nproc)" scripts/fuzz.sh 5
