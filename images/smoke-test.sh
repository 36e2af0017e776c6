#!/bin/bash
# Smoke test of the tbctl demo image under libvirt (qemu:///system, TCG), the way tbctl uses it:
# a linked clone (qcow2 overlay), a NoCloud seed ISO in tbctl's formats, a temporary libvirt
# NAT network (192.168.2xx.0/24) with a fixed DHCP host entry and the same address static in
# network-config, a second NIC with MTU 1450.
# Checks: SSH login with a temp key (OpenSSH client), host key == the seed's ed25519 key
# (StrictHostKeyChecking against a known_hosts written from ed25519_public, and ssh-keyscan),
# hostname, write_files, runcmd (string and list form), MTU, addresses, default route, the
# non-root user with sudo, file copy by `cat > file`; clean ACPI shutdown; a second boot
# (per-instance steps must not run again). Prints the timings. Cleans up everything it made.
#
# Usage: images/smoke-test.sh [--keep-going]     (root; builds the image first if needed)
# Env:   MEM (MiB, default 128)  DISK_MB (clone size, default 1024: the root fs must grow)  NO_SECOND_BOOT=1  RNG=0 (no virtio-rng device)
#        SMOKE_KEEP_LOG=FILE (keep the serial console and the guest's tbctl-cloud.log)
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
IMG=$HERE/out/tbctl-demo.qcow2
MEM=${MEM:-128}
URI=qemu:///system
V() { virsh -q -c $URI "$@"; }
now() { date +%s.%N; }
dt() { echo "$(now) - $1" | bc | xargs printf '%.1f'; }
say() { echo "smoke: $*"; }
FAILS=0
ok() { say "ok   $*"; }
bad() { say "FAIL $*"; FAILS=$((FAILS + 1)); }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }

[ "$(id -u)" = 0 ] || { echo "smoke: run as root" >&2; exit 2; }
for t in virsh xorriso ssh ssh-keygen ssh-keyscan qemu-img bc; do
  command -v $t >/dev/null || { echo "smoke: missing $t (scripts/install-deps.sh)" >&2; exit 2; }
done
V uri >/dev/null 2>&1 || { echo "smoke: libvirt does not answer on $URI (scripts/test-env.sh up)" >&2; exit 2; }
"$HERE/build-demo-image.sh" || exit 2

ID=$(printf '%04x' $(( $$ & 0xffff )))
DOM=tbctl-smoke-$ID
NET=tbctl-smoke-$ID
BR=tbsmk$ID
# a free 192.168.2xx.0/24 for the management network, another one for the second NIC
used=$(ip -4 route show | awk '{print $1}'; V net-dumpxml default 2>/dev/null | sed -n "s/.*ip address='\([0-9.]*\)'.*/\1/p")
SUB=""; SUB2=""
for n in $(seq 231 254); do
  echo "$used" | grep -q "^192\.168\.$n\." && continue
  if [ -z "$SUB" ]; then SUB=192.168.$n; elif [ -z "$SUB2" ]; then SUB2=192.168.$n; break; fi
done
[ -n "$SUB2" ] || { echo "smoke: no free 192.168.2xx.0/24" >&2; exit 2; }
IP=$SUB.10; GW=$SUB.1; IP2=$SUB2.2
MAC1=52:54:00:7e:$(printf '%02x:%02x' $((0x$ID >> 8)) $((0x$ID & 255)))
MAC2=52:54:00:7f:$(printf '%02x:%02x' $((0x$ID >> 8)) $((0x$ID & 255)))
D=$(mktemp -d /var/lib/libvirt/images/tbctl-smoke.XXXXXX); chmod 755 "$D"

cleanup() {
  [ -n "${SMOKE_KEEP_LOG:-}" ] && cat "$D/serial.log" "$D/guest.log" > "$SMOKE_KEEP_LOG" 2>/dev/null
  V destroy "$DOM" >/dev/null 2>&1
  V net-destroy "$NET" >/dev/null 2>&1
  rm -rf "$D"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- keys, seed --------------------------------------------------------------------
ssh-keygen -q -t ed25519 -N '' -C tbctl-lab -f "$D/id_ed25519"
ssh-keygen -q -t ed25519 -N '' -C web-0 -f "$D/hostkey"
mkdir "$D/seed"
cat > "$D/seed/meta-data" <<EOF
instance-id: web-0-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')
local-hostname: web-0
EOF
cat > "$D/seed/user-data" <<EOF
#cloud-config
hostname: web-0
disable_root: false
ssh_pwauth: false
ssh_authorized_keys:
  - $(cat "$D/id_ed25519.pub")
ssh_deletekeys: true
ssh_genkeytypes: []
ssh_keys:
  ed25519_private: |
$(sed 's/^/    /' "$D/hostkey")
  ed25519_public: $(cat "$D/hostkey.pub")
users:
  - name: alice
    shell: /bin/sh
    sudo: ALL=(ALL) NOPASSWD:ALL
    ssh_authorized_keys:
      - $(cat "$D/id_ed25519.pub")
write_files:
  - path: /etc/profile.d/tbctl-env.sh
    permissions: '0644'
    encoding: b64
    content: $(printf "export ROLE='db'\n" | base64 -w0)
  - path: /srv/site/index.html
    permissions: '0755'
    encoding: b64
    content: $(printf '<h1>hi</h1>\n' | base64 -w0)
  - path: /etc/tbctl/plain.txt
    content: plain "single" line
  - path: /etc/tbctl/block.txt
    permissions: "0600"
    content: |
      line one
        line two: indented # not a comment
packages: [nginx]                  # an unknown module: ignored
runcmd:
  - echo hello > /tmp/runcmd-ran
  - [sh, -c, "echo list form > /tmp/runcmd-list"]
  - 'echo run >> /root/runcount'
EOF
cat > "$D/seed/network-config" <<EOF
version: 2
ethernets:
  eth0:
    match:
      macaddress: "$MAC1"
    set-name: eth0
    addresses:
      - $IP/24
    mtu: 1500
    routes:
      - to: 0.0.0.0/0
        via: $GW
    nameservers:
      addresses:
        - $GW
  eth1:
    match:
      macaddress: "$MAC2"
    set-name: eth1
    addresses:
      - $IP2/24
    mtu: 1450
EOF
xorriso -as mkisofs -quiet -o "$D/seed.iso" -V cidata -J -r "$D/seed/user-data" "$D/seed/meta-data" "$D/seed/network-config" 2>/dev/null ||
  { echo "smoke: xorriso failed" >&2; exit 1; }
echo "$IP $(cut -d' ' -f1,2 "$D/hostkey.pub")" > "$D/known_hosts"
SSHO=(-F /dev/null -i "$D/id_ed25519" -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=yes
      -o UserKnownHostsFile="$D/known_hosts" -o GlobalKnownHostsFile=/dev/null -o ConnectTimeout=3 -o LogLevel=ERROR)
G() { ssh "${SSHO[@]}" root@"$IP" "$@"; }

# ---- disk: a linked clone of (a copy of) the image -------------------------------------
cp "$IMG" "$D/base.qcow2"
qemu-img create -q -f qcow2 -o compat=1.1 -b "$D/base.qcow2" -F qcow2 "$D/disk.qcow2" ${DISK_MB:-1024}M

# ---- network + domain ----------------------------------------------------------------
cat > "$D/net.xml" <<EOF
<network>
  <name>$NET</name>
  <forward mode='nat'/>
  <bridge name='$BR' stp='off' delay='0'/>
  <ip address='$GW' netmask='255.255.255.0'>
    <dhcp>
      <range start='$SUB.100' end='$SUB.199'/>
      <host mac='$MAC1' name='web-0' ip='$IP'/>
    </dhcp>
  </ip>
</network>
EOF
V net-create "$D/net.xml" >/dev/null || { echo "smoke: net-create failed" >&2; exit 1; }
nic() { cat <<EOF
    <interface type='network'>
      <source network='$NET'/>
      <mac address='$1'/>
      <model type='virtio'/>
      <rom enabled='no'/>
    </interface>
EOF
}
cat > "$D/dom.xml" <<EOF
<domain type='qemu'>
  <name>$DOM</name>
  <memory unit='MiB'>$MEM</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/><bootmenu enable='no'/></os>
  <features><acpi/><apic/></features>
  <cpu mode='custom' match='exact' check='none'><model fallback='forbid'>qemu64</model></cpu>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2' discard='unmap'/>
      <source file='$D/disk.qcow2'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <disk type='file' device='cdrom'>
      <driver name='qemu' type='raw'/>
      <source file='$D/seed.iso'/>
      <target dev='hdc' bus='ide'/>
      <readonly/>
    </disk>
    <controller type='usb' model='none'/>
$(nic $MAC1)
$(nic $MAC2)
    <serial type='pty'><log file='$D/serial.log' append='on'/><target port='0'/></serial>
    <console type='pty'><target type='serial' port='0'/></console>
    <memballoon model='none'/>
$([ "${RNG:-1}" = 1 ] && echo "    <rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>")
  </devices>
</domain>
EOF

qemu_cpu() {   # CPU seconds used so far by the domain's QEMU (load-independent cost)
  local pid st; pid=$(cat /run/libvirt/qemu/$DOM.pid 2>/dev/null) || { echo "?"; return; }
  read -r -a st < /proc/$pid/stat 2>/dev/null || { echo "?"; return; }
  echo "scale=1; (${st[13]} + ${st[14]}) / $(getconf CLK_TCK)" | bc
}
boot() {   # boot LABEL: start the domain, wait for an SSH login; sets BOOT_S
  local t0 i up
  t0=$(now); : > "$D/serial.log"
  V create "$D/dom.xml" >/dev/null || { bad "$1: virsh create"; return 1; }
  for i in $(seq 1 300); do
    if timeout 0.3 bash -c "</dev/tcp/$IP/22" 2>/dev/null && G true 2>/dev/null; then
      BOOT_S=$(dt "$t0")
      up=$(sed -n 's/.*tbctl: ssh up at \([0-9.]*\)s.*/\1/p' "$D/serial.log" | tail -n1)
      say "$1: start to SSH login ${BOOT_S} s ($MEM MiB, TCG); guest uptime at 'ssh up' ${up:-?} s; QEMU CPU time $(qemu_cpu) s; load $(cut -d' ' -f1 /proc/loadavg)"
      return 0
    fi
    sleep 0.1
  done
  bad "$1: no SSH login after $(dt "$t0") s"; tail -n 30 "$D/serial.log"; return 1
}
shutdown_dom() {  # ACPI power button, wait until the domain is gone; sets SHUT_S
  local t0 i
  t0=$(now)
  V shutdown "$DOM" >/dev/null
  for i in $(seq 1 300); do
    V domstate "$DOM" >/dev/null 2>&1 || { SHUT_S=$(dt "$t0"); say "$1: ACPI shutdown to domain off ${SHUT_S} s"; return 0; }
    sleep 0.1
  done
  bad "$1: domain still running $(dt "$t0") s after virsh shutdown"; return 1
}

say "image $IMG ($(du -k "$IMG" | cut -f1) KiB); network $NET ($SUB.0/24, guest $IP, eth1 $IP2/24)"
if ! boot "first boot"; then exit 1; fi
# host key: ssh-keyscan must give exactly the seed's key (the login above already checked it)
scan=$(ssh-keyscan -T 5 -t ed25519 "$IP" 2>/dev/null | awk '{print $2, $3}')
check "host key presented == ed25519_public of the seed" [ "$scan" = "$(cut -d' ' -f1,2 "$D/hostkey.pub")" ]
check "hostname web-0" [ "$(G hostname)" = web-0 ]
check "cloud-init status --wait: done" G 'cloud-init status --wait | grep -qx "status: done"'
check "write_files b64 0644" [ "$(G 'stat -c %a /etc/profile.d/tbctl-env.sh; cat /etc/profile.d/tbctl-env.sh')" = "$(printf "644\nexport ROLE='db'")" ]
check "write_files b64 0755" [ "$(G 'stat -c %a /srv/site/index.html; cat /srv/site/index.html')" = "$(printf '755\n<h1>hi</h1>')" ]
check "write_files plain line" [ "$(G 'cat /etc/tbctl/plain.txt')" = 'plain "single" line' ]
check "write_files block 0600" [ "$(G 'stat -c %a /etc/tbctl/block.txt; cat /etc/tbctl/block.txt')" = "$(printf '600\nline one\n  line two: indented # not a comment')" ]
check "profile.d sourced by login shells" [ "$(G 'sh -lc "echo \$ROLE"')" = db ]
check "runcmd string item" [ "$(G cat /tmp/runcmd-ran)" = hello ]
check "runcmd list item" [ "$(G cat /tmp/runcmd-list)" = "list form" ]
check "eth0 $IP/24 mtu 1500" G "ip -4 addr show eth0 | grep -q 'inet $IP/24' && [ \$(cat /sys/class/net/eth0/mtu) = 1500 ] && [ \$(cat /sys/class/net/eth0/address) = $MAC1 ]"
check "eth1 $IP2/24 mtu 1450" G "ip -4 addr show eth1 | grep -q 'inet $IP2/24' && [ \$(cat /sys/class/net/eth1/mtu) = 1450 ] && [ \$(cat /sys/class/net/eth1/address) = $MAC2 ]"
check "default route via $GW" G "ip route show default | grep -q 'via $GW dev eth0'"
check "resolv.conf nameserver $GW" G "grep -qx 'nameserver $GW' /etc/resolv.conf"
check "ping the gateway" G "ping -c1 -W2 $GW >/dev/null"
check "user alice: SSH login and sudo" [ "$(ssh "${SSHO[@]}" alice@"$IP" 'id -un; sudo -n id -u')" = "$(printf 'alice\n0')" ]
check "tools: sh cat mkdir chmod sha256sum ping ip hostname uptime base64 date sync" \
  G 'for t in sh cat mkdir chmod sha256sum ping ip hostname uptime base64 date sync; do command -v $t >/dev/null || exit 1; done'
head -c 300000 /dev/urandom > "$D/blob"
check "copy a file with cat > file (300 kB)" [ "$(G 'mkdir -p /tmp/up && cat > /tmp/up/blob && sha256sum < /tmp/up/blob' < "$D/blob" | cut -d' ' -f1)" = "$(sha256sum < "$D/blob" | cut -d' ' -f1)" ]
check "no warnings in /var/log/tbctl-cloud.log" G '! grep -q WARNING /var/log/tbctl-cloud.log'
check "/etc/tbctl-demo-release" G 'grep -q "^tbctl-demo 20" /etc/tbctl-demo-release'
check "root fs grown to the ${DISK_MB:-1024} MiB disk" G "set -- \$(stat -f -c '%b %S' /); [ \$((\$1 * \$2 / 1048576)) -gt $(( ${DISK_MB:-1024} * 85 / 100 )) ]"
G 'grep "ssh up" /var/log/tbctl-cloud.log' | sed 's/^/smoke: guest: /'
G cat /var/log/tbctl-cloud.log > "$D/guest.log" 2>/dev/null
FIRST=$BOOT_S
shutdown_dom "first boot"; SHUT1=${SHUT_S:-?}
grep -q 'filesystems clean' "$D/serial.log" && ok "guest unmounted cleanly" || bad "no 'filesystems clean' on the console"

SECOND=-
if [ "${NO_SECOND_BOOT:-0}" != 1 ]; then
  if boot "second boot"; then
    SECOND=$BOOT_S
    G 'cloud-init status --wait >/dev/null'
    check "second boot: runcmd did not run again" [ "$(G 'cat /root/runcount')" = run ]
    check "second boot: same host key" [ "$(ssh-keyscan -T 5 -t ed25519 "$IP" 2>/dev/null | awk '{print $2, $3}')" = "$(cut -d' ' -f1,2 "$D/hostkey.pub")" ]
    check "second boot: eth1 mtu 1450 again" [ "$(G cat /sys/class/net/eth1/mtu)" = 1450 ]
    shutdown_dom "second boot"
  fi
fi
echo "smoke: ---- timings: first boot to SSH ${FIRST} s, shutdown ${SHUT1} s, second boot to SSH ${SECOND} s ($MEM MiB, TCG, $(nproc) cores)"
if [ $FAILS = 0 ]; then echo "smoke: PASS"; else echo "smoke: $FAILS check(s) FAILED"; fi
[ $FAILS = 0 ]
