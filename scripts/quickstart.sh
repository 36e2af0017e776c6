#!/bin/bash
# Quick start, first command: on a fresh Debian 12 machine (as root), install what tbctl needs,
# start libvirt and Open vSwitch, build the demo guest image from Debian packages, build tbctl,
# and bring up the quick-start lab (compose-examples/quickstart) on this host.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/test-env.sh up
swift build -c release --product tbctl
# On the PATH, so the next steps are plain `tbctl ...` (a copy: a later `swift build` in this
# checkout does not change the installed one under a running testbed's feet).
install -m 0755 "$(swift build -c release --show-bin-path)/tbctl" /usr/local/bin/tbctl
BIN=/usr/local/bin/tbctl
# Compile first: when the demo image was rebuilt since an earlier run, the lab follows it
# (a plain `up` stops instead, since its guests would be recreated from the new image).
"$BIN" generate-artefacts -f compose-examples/quickstart/testbed.yaml
"$BIN" up -f compose-examples/quickstart/testbed.yaml
"$BIN" status -f compose-examples/quickstart/testbed.yaml
echo
echo "The lab is up. Try:"
echo "  tbctl status -f compose-examples/quickstart/testbed.yaml"
echo "  tbctl exec --all -f compose-examples/quickstart/testbed.yaml -- uname -r"
echo "  tbctl ssh client -f compose-examples/quickstart/testbed.yaml"
echo "  tbctl down   -f compose-examples/quickstart/testbed.yaml"
