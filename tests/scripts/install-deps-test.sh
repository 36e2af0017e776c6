#!/bin/bash
# Runs scripts/install-deps.sh against fake apt-get and dpkg-query (on PATH), in the cases a
# fresh machine can be in, and checks its exit status and that it leaves policy-rc.d as it
# found it. Reproduces the first-run failure of a machine that already had
# /usr/sbin/policy-rc.d (the EXIT trap's last test became the script's status).
# Needs no network and changes nothing outside a temporary folder. Run as root.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d /tmp/install-deps-test.XXXXXX)
trap 'rm -rf "$T"' EXIT
fails=0
check() { # check NAME EXPECTED_STATUS ACTUAL_STATUS [detail]
  if [ "$2" = "$3" ]; then echo "ok   $1"; else echo "FAIL $1: exit $3, expected $2 ${4:-}"; fails=$((fails + 1)); fi
}

mkdir -p "$T/bin"
# dpkg-query: a package is installed once the fake apt-get has "installed" it (or INSTALLED=all)
cat > "$T/bin/dpkg-query" <<'Q'
#!/bin/bash
p=${!#}
if [ "${INSTALLED:-}" = all ] || grep -qx "$p" "$STATE/installed" 2>/dev/null; then printf 'install ok installed'; else exit 1; fi
Q
# apt-get: records what it installs; APT_FAIL=install makes the install fail
cat > "$T/bin/apt-get" <<'A'
#!/bin/bash
echo "apt-get $*" >> "$STATE/calls"
case " $* " in
  *" update "*) exit 0 ;;
  *" install "*)
    [ "${APT_FAIL:-}" = install ] && { echo "E: simulated failure"; exit 100; }
    [ -e "$POLICY_RC_D" ] || { echo "E: policy-rc.d missing during install"; exit 100; }
    for a in "$@"; do case $a in -*|install|Dpkg::*) ;; *) echo "$a" >> "$STATE/installed" ;; esac; done ;;
esac
A
chmod +x "$T/bin/"*

run() { # run CASE-DIR [env...]: runs install-deps.sh with the fakes; prints its status
  local d=$1; shift
  mkdir -p "$d"
  env PATH="$T/bin:$PATH" STATE="$d" POLICY_RC_D="$d/policy-rc.d" "$@" bash "$ROOT/scripts/install-deps.sh" >"$d/out" 2>&1
  echo $?
}

# 1. policy-rc.d already there (fresh Debian images, this machine): installs, exits 0, keeps it
d=$T/present; mkdir -p "$d"; printf '#!/bin/sh\nexit 101\n' > "$d/policy-rc.d"
s=$(run "$d"); check "packages missing, policy-rc.d present: exit 0" 0 "$s" "($(tail -n2 "$d/out" | tr '\n' ' '))"
[ -e "$d/policy-rc.d" ]; check "the machine's policy-rc.d is kept" 0 $?

# 2. no policy-rc.d: one is made for the install and removed after
d=$T/absent
s=$(run "$d"); check "packages missing, no policy-rc.d: exit 0" 0 "$s" "($(tail -n2 "$d/out" | tr '\n' ' '))"
[ ! -e "$d/policy-rc.d" ]; check "the policy-rc.d it made is removed" 0 $?

# 3. everything installed: nothing to do, no apt-get call
d=$T/all
s=$(run "$d" INSTALLED=all); check "all installed: exit 0" 0 "$s"
[ ! -e "$d/calls" ]; check "all installed: apt-get not called" 0 $?

# 4. a failing install is a failure, and still cleans up
d=$T/fail
s=$(run "$d" APT_FAIL=install); check "apt-get install fails: exit 1" 1 "$s"
[ ! -e "$d/policy-rc.d" ]; check "after a failure the policy-rc.d it made is removed" 0 $?

# 5. a second run after a successful one does nothing
d=$T/again; mkdir -p "$d"; touch "$d/policy-rc.d"
run "$d" >/dev/null; rm -f "$d/calls"
s=$(run "$d"); check "second run: exit 0" 0 "$s"
[ ! -e "$d/calls" ]; check "second run: apt-get not called" 0 $?

[ $fails = 0 ] && echo "install-deps-test: all passed" || { echo "install-deps-test: $fails failed"; exit 1; }
