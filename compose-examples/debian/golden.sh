#!/bin/sh
# Once, in the golden image: every clone has nginx. apt needs the management network's NAT
# (it has it) and the guest's default route (network-config gives it).
set -eu
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends nginx
systemctl enable nginx
