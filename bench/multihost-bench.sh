#!/bin/bash
# Multi-host timings on simulated hosts (tests/harness/fakehosts.sh):
#   1. importing a 1 GiB sparse image (64 MiB of data) into a remote host's pool through the
#      libvirt storage API (tbctl's "import image" action), against `scp` of the same file;
#   2. a 3-host `up` (master + h1 + h2: 2 singles and 3 clones of a golden image) from the start
#      until every domain runs, i.e. without the boot wait.
# Usage: bench/multihost-bench.sh     (needs scripts/test-env.sh up; starts and stops h1, h2)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
swift build -c release --product tbctl >/dev/null
T=$(swift build -c release --show-bin-path)/tbctl
W=$(mktemp -d /tmp/tbctl-mhbench-XXXX)
MH=/var/lib/tbctl-mh
cleanup() {
  "$T" down --purge -f "$W/upload/testbed.yaml" >/dev/null 2>&1 || true
  "$T" down --purge -f "$W/lab/testbed.yaml" >/dev/null 2>&1 || true
  bash tests/harness/fakehosts.sh down >/dev/null 2>&1 || true
  rm -rf "$W"
}
trap cleanup EXIT
MH_HOSTS="h1 h2" bash tests/harness/fakehosts.sh up > "$W/fakehosts.log" 2>&1 < /dev/null

# Waits for a line in a running tbctl's log, then stops it (Ctrl-C: a clean stop).
stop_at() { # stop_at LOG PID PATTERN
  while ! grep -q "$3" "$1" 2>/dev/null; do kill -0 "$2" 2>/dev/null || return 0; sleep 0.05; done
  kill -INT "$2" 2>/dev/null; wait "$2" 2>/dev/null || true
}

echo "== 1 GiB sparse image (64 MiB of data) to a remote host"
mkdir -p "$W/upload"
truncate -s 1G "$W/upload/big.raw"
for i in 0 4 8 12 16 20 24 28; do
  dd if=/dev/urandom of="$W/upload/big.raw" bs=1M count=8 seek=$((i * 32)) conv=notrunc status=none
done
cat > "$W/upload/testbed.yaml" <<YAML
project: mhbenchup
management: {subnet: 10.181.0.0/16}
hosts:
  main: {accel: tcg, datapath: netdev, tunnel_ip: 10.77.0.1}
  h1: {ssh: root@10.77.0.11, identity: $MH/client/id_ed25519, accel: tcg, datapath: netdev}
images:
  big: {source: big.raw, format: raw}
guests:
  g: {image: big, memory: 96, host: h1}
YAML
"$T" up -f "$W/upload/testbed.yaml" > "$W/upload.log" 2>&1 &
stop_at "$W/upload.log" $! "import image big to h1 ("
up_s=$(sed -n 's/.*ok  import image big to h1 (\([0-9.]*\)s).*/\1/p' "$W/upload.log")
t0=$(date +%s.%N)
scp -q -F "$MH/client/ssh_config" "$W/upload/big.raw" root@10.77.0.11:/var/lib/libvirt/images/big.raw
scp_s=$(echo "$(date +%s.%N) - $t0" | bc)
bash tests/harness/fakehosts.sh exec h1 rm -f /var/lib/libvirt/images/big.raw
echo "    tbctl import (libvirt sparse stream over SSH): ${up_s} s"
echo "    scp of the same file:                          $(printf %.2f "$scp_s") s"
echo "    ratio scp / tbctl:                             $(echo "scale=1; $scp_s / $up_s" | bc)x"

echo "== 3-host up until every guest has booted (the start stage ends when each answers)"
mkdir -p "$W/lab"
cp Tests/E2ETests/Fixtures/multihost/* "$W/lab/"
sed -i "s#IMAGE#$ROOT/images/out/tbctl-demo.qcow2#; s#KEY#$MH/client/id_ed25519#; s/project: e2emh/project: mhbench/; s#10.151.0.0/16#10.185.0.0/16#" "$W/lab/testbed.yaml"
t0=$(date +%s.%N)
"$T" up -f "$W/lab/testbed.yaml" > "$W/lab.log" 2>&1 &
stop_at "$W/lab.log" $! "==> setup"
echo "    wall, process start to every guest booted: $(printf %.2f "$(echo "$(date +%s.%N) - $t0" | bc)") s"
grep -E "==> |ok  (build|copy|import)" "$W/lab.log" | sed 's/^/    /'
