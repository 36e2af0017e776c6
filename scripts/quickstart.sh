#!/bin/bash
# Quick start, first command: on a fresh Debian 12 machine (as root), install what tbctl needs,
# start libvirt and Open vSwitch, build the demo guest image from Debian packages, build tbctl,
# and bring up the quick-start lab (compose-examples/quickstart) on this host.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/test-env.sh up
swift build -c release --product tbctl
BIN=$(swift build -c release --show-bin-path)/tbctl
# Compile first: when the demo image was rebuilt since an earlier run, the lab follows it
# (a plain `up` stops instead, since its guests would be recreated from the new image).
"$BIN" generate-artefacts -f compose-examples/quickstart/testbed.yaml
"$BIN" up -f compose-examples/quickstart/testbed.yaml
"$BIN" status -f compose-examples/quickstart/testbed.yaml
echo
echo "The lab is up. Try:"
echo "  $BIN status -f compose-examples/quickstart/testbed.yaml"
echo "  $BIN down   -f compose-examples/quickstart/testbed.yaml"
