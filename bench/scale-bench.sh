#!/bin/bash
# Time to all SSH-ready for many demo guests (96 MiB) on one 2-core TCG host, all at once
# against tbctl's admission (issue 15), and 60 guests over the master and two simulated
# hosts (tests/harness/fakehosts.sh). Every run must succeed; the script exits 1 otherwise.
#
#   bench/scale-bench.sh                      # sizes 10 30 50, both modes, then 60 over 3 hosts
#   SIZES="10" MODES="admission" MULTI=0 bench/scale-bench.sh
#   TBCTL=/path/to/tbctl bench/scale-bench.sh   # another binary (default: a release build)
#   PANIC=1 (default): also how soon a guest that panics at boot is reported after its
#   console shows the panic (the console log polled every 0.05 s beside tbctl); the demo
#   image's pvpanic driver makes libvirt tell tbctl by event, before the log has it all
#
# Modes: `all-at-once` sets `max_booting: 1000` (every guest starts at once, each still waited
# for by its progress); `admission` leaves tbctl's derived limit (two boots per core).
# Per run: wall time of `tbctl up` (process start to exit, all guests SSH-ready), the start
# stage's seconds (starts and boot waits), the 1-minute load average before and its peak
# during the run (sampled every 2 s), and tbctl's peak RSS. Runs hold /tmp/tbctl-e2e.lock.
# Projects sbench*, subnets 10.249.0.0/16 (management) and 10.250.0.0/24 (lan).
# Needs scripts/test-env.sh up and images/out/tbctl-demo.qcow2.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
SIZES=${SIZES:-10 30 50}
MODES=${MODES:-all-at-once admission}
MULTI=${MULTI:-1}
PANIC=${PANIC:-1}
if [ -z "${TBCTL:-}" ]; then
  swift build -c release --product tbctl >/dev/null
  TBCTL=$(swift build -c release --show-bin-path)/tbctl
fi
IMAGE=$ROOT/images/out/tbctl-demo.qcow2
[ -f "$IMAGE" ] || { echo "missing $IMAGE: run images/build-demo-image.sh" >&2; exit 2; }
W=$(mktemp -d /tmp/tbctl-scalebench-XXXX)
MH=/var/lib/tbctl-mh
failed=0
results=()
cleanup() {
  for f in "$W"/*/testbed.yaml; do [ -f "$f" ] && "$TBCTL" down --purge -f "$f" >/dev/null 2>&1 || true; done
  [ "${MH_UP:-0}" = 1 ] && bash tests/harness/fakehosts.sh down >/dev/null 2>&1 || true
  rm -rf "$W"
}
trap cleanup EXIT

# compose DIR PROJECT N MAXBOOTING [HOSTS-YAML]
compose() {
  mkdir -p "$1"
  local hosts=${5:-"  main: {accel: tcg, datapath: netdev${4:+, max_booting: $4}}"}
  cat > "$1/testbed.yaml" <<YAML
project: $2
management: {subnet: 10.249.0.0/16}
hosts:
$hosts
images:
  demo: $IMAGE
networks:
  lan: {subnet: 10.250.0.0/24}
guests:
  n:
    image: demo
    memory: 96
    replicas: $3
    networks: [lan]
YAML
}

# run NAME DIR: one `up` under the machine lock, measured; then `down --purge`.
run() {
  local name=$1 dir=$2 f=$2/testbed.yaml
  "$TBCTL" down --purge -f "$f" >/dev/null 2>&1 || true
  local lock=(flock /tmp/tbctl-e2e.lock)
  [ "${LOCKED:-0}" = 1 ] && lock=()
  "${lock[@]}" bash -c '
    load0=$(cut -d" " -f1 /proc/loadavg)
    ( peak=$load0; while :; do l=$(cut -d" " -f1 /proc/loadavg); peak=$(echo "if ($l > $peak) $l else $peak" | bc); echo "$peak" > "$1/peak"; sleep 2; done ) &
    sampler=$!
    t0=$(date +%s.%N)
    set +e
    /usr/bin/time -f "%M" -o "$1/rss" "$2" up --format json -f "$1/testbed.yaml" > "$1/up.json" 2> "$1/up.log"
    echo $? > "$1/status"
    echo "$(date +%s.%N) - $t0" | bc > "$1/wall"
    kill $sampler; wait $sampler 2>/dev/null
    echo "$load0" > "$1/load0"
  ' _ "$dir" "$TBCTL"
  local status wall start load0 peak rss
  status=$(cat "$dir/status"); wall=$(printf %.1f "$(cat "$dir/wall")")
  start=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("%.1f" % sum(s["seconds"] for s in d["stages"] if s["stage"]=="start"))' "$dir/up.json" 2>/dev/null || echo "?")
  load0=$(cat "$dir/load0"); peak=$(cat "$dir/peak" 2>/dev/null || echo "?"); rss=$(( $(tail -1 "$dir/rss") / 1024 ))
  local line
  line=$(printf "%-28s exit %s  up %6s s  start stage %6s s  load %5s -> peak %5s  tbctl RSS %s MB" \
    "$name" "$status" "$wall" "$start" "$load0" "$peak" "$rss")
  echo "$line"
  results+=("$line")
  if [ "$status" != 0 ]; then
    failed=1
    echo "    FAILED: last lines of its output:"; tail -20 "$dir/up.log" | sed 's/^/    /'
  fi
  grep -E "boot at once|starting it again" "$dir/up.log" | sed 's/^/    /' || true
  "$TBCTL" down --purge -f "$f" >/dev/null 2>&1 || { echo "    down --purge failed" >&2; failed=1; }
}

echo "== $(date -u +%FT%TZ) on $(nproc) CPUs; other people's builds share this machine (see each run's load before it)"
for n in $SIZES; do
  for mode in $MODES; do
    case $mode in
      all-at-once) compose "$W/a$n" "sbencha$n" "$n" 1000; run "$n guests, all at once" "$W/a$n" ;;
      admission) compose "$W/t$n" "sbencht$n" "$n" ""; run "$n guests, admission" "$W/t$n" ;;
    esac
  done
done

if [ "$PANIC" = 1 ]; then
  # Six guests at once, one panicking at every boot (as Tests/E2ETests/Fixtures/starve).
  d=$W/panic; mkdir -p "$d"
  cat > "$d/panic.yaml" <<'YAML'
bootcmd:
  - echo c > /proc/sysrq-trigger
YAML
  cat > "$d/testbed.yaml" <<YAML
project: sbenchp
management: {subnet: 10.249.0.0/16}
hosts:
  main: {accel: tcg, datapath: netdev, max_booting: 6}
images:
  demo: $IMAGE
networks:
  lan: {subnet: 10.250.0.0/24}
guests:
  n: {image: demo, memory: 96, replicas: 5, networks: [lan]}
  crasher: {image: demo, memory: 96, networks: [lan], user_data: panic.yaml}
YAML
  "$TBCTL" down --purge -f "$d/testbed.yaml" >/dev/null 2>&1 || true
  flock /tmp/tbctl-e2e.lock bash -c '
    log=/var/log/libvirt/qemu/sbenchp-crasher-serial.log
    # Each time the console log (kept across starts) shows one more panic than before.
    seen=$(grep -c "Kernel panic" "$log" 2>/dev/null || true); seen=${seen:-0}
    t0=$(date +%s.%N)
    "$2" up -f "$1/testbed.yaml" > "$1/up.log" 2>&1 &
    up=$!
    while kill -0 $up 2>/dev/null; do
      n=$(grep -c "Kernel panic" "$log" 2>/dev/null || true)
      if [ "${n:-0}" -gt $seen ]; then echo "$(date +%s.%N) - $t0" | bc >> "$1/panics"; seen=$n; fi
      sleep 0.05
    done
    wait $up; echo $? > "$1/status"
  ' _ "$d" "$TBCTL"
  mapfile -t shown < "$d/panics"
  reported1=$(sed -n 's/^\[ *\([0-9.]*\)s\] crasher on main: its kernel panicked.*/\1/p' "$d/up.log" | head -1)
  reported2=$(sed -n 's/^\[ *\([0-9.]*\)s\] ERR boot crasher.*/\1/p' "$d/up.log" | head -1)
  line=$(printf "%-28s exit %s (1 expected)  panic on console at %s s and %s s, reported at %s s and %s s" \
    "panic among 6 at once" "$(cat "$d/status")" "$(printf %.2f "${shown[0]:-0}")" "$(printf %.2f "${shown[1]:-0}")" "$reported1" "$reported2")
  echo "$line"; results+=("$line")
  grep -qE "^\[ *[0-9.]+s\] ERR boot crasher" "$d/up.log" && [ "$(cat "$d/status")" = 1 ] || { failed=1; tail -20 "$d/up.log"; }
  "$TBCTL" down --purge -f "$d/testbed.yaml" >/dev/null 2>&1 || failed=1
fi

if [ "$MULTI" = 1 ]; then
  # The simulated hosts are brought up and down under the machine lock too (the e2e
  # MultiHostTests use them): hold it for the whole part; `run` then does not take it again.
  exec 9>/tmp/tbctl-e2e.lock; flock 9; LOCKED=1
  MH_UP=1
  MH_HOSTS="h1 h2" bash tests/harness/fakehosts.sh up > "$W/fakehosts.log" 2>&1 < /dev/null
  # Equal declared capacity, so the planner spreads the 60 clones 20/20/20. The simulated
  # hosts share this machine's cores: each derives its limit from the same 2 CPUs.
  hosts="  main: {accel: tcg, datapath: netdev, tunnel_ip: 10.77.0.1, cpus: 8, memory: 16GiB}
  h1: {ssh: root@10.77.0.11, identity: $MH/client/id_ed25519, accel: tcg, datapath: netdev, cpus: 8, memory: 16GiB}
  h2: {ssh: root@10.77.0.12, identity: $MH/client/id_ed25519, accel: tcg, datapath: netdev, cpus: 8, memory: 16GiB}"
  compose "$W/mh" sbenchmh 60 "" "$hosts"
  run "60 guests over 3 hosts" "$W/mh"
  "$TBCTL" down --purge -f "$W/mh/testbed.yaml" >/dev/null 2>&1 || true
  bash tests/harness/fakehosts.sh down >/dev/null 2>&1 || true
  MH_UP=0
  flock -u 9
fi

echo "== summary"
printf '%s\n' "${results[@]}"
exit $failed
