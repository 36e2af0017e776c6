#!/bin/sh
set -eu
echo "setup of $(hostname) as $ROLE" >> /var/log/tbctl-setup.log
