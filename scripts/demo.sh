#!/usr/bin/env bash
# Command 1 of the README: install what is missing, build tlsprobe, and run the built-in
# demo (local faulty servers on loopback: needs no network). Extra arguments go to
# `tlsprobe demo` (e.g. a scenario id).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C build tlsprobe
./build/tlsprobe demo "$@"
echo
echo "Built: ./build/tlsprobe   (try: ./build/tlsprobe probe example.com, ./build/tlsprobe --help)"
