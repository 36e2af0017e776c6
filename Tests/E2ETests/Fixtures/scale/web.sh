#!/bin/sh
set -eu
hostname > /root/setup-ran
