#!/bin/sh
# Runs once in `client` after its first boot.
set -eu
echo "client $(hostname): ready" > /etc/motd
