#!/bin/bash
# build.sh OUT.raw — a minimal Debian 12 (bookworm) amd64 cloud image, bootable from its own
# disk (BIOS: GRUB in the MBR; UEFI: GRUB at \EFI\BOOT\BOOTX64.EFI on a small ESP), like
# Debian's own EC2 images: cloud-init with the EC2 datasource, user `admin`, serial console.
#
# Needs, on the host, as root: mmdebstrap, sfdisk (fdisk), mkfs.ext4 (e2fsprogs), mkfs.vfat
# (dosfstools), mcopy/mmd (mtools), and Debian's mirror. No loop devices, no mounts: the root
# file system is written by `mkfs.ext4 -d` straight into the disk file.
# Progress: one `phase: NAME` line per step on stdout (the TypeScript runner times them).
set -euo pipefail
OUT=${1:?usage: build.sh OUT.raw}
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d "${TMPDIR:-/var/tmp}/imago-debian-12.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# What Debian's EC2 images carry that matters here, and no more: the cloud kernel (virtio and
# nvme, no hardware drivers), systemd + udev + dbus (logind turns the ACPI power button into a
# clean shutdown), ifupdown + dhclient (cloud-init renders /etc/network/interfaces.d and uses
# dhclient for its own early DHCP), and both GRUB platforms' modules (the boot images are made
# by mkdisk.sh, so no grub-pc/grub-efi package with its install-time scripts).
PKGS=(
  linux-image-cloud-amd64 systemd-sysv udev dbus
  openssh-server sudo curl ca-certificates netbase procps e2fsprogs
  cloud-init cloud-guest-utils iproute2 ifupdown isc-dhcp-client
  grub2-common grub-pc-bin grub-efi-amd64-bin
)
# the host's mirror and suites (as in /etc/apt/sources.list.d/debian.sources)
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SECURITY=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}

echo "phase: packages"
mmdebstrap --quiet --variant=minbase --include="$(IFS=,; echo "${PKGS[*]}")" \
  --essential-hook="$HERE/essential-hook.sh \"\$1\"" \
  bookworm "$WORK/root" \
  "deb $MIRROR bookworm main" \
  "deb $MIRROR bookworm-updates main" \
  "deb $SECURITY bookworm-security main"

echo "phase: customize"
"$HERE/customize.sh" "$WORK/root"

echo "phase: disk"
"$HERE/mkdisk.sh" "$WORK/root" "$WORK/disk.raw"
mv "$WORK/disk.raw" "$OUT"
