#!/bin/sh
# Prepared once in the golden image: every clone inherits /srv/api.
set -eu
mkdir -p /srv/api
echo "api service" > /srv/api/index.html
