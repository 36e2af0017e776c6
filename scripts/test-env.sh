#!/bin/bash
# Make this machine ready for tbctl's tests, idempotently, as root, without systemd.
#   up       install missing Debian packages (scripts/install-deps.sh) and the tests' Python
#            tools (scripts/install-pytools.sh), start virtlogd and
#            libvirtd (when their sockets do not answer) and Open vSwitch (when ovs-vsctl
#            does not answer), wait until `virsh -c qemu:///system uri` and `ovs-vsctl show`
#            answer, then build the demo image (images/build-demo-image.sh; cheap when up to date)
#   status   what runs, what answers, the demo image
# Options for up: --no-install (skip install-deps.sh), --no-image (skip the demo image)
# The daemons it starts keep running (other work on the machine may use them); nothing is
# stopped here. The simulated multi-host setup is tests/harness/fakehosts.sh.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
URI=qemu:///system
say() { echo "test-env: $*"; }
die() { echo "test-env: ERROR: $*" >&2; exit 1; }

virsh_ok() { timeout 10 virsh -q -c $URI uri >/dev/null 2>&1; }
ovs_ok()   { timeout 5 ovs-vsctl --timeout=3 show >/dev/null 2>&1; }
sock_ok()  { python3 - "$1" <<'EOF' 2>/dev/null
import socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(2); s.connect(sys.argv[1])
EOF
}
pid_of() {   # pid_of PIDFILE: the pid when that process is alive
  local p; p=$(cat "$1" 2>/dev/null) || return 1
  [ -n "$p" ] && kill -0 "$p" 2>/dev/null && echo "$p"
}
wait_for() { # wait_for SECONDS WHAT CMD...
  local n=$(( $1 * 5 )) what=$2 i; shift 2
  for ((i = 0; i < n; i++)); do "$@" && return 0; sleep 0.2; done
  die "$what does not answer after $((n / 5)) s"
}

start_libvirt() {
  if ! sock_ok /run/libvirt/virtlogd-sock; then
    say "starting virtlogd"; virtlogd -d || die "virtlogd failed to start"
    wait_for 10 virtlogd sock_ok /run/libvirt/virtlogd-sock
  fi
  if ! virsh_ok; then
    if p=$(pid_of /run/libvirtd.pid); then
      say "libvirtd (pid $p) runs but does not answer yet: waiting"
    else
      say "starting libvirtd"; libvirtd -d || die "libvirtd failed to start"
    fi
    wait_for 30 "libvirtd ($URI)" virsh_ok
  fi
  say "libvirt: $(virsh -q -c $URI version --daemon 2>/dev/null | sed -n 's/^Running against daemon: //p' | head -n1) answers on $URI"
}

start_ovs() {
  if ! ovs_ok; then
    say "starting Open vSwitch (userspace datapath only: no openvswitch kernel module here)"
    /usr/share/openvswitch/scripts/ovs-ctl start --system-id=random >/tmp/test-env-ovs.log 2>&1 ||
      say "ovs-ctl start: $(grep -iv ulimit /tmp/test-env-ovs.log | tail -n 2 | tr '\n' ' ')"
    # ovs-ctl gives up on ovs-vswitchd when it cannot load the kernel module: start it directly
    if ! pid_of /run/openvswitch/ovs-vswitchd.pid >/dev/null; then
      if pid_of /run/openvswitch/ovsdb-server.pid >/dev/null; then
        say "starting ovs-vswitchd directly"
        ovs-vswitchd unix:/run/openvswitch/db.sock --pidfile=/run/openvswitch/ovs-vswitchd.pid \
          --detach --no-chdir --log-file=/var/log/openvswitch/ovs-vswitchd.log -vconsole:off ||
          die "ovs-vswitchd failed to start"
      fi
    fi
    wait_for 20 "ovsdb-server (ovs-vsctl show)" ovs_ok
  fi
  pid_of /run/openvswitch/ovs-vswitchd.pid >/dev/null || die "ovs-vswitchd is not running (log: /tmp/test-env-ovs.log)"
  say "Open vSwitch $(ovs-vsctl --timeout=3 get Open_vSwitch . ovs_version 2>/dev/null | tr -d '"') answers"
}

status() {
  local p rc=0
  for d in virtlogd:/run/virtlogd.pid libvirtd:/run/libvirtd.pid \
           ovsdb-server:/run/openvswitch/ovsdb-server.pid ovs-vswitchd:/run/openvswitch/ovs-vswitchd.pid; do
    if p=$(pid_of "${d#*:}"); then printf '  %-13s running, pid %s\n' "${d%%:*}" "$p"
    else printf '  %-13s not running\n' "${d%%:*}"; rc=1; fi
  done
  if virsh_ok; then
    echo "  libvirt       answers on $URI: $(virsh -q -c $URI list --all --name 2>/dev/null | grep -c .) domain(s), networks: $(virsh -q -c $URI net-list --name 2>/dev/null | tr '\n' ' ')"
  else echo "  libvirt       does NOT answer on $URI"; rc=1; fi
  if ovs_ok; then
    echo "  ovs-vsctl     answers: bridges: $(ovs-vsctl --timeout=3 list-br 2>/dev/null | tr '\n' ' ')"
  else echo "  ovs-vsctl     does NOT answer"; rc=1; fi
  [ -c /dev/kvm ] && echo "  /dev/kvm      present (nested KVM is broken on these machines: guests use TCG)"
  local img=$ROOT/images/out/tbctl-demo.qcow2
  if [ -f "$img" ]; then
    if "$ROOT/images/build-demo-image.sh" --check >/dev/null 2>&1; then s="up to date"; else s="OUT OF DATE (run: $0 up)"; fi
    echo "  demo image    $img ($(du -k "$img" | cut -f1) KiB, sha256 $(cat "$img.sha256" 2>/dev/null)): $s"
  else
    echo "  demo image    not built (run: $0 up)"
  fi
  if ip netns list 2>/dev/null | grep -q '^mh-'; then
    echo "  fake hosts    $(ip netns list | awk '/^mh-/{print $1}' | tr '\n' ' ')(tests/harness/fakehosts.sh)"
  fi
  return $rc
}

cmd=${1:-status}; shift || true
case $cmd in
up)
  [ "$(id -u)" = 0 ] || die "run as root"
  install=1 image=1
  for a in "$@"; do case $a in --no-install) install=0;; --no-image) image=0;; *) die "unknown option $a";; esac; done
  t0=$(date +%s)
  [ $install = 1 ] && { "$ROOT/scripts/install-deps.sh" || die "install-deps.sh failed"; }
  [ $install = 1 ] && { "$ROOT/scripts/install-pytools.sh" || die "install-pytools.sh failed"; }
  mkdir -p /run/libvirt /run/openvswitch /var/log/openvswitch
  start_libvirt
  start_ovs
  [ $image = 1 ] && { "$ROOT/images/build-demo-image.sh" || die "the demo image did not build"; }
  say "ready in $(( $(date +%s) - t0 )) s"
  ;;
status) status ;;
*) echo "usage: $0 up [--no-install] [--no-image] | status" >&2; exit 2 ;;
esac
