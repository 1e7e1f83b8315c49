#!/usr/bin/env bash
# The per-target time of `tlsprobe probe` and `tlsprobe scan --deadline` against hostile
# servers while busy loops starve the CPU (issue 11 item 11). Run by hand, not a test:
#
#   BUILD=build bash bench/starved_deadline.sh [MODE ...]
#
# (ninja -C build tlsprobe bench_hostile_serve first). For each mode: one `tlsprobe probe
# --quick --timeout $TIMEOUT` (wall time, and the longest attempt), then one `tlsprobe scan
# --timeout $TIMEOUT --deadline $DEADLINE_MS ms` over the same server (the record's duration
# and its overshoot past the deadline). Env: BUILD (build), BUSY (4 busy loops), TIMEOUT (3s),
# DEADLINE_MS (3000). Modes default to the two record floods.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
BUSY=${BUSY:-4}
TIMEOUT=${TIMEOUT:-3s}
DEADLINE_MS=${DEADLINE_MS:-3000}
[[ $# -gt 0 ]] || set -- endless_warning_alerts endless_handshake_fragments
TLSPROBE=$BUILD/tlsprobe
SERVE=$BUILD/bench/bench_hostile_serve
[[ -x $TLSPROBE && -x $SERVE ]] || { echo "build first: ninja -C $BUILD tlsprobe bench_hostile_serve" >&2; exit 2; }
WORK=$(mktemp -d /tmp/tlsprobe-starved.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
now_ms() { date +%s%3N; }

for mode in "$@"; do
    "$SERVE" "$mode" 300 >"$WORK/port" &
    PIDS+=($!)
    for _ in $(seq 100); do [[ -s $WORK/port ]] && break; sleep 0.05; done
    port=$(head -n1 "$WORK/port")
    busy=()
    for _ in $(seq "$BUSY"); do timeout 120 sh -c 'while :; do :; done' & busy+=($!); PIDS+=($!); done
    t0=$(now_ms)
    "$TLSPROBE" probe "127.0.0.1:$port" --quick --no-http --timeout "$TIMEOUT" --format json -o "$WORK/probe.json" || true
    t1=$(now_ms)
    echo "127.0.0.1:$port" >"$WORK/targets.txt"
    "$TLSPROBE" scan "$WORK/targets.txt" --quiet --timeout "$TIMEOUT" --deadline "${DEADLINE_MS}ms" --jsonl "$WORK/scan.jsonl" >/dev/null 2>&1 || true
    t2=$(now_ms)
    for p in "${busy[@]}"; do kill "$p" 2>/dev/null || true; done
    python3 - "$mode" "$BUSY" "$TIMEOUT" "$DEADLINE_MS" "$((t1 - t0))" "$((t2 - t1))" "$WORK/probe.json" "$WORK/scan.jsonl" <<'PY'
import json, sys
mode, busy, timeout, deadline, probe_ms, scan_ms, probe_json, scan_jsonl = sys.argv[1:]
p = json.load(open(probe_json))
attempts = [(a["id"], a) for a in p.get("probes", [])]
longest = max(attempts, key=lambda a: a[1]["elapsed_ms"] or 0) if attempts else ("-", {"elapsed_ms": 0, "status": "-"})
duration = [json.loads(l)["duration_ms"] for l in open(scan_jsonl) if json.loads(l).get("record") == "target"]
d = max(duration) if duration else float("nan")
print(f"{mode}: {busy} busy loops, --timeout {timeout}")
print(f"  probe: {probe_ms} ms wall, {len(attempts)} attempts, longest attempt {longest[1]['elapsed_ms']:.0f} ms ({longest[0]}: {longest[1]['status']})")
print(f"  scan --deadline {deadline}ms: {scan_ms} ms wall, record duration {d:.0f} ms, overshoot {max(0.0, d - float(deadline)):.0f} ms")
PY
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    PIDS=()
done
