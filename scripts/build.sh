#!/usr/bin/env bash
# Configures and builds lsengine into ./build (Release-ish, with tests and benchmarks).
# Usage: scripts/build.sh [extra cmake -D options] [-- targets...]
#   e.g. scripts/build.sh -DLSE_BUILD_TESTS=OFF -DLSE_BUILD_BENCH=OFF -- lsengine   (what scripts/demo.sh does)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${LSE_BUILD_DIR:-build}
options=()
targets=()
while (($#)); do
  if [[ "$1" == "--" ]]; then
    shift
    targets=("$@")
    break
  fi
  options+=("$1")
  shift
done
# Tests and benchmarks are on unless the options say otherwise (a later -D wins): a build dir the demo
# configured without them gets them back here.
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLSE_BUILD_TESTS=ON -DLSE_BUILD_BENCH=ON \
  "${options[@]}" >/dev/null
if ((${#targets[@]})); then
  cmake --build "$BUILD_DIR" -j"$(nproc)" --target "${targets[@]}"
else
  cmake --build "$BUILD_DIR" -j"$(nproc)"
fi
