#!/bin/sh
set -eu
echo "setup of $(hostname) as $ROLE" > /root/setup.log
sync
