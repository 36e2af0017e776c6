#!/bin/bash
# Quick start, second command (and what CI runs): install what is missing, start libvirtd,
# virtlogd and Open vSwitch if they are not running, build the demo image if needed, then run
# every test: unit tests and the end-to-end tests on real QEMU (TCG) guests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/test-env.sh up
# The e2e tests drive the real CLI: build it first so they find it.
swift build --product tbctl
swift test "$@"
