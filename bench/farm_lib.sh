# Shared by the farm benchmarks (scan.sh, farm_full.sh, scan_1m.sh); sourced, not run.
# Needs BUILD; sets TLSPROBE, FARM, CA and WORK (a temporary directory removed at exit) and
# defines start_farm / stop_farm. Usage: source bench/farm_lib.sh NAME
TLSPROBE=$BUILD/tlsprobe
FARM=$BUILD/bench/tlsprobe_scan_farm
CA=testcerts/root-ca.pem
[[ -x $TLSPROBE && -x $FARM ]] || { echo "build first: cmake -S . -B $BUILD -G Ninja && ninja -C $BUILD tlsprobe tlsprobe_scan_farm" >&2; exit 2; }
ulimit -n 20000 2>/dev/null || true
WORK=$(mktemp -d "/tmp/tlsprobe-${1:-bench}.XXXXXX")
FARM_PID=""
cleanup() { [[ -n $FARM_PID ]] && kill "$FARM_PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

# start_farm DIR ARGS...: runs the farm in the background until stop_farm.
start_farm() {
    local dir=$1; shift
    mkdir -p "$dir"
    # Its standard input stays open until stop_farm. The sleep writing to it keeps no stderr,
    # so a pipe such as `bash bench/farm_full.sh 2>&1 | tail` still ends with the script.
    "$FARM" "$@" --dir "$dir" < <(exec sleep 100000 2>/dev/null) 2>"$dir/farm.log" &
    FARM_PID=$!
    for _ in $(seq 600); do [[ -f $dir/ready ]] && return 0; sleep 0.1; done
    echo "farm did not start: $(cat "$dir/farm.log")" >&2; exit 1
}
stop_farm() { kill "$FARM_PID" 2>/dev/null || true; wait "$FARM_PID" 2>/dev/null || true; FARM_PID=""; }
