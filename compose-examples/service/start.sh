#!/bin/sh
# Runs in each clone: its own page, served on port 8080.
set -eu
echo "${GREETING:-hello} from $(hostname)" > /srv/api/index.html
busybox httpd -p 8080 -h /srv/api
