#!/usr/bin/env bash
# `tbctl ls` over many testbeds, beside the virsh loops a script would need for the same
# answer. See docs/performance.md (## Many testbeds) for results.
#
#   bench/fleet-bench.sh [--testbeds N] [--guests G] [--runs R]
#
# Needs root, libvirtd and OVS running (scripts/test-env.sh up), hyperfine, and a tbctl binary:
# TBCTL (default: build .build/debug/tbctl; give a release build to measure what users run).
# Defines (never starts) N x G domains with tbctl's mark, projects lab-b1..lab-bN, and writes
# their testbed records into this host's Open_vSwitch row; all is removed at the end. No
# network, no disk, no guest boots: what is measured is the survey (libvirt and OVS reads).
# Raw output goes to bench/out/fleet-<time>/.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
testbeds=10
guests=5
runs=10
while [ $# -gt 0 ]; do
    case "$1" in
        --testbeds) testbeds=$2; shift 2 ;;
        --guests) guests=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        *) echo "usage: bench/fleet-bench.sh [--testbeds N] [--guests G] [--runs R]" >&2; exit 2 ;;
    esac
done
if [ -z "${TBCTL:-}" ]; then
    (cd "$root" && swift build --product tbctl 2>&1 | tail -n 1)
    TBCTL=$root/.build/debug/tbctl
fi
out=$root/bench/out/fleet-$(date +%Y%m%d-%H%M%S)
mkdir -p "$out"

cleanup() {
    for t in $(seq 1 "$testbeds"); do
        for g in $(seq 1 "$guests"); do virsh -q undefine "lab-b$t-g$g" >/dev/null 2>&1 || true; done
        ovs-vsctl remove Open_vSwitch . external_ids "\"tbctl-testbed-lab-b$t\"" 2>/dev/null || true
    done
}
trap cleanup EXIT

now=$(date +%s)
for t in $(seq 1 "$testbeds"); do
    for g in $(seq 1 "$guests"); do
        cat > "$out/dom.xml" <<XML
<domain type='qemu'>
  <name>lab-b$t-g$g</name>
  <memory unit='MiB'>96</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <metadata><tbctl:guest xmlns:tbctl='https://tbctl.dev/xmlns/guest/1' project='lab-b$t' name='g$g'/></metadata>
</domain>
XML
        virsh -q define "$out/dom.xml" >/dev/null
    done
    record="{\\\"composeFile\\\":\\\"/bench/lab-b$t/testbed.yaml\\\",\\\"created\\\":$now,\\\"expires\\\":$((now + 3600)),\\\"hosts\\\":[],\\\"local\\\":false,\\\"owner\\\":\\\"bench@$(hostname)\\\",\\\"project\\\":\\\"lab-b$t\\\"}"
    ovs-vsctl set Open_vSwitch . "external_ids:\"tbctl-testbed-lab-b$t\"=\"$record\""
done
"$TBCTL" ls > "$out/ls.txt"
echo "$(grep -c '^lab-b' "$out/ls.txt") of $testbeds bench testbeds listed" | tee "$out/summary.txt"

# The same answer by hand: every domain's state and tbctl mark, one virsh process per domain.
cat > "$out/by-hand.sh" <<'SH'
for d in $(virsh list --all --name); do
    virsh domstate "$d" >/dev/null
    virsh metadata "$d" https://tbctl.dev/xmlns/guest/1 >/dev/null 2>&1 || true
done
ovs-vsctl get Open_vSwitch . external_ids >/dev/null
SH
hyperfine --runs "$runs" --warmup 1 --export-markdown "$out/hyperfine.md" \
    "$TBCTL ls --json" "virsh list --all" "bash $out/by-hand.sh" | tee "$out/hyperfine.txt"
cat "$out/hyperfine.md"
