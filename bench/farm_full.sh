#!/usr/bin/env bash
# Full depth on the 200-endpoint loopback farm: tlsprobe `scan --full` against nmap
# (ssl-enum-ciphers,ssl-cert) and sslscan (its default run: protocols, every cipher suite,
# groups, the certificate) in the same run, with and without a 20 ms round trip.
# Run by hand (not a test): bash bench/farm_full.sh        (after building into ./build)
#
# For each tool: hosts/s, wall, client CPU seconds per host, peak RSS, and connections and
# server CPU seconds per host as the farm counted them (the TLS connections its endpoints
# accepted, and the CPU they spent, during that tool's run, divided by the hosts; SIGUSR1 makes
# tlsprobe_scan_farm write its running totals). Server CPU is how hard a tool hits the servers.
# The farm: 200 lab::TlsServer endpoints (OpenSSL, TLS 1.2 + 1.3, the "good" chain), each
# behind a delay proxy holding every chunk RTT/2 each way when RTT > 0.
#
# Env: BUILD (build), RTTS ("20 0"), HOSTS (200), SSLSCAN_HOSTS (200 at 0 ms, 20 at 20 ms:
#      sslscan runs one host after another), CONCURRENCY (tlsprobe's --concurrency, 64),
#      TLSPROBE_ARGS (default "--full": every suite, group and version plus the safe checks
#      and the client simulation; "--full --checks none --clients none" is nmap's depth:
#      versions, suites, groups, the chain), SKIP_PEERS=1 for tlsprobe only. Peers: apt-get install -y nmap sslscan
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
RTTS=${RTTS:-20 0}
HOSTS=${HOSTS:-200}
CONCURRENCY=${CONCURRENCY:-64}
# shellcheck source=bench/farm_lib.sh
source bench/farm_lib.sh farm-full

# accepted DIR: the farm's running totals: accepted TLS connections, and the CPU seconds its
# TLS endpoints spent (the delay proxy's thread not counted).
accepted() {
    local dir=$1
    rm -f "$dir/connections"
    kill -USR1 "$(cat "$dir/pid")"
    for _ in $(seq 100); do [[ -f $dir/connections ]] && break; sleep 0.05; done
    cat "$dir/connections"
}

# measure DIR NAME HOSTS CMD...: runs CMD under /usr/bin/time -v, appends a row.
measure() {
    local dir=$1 name=$2 hosts=$3; shift 3
    local tf=$WORK/time.$RANDOM c0 c1 s0 s1
    read -r c0 s0 < <(accepted "$dir")
    /usr/bin/time -v -o "$tf" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" || true
    read -r c1 s1 < <(accepted "$dir")
    local wall cpu rss
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; print s}' "$tf")
    cpu=$(awk -F': ' '/User time/ {u=$2} /System time/ {s=$2} END {printf "%.2f", u+s}' "$tf")
    rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2/1024}' "$tf")
    printf '%s %s %s %s %s %s %s\n' "$name" "$hosts" "$wall" "$cpu" "$rss" "$((c1 - c0))" \
        "$(awk -v a="$s0" -v b="$s1" 'BEGIN {printf "%.3f", b - a}')" >>"$WORK/rows"
}

table() {
    local title=$1 base=$2
    echo
    echo "### $title"
    echo
    echo "| tool | hosts | wall s | hosts/s | connections/host | client CPU s/host | server CPU s/host | peak RSS MB | tlsprobe's hosts/s ÷ this |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    awk -v base="$base" '
        { name[NR]=$1; hosts[NR]=$2; wall[NR]=$3; cpu[NR]=$4; rss[NR]=$5; conns[NR]=$6; scpu[NR]=$7;
          rate[NR]=($3>0)?$2/$3:0; if ($1==base) b=rate[NR] }
        END { for (i=1;i<=NR;i++) printf "| %s | %d | %.2f | %.1f | %.0f | %.3f | %.3f | %s | %s |\n",
              name[i], hosts[i], wall[i], rate[i], conns[i]/hosts[i], cpu[i]/hosts[i], scpu[i]/hosts[i], rss[i],
              (name[i]==base || rate[i]==0) ? "–" : sprintf("%.1f×", b/rate[i]) }' "$WORK/rows"
    : >"$WORK/rows"
}

have() { [[ -z ${SKIP_PEERS:-} ]] && command -v "$1" >/dev/null; }
: >"$WORK/rows"

for rtt in $RTTS; do
    dir=$WORK/farm-$rtt
    start_farm "$dir" --live "$HOSTS" --rtt "$rtt"
    # shellcheck disable=SC2086
    measure "$dir" tlsprobe "$HOSTS" "$TLSPROBE" scan "$dir/plain.txt" ${TLSPROBE_ARGS:---full} --quiet --ca-file "$CA" \
        --concurrency "$CONCURRENCY" --jsonl "$dir/tlsprobe.jsonl"
    if have nmap; then
        ports=$(head -n "$HOSTS" "$dir/plain.txt" | cut -d: -f2 | paste -sd,)
        measure "$dir" nmap "$HOSTS" nmap -Pn -n -sT -p "$ports" --script ssl-enum-ciphers,ssl-cert 127.0.0.1
    fi
    if have sslscan; then
        n=${SSLSCAN_HOSTS:-$([[ $rtt == 0 ]] && echo "$HOSTS" || echo 20)}
        head -n "$n" "$dir/plain.txt" >"$dir/sslscan.txt"
        measure "$dir" sslscan "$n" sslscan --targets="$dir/sslscan.txt" --no-colour
    fi
    python3 - "$dir/tlsprobe.jsonl" <<'PY' >&2
import json, sys
suites = groups = versions = n = 0
verdicts = {}
for line in open(sys.argv[1]):
    j = json.loads(line)
    if j.get("record") != "target":
        continue
    n += 1
    verdicts[j["scan"]["verdict"]] = verdicts.get(j["scan"]["verdict"], 0) + 1
    for v in j.get("versions", {}).values():
        if v.get("supported"):
            versions += 1
        suites += len(v.get("ciphers") or [])
        groups += len(v.get("groups") or [])
if n:
    print(f"tlsprobe: {n} targets, verdicts {verdicts}; per host {suites / n:.1f} accepted suites, "
          f"{groups / n:.1f} accepted groups, {versions / n:.1f} supported versions")
PY
    stop_farm
    table "$HOSTS endpoints, tlsprobe ${TLSPROBE_ARGS:---full}, ${rtt} ms round trip" tlsprobe
done
