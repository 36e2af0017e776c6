#!/bin/sh
# Once, in the golden image: every clone has nginx (and curl, to ask it). apt needs the
# management network's NAT (it has it), the guest's default route (network-config gives it)
# and DNS (the management network's dnsmasq).
set -eu
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends nginx curl
systemctl enable nginx
