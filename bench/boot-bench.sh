#!/bin/bash
# Boot to SSH under TCG: the Debian 12 image (images/build-debian-image.sh), the demo image and
# a bare busybox + dropbear image on the same kernel and kernel command line (built here from
# the demo image's parts with a 10-line rcS: DHCP on the management NIC, dropbear; no seed, no
# cloud-init: the floor any image with this kernel can reach), 1 guest and 3 guests at once.
# Then the golden image build (setup, seal, poweroff from inside) for the Debian and demo images.
#
# Measured per guest from the moment tbctl admits the first guest to boot (its "... boot"
# progress line; the start and resume follow within milliseconds, and 3 guests are admitted at
# once on 2 cores) to the first "SSH-" banner on port 22 of the guest's management address (the
# same probe for all three images; the demo and Debian guests write their host keys before
# sshd starts), and tbctl's own boot time per guest ("ok  boot X (Ns)": start, resume and the
# wait for an SSH login with the project key and the pinned host key).
# Each run is `up`, measure, `down --purge`, under the e2e lock (/tmp/tbctl-e2e.lock).
#
# Usage: bench/boot-bench.sh [RUNS]   (default 1 run per case; needs scripts/test-env.sh up)
# Projects bootbench*, subnets 10.238.0.0/16 (management) + 10.239.0.0/24.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${1:-1}
cd "$ROOT"
swift build --product tbctl >/dev/null
T=$ROOT/.build/debug/tbctl
W=$(mktemp -d /tmp/tbctl-bootbench-XXXX)
OUT=$ROOT/bench/out; mkdir -p "$OUT"
say() { echo "boot-bench: $*"; }
cleanup() { for f in "$W"/*/testbed.yaml; do [ -f "$f" ] && "$T" down --purge -f "$f" >/dev/null 2>&1; done; rm -rf "$W"; }
trap cleanup EXIT

# ---- images --------------------------------------------------------------------------
bash images/build-demo-image.sh | tail -n1
bash images/build-debian-image.sh | tail -n1
BG=$W/bare-guest; cp -r images/guest "$BG"
cat > "$BG/rcS" <<'RCS'
#!/bin/sh
# bare image (bench/boot-bench.sh): mounts, DHCP on eth0, dropbear. Nothing else.
PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev 2>/dev/null
mkdir -p /dev/pts; mount -t devpts devpts /dev/pts; mount -t tmpfs run /run; mount -t tmpfs tmp /tmp
mount -o remount,rw,noatime,noinit_itable /
ip link set lo up
udhcpc -i eth0 -n -q -t 20 -T 1 -s /usr/share/tbctl-cloud/udhcpc.script >/dev/null 2>&1
dropbear -R -s -p 22 -P /run/dropbear.pid
RCS
OUT=$OUT/bare NAME=tbctl-bare GUEST=$BG bash images/build-demo-image.sh | tail -n1
declare -A IMAGE=([debian]=$ROOT/images/out/tbctl-debian12.qcow2 [demo]=$ROOT/images/out/tbctl-demo.qcow2 [bare]=$OUT/bare/tbctl-bare.qcow2)
declare -A MEM=([debian]=768 [demo]=128 [bare]=128)

compose() {   # compose DIR IMAGE N [golden]
  local d=$1 kind=$2 n=$3 golden=${4:-}
  mkdir -p "$d"
  { echo "project: bootbench${kind}"
    echo "management: {subnet: 10.238.0.0/16}"
    echo "hosts: {main: {accel: tcg, datapath: netdev}}"
    echo "images: {img: ${IMAGE[$kind]}}"
    echo "networks: {lan: {subnet: 10.239.0.0/24}}"
    echo "guests:"
    echo "  g: {image: img, memory: ${MEM[$kind]}, replicas: $n, networks: [lan]${golden:+, golden: {setup: golden.sh\}}}"
  } > "$d/testbed.yaml"
  printf '#!/bin/sh\necho golden > /root/golden\n' > "$d/golden.sh"
}

banner() { timeout 1 bash -c "exec 3<>/dev/tcp/$1/22 && head -c 4 <&3" 2>/dev/null; }

# boot KIND N: up (in the background), SSH banner per guest after the resume, tbctl's wait times
boot() {
  local kind=$1 n=$2 d=$W/$1-$2 ips t0 ip i log
  compose "$d" "$kind" "$n"
  "$T" generate-artefacts -f "$d/testbed.yaml" >/dev/null
  ips=$("$T" ssh-config -f "$d/testbed.yaml" | awk '/^ *HostName /{print $2}' | tr '\n' ' ')
  log=$d/up.log
  "$T" up -f "$d/testbed.yaml" > "$log" 2>&1 &
  local pid=$!
  while ! grep -q '\.\.\. boot ' "$log" 2>/dev/null; do kill -0 $pid 2>/dev/null || break; sleep 0.02; done
  t0=$(date +%s.%N)
  declare -A seen=()
  while [ ${#seen[@]} -lt $n ]; do
    for ip in $ips; do
      [ -n "${seen[$ip]:-}" ] && continue
      [ "$(banner "$ip")" = "SSH-" ] && seen[$ip]=$(echo "$(date +%s.%N) - $t0" | bc)
    done
    [ "$(echo "$(date +%s.%N) - $t0 > 300" | bc)" = 1 ] && break   # 999: no banner within 300 s
    sleep 0.1
  done
  local times; times=$(for ip in $ips; do printf '%.1f ' "${seen[$ip]:-999}"; done)
  if [ "$kind" = bare ]; then kill -INT $pid 2>/dev/null; fi   # no seed, no login: tbctl would wait for it
  wait $pid 2>/dev/null || true
  local login; login=$(grep -o 'ok  boot [^ ]* on main ([0-9.]*s)' "$log" | grep -o '([0-9.]*s)$' | tr -d '()' | tr '\n' ' ')
  echo "$kind x$n: SSH banner after start: $times s; tbctl's boot (start to SSH login): ${login:-n/a}"
  "$T" down --purge -f "$d/testbed.yaml" >/dev/null 2>&1 || true
  rm -rf "$d"
}

# golden KIND: the golden stage's time (builder boot, setup, seal, poweroff) from tbctl's output
golden() {
  local kind=$1 d=$W/$1-golden
  compose "$d" "$kind" 1 golden
  "$T" up -v -f "$d/testbed.yaml" > "$d/up.log" 2>&1 || { say "golden $kind failed:"; tail -n 20 "$d/up.log"; }
  awk -v kind="$kind" '/==> golden images/ { split($0, a, "s\\]"); sub(/^\[ */, "", a[1]); t0 = a[1] + 0 }
       /==> disks/ { split($0, a, "s\\]"); sub(/^\[ */, "", a[1]); printf "%s golden image: %.1f s (builder boot + setup + seal + poweroff)\n", kind, a[1] - t0 }
       /powered off|power button|powering it off/ { print "    " $0 }' "$d/up.log"
  "$T" down --purge -f "$d/testbed.yaml" >/dev/null 2>&1 || true
  rm -rf "$d"
}

say "$(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$RUNS"); do
  # the quick cases first; each takes the lock on its own, so other labs interleave
  for c in "bare 1" "demo 1" "bare 3" "demo 3" "debian 1" "golden demo" "golden debian" "debian 3"; do
    set -- $c
    if [ "$1" = golden ]; then fn=golden; set -- "$2"; else fn=boot; fi
    flock /tmp/tbctl-e2e.lock bash -c "$(declare -f compose banner boot golden); $(declare -p IMAGE MEM T W ROOT); $fn $*"
  done
done
