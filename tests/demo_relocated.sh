#!/usr/bin/env bash
# `tlsprobe demo` from a copy of the binary outside the build and source trees, with
# TLSPROBE_TESTCERTS unset: the lab's certificates come from the binary, the source tree's
# testcerts/ path is not baked in, and the private certificate directory is gone at exit.
#   demo_relocated.sh TLSPROBE_BINARY SOURCE_DIR
set -euo pipefail
binary=$1
source_dir=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/bin" "$work/tmp"
cp "$binary" "$work/bin/tlsprobe"

if grep -qF "$source_dir/testcerts" "$work/bin/tlsprobe"; then
  echo "FAIL: the binary contains the path $source_dir/testcerts" >&2
  exit 1
fi

cd "$work"
status=0
env -u TLSPROBE_TESTCERTS TMPDIR="$work/tmp" ./bin/tlsprobe demo healthy --no-color >"$work/out.txt" 2>&1 || status=$?
cat "$work/out.txt"
if [[ $status -ne 0 ]]; then
  echo "FAIL: tlsprobe demo healthy exited $status" >&2
  exit 1
fi
grep -q "diagnosis works: reached" "$work/out.txt"
if [[ -n "$(ls -A "$work/tmp")" ]]; then
  echo "FAIL: left behind in TMPDIR: $(ls -A "$work/tmp")" >&2
  exit 1
fi
echo "ok: demo ran from $work/bin without the source tree's testcerts/ and cleaned up"
