#!/bin/bash
# mkdisk.sh ROOT OUT.raw — the disk: 2 GiB sparse raw, MBR partition table, written without
# loop devices or mounts.
#
#   sector 0            MBR: GRUB's boot.img (first 440 bytes) + the partition table
#   sectors 1-2047      GRUB's core.img (BIOS), in the gap before the first partition
#   2048-34815          partition 2: ESP (type 0xef, FAT, 16 MiB): \EFI\BOOT\BOOTX64.EFI
#   34816-end           partition 1: ext4 labelled `root`, bootable; last on the disk, so
#                       growpart can grow it to the volume's size at first boot
# boot.img's default kernel_sector (1) and diskboot's default blocklist start (2) match this
# layout: nothing to patch.
set -euo pipefail
R=${1:?usage: mkdisk.sh ROOT OUT.raw}; OUT=${2:?usage: mkdisk.sh ROOT OUT.raw}
SIZE=2G
ESP_START=2048 ESP_SECTORS=32768 ROOT_START=34816
WORK=$(mktemp -d "${TMPDIR:-/var/tmp}/imago-mkdisk.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

rm -f "$OUT"
truncate -s "$SIZE" "$OUT"
sfdisk --quiet "$OUT" <<TABLE
label: dos
start=$ROOT_START, type=83, bootable
start=$ESP_START, size=$ESP_SECTORS, type=ef
TABLE
ROOT_SECTORS=$(( $(stat -c %s "$OUT") / 512 - ROOT_START ))

# root file system, filled from the tree in the partition's byte range of the file
mkfs.ext4 -q -F -L root -E offset=$((ROOT_START * 512)),root_owner=0:0 -d "$R" "$OUT" $((ROOT_SECTORS / 2))k

# BIOS: the image's own GRUB, prefix on partition 1
chroot "$R" grub-mkimage -O i386-pc -o /tmp/core.img -p '(hd0,msdos1)/boot/grub' \
  biosdisk part_msdos ext2 normal linux configfile serial terminal test echo
dd if="$R/usr/lib/grub/i386-pc/boot.img" of="$OUT" bs=440 count=1 conv=notrunc status=none
dd if="$R/tmp/core.img" of="$OUT" bs=512 seek=1 conv=notrunc status=none
rm "$R/tmp/core.img"

# UEFI: a GRUB image that finds the root by label and reads the same grub.cfg
cat > "$R/tmp/early.cfg" <<'CFG'
search --no-floppy --label root --set=root
set prefix=($root)/boot/grub
configfile $prefix/grub.cfg
CFG
chroot "$R" grub-mkimage -O x86_64-efi -o /tmp/bootx64.efi -c /tmp/early.cfg -p /boot/grub \
  part_msdos ext2 fat search search_label normal linux configfile serial terminal test echo
mkfs.vfat -C -n EFI "$WORK/esp.img" $((ESP_SECTORS / 2)) >/dev/null
export MTOOLS_SKIP_CHECK=1
mmd -i "$WORK/esp.img" ::/EFI ::/EFI/BOOT
mcopy -i "$WORK/esp.img" "$R/tmp/bootx64.efi" ::/EFI/BOOT/BOOTX64.EFI
rm "$R/tmp/bootx64.efi" "$R/tmp/early.cfg"
dd if="$WORK/esp.img" of="$OUT" bs=512 seek=$ESP_START conv=notrunc,sparse status=none
