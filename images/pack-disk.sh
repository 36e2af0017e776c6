# Sourced by build-demo-image.sh and build-debian-image.sh (their stamps hash this file too):
# the bootable disk both images share.
#
# pack_disk W NAME BOOT_MB ROOT_MB: $W/boot.img (FAT, syslinux installed) and $W/root.img (ext4)
# into $W/$NAME.qcow2: an MBR with syslinux's boot code, p1 /boot (bootable), p2 root (last, so
# it can be grown), written sparse and compressed (qcow2 compat 1.1).
pack_disk() {
  local w=$1 name=$2 boot_mb=$3 root_mb=$4
  local disk=$w/disk.raw
  truncate -s $((1 + boot_mb + root_mb))M "$disk"
  printf 'label: dos\nstart=2048, size=%d, type=6, bootable\nstart=%d, size=%d, type=83\n' \
    $((boot_mb * 2048)) $((2048 + boot_mb * 2048)) $((root_mb * 2048)) | sfdisk -q "$disk"
  dd if=/usr/lib/syslinux/mbr/mbr.bin of="$disk" bs=440 count=1 conv=notrunc status=none
  dd if="$w/boot.img" of="$disk" bs=1M seek=1 conv=notrunc,sparse status=none
  dd if="$w/root.img" of="$disk" bs=1M seek=$((1 + boot_mb)) conv=notrunc,sparse status=none
  qemu-img convert -q -c -O qcow2 -o compat=1.1 "$disk" "$w/$name.qcow2"
}
