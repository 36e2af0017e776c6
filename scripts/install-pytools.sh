#!/bin/bash
# The Python tools tbctl's tests use, in their own virtual environment (/opt/tbctl-pytools,
# Debian's python3 -m venv): openapi-spec-validator, which checks docs/openapi.yaml and, through
# openapi-schema-validator, the server's answers against it (tests/harness/openapi-check.py).
# Versions are pinned; installed once from PyPI at install time, never at test time.
# Idempotent: does nothing when the pinned versions are there. Run as root.
# Usage: scripts/install-pytools.sh [--list]
set -euo pipefail
VENV=${TBCTL_PYTOOLS:-/opt/tbctl-pytools}
PKGS=(openapi-spec-validator==0.9.0 openapi-schema-validator==0.9.0)

if [ "${1:-}" = --list ]; then printf '%s\n' "${PKGS[@]}"; exit 0; fi
want=$(printf '%s\n' "${PKGS[@]}" | sort)
if [ -x "$VENV/bin/python" ] && [ "$(cat "$VENV/.tbctl-pins" 2>/dev/null)" = "$want" ]; then
  echo "install-pytools: ${#PKGS[@]} packages are installed in $VENV"
  exit 0
fi
t0=$(date +%s)
LOG=$(mktemp /tmp/install-pytools.XXXXXX.log)
if ! { /usr/bin/python3 -m venv "$VENV" && "$VENV/bin/pip" install -q --disable-pip-version-check "${PKGS[@]}"; } >>"$LOG" 2>&1; then
  echo "install-pytools: installing ${PKGS[*]} into $VENV failed (log: $LOG):" >&2; tail -n 20 "$LOG" >&2; exit 1
fi
echo "$want" > "$VENV/.tbctl-pins"
rm -f "$LOG"
echo "install-pytools: installed ${PKGS[*]} in $(( $(date +%s) - t0 )) s"
