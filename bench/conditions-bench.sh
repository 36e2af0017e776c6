#!/usr/bin/env bash
# Network condition commands against the tools a user would otherwise run by hand: hyperfine
# timings of `tbctl impair` + `--clear` beside `ssh GUEST tc qdisc replace/del`, `tbctl link`
# beside `virsh domif-setlink`, `tbctl partition` + `--heal` beside two `ovs-ofctl` calls, and
# `tbctl capture` of 2 s beside `tcpdump` on the tap. See docs/performance.md (## Network
# conditions).
#
#   bench/conditions-bench.sh [--runs N] [--keep]
#
# Needs root, libvirtd and OVS (scripts/test-env.sh up), the demo image, hyperfine, and a tbctl
# binary: TBCTL (default: build .build/debug/tbctl). Brings up project $BENCH_PROJECT (default
# condbench; management 10.137.0.0/16, network 10.138.0.0/24): guests a and b on this host.
# Raw output goes to bench/out/conditions-<time>/; the testbed is removed unless --keep.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
runs=10
keep=0
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) runs=$2; shift 2 ;;
        --keep) keep=1; shift ;;
        *) echo "usage: bench/conditions-bench.sh [--runs N] [--keep]" >&2; exit 2 ;;
    esac
done
project=${BENCH_PROJECT:-condbench}
image=$root/images/out/tbctl-demo.qcow2
[ -f "$image" ] || { echo "missing $image: run images/build-demo-image.sh" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "hyperfine is missing (apt-get install hyperfine)" >&2; exit 1; }
if [ -z "${TBCTL:-}" ]; then
    (cd "$root" && swift build --product tbctl 2>&1 | tail -n 1)
    TBCTL=$root/.build/debug/tbctl
fi

out=$root/bench/out/conditions-$(date +%Y%m%d-%H%M%S)
mkdir -p "$out"
cat > "$out/testbed.yaml" <<YAML
# bench/conditions-bench.sh: two demo guests on one network.
project: $project
management: {subnet: 10.137.0.0/16}
hosts:
  main: {accel: tcg, datapath: netdev}
images:
  demo: $image
networks:
  lan: {subnet: 10.138.0.0/24}
guests:
  a: {image: demo, memory: 128, networks: [lan]}
  b: {image: demo, memory: 128, networks: [lan]}
YAML
cd "$out"
t() { "$TBCTL" "$@" -f "$out/testbed.yaml"; }
t up > up.log 2>&1 || { tail -n 5 up.log; exit 1; }
t ssh-config > ssh_config
dom=$project-a
tap=$(virsh domiflist "$dom" | awk '$2 == "bridge" {print $1}')
bridge=$(virsh domiflist "$dom" | awk '$2 == "bridge" {print $3}')
mac_a=$(virsh domiflist "$dom" | awk '$2 == "bridge" {print $5}')
mac_b=$(virsh domiflist "$project-b" | awk '$2 == "bridge" {print $5}')
sleep 20   # let the boots settle

hf() { hyperfine --runs "$runs" --warmup 1 --export-markdown "$1.md" "${@:2}" | tee "$1.txt"; }
hf impair -n "tbctl impair a --delay 10ms; --clear a" "$TBCTL impair -f testbed.yaml a --delay 10ms && $TBCTL impair -f testbed.yaml --clear a" \
          -n "ssh a tc qdisc replace ... netem; ssh a tc qdisc del" \
          "ssh -F ssh_config a /usr/sbin/tc qdisc replace dev eth1 root netem delay 10ms && ssh -F ssh_config a /usr/sbin/tc qdisc del dev eth1 root"
hf link -n "tbctl link a lan down; up" "$TBCTL link -f testbed.yaml a lan down && $TBCTL link -f testbed.yaml a lan up" \
        -n "virsh domif-setlink down; up" "virsh domif-setlink $dom $tap down && virsh domif-setlink $dom $tap up"
hf partition -n "tbctl partition a b; --heal" "$TBCTL partition -f testbed.yaml a b && $TBCTL partition -f testbed.yaml --heal" \
             -n "ovs-ofctl add-flows (2 drops); del-flows" \
             "printf 'cookie=0x1,dl_src=$mac_a,dl_dst=$mac_b,actions=drop\ncookie=0x1,dl_src=$mac_b,dl_dst=$mac_a,actions=drop\n' | ovs-ofctl add-flows $bridge - && ovs-ofctl del-flows $bridge cookie=0x1/-1"
hf capture -n "tbctl capture a:lan --duration 2s" "$TBCTL capture -f testbed.yaml a:lan -w cap.pcap --duration 2s" \
           -n "timeout 2 tcpdump -i TAP" "timeout 2 tcpdump -i $tap -w cap2.pcap 2>/dev/null; true"
uptime > load.txt
[ $keep = 1 ] || t down --purge > down.log 2>&1
echo "results in $out"
