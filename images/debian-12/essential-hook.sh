#!/bin/sh
# essential-hook.sh ROOT — runs after Debian's essential packages, before the others: the
# kernel's first initramfs is then already the small one (customize.sh writes the module list
# and builds it again with the final configuration).
set -e
mkdir -p "$1/etc/initramfs-tools/conf.d"
echo 'MODULES=list' > "$1/etc/initramfs-tools/conf.d/imago.conf"
