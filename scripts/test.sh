#!/bin/bash
# Quick start, second command (and what CI runs). `test-env.sh up` installs the Debian packages
# that are missing, starts libvirtd, virtlogd and Open vSwitch if they are not running, and
# builds the demo image if needed; then every test runs: unit tests and the end-to-end tests
# on real QEMU (TCG) guests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tests/scripts/install-deps-test.sh
bash scripts/test-env.sh up
# The e2e tests drive the real CLI: build it first so they find it.
swift build --product tbctl
if [ $# -gt 0 ]; then exec swift test "$@"; fi
# Unit tests first, then the end-to-end tests on their own: guests booting under TCG would
# otherwise compete with the unit tests for the two cores.
swift test --skip E2ETests
# One e2e run per machine at a time: the labs have fixed project names and the simulated hosts
# fixed addresses, so two checkouts testing at once would drive the same guests.
flock /tmp/tbctl-e2e.lock swift test --filter E2ETests
