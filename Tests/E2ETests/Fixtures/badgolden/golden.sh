#!/bin/sh
echo "golden setup gives up" >&2
exit 4
