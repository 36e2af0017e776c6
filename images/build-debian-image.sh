#!/bin/bash
# Build a Debian 12 (bookworm) cloud image from Debian's packages only:
#   debootstrap minbase + cloud-init (NoCloud datasource only), systemd, OpenSSH, the cloud
#   kernel, ifupdown + isc-dhcp-client + net-tools (cloud-init's network renderer on Debian: its
#   ENI adds the default route with `route`); ext4 root,
#   syslinux-bootable (MBR, FAT /boot partition) like the demo image, compressed qcow2.
# Tuned for TCG guests (docs/images.md): ed25519 host key only and no key printing on the
# console, no timers or services a testbed guest does not need, `no_timer_check quiet` on the
# kernel command line.
#
# Output: images/out/tbctl-debian12.qcow2 and .qcow2.sha256 (hex digest only).
# Cached: the downloaded packages (a debootstrap tarball, images/out/debian-debs-*.tgz and
# $DEB_CACHE, default /var/cache/tbctl/debs) and the result: nothing is rebuilt when the
# image, its checksum and the stamp of the inputs (this script, the package list, mirror,
# ROOT_MB) are up to date.
#
# Usage: images/build-debian-image.sh [--force | --check]
#        --check: exit 0 when the image is up to date, 1 when it would be rebuilt (builds nothing)
# Env:   MIRROR (default: the machine's apt source for bookworm/main)  OUT (default images/out)
#        ROOT_MB (root fs size, default 2048)  REFRESH_DEBS=1 (download the packages again)
# Needs root (debootstrap, chroot) and debootstrap, syslinux, mtools, dosfstools, qemu-utils.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/pack-disk.sh"
OUT=${OUT:-$HERE/out}
ROOT_MB=${ROOT_MB:-2048}
BOOT_MB=64
SUITE=bookworm
NAME=tbctl-debian12
IMG=$OUT/$NAME.qcow2
PKGS=cloud-init,systemd,systemd-sysv,openssh-server,linux-image-cloud-amd64,ifupdown,isc-dhcp-client,net-tools,python3-cffi-backend,sudo,iproute2,iputils-ping,netbase,procps
FORCE=0 CHECK=0
case ${1:-} in --force) FORCE=1;; --check) CHECK=1;; '') ;; *) echo "usage: $0 [--force|--check]" >&2; exit 2;; esac
T0=$(date +%s.%N)
say() { echo "build-debian-image: $*"; }
die() { echo "build-debian-image: ERROR: $*" >&2; exit 1; }

[ $CHECK = 1 ] || [ "$(id -u)" = 0 ] || die "run as root (debootstrap and chroot need it)"
missing=()
need() { command -v "$1" >/dev/null 2>&1 || [ -e "$1" ] || missing+=("$2"); }
need debootstrap debootstrap
need mkfs.ext4 e2fsprogs
need mkfs.vfat dosfstools
need mcopy mtools
need syslinux syslinux
need /usr/lib/syslinux/mbr/mbr.bin syslinux-common
need sfdisk fdisk
need qemu-img qemu-utils
need flock util-linux
need bc bc
[ ${#missing[@]} -eq 0 ] ||
  die "missing tools; install them with: apt-get install -y $(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')"

# the mirror the machine's apt uses for bookworm (a proxy or local mirror keeps working)
if [ -z "${MIRROR:-}" ]; then
  MIRROR=$(apt-cache policy 2>/dev/null | awk -v s="$SUITE/main" '$3 == s && $2 ~ /^(https?|file):/ {print $2; exit}')
  MIRROR=${MIRROR:-http://deb.debian.org/debian}
fi

if [ $CHECK = 0 ]; then mkdir -p "$OUT"; exec 8>"$OUT/.build-debian.lock"; flock 8; fi
PKEY=$(echo "$SUITE $PKGS" | sha256sum | cut -c1-12)
STAMP=$( { cat "$HERE/build-debian-image.sh" "$HERE/pack-disk.sh" | sha256sum; echo "pkgs $PKEY"; echo "root_mb $ROOT_MB"; } | sha256sum | cut -d' ' -f1)
if [ $FORCE = 0 ] && [ -f "$IMG" ] && [ -f "$IMG.sha256" ] && [ "$(cat "$OUT/$NAME.stamp" 2>/dev/null)" = "$STAMP" ] &&
   [ "$(sha256sum < "$IMG" | cut -d' ' -f1)" = "$(cat "$IMG.sha256")" ]; then
  say "up to date: $IMG ($(du -k "$IMG" | cut -f1) KiB, sha256 $(cat "$IMG.sha256"))"
  say "checked in $(echo "$(date +%s.%N) - $T0" | bc | xargs printf '%.2f') s"
  exit 0
fi
[ $CHECK = 1 ] && { say "out of date (or missing): $IMG"; exit 1; }
say "building $IMG ($SUITE from $MIRROR)"

W=$OUT/work-debian
cleanup() {
  local m
  for m in dev/pts dev proc sys; do mountpoint -q "$W/root/$m" 2>/dev/null && umount -l "$W/root/$m"; done
  rm -rf "$W"
}
cleanup; mkdir -p "$W"
trap cleanup EXIT

# ---- packages: a debootstrap tarball, downloaded once (REFRESH_DEBS=1 downloads again) ----
DEB_CACHE=${DEB_CACHE:-/var/cache/tbctl/debs}
TARBALL=$OUT/debian-debs-$PKEY.tgz
if [ ! -s "$TARBALL" ] || [ "${REFRESH_DEBS:-0}" = 1 ]; then
  if [ "${REFRESH_DEBS:-0}" != 1 ] && [ -s "$DEB_CACHE/${TARBALL##*/}" ]; then
    cp "$DEB_CACHE/${TARBALL##*/}" "$TARBALL"
  else
    say "downloading packages (debootstrap --make-tarball)"
    debootstrap --variant=minbase --include="$PKGS" --make-tarball="$W/debs.tgz" \
      "$SUITE" "$W/dl" "$MIRROR" > "$W/dl.log" 2>&1 ||
      die "debootstrap download failed: $(grep -m1 -E '^(E|W):' "$W/dl.log" || tail -n1 "$W/dl.log")"
    mv "$W/debs.tgz" "$TARBALL"; rm -rf "$W/dl"
  fi
  mkdir -p "$DEB_CACHE" && cp -u "$TARBALL" "$DEB_CACHE/" 2>/dev/null || true
fi

# ---- root filesystem ----------------------------------------------------------------
R=$W/root
T1=$(date +%s.%N)
debootstrap --variant=minbase --include="$PKGS" --unpack-tarball="$TARBALL" \
  "$SUITE" "$R" "$MIRROR" > "$W/debootstrap.log" 2>&1 ||
  die "debootstrap failed: $(tail -n3 "$W/debootstrap.log")"
say "debootstrap done in $(echo "$(date +%s.%N) - $T1" | bc | xargs printf '%.0f') s"

echo "deb $MIRROR $SUITE main" > "$R/etc/apt/sources.list"
echo 'LABEL=debroot / ext4 rw,noatime,errors=remount-ro 0 1' > "$R/etc/fstab"
echo localhost > "$R/etc/hostname"
printf '127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n' > "$R/etc/hosts"
# DNS: cloud-init renders the guest's nameservers (the management network's dnsmasq) as ENI
# `dns-nameservers`, which only a resolvconf hook applies; without one the guest kept the
# build machine's /etc/resolv.conf (debootstrap copies it) and resolved nothing. This hook is
# the part of resolvconf a testbed guest needs.
rm -f "$R/etc/resolv.conf"; : > "$R/etc/resolv.conf"
cat > "$R/etc/network/if-up.d/000tbctl-dns" <<'H'
#!/bin/sh
# An interface's dns-nameservers / dns-search (ifupdown's IF_DNS_*) into /etc/resolv.conf.
[ -n "${IF_DNS_NAMESERVERS:-}" ] || exit 0
{ for n in $IF_DNS_NAMESERVERS; do echo "nameserver $n"; done
  [ -z "${IF_DNS_SEARCH:-}" ] || echo "search $IF_DNS_SEARCH"; } > /etc/resolv.conf.tbctl
mv /etc/resolv.conf.tbctl /etc/resolv.conf
H
chmod 755 "$R/etc/network/if-up.d/000tbctl-dns"
# every clone gets its own machine-id at its first boot (systemd makes it when the file is empty)
: > "$R/etc/machine-id"; rm -f "$R/var/lib/dbus/machine-id"

# cloud-init: NoCloud only (no probing of network datasources: seconds under TCG), ed25519
# host key only, no key fingerprints printed on the (slow, serial) console
cat > "$R/etc/cloud/cloud.cfg.d/90-tbctl.cfg" <<'C'
# tbctl-debian12 (images/build-debian-image.sh)
datasource_list: [ NoCloud ]
ssh_genkeytypes: [ ed25519 ]
ssh_quiet_keygen: true
no_ssh_fingerprints: true
ssh_fp_console_blacklist: [ ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256 ]
ssh_key_console_blacklist: [ ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256 ]
disable_root: false
# only the modules a testbed guest uses: each stage costs a Python start-up (~20 s under TCG),
# and the stock lists run grub-dpkg (no GRUB here), locale (no locales package), byobu, ...
cloud_config_modules: [ set-passwords, apt-configure, timezone, runcmd ]
cloud_final_modules: [ package-update-upgrade-install, write-files-deferred, scripts-vendor, scripts-per-once,
                       scripts-per-boot, scripts-per-instance, scripts-user, power-state-change, final-message ]
C
# sshd: the ed25519 host key only (cloud-init writes the one tbctl generated), no DNS lookups
cat > "$R/etc/ssh/sshd_config.d/90-tbctl.conf" <<'C'
HostKey /etc/ssh/ssh_host_ed25519_key
UseDNS no
PasswordAuthentication no
C
rm -f "$R"/etc/ssh/ssh_host_*
# the console: no getty waiting on tty1 (there is no screen); serial getty comes from console=
ln -sf /dev/null "$R/etc/systemd/system/getty@tty1.service"
# nothing a short-lived testbed guest needs, each costs seconds of a TCG vCPU
for u in apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer e2scrub_reap.service fstrim.timer \
         dpkg-db-backup.timer systemd-timesyncd.service man-db.timer; do
  ln -sf /dev/null "$R/etc/systemd/system/$u"
done
# journald: volatile, small (no journal files in the golden image or the clones)
mkdir -p "$R/etc/systemd/journald.conf.d"
printf '[Journal]\nStorage=volatile\nRuntimeMaxUse=16M\n' > "$R/etc/systemd/journald.conf.d/90-tbctl.conf"
# a guest that is told to stop stops quickly
mkdir -p "$R/etc/systemd/system.conf.d"
printf '[Manager]\nDefaultTimeoutStopSec=10s\n' > "$R/etc/systemd/system.conf.d/90-tbctl.conf"
# the initramfs: MODULES=most (Debian's default), plus the virtio and ata drivers for certain
printf 'virtio_pci\nvirtio_blk\nvirtio_scsi\nvirtio_net\next4\nata_piix\nsr_mod\n' >> "$R/etc/initramfs-tools/modules"
mount --bind /dev "$R/dev"; mount -t proc proc "$R/proc"; mount -t sysfs sys "$R/sys"
chroot "$R" /bin/sh -c 'MODULES=most update-initramfs -u -k all' > "$W/initramfs.log" 2>&1 ||
  die "update-initramfs failed: $(tail -n3 "$W/initramfs.log")"
chroot "$R" /bin/sh -c 'apt-get clean; passwd -l root >/dev/null' 
umount -l "$R/dev" "$R/proc" "$R/sys"
rm -rf "$R"/var/lib/apt/lists/* "$R"/var/cache/apt/*.bin "$R"/var/log/* "$R"/tmp/* "$R"/var/lib/cloud/*
mkdir -p "$R/var/log"
KVER=$(ls "$R/lib/modules" | sort -V | tail -n1)
[ -f "$R/boot/vmlinuz-$KVER" ] && [ -f "$R/boot/initrd.img-$KVER" ] || die "no kernel/initrd in the image ($KVER)"
BUILD_DATE=$(date -u +%Y-%m-%dT%H:%M:%SZ)
printf 'tbctl-debian12 %s\nkernel %s\ncloud-init %s\n' "$BUILD_DATE" "$KVER" \
  "$(chroot "$R" dpkg-query -W -f='${Version}' cloud-init)" > "$R/etc/tbctl-image-release"

# ---- root filesystem image (inode tables and journal initialised now, so that linked
#      clones do not write them in their first minute) ------------------------------------
USED_MB=$(( $(du -sm "$R" | cut -f1) + 1 ))
[ $USED_MB -lt $((ROOT_MB * 3 / 4)) ] || die "root content ($USED_MB MiB) too big for ROOT_MB=$ROOT_MB"
mkfs.ext4 -q -F -L debroot -m 1 -E lazy_itable_init=0,lazy_journal_init=0,root_owner=0:0 \
  -d "$R" "$W/root.img" "${ROOT_MB}M" >/dev/null

# ---- boot filesystem (FAT16 + syslinux) ------------------------------------------------
mkfs.vfat -n DEBBOOT -C "$W/boot.img" $((BOOT_MB * 1024)) >/dev/null
cat > "$W/syslinux.cfg" <<S
DEFAULT linux
PROMPT 0
TIMEOUT 1
LABEL linux
  KERNEL /vmlinuz
  INITRD /initrd.img
  APPEND root=LABEL=debroot ro console=ttyS0,115200 quiet no_timer_check mitigations=off cryptomgr.notests systemd.show_status=false net.ifnames=0
S
cp "$R/boot/vmlinuz-$KVER" "$W/vmlinuz"; cp "$R/boot/initrd.img-$KVER" "$W/initrd.img"
mcopy -i "$W/boot.img" "$W/vmlinuz" "$W/initrd.img" "$W/syslinux.cfg" ::/
syslinux --install "$W/boot.img"

# ---- disk (images/pack-disk.sh) ------------------------------------------------------
pack_disk "$W" "$NAME" "$BOOT_MB" "$ROOT_MB"

# ---- publish (atomically, stamp last) --------------------------------------------------
sha256sum < "$W/$NAME.qcow2" | cut -d' ' -f1 > "$W/$NAME.qcow2.sha256"
rm -f "$OUT/$NAME.stamp"
mv "$W/$NAME.qcow2" "$IMG"; mv "$W/$NAME.qcow2.sha256" "$IMG.sha256"
echo "$STAMP" > "$OUT/$NAME.stamp"
say "built $IMG in $(echo "$(date +%s.%N) - $T0" | bc | xargs printf '%.1f') s"
say "  size $(du -k "$IMG" | cut -f1) KiB ($(qemu-img info "$IMG" | sed -n 's/^virtual size: //p') virtual), root content ${USED_MB} MiB, kernel $KVER"
say "  sha256 $(cat "$IMG.sha256")"
