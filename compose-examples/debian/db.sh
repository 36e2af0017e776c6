#!/bin/sh
# The plain guest: it answers on the lan network.
set -eu
echo "db $(hostname) up since $(uptime -s)" > /root/db-ready
