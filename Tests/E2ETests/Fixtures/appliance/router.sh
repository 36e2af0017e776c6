#!/bin/sh
# Setup of an appliance, run over SSH with the compose file's login.
echo "setup of $(hostname) as $(id -un)" > /root/setup.log
