#!/usr/bin/env bash
# The 1M-target scan (issue 18): memory stays flat with list length, and --resume over the
# million-record JSONL takes seconds. Run by hand (not by CI): bash bench/scan_1m.sh
#
#   1. scan_farm writes 1,000,000 targets: 0.3 % live (names over LIVE TLS endpoints), 0.1 %
#      silent (accepted by the kernel, never answered), the rest refused (127.w.x.y:9), in a
#      shuffled order (a real list does not put its live hosts first).
#   2. `tlsprobe scan` at --concurrency 2048 with --jsonl: peak RSS, wall, targets/s.
#   3. `tlsprobe scan --resume` on the same list and JSONL, nothing left to do: wall, peak RSS.
#
# Env: BUILD (default build), TARGETS (1000000), CONCURRENCY (2048), DEADLINE (3s).
# Needs ~8 GB free in /tmp for the default million: a refused target's record is 5-8 KB.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
TARGETS=${TARGETS:-1000000}
CONCURRENCY=${CONCURRENCY:-2048}
DEADLINE=${DEADLINE:-3s}
# shellcheck source=bench/farm_lib.sh
source bench/farm_lib.sh bench1m

start_farm "$WORK" --live 100 --targets "$TARGETS" --refused 99.6 --silent 0.1
python3 -c "import random,sys; l=open(sys.argv[1]).read().splitlines(); random.Random(18).shuffle(l); open(sys.argv[2],'w').write('\n'.join(l)+'\n')" \
    "$WORK/targets.txt" "$WORK/shuffled.txt"

# run NAME CMD...: CMD under /usr/bin/time -v; prints wall, CPU, peak RSS and the summary line.
run() {
    local name=$1; shift
    /usr/bin/time -v -o "$WORK/$name.time" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" || true
    awk -v name="$name" -F': ' '
        /Elapsed \(wall clock\)/ {n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; wall=s}
        /User time/ {u=$2} /System time/ {sy=$2}
        /Maximum resident set size/ {rss=$2/1024}
        END {printf "%-8s wall %.1f s  CPU %.1f s  peak RSS %.1f MB\n", name, wall, u+sy, rss}' "$WORK/$name.time"
    head -n 2 "$WORK/$name.out"
}

echo "$(cat "$WORK/ready")  concurrency $CONCURRENCY, deadline $DEADLINE"
run scan "$TLSPROBE" scan "$WORK/shuffled.txt" --quiet --ca-file testcerts/root-ca.pem \
    --concurrency "$CONCURRENCY" --timeout 2s --deadline "$DEADLINE" --jsonl "$WORK/out.jsonl"
echo "JSONL: $(wc -l <"$WORK/out.jsonl") lines, $(du -h "$WORK/out.jsonl" | cut -f1)"
run resume "$TLSPROBE" scan "$WORK/shuffled.txt" --quiet --resume --jsonl "$WORK/out.jsonl" \
    --concurrency "$CONCURRENCY"
