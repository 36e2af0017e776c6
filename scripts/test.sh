#!/bin/bash
# Quick start, second command, and what CI runs (.ci/run). Two tiers, in this order:
#
#   tier 1  installs the Debian packages tbctl builds with (scripts/install-deps.sh), builds
#           everything (warnings are errors in our targets: Package.swift) and runs the unit
#           tests that need no daemon, no QEMU and no root daemon running: a few minutes.
#   tier 2  starts libvirtd, virtlogd and Open vSwitch (scripts/test-env.sh up), builds the
#           demo image, then runs the tests against the real daemons (libvirt's qemu:///system,
#           OVS, a private sshd) and the end-to-end suites on QEMU (TCG) guests, under the
#           machine's e2e lock.
#
#   bash scripts/test.sh            both tiers
#   bash scripts/test.sh --tier 1   tier 1 only (what a machine without the daemons can run)
#   bash scripts/test.sh --tier 2   tier 2 only
#   bash scripts/test.sh ARGS...    sets up as for tier 2, then `swift test ARGS`
set -euo pipefail
cd "$(dirname "$0")/.."

# The suites of tier 2 (swift test --filter/--skip patterns): everything else is tier 1.
LIVE=(
  'E2ETests\.'                     # real guests: libvirtd, QEMU, OVS, sshd
  'LibvirtTests\.Qemu'             # qemu:///system (storage, TCG domains, snapshots)
  'LibvirtTests\.BenchTests'
  'OVSTests\.LiveOVSTests'         # a running ovs-vswitchd
  'SSHTests\.(ConnectTests|PasswordTests|ExecTests|SessionLimitTests|JumpTests|ForwardingRefusedTests|UploadTests|BenchmarkTests)'   # a private sshd
)

tier=all
case "${1:-}" in
  --tier) tier=$2; shift 2 ;;
esac

tier1() {
  echo "== tier 1: build (warnings are errors) and unit tests without daemons"
  bash tests/scripts/install-deps-test.sh
  bash scripts/install-deps.sh
  bash scripts/install-pytools.sh   # the server tests check answers against docs/openapi.yaml
  swift build --build-tests
  local skip=()
  for p in "${LIVE[@]}"; do skip+=(--skip "$p"); done
  swift test --skip-build "${skip[@]}"
}

tier2_env() {
  bash scripts/test-env.sh up   # installs what is missing (cheap when all is there), starts the daemons
  # The e2e tests drive the real CLI: build it first so they find it.
  swift build --product tbctl
  # E2E/DebianTests boots the Debian 12 image: built (or found up to date, ~0.5 s) here, outside
  # the e2e lock; the first build downloads Debian's packages (~2 min), later ones reuse them.
  bash images/build-debian-image.sh | tail -n 3
}

tier2() {
  echo "== tier 2: tests against libvirtd, OVS and sshd, then the end-to-end suites"
  tier2_env
  local filter=()
  for p in "${LIVE[@]}"; do [ "$p" = 'E2ETests\.' ] || filter+=(--filter "$p"); done
  swift test --skip-build "${filter[@]}"
  # One e2e run per machine at a time: the labs have fixed project names and the simulated
  # hosts fixed addresses, so two checkouts testing at once would drive the same guests.
  flock /tmp/tbctl-e2e.lock swift test --skip-build --filter 'E2ETests\.'
}

if [ $# -gt 0 ]; then
  tier2_env
  exec swift test "$@"
fi
case "$tier" in
  1) tier1 ;;
  2) tier2 ;;
  all) tier1; tier2 ;;
  *) echo "usage: bash scripts/test.sh [--tier 1|2] | [swift test ARGS...]" >&2; exit 2 ;;
esac
