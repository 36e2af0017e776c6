#!/bin/bash
# Simulated testbed hosts on this machine, for tbctl's multi-host tests.
#
#   fakehosts.sh up            bring up $MH_HOSTS (default "h1 h2"); idempotent
#   fakehosts.sh down          remove everything up made (processes, namespaces, links, files)
#   fakehosts.sh exec H CMD..  run CMD "on" host H (its network, mount and UTS namespaces)
#   fakehosts.sh ssh H [CMD]   OpenSSH to host H as root with the harness key/known_hosts
#   fakehosts.sh status        which hosts exist and whether they answer
#   fakehosts.sh env           shell assignments for tests: MH_BASE, keys, per-host URIs
#
# A host hN is a network namespace mh-hN plus persistent private mount and UTS namespaces
# (held by bind mounts on files under $MH_BASE/hN, entered with nsenter), with private /run,
# /etc/libvirt (*.conf copied, a unique host_uuid, no cgroup controllers), /var/lib/libvirt
# (so storage pools such as /var/lib/libvirt/tbctl/... are per host), /var/cache/libvirt,
# /var/log/libvirt, /etc/openvswitch, /var/lib/openvswitch, /var/log/openvswitch, /etc/hosts,
# /etc/hostname, and its own ovsdb-server + ovs-vswitchd (userspace datapath), virtlogd,
# libvirtd and sshd. Its NIC eth0 (a veth to the Linux bridge mh-br0 in the root namespace,
# 10.77.0.1/24) is a port of the OVS bridge br-phy (datapath netdev) that holds the host's
# address 10.77.0.(10+N)/24, so that userspace tunnels work. No PID namespace: ps shows
# every host's processes; /tmp, /srv, /home are shared (add more with MH_EXTRA_PRIVATE).
#
# Client side (root namespace), under $MH_BASE/client: id_ed25519 (key), known_hosts (every
# host's key), ssh_config, mh-ssh (an ssh wrapper usable as libvirt's ?command=), uris.
#   virsh -c "qemu+ssh://root@10.77.0.11/system?command=$MH_BASE/client/mh-ssh" uri
#
# Env: MH_HOSTS ("h1 h2"), MH_BASE (/var/lib/tbctl-mh), MH_NET (10.77.0), MH_BR (mh-br0),
#      MH_MTU (1500, the usual underlay: tbctl sizes guest NICs so tunnelled frames fit it;
#      the e2e tests send full-size packets across every tunnel kind), MH_EXTRA_PRIVATE.
# Only addresses inside $MH_NET.0/24 are used; no traffic leaves the machine.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
MH_BASE=${MH_BASE:-/var/lib/tbctl-mh}
MH_BR=${MH_BR:-mh-br0}
MH_NET=${MH_NET:-10.77.0}
MH_HOSTS=${MH_HOSTS:-"h1 h2"}
MH_MTU=${MH_MTU:-1500}
MH_EXTRA_PRIVATE=${MH_EXTRA_PRIVATE:-}
MH_KEY=$MH_BASE/client/id_ed25519
MH_KNOWN=$MH_BASE/client/known_hosts
MH_SSHCFG=$MH_BASE/client/ssh_config
T0=$EPOCHREALTIME
ts() { awk -v a="$T0" -v b="$EPOCHREALTIME" -v m="$*" 'BEGIN{printf "fakehosts: [%5.2fs] %s\n", b-a, m}'; }
die() { echo "fakehosts: ERROR: $*" >&2; exit 1; }

mh_ip() {
  local n=${1#h}
  [[ $1 =~ ^h[0-9]+$ ]] && [ "$n" -ge 1 ] && [ "$n" -le 200 ] || die "host names are h1..h200 (got '$1')"
  echo "$MH_NET.$((10 + n))"
}
mh_exec() {  # nsenter opens every namespace file before entering, so /run/netns is the root one
  local h=$1; shift
  [ -e "/run/netns/mh-$h" ] && mountpoint -q "$MH_BASE/$h/mntns" || die "host $h is not up"
  nsenter --mount="$MH_BASE/$h/mntns" --uts="$MH_BASE/$h/utsns" --net="/run/netns/mh-$h" -- "$@"
}
host_answers() {
  ssh -F "$MH_SSHCFG" -o ConnectTimeout=2 "root@$(mh_ip "$1")" \
    'virsh -q -c qemu:///system uri >/dev/null && ovs-vsctl --timeout=2 br-exists br-phy' 2>/dev/null
}

client_setup() {
  mkdir -p "$MH_BASE/client"; chmod 700 "$MH_BASE" "$MH_BASE/client"
  [ -f "$MH_KEY" ] || ssh-keygen -q -t ed25519 -N '' -C tbctl-fakehosts -f "$MH_KEY"
  touch "$MH_KNOWN"
  cat > "$MH_SSHCFG" <<EOF
Host $MH_NET.*
  User root
  IdentityFile $MH_KEY
  IdentitiesOnly yes
  UserKnownHostsFile $MH_KNOWN
  GlobalKnownHostsFile /dev/null
  StrictHostKeyChecking yes
  BatchMode yes
  LogLevel ERROR
EOF
  # OpenSSH reads ~/.ssh from the passwd entry, not $HOME: tests pass -F (or use this wrapper)
  printf '#!/bin/sh\nexec ssh -F %s "$@"\n' "$MH_SSHCFG" > "$MH_BASE/client/mh-ssh"
  chmod 755 "$MH_BASE/client/mh-ssh"
}

lan_up() {
  if ! ip link show "$MH_BR" >/dev/null 2>&1; then
    ip link add "$MH_BR" mtu "$MH_MTU" type bridge || die "cannot create bridge $MH_BR"
    ip addr add "$MH_NET.1/24" dev "$MH_BR"
    ip link set "$MH_BR" up
  fi
  /usr/bin/python3 "$HERE/txcsum-off.py" "$MH_BR" || die "txcsum-off.py $MH_BR"
  [ "${MH_MASTER_OVS:-1}" = 1 ] && master_phy_up
}

# The master (this namespace) as a tunnel endpoint too: OVS userspace tunnels only leave
# through an OVS netdev bridge that holds the local tunnel IP, as br-phy does on each fake
# host. So the master's LAN address moves from the Linux bridge to the OVS bridge mh-phy,
# whose port mh-root is a veth to the LAN bridge.
master_phy_up() {
  ovs-vsctl --timeout=5 br-exists mh-phy 2>/dev/null && return 0
  ip link add mh-root mtu "$MH_MTU" type veth peer name mh-root-p mtu "$MH_MTU" || die "veth mh-root"
  ip link set mh-root-p master "$MH_BR" up
  ip link set mh-root up
  ovs-vsctl --timeout=10 -- add-br mh-phy -- set bridge mh-phy datapath_type=netdev \
    -- set interface mh-phy mtu_request="$MH_MTU" -- add-port mh-phy mh-root || die "ovs bridge mh-phy"
  ip addr del "$MH_NET.1/24" dev "$MH_BR" 2>/dev/null
  ip addr replace "$MH_NET.1/24" dev mh-phy
  ip link set mh-phy up
  /usr/bin/python3 "$HERE/txcsum-off.py" mh-root mh-root-p mh-phy || die "txcsum-off.py mh-root"
}

host_up() {
  local h=$1 ip D
  ip=$(mh_ip "$h"); D=$MH_BASE/$h
  if [ -e "/run/netns/mh-$h" ]; then
    if host_answers "$h"; then ts "host $h ($ip) is already up"; return 0; fi
    die "host $h exists but does not answer: run '$0 down' first"
  fi
  rm -rf "$D"
  mkdir -p "$D"/{etc-libvirt,var-lib-libvirt,var-log-libvirt,var-cache-libvirt,etc-openvswitch,var-log-openvswitch,var-lib-openvswitch,ssh}
  chmod 700 "$D/ssh"

  # netns + veth to the LAN bridge (in the host the NIC is eth0)
  ip netns add "mh-$h" || die "ip netns add mh-$h"
  ip link add "mh-$h-r" mtu "$MH_MTU" type veth peer name eth0 mtu "$MH_MTU" netns "mh-$h"
  ip link set "mh-$h-r" master "$MH_BR" up
  /usr/bin/python3 "$HERE/txcsum-off.py" "mh-$h-r" || die "txcsum-off.py mh-$h-r"

  # persistent mount + UTS namespaces, held by bind mounts on files (no holder process)
  touch "$D/mntns" "$D/utsns"
  unshare --mount="$D/mntns" --uts="$D/utsns" --propagation private true || die "unshare for $h"

  # /etc/libvirt: configuration files only (no domains, networks, pools of the real host)
  cp -a /etc/libvirt/*.conf "$D/etc-libvirt/"
  cp -a /etc/libvirt/nwfilter /etc/libvirt/hooks "$D/etc-libvirt/" 2>/dev/null
  mkdir -p "$D/etc-libvirt/qemu/networks/autostart" "$D/etc-libvirt/storage/autostart" "$D/etc-libvirt/secrets"
  chmod 700 "$D/etc-libvirt/secrets"
  printf '\n# --- fake host %s ---\nhost_uuid = "%s"\n' "$h" "$(cat /proc/sys/kernel/random/uuid)" >> "$D/etc-libvirt/libvirtd.conf"
  printf '\n# --- fake host %s: cgroups are shared with the real host; do not use them ---\ncgroup_controllers = [ ]\n' "$h" >> "$D/etc-libvirt/qemu.conf"
  # /var/lib/libvirt skeleton (private per host); the qemu capabilities cache saves seconds
  mkdir -p "$D/var-lib-libvirt"/{boot,images,dnsmasq,qemu,network}
  chown libvirt-qemu:libvirt-qemu "$D/var-lib-libvirt/qemu" 2>/dev/null; chmod 751 "$D/var-lib-libvirt/qemu"
  cp -a /var/cache/libvirt/. "$D/var-cache-libvirt/" 2>/dev/null
  mkdir -p "$D/var-log-libvirt/qemu"

  # sshd: own host key, the harness client key, listening on the host's address only
  ssh-keygen -q -t ed25519 -N '' -C "mh-$h" -f "$D/ssh/ssh_host_ed25519_key"
  cp "$MH_KEY.pub" "$D/ssh/authorized_keys"; chmod 600 "$D/ssh/authorized_keys"
  cat > "$D/ssh/sshd_config" <<EOF
ListenAddress $ip
HostKey $D/ssh/ssh_host_ed25519_key
PidFile /run/sshd.pid
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
AuthorizedKeysFile $D/ssh/authorized_keys
UsePAM no
UseDNS no
PrintMotd no
AllowTcpForwarding yes
MaxStartups 100:30:200
MaxSessions 100
Subsystem sftp /usr/lib/openssh/sftp-server
# a host of its own: not the real root's ~/.bashrc (its tools print to stderr and slow every exec)
SetEnv HOME=$D/home
EOF
  mkdir -p "$D/home"
  grep -v "^$ip " "$MH_KNOWN" > "$MH_KNOWN.new"; mv "$MH_KNOWN.new" "$MH_KNOWN"
  echo "$ip $(cut -d' ' -f1,2 "$D/ssh/ssh_host_ed25519_key.pub")" >> "$MH_KNOWN"

  for x in $MH_EXTRA_PRIVATE; do mkdir -p "$x" "$D/private$x"; done
  mh_exec "$h" env H="$h" IP="$ip" D="$D" XP="$MH_EXTRA_PRIVATE" MTU="$MH_MTU" HOSTS="$MH_BASE/hosts" \
      bash -euo pipefail -s > "$D/up.log" 2>&1 <<'EOS' || { cat "$D/up.log" >&2; die "host $h: setup failed"; }
hostname "$H"
# private /run (pid files, sockets) and a sysfs of this network namespace
mount -t tmpfs -o mode=755 mh-run /run
mkdir -p /run/libvirt /run/openvswitch /run/sshd /run/lock /run/user
umount -l /sys; mount -t sysfs mh-sysfs /sys
mount --bind "$D/etc-libvirt"         /etc/libvirt
mount --bind "$D/var-lib-libvirt"     /var/lib/libvirt
mount --bind "$D/var-cache-libvirt"   /var/cache/libvirt
mount --bind "$D/var-log-libvirt"     /var/log/libvirt
mount --bind "$D/etc-openvswitch"     /etc/openvswitch
mount --bind "$D/var-lib-openvswitch" /var/lib/openvswitch
mount --bind "$D/var-log-openvswitch" /var/log/openvswitch
mount --bind "$HOSTS" /etc/hosts
echo "$H" > "$D/hostname"; mount --bind "$D/hostname" /etc/hostname
for x in $XP; do mount --bind "$D/private$x" "$x"; done
ip link set lo up
ip link set eth0 up

# Open vSwitch, userspace datapath (no openvswitch kernel module on these machines)
ovsdb-tool create /etc/openvswitch/conf.db /usr/share/openvswitch/vswitch.ovsschema
ovsdb-server /etc/openvswitch/conf.db --remote=punix:/run/openvswitch/db.sock \
  --pidfile=/run/openvswitch/ovsdb-server.pid --detach --no-chdir \
  --log-file=/var/log/openvswitch/ovsdb-server.log -vconsole:off
ovs-vsctl --no-wait -- init -- set Open_vSwitch . external-ids:system-id="$H" external-ids:hostname="$H"
ovs-vswitchd unix:/run/openvswitch/db.sock --pidfile=/run/openvswitch/ovs-vswitchd.pid \
  --detach --no-chdir --log-file=/var/log/openvswitch/ovs-vswitchd.log -vconsole:off
# the host's address on an OVS bridge: userspace tunnels need the remote routed via OVS
ovs-vsctl -- add-br br-phy -- set bridge br-phy datapath_type=netdev \
          -- set interface br-phy mtu_request="$MTU" -- add-port br-phy eth0
ip addr add "$IP/24" dev br-phy
ip link set br-phy up

virtlogd -d
libvirtd -d
/usr/sbin/sshd -f "$D/ssh/sshd_config"
EOS
  ts "host $h ($ip): daemons started"
}

cmd_up() {
  [ "$(id -u)" = 0 ] || die "run as root"
  for t in nsenter unshare ip ssh ssh-keygen ovsdb-server ovs-vswitchd libvirtd virtlogd virsh /usr/sbin/sshd python3; do
    command -v "$t" >/dev/null || die "missing $t (scripts/install-deps.sh)"
  done
  local h ip i
  for h in $MH_HOSTS; do mh_ip "$h" >/dev/null; done
  client_setup
  echo "$MH_EXTRA_PRIVATE" > "$MH_BASE/extra_private"     # for down
  { echo "127.0.0.1 localhost"; for h in $MH_HOSTS; do echo "$(mh_ip "$h") $h"; done; } > "$MH_BASE/hosts"
  lan_up
  ts "LAN $MH_BR ($MH_NET.1/24) up"
  for h in $MH_HOSTS; do host_up "$h"; done
  for h in $MH_HOSTS; do
    ip=$(mh_ip "$h")
    for i in $(seq 1 100); do host_answers "$h" && break; sleep 0.2; done
    [ "$i" -lt 100 ] || die "host $h ($ip) does not answer over ssh (libvirtd, ovs-vsctl)"
    ts "host $h ($ip): ssh, libvirtd and ovs answer"
  done
  : > "$MH_BASE/client/uris"
  for h in $MH_HOSTS; do
    ip=$(mh_ip "$h")
    echo "$h qemu+ssh://root@$ip/system?command=$MH_BASE/client/mh-ssh" >> "$MH_BASE/client/uris"
    echo "$h qemu+libssh2://root@$ip/system?keyfile=$MH_KEY&known_hosts=$MH_KNOWN&sshauth=privkey" >> "$MH_BASE/client/uris"
  done
  ts "up: $MH_HOSTS (uris: $MH_BASE/client/uris)"
}

cmd_down() {
  [ "$(id -u)" = 0 ] || die "run as root"
  local nss pids i ns d f x l
  mapfile -t nss < <(ip netns list 2>/dev/null | awk '$1 ~ /^mh-/{print $1}')
  pids_all() { for ns in "${nss[@]}"; do ip netns pids "$ns" 2>/dev/null; done | sort -un; }
  # 1. processes living in our namespaces (by PID, never by name): TERM, wait, KILL
  pids=$(pids_all)
  if [ -n "$pids" ]; then
    kill -TERM $pids 2>/dev/null
    for i in $(seq 1 50); do pids=$(pids_all); [ -z "$pids" ] && break; sleep 0.1; done
    if [ -n "$pids" ]; then kill -KILL $pids 2>/dev/null; sleep 0.2; fi
  fi
  pids=$(pids_all); [ -z "$pids" ] || die "processes left in the fake hosts' namespaces: $pids"
  ts "processes stopped"
  # 2. persistent mount/UTS namespaces, network namespaces (their veths go too), links
  for d in "$MH_BASE"/h*; do
    [ -d "$d" ] || continue
    for f in "$d/mntns" "$d/utsns"; do mountpoint -q "$f" 2>/dev/null && umount "$f"; done
  done
  for ns in "${nss[@]}"; do ip netns del "$ns" 2>/dev/null; done
  ovs-vsctl --timeout=5 --if-exists del-br mh-phy 2>/dev/null
  for l in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1 | grep '^mh-'); do ip link del "$l" 2>/dev/null; done
  ts "namespaces and links removed"
  for x in $(cat "$MH_BASE/extra_private" 2>/dev/null); do rmdir "$x" 2>/dev/null; done
  rm -rf "$MH_BASE"
  # nothing may be left
  local left=""
  ip netns list 2>/dev/null | grep -q '^mh-' && left="$left netns"
  ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | grep -q '^mh-' && left="$left links"
  [ -e "$MH_BASE" ] && left="$left $MH_BASE"
  [ -z "$left" ] || die "left behind:$left"
  ts "down"
}

cmd_status() {
  local h ip any=0
  for ns in $(ip netns list 2>/dev/null | awk '$1 ~ /^mh-h[0-9]+$/{print $1}' | sort -V); do
    any=1; h=${ns#mh-}; ip=$(mh_ip "$h")
    if host_answers "$h"; then echo "$h $ip up (ssh, libvirtd, ovs answer)"; else echo "$h $ip NOT answering"; fi
  done
  [ $any = 1 ] || echo "no fake hosts"
}

cmd=${1:-}; shift || true
case $cmd in
  up) cmd_up ;;
  down) cmd_down ;;
  exec) [ $# -ge 2 ] || die "usage: $0 exec H CMD..."; h=$1; shift; mh_exec "$h" "$@" ;;
  ssh) [ $# -ge 1 ] || die "usage: $0 ssh H [CMD...]"; h=$1; shift; exec ssh -F "$MH_SSHCFG" "root@$(mh_ip "$h")" "$@" ;;
  status) cmd_status ;;
  env)
    echo "MH_BASE=$MH_BASE"; echo "MH_KEY=$MH_KEY"; echo "MH_KNOWN=$MH_KNOWN"; echo "MH_SSHCFG=$MH_SSHCFG"
    echo "MH_SSH=$MH_BASE/client/mh-ssh"
    for h in $MH_HOSTS; do echo "MH_URI_$h='qemu+ssh://root@$(mh_ip "$h")/system?command=$MH_BASE/client/mh-ssh'"; done ;;
  *) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
