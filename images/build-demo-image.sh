#!/bin/bash
# Build the tbctl demo guest image from Debian packages only:
#   busybox-static + dropbear (+ dropbearconvert) + sudo + the installed Debian kernel,
#   ext4 root, syslinux-bootable (MBR, FAT /boot partition), compressed qcow2.
# The guest applies a NoCloud seed with /usr/sbin/tbctl-cloud (images/guest/).
#
# Output: images/out/tbctl-demo.qcow2, images/out/tbctl-demo.qcow2.sha256 (hex digest only),
#         images/out/tbctl-demo.vmlinuz + .initrd.gz (for direct kernel boot, optional).
# Idempotent: nothing is rebuilt when the image, its checksum and the stamp of the inputs
# (this script, images/guest/*, kernel version, busybox version) are up to date.
#
# Usage: images/build-demo-image.sh [--force | --check] [--appliance PUBKEY]
#        --check: exit 0 when the image is up to date, 1 when it would be rebuilt (builds nothing)
#        --appliance PUBKEY: the image without cloud-init instead (images/out/tbctl-appliance.qcow2),
#          like a router or firewall appliance: no NoCloud reader, root logs in with the given
#          public key (baked in), DHCP on its first NIC, an SSH host key of its own made at
#          first boot (images/guest/appliance-init). For tbctl's `seed: none` guests.
# Env:   KVER (kernel version; default: the newest in /lib/modules with a /boot/vmlinuz-*)
#        OUT (default images/out)  ROOT_MB (root fs size, default 256)
#        REFRESH_DEBS=1 (download the .debs again instead of using images/out/debs)
#        GUEST (the guest files, default images/guest) NAME (default tbctl-demo): bench/boot-bench.sh
#        builds its bare busybox + dropbear image with them
# Needs root (mkfs -d keeps owners, setuid sudo) and the Debian packages it names when
# something is missing. It installs nothing itself.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/pack-disk.sh"
GUEST=${GUEST:-$HERE/guest}
OUT=${OUT:-$HERE/out}; case $OUT in /*) ;; *) OUT=$PWD/$OUT ;; esac   # the build cds
ROOT_MB=${ROOT_MB:-256}
BOOT_MB=16
NAME=${NAME:-tbctl-demo}
IMG=$OUT/$NAME.qcow2
FORCE=0 CHECK=0 APPLIANCE_KEY=""
while [ $# -gt 0 ]; do
  case $1 in
    --force) FORCE=1;; --check) CHECK=1;;
    --appliance) [ $# -ge 2 ] || { echo "usage: $0 [--force|--check] [--appliance PUBKEY]" >&2; exit 2; }
                 APPLIANCE_KEY=$2; shift;;
    *) echo "usage: $0 [--force|--check] [--appliance PUBKEY]" >&2; exit 2;;
  esac
  shift
done
if [ -n "$APPLIANCE_KEY" ]; then
  [ -f "$APPLIANCE_KEY" ] || { echo "build-demo-image: ERROR: no public key file $APPLIANCE_KEY" >&2; exit 2; }
  NAME=tbctl-appliance; IMG=$OUT/$NAME.qcow2
fi
T0=$(date +%s.%N)
say() { echo "build-demo-image: $*"; }
die() { echo "build-demo-image: ERROR: $*" >&2; exit 1; }

# ---- tools -------------------------------------------------------------------------
[ $CHECK = 1 ] || [ "$(id -u)" = 0 ] || die "run as root (file owners and the setuid sudo go into the image)"
missing=()
need() { local tool=$1 pkg=$2; command -v "$tool" >/dev/null 2>&1 || [ -e "$tool" ] || missing+=("$pkg"); }
need /bin/busybox busybox-static
need mkfs.ext4 e2fsprogs
need mkfs.vfat dosfstools
need mcopy mtools
need syslinux syslinux
need /usr/lib/syslinux/mbr/mbr.bin syslinux-common
need sfdisk fdisk
need qemu-img qemu-utils
need cpio cpio
need modinfo kmod
need depmod kmod
need gzip gzip
need apt-get apt
need dpkg-deb dpkg
need ldd libc-bin
need flock util-linux
need bc bc
need tc iproute2
if [ ${#missing[@]} -gt 0 ]; then
  die "missing tools; install them with: apt-get install -y $(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')"
fi
if ldd /bin/busybox >/dev/null 2>&1; then
  die "/bin/busybox is dynamically linked: install busybox-static (apt-get install -y busybox-static)"
fi

# ---- kernel ------------------------------------------------------------------------
if [ -z "${KVER:-}" ]; then
  KVER=$(for d in /lib/modules/*; do k=${d##*/}; [ -f "/boot/vmlinuz-$k" ] && echo "$k"; done | sort -V | tail -n1)
fi
[ -n "${KVER:-}" ] && [ -f "/boot/vmlinuz-$KVER" ] && [ -d "/lib/modules/$KVER" ] ||
  die "no Debian kernel found (/boot/vmlinuz-* with /lib/modules/*): apt-get install -y linux-image-amd64"

# ---- up to date? ---------------------------------------------------------------------
if [ $CHECK = 0 ]; then mkdir -p "$OUT"; exec 8>"$OUT/.build.lock"; flock 8; fi
STAMP=$( { cat "$HERE/build-demo-image.sh" "$HERE/pack-disk.sh" | sha256sum; (cd "$GUEST" && sha256sum $(ls | sort)); echo "kernel $KVER";
           echo "busybox $(dpkg-query -W -f='${Version}' busybox-static 2>/dev/null || /bin/busybox | head -n1)";
           echo "root_mb $ROOT_MB"; [ -z "$APPLIANCE_KEY" ] || echo "appliance $(cat "$APPLIANCE_KEY")"; } | sha256sum | cut -d' ' -f1)
if [ $FORCE = 0 ] && [ -f "$IMG" ] && [ -f "$IMG.sha256" ] && [ "$(cat "$OUT/$NAME.stamp" 2>/dev/null)" = "$STAMP" ] &&
   [ "$(sha256sum < "$IMG" | cut -d' ' -f1)" = "$(cat "$IMG.sha256")" ]; then
  say "up to date: $IMG ($(du -k "$IMG" | cut -f1) KiB, sha256 $(cat "$IMG.sha256"), kernel $KVER)"
  say "checked in $(echo "$(date +%s.%N) - $T0" | bc | xargs printf '%.2f') s"
  exit 0
fi
[ $CHECK = 1 ] && { say "out of date (or missing): $IMG"; exit 1; }
say "building $IMG (kernel $KVER)"

W=$OUT/work; rm -rf "$W"; mkdir -p "$W"
trap 'rm -rf "$W"' EXIT

# ---- Debian packages that are not installed on the build host --------------------------
# apt-get download once, kept in $OUT/debs and in a machine-wide cache ($DEB_CACHE, default
# /var/cache/tbctl/debs) that a fresh clone on the same machine reuses when the mirror cannot
# be reached; REFRESH_DEBS=1 downloads them again.
DEBS="dropbear-bin libtomcrypt1 libtommath1 sudo libpam-modules"
DEB_CACHE=${DEB_CACHE:-/var/cache/tbctl/debs}
have_all() { local p; for p in $DEBS; do ls "$1/${p}_"*.deb >/dev/null 2>&1 || return 1; done; }
mkdir -p "$OUT/debs" "$W/dl"
if ! have_all "$OUT/debs" || [ "${REFRESH_DEBS:-0}" = 1 ]; then
  if (cd "$W/dl" && apt-get download $DEBS >"$W/dl.log" 2>&1); then
    rm -f "$OUT"/debs/*.deb; mv "$W"/dl/*.deb "$OUT/debs/"
  elif have_all "$DEB_CACHE"; then
    say "apt-get download failed; using the cached packages in $DEB_CACHE"
    rm -f "$OUT"/debs/*.deb; cp "$DEB_CACHE"/*.deb "$OUT/debs/"
  else
    say "apt-get download failed: $(grep -m1 '^E:' "$W/dl.log" || tail -n1 "$W/dl.log")"
  fi
fi
have_all "$OUT/debs" || die "packages $DEBS not available (apt-get update, network?)"
mkdir -p "$DEB_CACHE" && cp -u "$OUT"/debs/*.deb "$DEB_CACHE/" 2>/dev/null || true
X=$W/x; mkdir -p "$X"
for d in "$OUT"/debs/*.deb; do dpkg-deb -x "$d" "$X"; done

# ---- root filesystem ----------------------------------------------------------------
R=$W/root
mkdir -p "$R"/{bin,sbin,usr/bin,usr/sbin,usr/lib/tbctl-cloud,usr/share/tbctl-cloud,usr/libexec/sudo,etc/init.d} \
         "$R"/{etc/dropbear,etc/ssh,etc/acpi/PWRF,etc/profile.d,etc/sudoers.d,etc/pam.d,etc/default} \
         "$R"/{root,home,proc,sys,dev,run,tmp,mnt,srv,var/log,var/lib/tbctl-cloud,var/empty,lib64,lib/x86_64-linux-gnu/security}
chmod 700 "$R/root"; chmod 1777 "$R/tmp"
cp /bin/busybox "$R/bin/busybox"
for a in $(/bin/busybox --list-full); do [ -e "$R/$a" ] || [ -L "$R/$a" ] || ln -s /bin/busybox "$R/$a"; done
# every applet also in /usr/bin, so that users without /sbin in PATH find ip, ping, ...
for a in $(/bin/busybox --list); do [ -e "$R/usr/bin/$a" ] || [ -L "$R/usr/bin/$a" ] || ln -s /bin/busybox "$R/usr/bin/$a"; done

install -m755 "$X/usr/sbin/dropbear" "$R/usr/sbin/"
install -m755 "$X/usr/bin/dropbearkey" "$X/usr/bin/dbclient" "$R/usr/bin/"
install -m755 "$X/usr/bin/dropbearconvert" "$R/usr/bin/"
install -m4755 "$X/usr/bin/sudo" "$R/usr/bin/sudo"
install -m755 /sbin/resize2fs "$R/usr/sbin/resize2fs"      # e2fsprogs: grows the root fs
# iproute2's tc (busybox's cannot set netem): tbctl impair sets delay, loss and rate in the guest
install -m755 "$(command -v tc)" "$R/usr/sbin/tc"; ln -sf /usr/sbin/tc "$R/sbin/tc"; ln -sf /usr/sbin/tc "$R/usr/bin/tc"
cp -a "$X"/usr/libexec/sudo/{sudoers.so,libsudo_util.so*} "$R/usr/libexec/sudo/"
for m in pam_permit.so pam_deny.so pam_unix.so pam_env.so; do
  cp "$X/lib/x86_64-linux-gnu/security/$m" "$R/lib/x86_64-linux-gnu/security/" 2>/dev/null ||
  cp "$X/usr/lib/x86_64-linux-gnu/security/$m" "$R/lib/x86_64-linux-gnu/security/"
done
# shared libraries: resolved with ldd against the host's libc and the extracted packages
LIBPATH=$X/usr/lib/x86_64-linux-gnu:$X/lib/x86_64-linux-gnu:$X/usr/libexec/sudo
for b in "$R"/usr/sbin/{dropbear,resize2fs,tc} "$R"/usr/bin/{dropbearkey,dbclient,dropbearconvert,sudo} \
         "$R"/usr/libexec/sudo/*.so* "$R"/lib/x86_64-linux-gnu/security/*.so; do
  LD_LIBRARY_PATH=$LIBPATH ldd "$b" | awk '/not found/{print "MISSING " $1} /=>/ && $3 ~ /^\//{print $3} /^[ \t]*\/lib64\//{print $1}'
done | sort -u > "$W/libs"
grep '^MISSING' "$W/libs" && die "unresolved shared libraries (see above)"
while read -r l; do
  case $l in
    /lib64/*) cp -L "$l" "$R/lib64/" ;;
    */libexec/sudo/*) ;;
    *) cp -L "$l" "$R/lib/x86_64-linux-gnu/" ;;
  esac
done < "$W/libs"

# /etc
cat > "$R/etc/passwd" <<'P'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
P
cat > "$R/etc/group" <<'G'
root:x:0:
tty:x:5:
sudo:x:27:
users:x:100:
nogroup:x:65534:
G
printf 'root:*:19000:0:99999:7:::\nnobody:*:19000:0:99999:7:::\n' > "$R/etc/shadow"; chmod 600 "$R/etc/shadow"
printf '/bin/sh\n/bin/ash\n/bin/bash\n' > "$R/etc/shells"
printf 'passwd: files\ngroup: files\nshadow: files\nhosts: files dns\n' > "$R/etc/nsswitch.conf"
printf '127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n' > "$R/etc/hosts"
echo localhost > "$R/etc/hostname"
echo 'LABEL=tbctlroot / ext4 rw,noatime,noinit_itable 0 1' > "$R/etc/fstab"
: > "$R/etc/resolv.conf"
ln -s /bin/busybox "$R/bin/bash"      # many scripts start with #!/bin/bash; busybox ash runs most
install -m644 "$GUEST/profile" "$R/etc/profile"
install -m755 "$GUEST/rcS" "$R/etc/init.d/rcS"
install -m644 "$GUEST/inittab" "$R/etc/inittab"
install -m755 "$GUEST/tbctl-cloud" "$R/usr/sbin/tbctl-cloud"
install -m755 "$GUEST/tbctl-shutdown" "$R/usr/sbin/tbctl-shutdown"
install -m755 "$GUEST/adduser" "$R/usr/sbin/adduser"; ln -s adduser "$R/usr/sbin/addgroup"
install -m755 "$GUEST/cloud-init" "$R/usr/bin/cloud-init"
install -m644 "$GUEST/yaml.awk" "$R/usr/lib/tbctl-cloud/yaml.awk"
install -m755 "$GUEST/udhcpc.script" "$R/usr/share/tbctl-cloud/udhcpc.script"
install -m755 "$GUEST/acpi-power" "$R/etc/acpi/PWRF/00000080"
if [ -n "$APPLIANCE_KEY" ]; then
  # no NoCloud reader: rcS runs appliance-init instead (DHCP, host key, the baked login key)
  rm -f "$R/usr/sbin/tbctl-cloud" "$R/usr/bin/cloud-init"
  install -m755 "$GUEST/appliance-init" "$R/usr/sbin/appliance-init"
  mkdir -p "$R/root/.ssh"; chmod 700 "$R/root/.ssh"
  install -m600 "$APPLIANCE_KEY" "$R/root/.ssh/authorized_keys"
fi
ln -s tbctl-cloud.log "$R/var/log/cloud-init-output.log"
ln -s tbctl-cloud.log "$R/var/log/cloud-init.log"
# sudo: sudoers + a minimal PAM stack (NOPASSWD rules need only account/session)
cat > "$R/etc/sudoers" <<'S'
Defaults	env_reset
Defaults	secure_path="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
root	ALL=(ALL:ALL) ALL
%sudo	ALL=(ALL:ALL) ALL
@includedir /etc/sudoers.d
S
chmod 440 "$R/etc/sudoers"
printf 'Set disable_coredump false\n' > "$R/etc/sudo.conf"
cat > "$R/etc/pam.d/sudo" <<'S'
auth     required pam_unix.so
account  required pam_permit.so
session  required pam_permit.so
S
cat > "$R/etc/pam.d/other" <<'S'
auth     required pam_deny.so
account  required pam_deny.so
password required pam_deny.so
session  required pam_deny.so
S
BUILD_DATE=$(date -u +%Y-%m-%dT%H:%M:%SZ)
{ echo "$NAME $BUILD_DATE"; echo "kernel $KVER"; echo "busybox $(/bin/busybox | head -n1 | cut -d' ' -f2)";
  echo "dropbear $(ls "$OUT"/debs/dropbear-bin_*.deb | sed 's/.*dropbear-bin_//; s/_.*//')"; } > "$R/etc/tbctl-demo-release"
cat > "$R/etc/os-release" <<O
PRETTY_NAME="tbctl demo image (busybox, Debian kernel $KVER)"
NAME="tbctl-demo"
ID=tbctl-demo
VERSION_ID="${BUILD_DATE%%T*}"
BUILD_ID="$BUILD_DATE"
O

# ---- stage-1 initrd: busybox + the modules needed to find root and the seed -------------
I=$W/initrd; mkdir -p "$I"/{bin,sbin,proc,sys,dev,newroot,lib/modules}
cp /bin/busybox "$I/bin/"
for a in sh mount umount insmod sleep cat findfs switch_root mkdir echo dd od tr blockdev sync; do ln -s busybox "$I/bin/$a"; done
install -m755 "$GUEST/initrd-init" "$I/init"
declare -A SEEN; ORDER=()
addmod() {
  local m=$1 d f
  [ -n "${SEEN[$m]:-}" ] && return; SEEN[$m]=1
  f=$(modinfo -k "$KVER" -n "$m" 2>/dev/null) || { say "module $m not in $KVER (built in?)"; return 0; }
  case $f in /*) ;; *) return 0;; esac        # "(builtin)"
  for d in $(modinfo -k "$KVER" -F depends "$m" | tr ',' ' '); do addmod "$d"; done
  cp "$f" "$I/lib/modules/$m.ko"; ORDER+=("$m")
}
# every boot needs these (root disk, NICs, the seed cdrom on IDE, ACPI power button, rng, and
# pvpanic: a panic is told to QEMU, so libvirt reports it the moment it happens)
for m in crc32c_generic virtio_pci virtio_blk ext4 virtio_net virtio_rng isofs sr_mod ata_piix button evdev pvpanic-mmio; do addmod "$m"; done
printf '%s\n' "${ORDER[@]}" > "$I/modules.order"
# more modules in the root fs, for modprobe: a seed cdrom on SATA (q35) or a vfat seed
# (tbctl-cloud loads them when it finds no seed), and a few for network labs
MD=$R/lib/modules/$KVER
declare -A XSEEN
addextra() {
  local m=$1 d f
  [ -n "${XSEEN[$m]:-}" ] && return; XSEEN[$m]=1
  f=$(modinfo -k "$KVER" -n "$m" 2>/dev/null) || return 0
  case $f in /*) ;; *) return 0;; esac
  for d in $(modinfo -k "$KVER" -F depends "$m" | tr ',' ' '); do addextra "$d"; done
  mkdir -p "$MD/$(dirname "${f#/lib/modules/$KVER/}")"; cp "$f" "$MD/${f#/lib/modules/$KVER/}"
  echo "${f#/lib/modules/$KVER/}" >> "$MD/modules.order"
}
for m in ahci vfat nls_cp437 nls_ascii nls_utf8 virtio_scsi virtio_console bridge 8021q tun dummy veth; do addextra "$m"; done
# tbctl impair (docs/conditions.md): netem per direction, ifb + mirred for received traffic,
# prio + u32 to impair only the traffic towards some destinations
for m in sch_netem sch_prio sch_ingress ifb act_mirred cls_u32; do addextra "$m"; done
cp /lib/modules/$KVER/modules.builtin /lib/modules/$KVER/modules.builtin.modinfo "$MD/" 2>/dev/null || true
depmod -b "$R" "$KVER"
(cd "$I" && find . | cpio -o -H newc 2>/dev/null | gzip -9) > "$W/initrd.gz"
cp "/boot/vmlinuz-$KVER" "$W/vmlinuz"

# ---- root filesystem image (ext4; inode tables and journal initialised now, so that
#      linked clones do not write them in their first minute) -----------------------------
USED_MB=$(( $(du -sm "$R" | cut -f1) + 1 ))
[ $USED_MB -lt $((ROOT_MB / 2)) ] || die "root content ($USED_MB MiB) too big for ROOT_MB=$ROOT_MB"
mkfs.ext4 -q -F -L tbctlroot -m 1 -E lazy_itable_init=0,lazy_journal_init=0,root_owner=0:0 \
  -d "$R" "$W/root.img" "${ROOT_MB}M" >/dev/null

# ---- boot filesystem (FAT16 + syslinux) ------------------------------------------------
mkfs.vfat -n TBCTLBOOT -h 2048 -C "$W/boot.img" $((BOOT_MB * 1024)) >/dev/null
cat > "$W/syslinux.cfg" <<S
DEFAULT linux
PROMPT 0
TIMEOUT 1
LABEL linux
  KERNEL /vmlinuz
  INITRD /initrd.gz
  APPEND root=LABEL=tbctlroot console=ttyS0,115200 quiet mitigations=off cryptomgr.notests no_timer_check
S
mcopy -i "$W/boot.img" "$W/vmlinuz" "$W/initrd.gz" "$W/syslinux.cfg" ::/
syslinux --install "$W/boot.img"

# ---- disk (images/pack-disk.sh) ------------------------------------------------------
pack_disk "$W" "$NAME" "$BOOT_MB" "$ROOT_MB"

# ---- publish (atomically, stamp last) --------------------------------------------------
sha256sum < "$W/$NAME.qcow2" | cut -d' ' -f1 > "$W/$NAME.qcow2.sha256"
rm -f "$OUT/$NAME.stamp"
mv "$W/vmlinuz" "$OUT/$NAME.vmlinuz"; mv "$W/initrd.gz" "$OUT/$NAME.initrd.gz"
mv "$W/$NAME.qcow2" "$IMG"; mv "$W/$NAME.qcow2.sha256" "$IMG.sha256"
echo "$STAMP" > "$OUT/$NAME.stamp"
T1=$(date +%s.%N)
say "built $IMG in $(echo "$T1 - $T0" | bc | xargs printf '%.1f') s"
say "  size $(du -k "$IMG" | cut -f1) KiB ($(qemu-img info "$IMG" | sed -n 's/^virtual size: //p') virtual), root content ${USED_MB} MiB, kernel $KVER"
say "  sha256 $(cat "$IMG.sha256")"
