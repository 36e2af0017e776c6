#!/usr/bin/env bash
# Scrape time of `tbctl metrics` beside `virsh domstats` for the same domains (docs/performance.md,
# ## Metrics), with hyperfine:
#   1. 50 guests on libvirt's test driver (a node file of 50 running domains; in-process, so
#      this is tbctl's own cost: start-up, state, one bulk call, labels, text);
#   2. 10 running QEMU guests (linked clones of the demo image) on qemu:///system: the real
#      call through libvirtd, plus `tbctl serve`'s /metrics (connection and MAC map warm).
#
#   bench/metrics-bench.sh [--only test|qemu] [--runs N] [--keep]
#
# Needs root, libvirtd and OVS running (scripts/test-env.sh up), hyperfine, the demo image
# (images/build-demo-image.sh) and a tbctl binary: TBCTL (default: build .build/debug/tbctl).
# Part 2 brings up project `watchbench` (management 10.228.0.0/16, network 10.229.0.0/24) and
# takes it down with --purge at the end (--keep leaves it up). Raw output: bench/out/metrics-<time>/.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
only=""; runs=20; keep=0
while [ $# -gt 0 ]; do
    case "$1" in
        --only) only=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        --keep) keep=1; shift ;;
        *) echo "usage: bench/metrics-bench.sh [--only test|qemu] [--runs N] [--keep]" >&2; exit 2 ;;
    esac
done
image=$root/images/out/tbctl-demo.qcow2
[ -f "$image" ] || { echo "missing $image: run images/build-demo-image.sh" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "missing hyperfine (scripts/install-deps.sh)" >&2; exit 1; }
if [ -z "${TBCTL:-}" ]; then
    (cd "$root" && swift build --product tbctl 2>&1 | tail -n 1)
    TBCTL=$root/.build/debug/tbctl
fi
out=$root/bench/out/metrics-$(date +%Y%m%d-%H%M%S)
mkdir -p "$out"

compose() { # compose DIR PROJECT N HOSTLINE
    cat > "$1/testbed.yaml" <<YAML
# bench/metrics-bench.sh: $3 linked clones of the demo image.
project: $2
management: {subnet: 10.228.0.0/16}
hosts:
  main: $4
images:
  demo: $image
networks:
  lan: {subnet: 10.229.0.0/24}
guests:
  node:
    image: demo
    memory: 128
    replicas: $3
    networks: [lan]
YAML
}

# 1. test driver, 50 running domains named as tbctl names the clones.
if [ "$only" != qemu ]; then
    d=$out/test50; mkdir -p "$d"
    { echo "<node>"
      for i in $(seq 0 49); do
        echo "<domain type='test'><name>watchbenchtest-node-$i</name><memory unit='MiB'>128</memory><vcpu>1</vcpu><os><type arch='x86_64'>hvm</type></os></domain>"
      done
      echo "</node>"; } > "$d/node.xml"
    compose "$d" watchbenchtest 50 "{accel: tcg, datapath: netdev, uri: 'test://$d/node.xml'}"
    "$TBCTL" generate-artefacts -f "$d/testbed.yaml" > "$d/generate.log"
    n=$("$TBCTL" metrics -f "$d/testbed.yaml" | grep -c '^libvirt_domain_info_state{')
    echo "test driver: tbctl metrics reports $n guests"
    hyperfine -N --warmup 3 --runs "$runs" --export-json "$d/hyperfine.json" \
        "$TBCTL metrics -f $d/testbed.yaml" \
        "virsh -c test://$d/node.xml domstats --nowait" | tee "$d/hyperfine.txt"
fi

# 2. 10 QEMU guests on qemu:///system.
if [ "$only" != test ]; then
    d=$out/qemu10; mkdir -p "$d"
    compose "$d" watchbench 10 "{accel: tcg, datapath: netdev}"
    tb() { "$TBCTL" "$@" -f "$d/testbed.yaml"; }
    cleanup() { [ "$keep" = 1 ] || tb down --purge > "$d/down.log" 2>&1 || cat "$d/down.log"; kill "${serve:-0}" 2>/dev/null || true; }
    trap cleanup EXIT
    tb up > "$d/up.log" 2>&1 || { tail -n 20 "$d/up.log"; exit 1; }
    sleep 30   # let the guests finish booting: the numbers are the scrape, not boot noise
    doms=$(for i in $(seq 0 9); do printf 'watchbench-node-%s ' "$i"; done)
    "$TBCTL" serve -f "$d/testbed.yaml" --listen 127.0.0.1:0 > "$d/serve.out" 2> "$d/serve.err" & serve=$!
    for _ in $(seq 50); do grep -q http "$d/serve.out" && break; sleep 0.1; done
    url=$(grep -o 'http://[^ ]*' "$d/serve.out")metrics
    hyperfine -N --warmup 3 --runs "$runs" --export-json "$d/hyperfine.json" \
        "$TBCTL metrics -f $d/testbed.yaml" \
        "virsh -c qemu:///system domstats --nowait $doms" \
        "curl -s $url" | tee "$d/hyperfine.txt"
    echo "serve RSS: $(grep VmRSS /proc/$serve/status)"
fi
echo "raw output: $out"
