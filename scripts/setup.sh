#!/usr/bin/env bash
# Installs the Debian packages lsengine needs. Two sets:
#   product: what building and running lsengine, lsengine-agent and the demo target needs (scripts/demo.sh);
#   test:    what the test command adds (GoogleTest, the servers and tools the integration tests start).
# Idempotent: packages already present are skipped, and `apt-get update` runs at most once per invocation
# (and only when something is missing).
# Usage: scripts/setup.sh [--product] [more Debian packages]   (--product: the product set only;
#        bench/run.sh adds its peers)
set -euo pipefail

PRODUCT_PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  libluajit2-5.1-dev luajit2 libuv1-dev node-llhttp libnats-dev libssl-dev
  nlohmann-json3-dev libcli11-dev libtomlplusplus-dev
  # Content-Encoding: responses in gzip/deflate (zlib) and br (brotli) are decoded when a script reads them.
  zlib1g-dev libbrotli-dev
  # --agents N starts an embedded NATS broker; scripts/demo.sh reads the demo target's counters with curl.
  nats-server curl
)
TEST_PACKAGES=(
  libgtest-dev libgmock-dev libbenchmark-dev
  nginx-light libnginx-mod-http-echo openssl
  # Integration tests of the outputs: a real Prometheus scrapes --prometheus; headless Chromium renders
  # the HTML report; script(1) gives the live view a terminal.
  prometheus chromium bsdutils
  # libFuzzer targets (tests/fuzz): clang with its sanitizer and fuzzer runtimes.
  clang libclang-rt-14-dev
)

PACKAGES=("${PRODUCT_PACKAGES[@]}")
if [[ "${1:-}" == "--product" ]]; then
  shift
else
  PACKAGES+=("${TEST_PACKAGES[@]}")
fi
# The HTML report inlines uPlot from npm at build time (third_party/uplot).
if ! command -v npm >/dev/null 2>&1; then PACKAGES+=(npm); fi
PACKAGES+=("$@")

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "setup: all packages present"
fi
