#!/bin/sh
# A stand-in database: answers on TCP 5432 with its name.
set -eu
mkdir -p /srv/db
echo "db on $(hostname)" > /srv/db/index.html
busybox httpd -p 5432 -h /srv/db
