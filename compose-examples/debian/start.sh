#!/bin/sh
# In every clone: a page naming the clone (hostname and machine-id are the clone's own).
set -eu
echo "$GREETING from $(hostname) ($(cat /etc/machine-id))" > /var/www/html/index.html
