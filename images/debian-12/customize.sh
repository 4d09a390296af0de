#!/bin/bash
# customize.sh ROOT — turns the installed tree into a generic EC2-style cloud image: no identity
# of its own, cloud-init with the EC2 datasource, serial console, GRUB configuration, and what
# the guest runs at boot trimmed for speed under software emulation (TCG), where every process
# start and every Python import counts.
set -euo pipefail
R=${1:?usage: customize.sh ROOT}
HERE=$(cd "$(dirname "$0")" && pwd)
in_root() { chroot "$R" "$@"; }

# --- file systems, names -------------------------------------------------------------------
# the root is found by label (the partition's number or UUID is nobody's business); the ESP is
# not mounted: GRUB's EFI image reads grub.cfg from the root, so kernel updates need no ESP write
echo 'LABEL=root / ext4 defaults,discard,errors=remount-ro 0 1' > "$R/etc/fstab"
echo localhost > "$R/etc/hostname"
printf '127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n' > "$R/etc/hosts"

# --- no identity baked in: every instance makes its own at first boot -------------------------
rm -f "$R"/etc/ssh/ssh_host_*            # cloud-init's ssh module generates them
: > "$R/etc/machine-id"                   # empty: systemd generates one at first boot
rm -f "$R/var/lib/dbus/machine-id"
rm -rf "$R"/var/lib/cloud/*
: > "$R/etc/resolv.conf"                  # mmdebstrap leaves the host's here
in_root passwd --lock root >/dev/null
rm -f "$R"/var/cache/apt/*.bin "$R"/var/lib/apt/lists/*_* "$R"/var/log/*.log "$R"/var/log/apt/*

# --- cloud-init: EC2 datasource only, user admin as in Debian's AWS images ------------------
cp "$HERE/cloud.cfg.d/"*.cfg "$R/etc/cloud/cloud.cfg.d/"
# the modules of the "config" stage run in the init stage (see 91-imago-boot.cfg): its unit
# would start Python once more (~5 s under TCG) and hold logins (systemd-user-sessions) until done
ln -sf /dev/null "$R/etc/systemd/system/cloud-config.service"
# keys only by public key (the `admin` password is locked anyway)
printf 'PasswordAuthentication no\nKbdInteractiveAuthentication no\n' > "$R/etc/ssh/sshd_config.d/50-cloud-image.conf"

# --- units with nothing to do on a cloud VM ------------------------------------------------
# getty@tty1: no display (the serial getty stays); e2scrub_reap: no LVM snapshots to reap
for unit in getty@tty1.service e2scrub_reap.service; do
  ln -sf /dev/null "$R/etc/systemd/system/$unit"
done

# --- initramfs: only what a virtio or NVMe cloud disk needs (6 MB instead of ~30 MB) --------
printf '%s\n' virtio_pci virtio_blk virtio_scsi sd_mod nvme crc32c_generic ext4 > "$R/etc/initramfs-tools/modules"
in_root update-initramfs -u -k all >/dev/null

# --- GRUB: serial console, no menu; the kernel log goes to ttyS0 (GetConsoleOutput) ---------
mkdir -p "$R/boot/grub"
cp "$HERE/grub.cfg" "$R/boot/grub/grub.cfg"
