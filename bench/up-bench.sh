#!/bin/bash
# Times `tbctl up` on this host without the boot wait:
#   1. N linked clones (default 10) from a compiled state, base image already in the pool:
#      from the start of `up` until every domain is defined and running (the setup stage,
#      which only waits for guests to boot, is where the clock stops);
#   2. `tbctl scale web=M` (default 20) from 0 clones, measured the same way.
# Reports the per-stage times from tbctl's own progress lines and the per-clone disk time.
# Usage: bench/up-bench.sh [N] [M]    (needs scripts/test-env.sh up; builds tbctl in release)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-10}; M=${2:-20}
cd "$ROOT"
swift build -c release --product tbctl >/dev/null
T=$(swift build -c release --show-bin-path)/tbctl
W=$(mktemp -d /tmp/tbctl-upbench-XXXX)
trap '"$T" down --purge -f "$W/testbed.yaml" >/dev/null 2>&1; rm -rf "$W"' EXIT
cat > "$W/testbed.yaml" <<YAML
project: upbench
management: {subnet: 10.171.0.0/16}
hosts:
  main: {accel: tcg, datapath: netdev}
images:
  demo: $ROOT/images/out/tbctl-demo.qcow2
networks:
  lan: {subnet: 10.172.0.0/24}
guests:
  web: {image: demo, memory: 96, replicas: $N, networks: [lan]}
YAML

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }

# Runs a tbctl command until its setup stage starts (all domains running), then interrupts it
# (Ctrl-C: a clean stop). Prints the stage start times from its progress lines.
until_setup() {
  local log=$W/$1.log; shift
  local t0 t1 lv0 lv1; t0=$(date +%s.%N); lv0=$(cpu_ticks "$(pgrep -x libvirtd)")
  "$T" "$@" -f "$W/testbed.yaml" > "$log" 2>&1 &
  local pid=$!
  while ! grep -q "==> setup" "$log" 2>/dev/null; do
    kill -0 $pid 2>/dev/null || break
    sleep 0.05
  done
  t1=$(date +%s.%N); lv1=$(cpu_ticks "$(pgrep -x libvirtd)")
  # What the hypervisor itself spent (the guests were resumed only milliseconds ago): QEMU
  # processes of the project, and libvirtd over the whole command.
  local q=0; for p in $(pgrep -f "guest=upbench-"); do q=$((q + $(cpu_ticks $p))); done
  local hz; hz=$(getconf CLK_TCK); local own; own=$(cpu_ticks $pid)
  echo "    tbctl's own CPU: $(echo "scale=2; $own/$hz" | bc) s"
  echo "    hypervisor CPU: QEMU $(echo "scale=2; $q/$hz" | bc) s + libvirtd $(echo "scale=2; ($lv1-$lv0)/$hz" | bc) s;" \
       "on $(nproc) cores no start stage can be shorter than $(echo "scale=2; ($q+$lv1-$lv0)/$hz/$(nproc)" | bc) s"
  kill -INT $pid 2>/dev/null; wait $pid 2>/dev/null || true
  awk -v wall="$(echo "$t1 - $t0" | bc)" '
    /==> / { sub(/^\[ */, ""); split($0, a, "s\\]"); stage=$0; sub(/.*==> /, "", stage); sub(/ \(.*/, "", stage); t[stage]=a[1]+0; order[++n]=stage }
    /ok  create linked clone disk/ { match($0, /\(([0-9.]+)s\)$/); d+=substr($0, RSTART+1, RLENGTH-3)+0; c++ }
    END {
      for (i = 1; i <= n; i++) { s=order[i]; nxt=(i<n)?t[order[i+1]]:0; if (i<n) printf "    %-14s %6.2f s\n", s, nxt-t[s]; if (s=="disks") disks=nxt-t[s] }
      if (c) printf "    clone disks: %d in %.2f s (%.0f ms per clone); each call took %.0f ms on average, run concurrently\n", c, disks, 1000*disks/c, 1000*d/c
      printf "    wall, process start to all domains running: %.2f s\n", wall
    }' "$log"
}

echo "== $N linked clones, image already present"
"$T" up -f "$W/testbed.yaml" > "$W/warmup.log" 2>&1 || { cat "$W/warmup.log"; exit 1; }   # imports the image
"$T" down -f "$W/testbed.yaml" > /dev/null                                               # keeps it
"$T" generate-artefacts -f "$W/testbed.yaml" > /dev/null
until_setup up up
"$T" down -f "$W/testbed.yaml" > /dev/null

echo "== scale web=0 -> $M"
"$T" scale web=0 -f "$W/testbed.yaml" > /dev/null
until_setup scale scale "web=$M"
