#!/usr/bin/env bash
# The same work on N guests (default 10 clones of the demo image) done three ways, in one
# run, each repeated R times (median, min-max): tbctl, OpenSSH in a shell loop (ControlMaster,
# every guest at once, warm masters) and Ansible (ansible-core, `-m raw`, forks N, its own
# ControlPersist). See docs/performance.md (## Experiments) for results.
#
#   bench/experiment-bench.sh [--guests N] [--rounds R] [--keep]
#
# 1. one command on every guest: `tbctl exec --all -- true` (a fresh SSH session per guest,
#    as exec always does), `ssh GUEST true` for each guest at once, `ansible all -m raw -a true`;
# 2. a scenario of 3 stages of one job (`true`) on every guest: `tbctl run` (one SSH session
#    per guest for the whole run), 3 rounds of the ssh loop, an Ansible playbook of 3 raw tasks;
#    and the same with 1 stage: (T3 - T1) / 2 is what one more stage of N jobs costs, the
#    per-job overhead with the setup (sessions, Python start-up, inventory) taken out.
#
# Needs root, libvirtd and OVS running (scripts/test-env.sh up), the demo image
# (images/build-demo-image.sh), ansible-core, and a tbctl binary: TBCTL (default: build
# .build/debug/tbctl). Run it under the machine's e2e lock (`flock /tmp/tbctl-e2e.lock ...`).
# Brings up project `scenariobench` (management 10.234.0.0/16, network 10.235.0.0/24), then
# `down --purge` (--keep leaves it up). Raw output goes to bench/out/experiment-<time>/.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
guests=10
rounds=5
keep=0
while [ $# -gt 0 ]; do
    case "$1" in
        --guests) guests=$2; shift 2 ;;
        --rounds) rounds=$2; shift 2 ;;
        --keep) keep=1; shift ;;
        *) echo "usage: bench/experiment-bench.sh [--guests N] [--rounds R] [--keep]" >&2; exit 2 ;;
    esac
done

image=$root/images/out/tbctl-demo.qcow2
[ -f "$image" ] || { echo "missing $image: run images/build-demo-image.sh" >&2; exit 1; }
command -v ansible-playbook > /dev/null || { echo "ansible-core is missing (scripts/install-deps.sh)" >&2; exit 1; }
if [ -z "${TBCTL:-}" ]; then
    (cd "$root" && swift build --product tbctl 2>&1 | tail -n 1)
    TBCTL=$root/.build/debug/tbctl
fi

out=$root/bench/out/experiment-$(date +%Y%m%d-%H%M%S)
mkdir -p "$out"
cat > "$out/testbed.yaml" <<YAML
# bench/experiment-bench.sh: $guests linked clones of the demo image.
project: scenariobench
management: {subnet: 10.234.0.0/16}
hosts:
  main: {accel: tcg, datapath: netdev}
images:
  demo: $image
networks:
  lan: {subnet: 10.235.0.0/24}
guests:
  node:
    image: demo
    memory: 96
    replicas: $guests
    networks: [lan]
YAML
names=$(seq 0 $((guests - 1)) | sed 's/^/node-/' | tr '\n' ' ')

tb() { "$TBCTL" "$@" -f "$out/testbed.yaml"; }
tbexec() { "$TBCTL" exec -f "$out/testbed.yaml" "$@"; }   # -f before the `--`
cleanup() {
    [ -d "$out/cm" ] && for g in $names; do ssh -F "$out/.testbed/ssh_config" -o ControlPath="$out/cm/%h" -O exit "$g" 2> /dev/null || true; done
    if [ "$keep" = 0 ]; then tb down --purge > "$out/down.log" 2>&1 || cat "$out/down.log"; fi
}
trap cleanup EXIT

echo "== $guests guests: up (output in $out)"
tb down --purge > /dev/null 2>&1 || true
# Ten TCG boots at once on two cores: a starved guest may not come up (a kernel stuck early
# in boot); then the testbed is made again once.
tb up > "$out/up.log" 2>&1 || { tb down >> "$out/up.log" 2>&1; tb up >> "$out/up.log" 2>&1; } || { tail -20 "$out/up.log"; exit 1; }
sleep 20   # let the TCG boots finish before measuring
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
config=$out/.testbed/ssh_config

# Scenarios: S stages of one `true` on every guest.
for s in 1 3; do
    { echo "stages:"; for i in $(seq 1 "$s"); do printf "  - name: s%d\n    all: true\n    jobs: [{run: 'true'}]\n" "$i"; done; } > "$out/stages-$s.yaml"
done
# Ansible: an inventory of the guests through tbctl's ssh_config, and the same plays.
{ echo "[nodes]"; for g in $names; do echo "$g"; done
  echo "[nodes:vars]"; echo "ansible_ssh_common_args='-F $config'"; } > "$out/inventory"
for s in 1 3; do
    { echo "- hosts: nodes"; echo "  gather_facts: false"; echo "  tasks:"
      for i in $(seq 1 "$s"); do echo "    - raw: 'true'"; done; } > "$out/play-$s.yaml"
done
printf '[defaults]\nhost_key_checking = True\n' > "$out/ansible.cfg"
export ANSIBLE_CONFIG=$out/ansible.cfg ANSIBLE_HOME=$out/ansible ANSIBLE_LOCAL_TEMP=$out/ansible/tmp
export ANSIBLE_SSH_CONTROL_PATH_DIR=$out/ansible/cp ANSIBLE_NOCOLOR=1
mkdir -p "$out/cm"
ssh_loop() {   # ssh_loop S: S rounds of `true` on every guest at once, over warm ControlMasters
    for _ in $(seq 1 "$1"); do
        for g in $names; do
            ssh -F "$config" -o ControlMaster=auto -o ControlPath="$out/cm/%h" -o ControlPersist=600 -o BatchMode=yes "$g" true &
        done
        wait
    done
}

# secs LOG COMMAND...: runs COMMAND (must succeed), prints its wall time in seconds.
secs() {
    local log=$1 s; shift
    s=$(date +%s.%N)
    "$@" > "$log" 2>&1 || { echo "failed: $*" >&2; tail -20 "$log" >&2; exit 1; }
    echo "$(date +%s.%N) - $s" | bc
}
# Warm up: OpenSSH masters and Ansible's ControlPersist connections exist before timing
# (tbctl's sessions cannot be kept between commands: its numbers include connecting).
ssh_loop 1 > /dev/null
ansible nodes -i "$out/inventory" -m raw -a true -f "$guests" > /dev/null

declare -A t
for r in $(seq 1 "$rounds"); do
    t[exec]+=" $(secs "$out/exec-$r.log" tbexec --all -- true)"
    t[ssh1]+=" $(secs "$out/ssh1-$r.log" ssh_loop 1)"
    t[ans1]+=" $(secs "$out/ans1-$r.log" ansible nodes -i "$out/inventory" -m raw -a true -f "$guests")"
    t[run1]+=" $(secs "$out/run1-$r.log" tb run "$out/stages-1.yaml")"
    t[run3]+=" $(secs "$out/run3-$r.log" tb run "$out/stages-3.yaml")"
    t[ssh3]+=" $(secs "$out/ssh3-$r.log" ssh_loop 3)"
    t[play1]+=" $(secs "$out/play1-$r.log" ansible-playbook -i "$out/inventory" -f "$guests" "$out/play-1.yaml")"
    t[play3]+=" $(secs "$out/play3-$r.log" ansible-playbook -i "$out/inventory" -f "$guests" "$out/play-3.yaml")"
done

med() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {printf "%.2f", a[int((NR+1)/2)]}'; }
range() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {printf "%.2f-%.2f", a[1], a[NR]}'; }
show() { printf "  %-44s %6s s  (%s)\n" "$1" "$(echo "${t[$2]}" | med)" "$(echo "${t[$2]}" | range)"; }
stage() { echo "($(echo "${t[$2]}" | med) - $(echo "${t[$1]}" | med)) / 2" | bc -l | xargs printf "%.3f"; }

echo
echo "$guests guests, $rounds rounds, median (min-max); load average now $(cut -d' ' -f1-3 /proc/loadavg)"
echo "one command on every guest:"
show "tbctl exec --all -- true (new sessions)" exec
show "OpenSSH loop, ControlMaster (warm)" ssh1
show "ansible -m raw -f $guests (ControlPersist warm)" ans1
echo "scenario, 1 stage and 3 stages of one job on every guest:"
show "tbctl run, 1 stage" run1
show "tbctl run, 3 stages" run3
show "OpenSSH loop, 3 rounds (warm)" ssh3
show "ansible-playbook, 1 raw task" play1
show "ansible-playbook, 3 raw tasks" play3
echo "one more stage of $guests jobs, (T3 - T1) / 2:"
printf "  %-44s %6s s\n" "tbctl run" "$(stage run1 run3)"
printf "  %-44s %6s s\n" "OpenSSH loop (ControlMaster)" "$(stage ssh1 ssh3)"
printf "  %-44s %6s s\n" "ansible-playbook" "$(stage play1 play3)"
# tbctl's own account of its jobs: the median job's duration in the record.
id=$(tb runs --json | python3 -c 'import json,sys; r=[x for x in json.load(sys.stdin) if x["scenarioFile"].endswith("stages-3.yaml")]; print(r[0]["id"])')
tb runs show "$id" --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
j = sorted(x["endedAt"] - x["startedAt"] for x in d["jobs"])
s = [x["endedAt"] - x["startedAt"] for x in d["stages"]]
print("  last tbctl run: job durations min/median/max %.3f/%.3f/%.3f s; stages %s s" % (j[0], j[len(j)//2], j[-1], " ".join("%.2f" % x for x in s)))'
echo "BENCH $(for k in "${!t[@]}"; do printf '"%s": "%s", ' "$k" "$(echo "${t[$k]}" | med)"; done | sed 's/, $//; s/^/{/; s/$/}/')"
