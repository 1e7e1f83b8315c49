#!/usr/bin/env bash
# Installs the Debian 12 packages tlsprobe builds with, if any is missing.
# Needs root (or sudo) only when something has to be installed.
set -euo pipefail

packages=(g++ cmake ninja-build pkg-config libssl-dev libboost1.81-dev libcli11-dev catch2
          nlohmann-json3-dev libfmt-dev libtomlplusplus-dev openssl
          libxml2-dev chromium libidn2-dev libc-ares-dev)  # tests: JUnit schema validation (libxml2), the HTML report in headless Chromium
# Read at run time, never copied: the DH primes servers commonly share
# (/etc/testssl/common-primes.txt), later the client hellos and trust stores.
packages+=(testssl.sh)
packages+=(libsimdjson-dev)  # scan --resume: reading a million JSONL records back in seconds
packages+=(python3 git)  # the layering check (.ci/check_layers.py reads `git ls-files`)
packages+=(python3-jsonschema)  # tests: the JSON output against schema/*.json (draft 2020-12)
# The fuzz smoke test in the test command builds with clang's libFuzzer.
if [[ "${TLSPROBE_WITH_FUZZ:-0}" == 1 ]]; then packages+=(clang libclang-rt-14-dev); fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "tlsprobe: installing missing packages: ${missing[*]}" >&2
sudo=()
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null; then sudo=(sudo -n); else
    echo "tlsprobe: run as root, or install them: apt-get install -y ${missing[*]}" >&2; exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null
