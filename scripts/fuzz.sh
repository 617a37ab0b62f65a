#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz, clang + ASan + UBSan) in build-fuzz and runs each for a few
# seconds on its seed corpus (issue 6). Fails on any crash, sanitizer report, leak, timeout or
# out-of-memory, printing the reproducer path and the command that replays it.
#
#   scripts/fuzz.sh [seconds-per-target]     (default 20; scripts/test.sh uses a short time)
#
# Environment: LSE_FUZZ_BUILD_DIR (default build-fuzz), LSE_FUZZ_JOBS (build parallelism, default 1:
# the CI machine has two shared cores), LSE_FUZZ_TARGETS (space-separated subset).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-20}"
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: $0 [seconds-per-target]" >&2
  exit 2
fi
build_dir="${LSE_FUZZ_BUILD_DIR:-build-fuzz}"
jobs="${LSE_FUZZ_JOBS:-1}"
targets=(${LSE_FUZZ_TARGETS:-fuzz_response_parser fuzz_plan_decode fuzz_json_path fuzz_protocol_decode fuzz_snapshot_decode
  fuzz_units fuzz_threshold_parse})
repo="$(pwd)"

echo "== configure $build_dir (clang, LSE_FUZZ=ON)"
# The fuzz flags are applied through a project include, so the top-level CMakeLists.txt needs no edit;
# tests are not needed here (only the fuzz targets are built).
CC=clang CXX=clang++ cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DLSE_FUZZ=ON -DLSE_BUILD_TESTS=OFF -DCMAKE_PROJECT_lsengine_INCLUDE="$repo/tests/fuzz/fuzz_options.cmake" \
  >/dev/null

echo "== build ${targets[*]}"
cmake --build "$build_dir" -j"$jobs" --target "${targets[@]}"

failed=()
for target in "${targets[@]}"; do
  seeds="$repo/tests/fuzz/corpus/$target"
  # New inputs go to a scratch corpus in the build tree; the checked-in seeds are only read.
  work="$build_dir/fuzz-work/$target"
  artifacts="$build_dir/fuzz-artifacts/$target/"
  mkdir -p "$work/corpus" "$artifacts"
  echo "== $target: ${seconds}s"
  set +e
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$build_dir/bin/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -print_final_stats=1 -artifact_prefix="$artifacts" "$work/corpus" "$seeds" >"$work/log" 2>&1
  rc=$?
  set -e
  if [[ $rc -ne 0 ]]; then
    tail -n 60 "$work/log"
    echo "!! $target failed (exit $rc); full log: $work/log"
    for reproducer in "$artifacts"*; do
      [[ -e "$reproducer" ]] || continue
      echo "!! reproducer: $reproducer"
      echo "!!   replay:   $build_dir/bin/$target $reproducer"
    done
    failed+=("$target")
  else
    grep -E "^stat::number_of_executed_units|^Done" "$work/log" | tr '\n' ' ' || true
    echo
  fi
done

if [[ ${#failed[@]} -gt 0 ]]; then
  echo "FUZZ FAILED: ${failed[*]}"
  exit 1
fi
echo "fuzz: all ${#targets[@]} targets ran ${seconds}s without a finding"
