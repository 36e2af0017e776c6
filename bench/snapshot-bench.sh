#!/usr/bin/env bash
# Testbed snapshot create and restore of N running guests (default 10 linked clones of the
# demo image): total time, and how long each guest was paused. See docs/performance.md
# (## Snapshots) for results.
#
#   bench/snapshot-bench.sh [--guests N] [--rounds R] [--keep]
#
# Needs root, libvirtd and OVS running (scripts/test-env.sh up), the demo image
# (images/build-demo-image.sh) and a tbctl binary: TBCTL (default: build .build/debug/tbctl).
# Brings up project `snapbench` (management 10.135.0.0/16, network 10.136.0.0/24), runs R
# rounds of `snapshot create` / `snapshot restore` / `snapshot delete`, then `down --purge`
# (--keep leaves the testbed up). Raw output goes to bench/out/snapshot-<time>/.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
guests=10
rounds=3
keep=0
while [ $# -gt 0 ]; do
    case "$1" in
        --guests) guests=$2; shift 2 ;;
        --rounds) rounds=$2; shift 2 ;;
        --keep) keep=1; shift ;;
        *) echo "usage: bench/snapshot-bench.sh [--guests N] [--rounds R] [--keep]" >&2; exit 2 ;;
    esac
done

image=$root/images/out/tbctl-demo.qcow2
[ -f "$image" ] || { echo "missing $image: run images/build-demo-image.sh" >&2; exit 1; }
if [ -z "${TBCTL:-}" ]; then
    (cd "$root" && swift build --product tbctl 2>&1 | tail -n 1)
    TBCTL=$root/.build/debug/tbctl
fi

out=$root/bench/out/snapshot-$(date +%Y%m%d-%H%M%S)
mkdir -p "$out"
cat > "$out/testbed.yaml" <<YAML
# bench/snapshot-bench.sh: $guests linked clones of the demo image, no golden setup.
project: snapbench
management: {subnet: 10.135.0.0/16}
hosts:
  main: {accel: tcg, datapath: netdev}
images:
  demo: $image
networks:
  lan: {subnet: 10.136.0.0/24}
guests:
  node:
    image: demo
    memory: 128
    replicas: $guests
    networks: [lan]
YAML

tb() { "$TBCTL" "$@" -f "$out/testbed.yaml"; }
cleanup() {
    if [ "$keep" = 0 ]; then tb down --purge > "$out/down.log" 2>&1 || cat "$out/down.log"; fi
}
trap cleanup EXIT

echo "== $guests guests: up (output in $out)"
tb down --purge > /dev/null 2>&1 || true
start=$(date +%s.%N)
tb up > "$out/up.log" 2>&1 || { tail -20 "$out/up.log"; exit 1; }
printf "up: %.1f s\n" "$(echo "$(date +%s.%N) - $start" | bc)"
# Let the guests finish booting (TCG boots keep both cores busy for a while).
sleep 20
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"

# From `tbctl snapshot create|restore --json` (docs/cli.md): one key of every guest, a number
# a line (`numbers KEY FILE`), or "guest number" lines in guest order (`per_guest KEY FILE`).
numbers() { python3 -c 'import json, sys; [print(g[sys.argv[1]]) for g in json.load(open(sys.argv[2]))["guests"] if g.get(sys.argv[1]) is not None]' "$1" "$2"; }
per_guest() { python3 -c 'import json, sys; [print(g["guest"], "%.2f" % g[sys.argv[1]]) for g in json.load(open(sys.argv[2]))["guests"] if g.get(sys.argv[1]) is not None]' "$1" "$2" | sort -V; }
stats() { sort -n | awk '{a[NR]=$1} END {if (NR) printf "%.2f/%.2f/%.2f", a[1], a[int((NR+1)/2)], a[NR]; else printf "-"}'; }
# wall OUT COMMAND...: runs COMMAND with its stdout in OUT.json and stderr in OUT.log, prints
# its wall time in seconds.
wall() {
    local out=$1 s; shift
    s=$(date +%s.%N)
    "$@" > "$out.json" 2> "$out.log" || { cat "$out.log" >&2; return 1; }
    printf "%.2f" "$(echo "$(date +%s.%N) - $s" | bc)"
}

printf "\n%-5s | %-7s %-16s %-16s | %-7s %-16s %-16s | %-6s\n" round create "paused" "snapshot call" restore "revert call" "waiting paused" delete
printf "%-5s | %-7s %-16s %-16s | %-7s %-16s %-16s | %-6s\n" "" "wall s" "min/med/max s" "min/med/max s" "wall s" "min/med/max s" "min/med/max s" "wall s"
for r in $(seq 1 "$rounds"); do
    c=$(wall "$out/create-$r" tb snapshot create "r$r" --json)
    sleep 2
    x=$(wall "$out/restore-$r" tb snapshot restore "r$r" --json)
    sleep 2
    d=$(wall "$out/delete-$r" tb snapshot delete "r$r" --json)
    printf "%-5s | %-7s %-16s %-16s | %-7s %-16s %-16s | %-6s\n" "$r" "$c" \
        "$(numbers pausedSeconds "$out/create-$r.json" | stats)" "$(numbers snapshotSeconds "$out/create-$r.json" | stats)" "$x" \
        "$(numbers revertSeconds "$out/restore-$r.json" | stats)" "$(numbers pausedSeconds "$out/restore-$r.json" | stats)" "$d"
    sleep 3
done

echo
echo "pause per guest during snapshot create (s), by round:"
for r in $(seq 1 "$rounds"); do per_guest pausedSeconds "$out/create-$r.json" > "$out/pause-$r.txt"; done
paste $(for r in $(seq 1 "$rounds"); do echo "$out/pause-$r.txt"; done) | awk '{printf "  %-8s", $1; for (i = 2; i <= NF; i += 2) printf " %6s", $i; printf "\n"}'
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
