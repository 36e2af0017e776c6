#!/bin/sh
# Runs once in the golden image of service `web`; every clone starts from its result.
set -eu
mkdir -p /srv/www
echo "served by the web service" > /srv/www/index.html
