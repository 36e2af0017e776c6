#!/bin/sh
# Runs once in every clone of `web`: a page naming the clone, served on port 80.
set -eu
echo "hello from $(hostname)" > /srv/www/index.html
busybox httpd -p 80 -h /srv/www
