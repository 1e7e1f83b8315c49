#!/usr/bin/env bash
# Command 2 of the README, and what CI runs (.ci/run): install what is missing, then
#   0. check the layering (.ci/check_layers.py, ARCHITECTURE.md), after testing the check itself;
#   1. build warning-free (-Werror) and run the whole Catch2 suite through ctest;
#   2. the same under AddressSanitizer + UndefinedBehaviorSanitizer;
#   3. build the libFuzzer targets with clang and fuzz every parser of untrusted bytes (server
#      flight, certificate, scan input line, policy, HTTP head, STARTTLS replies, certificate
#      files, stapled OCSP, ClientHello; tests/fuzz/CMakeLists.txt) for a bounded time
#      (TLSPROBE_FUZZ_SECONDS in all, default 60, split evenly; 0 skips it).
# ccache is used when it is installed (a build cache keyed on content: results are the same).
# Every test talks to loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzz_seconds=${TLSPROBE_FUZZ_SECONDS:-60}
TLSPROBE_WITH_FUZZ=$([[ $fuzz_seconds -gt 0 ]] && echo 1 || echo 0) bash scripts/deps.sh
jobs=$(nproc)
launcher=()
if command -v ccache >/dev/null; then
  export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi

echo "== layering"
# Two commands rather than `a && b`: set -e ignores a failure on the left of &&.
python3 .ci/check_layers.py --self-test
python3 .ci/check_layers.py

# Every Catch2 case must be exactly one ctest test: a name CMake's discovery cannot take (a
# '[' drops the cases after it, a ';' splits one case into two that run nothing).
check_registered() {
  local listed registered
  # Catch2 exits with the number of cases it listed: not a failure here.
  listed=$({ "$1/tests/tlsprobe_tests" --list-test-names-only || true; } | sort)
  # ctest's names, less the tests that are not Catch2 cases (tests/CMakeLists.txt add_test).
  registered=$(ctest --test-dir "$1" -N | sed -n 's/^ *Test *#[0-9]*: //p' | grep -vxE 'demo_relocated_binary|json_schema|starttls_real_servers' | sort)
  # ctest runs a case by passing its name to Catch2, which takes a leading '-' for an option.
  if grep -q '^-' <<<"$listed"; then
    echo "tlsprobe: a test name starts with '-' (Catch2 reads it as an option):" >&2
    grep '^-' <<<"$listed" >&2
    exit 1
  fi
  if [[ "$listed" != "$registered" ]]; then
    echo "tlsprobe: the Catch2 cases and the ctest tests of $1 differ (a name with '[' or ';' breaks discovery):" >&2
    diff <(echo "$listed") <(echo "$registered") >&2 || true
    exit 1
  fi
}

echo "== build and test"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTLSPROBE_WERROR=ON "${launcher[@]}" >/dev/null
ninja -C build
check_registered build
ctest --test-dir build --output-on-failure -j "$jobs"

echo "== build and test under ASan + UBSan"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DTLSPROBE_SANITIZE=ON -DTLSPROBE_WERROR=ON -DTLSPROBE_DOCS=OFF "${launcher[@]}" >/dev/null
ninja -C build-asan
check_registered build-asan
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j "$jobs"

if [[ $fuzz_seconds -gt 0 ]]; then
  echo "== fuzz every parser of untrusted bytes for ${fuzz_seconds}s in all"
  CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DTLSPROBE_FUZZ=ON -DBUILD_TESTING=OFF \
    -DTLSPROBE_FUZZ_SECONDS="$fuzz_seconds" "${launcher[@]}" >/dev/null
  ninja -C build-fuzz run_fuzz
fi
echo "== all checks passed"
