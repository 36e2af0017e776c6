#!/bin/sh
set -eu
echo "golden $(hostname) $ROLE" > /etc/golden-marker
