#!/bin/sh
# The gateway between `front` and `back`.
set -eu
echo 1 > /proc/sys/net/ipv4/ip_forward
