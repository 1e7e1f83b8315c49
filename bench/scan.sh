#!/usr/bin/env bash
# Benchmark `tlsprobe scan` on a loopback farm, and the peers when installed.
# Run by hand (it is not a test): bash bench/scan.sh            (after building into ./build)
#
#   1. 200 TLS endpoints behind a 20 ms round-trip delay proxy (a real network has latency;
#      loopback has none): tlsprobe (quick depth) vs sslscan (protocols + certificate, no
#      cipher enumeration), testssl.sh (-p -S, protocols + server defaults/certificate, on a
#      subset: it needs ~25 s a host) and nmap ssl-enum-ciphers (which also enumerates
#      ciphers: deeper than quick). Prints hosts/s, wall, CPU, peak RSS and the ratios.
#   2. The same 200 endpoints with no added latency (CPU-bound on both sides).
#   3. 10,000 targets at --concurrency 512: 60 % live (names over the 200 endpoints), 30 %
#      refused (127.1.x.y:9), 10 % silent (accepted by the kernel, never answered); checks
#      peak RSS and that no target held its slot longer than --deadline.
#
# Env: BUILD (build dir, default build), RTT_MS (20), TESTSSL_HOSTS (20), NMAP_HOSTS (200),
#      SKIP_PEERS=1 to run tlsprobe only, ONLY_10K=1 to run case 3 only, CONNECTIONS (3, the scan default). Peers: apt-get install -y sslscan testssl.sh nmap
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
RTT_MS=${RTT_MS:-20}
TESTSSL_HOSTS=${TESTSSL_HOSTS:-20}
NMAP_HOSTS=${NMAP_HOSTS:-200}
# shellcheck source=bench/farm_lib.sh
source bench/farm_lib.sh bench

# measure NAME HOSTS CMD...: runs CMD under /usr/bin/time -v, appends a row to $WORK/rows.
measure() {
    local name=$1 hosts=$2; shift 2
    local tf=$WORK/time.$RANDOM
    /usr/bin/time -v -o "$tf" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" || true
    local wall cpu rss
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; print s}' "$tf")
    cpu=$(awk -F': ' '/User time/ {u=$2} /System time/ {s=$2} END {printf "%.2f", u+s}' "$tf")
    rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2/1024}' "$tf")
    printf '%s %s %s %s %s\n' "$name" "$hosts" "$wall" "$cpu" "$rss" >>"$WORK/rows"
}

# table BASE: prints the rows measured since the last table, with ratios to BASE's hosts/s.
table() {
    local title=$1 base=$2
    echo
    echo "### $title"
    echo
    echo "| tool | hosts | wall s | hosts/s | CPU s | peak RSS MB | tlsprobe's hosts/s ÷ this |"
    echo "|---|---:|---:|---:|---:|---:|---:|"
    awk -v base="$base" '
        { name[NR]=$1; hosts[NR]=$2; wall[NR]=$3; cpu[NR]=$4; rss[NR]=$5; rate[NR]=($3>0)?$2/$3:0; if ($1==base) b=rate[NR] }
        END { for (i=1;i<=NR;i++) printf "| %s | %d | %.2f | %.1f | %s | %s | %s |\n", name[i], hosts[i], wall[i], rate[i], cpu[i], rss[i],
              (name[i]==base || rate[i]==0) ? "–" : sprintf("%.0f×", b/rate[i]) }' "$WORK/rows"
    : >"$WORK/rows"
}

have() { [[ -z ${SKIP_PEERS:-} ]] && command -v "$1" >/dev/null; }
SSLSCAN_ARGS=(--no-ciphersuites --no-fallback --no-renegotiation --no-compression --no-heartbleed --no-groups --no-colour)
: >"$WORK/rows"

for rtt in $([[ -n ${ONLY_10K:-} ]] || echo "$RTT_MS 0"); do
    dir=$WORK/farm200-$rtt
    start_farm "$dir" --live 200 --rtt "$rtt"
    measure tlsprobe 200 "$TLSPROBE" scan "$dir/targets.txt" --quiet --ca-file "$CA" --jsonl "$dir/tlsprobe.jsonl"
    if have sslscan; then measure sslscan 200 sslscan --targets="$dir/plain.txt" "${SSLSCAN_ARGS[@]}"; fi
    if [[ $rtt != 0 ]]; then
        if have testssl || have testssl.sh; then
            TESTSSL=$(command -v testssl || command -v testssl.sh)
            head -n "$TESTSSL_HOSTS" "$dir/plain.txt" >"$dir/testssl.txt"
            measure testssl "$TESTSSL_HOSTS" "$TESTSSL" --file "$dir/testssl.txt" --parallel --quiet --warnings off --color 0 -p -S
        fi
        if have nmap; then
            ports=$(head -n "$NMAP_HOSTS" "$dir/plain.txt" | cut -d: -f2 | paste -sd,)
            measure nmap_ssl-enum-ciphers "$NMAP_HOSTS" nmap -Pn -n -sT -p "$ports" --script ssl-enum-ciphers 127.0.0.1
        fi
    fi
    grep -h '^Scanned' "$WORK/tlsprobe.out" >&2 || true
    stop_farm
    table "200 endpoints, quick depth, ${rtt} ms round trip" tlsprobe
done

dir=$WORK/farm10k
start_farm "$dir" --live 200 --targets 10000 --refused 30 --silent 10 --rtt "$RTT_MS"
# Silent targets would wait 2 x --timeout (connect, then the ClientHello's answer); the
# deadline cuts them at 3 s. The check allows for event-loop lag on a saturated machine.
DEADLINE_MS=3000
measure tlsprobe 10000 "$TLSPROBE" scan "$dir/targets.txt" --quiet --ca-file "$CA" --concurrency 512 --timeout 2s \
    --deadline "${DEADLINE_MS}ms" --connections "${CONNECTIONS:-3}" --jsonl "$dir/tlsprobe.jsonl"
stop_farm
table "10,000 targets (60 % live, 30 % refused, 10 % silent), concurrency 512, ${RTT_MS} ms round trip" tlsprobe
python3 - "$dir/tlsprobe.jsonl" "$DEADLINE_MS" <<'PY'
import json, sys
path, deadline = sys.argv[1], float(sys.argv[2])
records, longest, verdicts = 0, 0.0, {}
for line in open(path):
    j = json.loads(line)
    if j.get("record") != "target":
        summary = j
        continue
    records += 1
    longest = max(longest, j["duration_ms"])
    v = j["scan"]["verdict"]
    verdicts[v] = verdicts.get(v, 0) + 1
print(f"\n10k run: {records} records, verdicts {verdicts}; longest slot {longest:.0f} ms "
      f"(deadline {deadline:.0f} ms, overshoot {max(0.0, longest - deadline):.0f} ms)")
PY
