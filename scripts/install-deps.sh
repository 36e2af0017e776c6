#!/bin/bash
# Install every Debian package tbctl needs to build, to run its tests (libvirt/QEMU, Open
# vSwitch, simulated hosts) and to build the demo guest image. Idempotent: when all are
# installed it does nothing (no apt-get update). Non-interactive; exits non-zero on failure.
# Services are not started by the installation (see scripts/test-env.sh up).
# Usage: scripts/install-deps.sh [--list]     (root)
set -euo pipefail

PKGS=(
  # build: system libraries of the Swift targets
  libvirt-dev libyaml-dev libssh2-1-dev libssl-dev libsqlite3-dev pkg-config
  # hypervisor and tools
  qemu-system-x86 qemu-utils libvirt-daemon-system libvirt-clients dnsmasq-base iptables
  # networks
  openvswitch-switch iproute2
  # cloud-init seeds, and tests that check them (xorriso/isoinfo) and domain XML (xmllint)
  xorriso genisoimage libxml2-utils
  # SSH (clients for tests, sshd for simulated hosts)
  openssh-server openssh-client
  # demo image (images/build-demo-image.sh)
  linux-image-amd64 busybox-static syslinux syslinux-common mtools dosfstools e2fsprogs cpio
  fdisk kmod bc gzip
  # test harness (tests/harness/fakehosts.sh: nsenter/unshare/flock, txcsum-off.py)
  util-linux python3 procps
  # real-distribution image (images/build-debian-image.sh)
  debootstrap
  # tests with the tools users use: packet captures, a terminal for `console`, Prometheus,
  # a headless browser for the dashboard; benches against OpenSSH loops and Ansible
  tcpdump tmux prometheus chromium ansible-core hyperfine
  # the tests' Python tools live in a venv of Debian's python3 (scripts/install-pytools.sh);
  # curl drives the HTTP API in tests
  python3-venv python3-pip curl
)

if [ "${1:-}" = --list ]; then printf '%s\n' "${PKGS[@]}"; exit 0; fi
[ "$(id -u)" = 0 ] || { echo "install-deps: run as root" >&2; exit 1; }

missing=()
for p in "${PKGS[@]}"; do
  s=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$s" = "install ok installed" ] || missing+=("$p")
done
if [ ${#missing[@]} = 0 ]; then
  echo "install-deps: all ${#PKGS[@]} packages are installed"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"

export DEBIAN_FRONTEND=noninteractive
LOG=$(mktemp /tmp/install-deps.XXXXXX.log)
# keep package scripts from starting daemons (no systemd here; test-env.sh starts them)
# (POLICY_RC_D is only for tests/scripts/install-deps-test.sh.)
POLICY=${POLICY_RC_D:-/usr/sbin/policy-rc.d}
made_policy=0
if [ ! -e "$POLICY" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$POLICY"; chmod 755 "$POLICY"; made_policy=1
fi
# The trap keeps the script's own exit status: a test that is false as its last command
# (policy-rc.d was already there) must not become the status under `set -e`.
cleanup() { local rc=$?; if [ $made_policy = 1 ]; then rm -f "$POLICY"; fi; exit $rc; }
trap cleanup EXIT

t0=$(date +%s)
if ! apt-get update -qq >>"$LOG" 2>&1; then
  echo "install-deps: apt-get update failed:" >&2; tail -n 20 "$LOG" >&2; exit 1
fi
if ! apt-get install -y -qq -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
     "${missing[@]}" >>"$LOG" 2>&1; then
  echo "install-deps: apt-get install failed (log: $LOG):" >&2; tail -n 30 "$LOG" >&2; exit 1
fi
still=()
for p in "${missing[@]}"; do
  [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" = "install ok installed" ] || still+=("$p")
done
if [ ${#still[@]} -gt 0 ]; then echo "install-deps: still missing: ${still[*]} (log: $LOG)" >&2; exit 1; fi
rm -f "$LOG"
echo "install-deps: installed ${#missing[@]} package(s) in $(( $(date +%s) - t0 )) s"
