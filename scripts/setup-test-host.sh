#!/usr/bin/env bash
# What the tests need on the host, installed when missing (idempotent; fast when all is there).
# `npm test` runs it first; `.ci/run` through npm test. Needs root (or sudo) only when something
# is missing: Debian packages from apt, then the Debian 12 image built once into the image cache
# (~1-2 minutes and ~150 MB from Debian's mirror), which every test that boots a VM shares.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
have() { command -v "$1" >/dev/null 2>&1; }
# the aws CLI for the end-to-end scripts (Debian's, not one on PATH from elsewhere)
[ -x /usr/bin/aws ] || need+=(awscli)
# NBD tests: qemu-img, qemu-io (qemu-utils), nbdcopy, nbdinfo (libnbd-bin)
[ -x /usr/bin/qemu-img ] && [ -x /usr/bin/qemu-io ] || need+=(qemu-utils)
[ -x /usr/bin/nbdcopy ] && [ -x /usr/bin/nbdinfo ] || need+=(libnbd-bin)
# key pairs and logging into instances
have ssh-keygen && have ssh || need+=(openssh-client)
have openssl || need+=(openssl)
# instances that boot: QEMU, UEFI firmware, socat for the metadata service
have qemu-system-x86_64 || need+=(qemu-system-x86)
[ -f /usr/share/OVMF/OVMF_CODE_4M.fd ] || need+=(ovmf)
have socat || need+=(socat)
have setpriv || need+=(util-linux)
# building the Debian image: mmdebstrap, sfdisk, mkfs.ext4 -d, mkfs.vfat, mtools
have mmdebstrap || need+=(mmdebstrap)
have sfdisk || need+=(fdisk)
have mkfs.ext4 || need+=(e2fsprogs)
have mkfs.vfat || need+=(dosfstools)
have mcopy || need+=(mtools)
# the metadata store's second engine: a throwaway cluster per test run (scripts/test-servers/postgres.sh)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
# Packer's amazon-ebs builder against Imago
have packer || need+=(packer)
# the moto-style compatibility suite (test/compat-moto): boto3 and pytest for the python3 on PATH
python3 -c 'import boto3' >/dev/null 2>&1 || need+=(python3-boto3)
python3 -c 'import pytest' >/dev/null 2>&1 || need+=(python3-pytest)
# the console's browser tests (test/browser): Debian's Chromium, driven by playwright-core (no browser download)
[ -x /usr/bin/chromium ] || need+=(chromium)
# the S3 chunk store's tests: a throwaway Ceph RGW (scripts/test-servers/rgw.sh)
have ceph-mon || need+=(ceph-mon)
have ceph-osd || need+=(ceph-osd)
have radosgw || need+=(radosgw)
have ceph-authtool && have radosgw-admin || need+=(ceph-common)

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
if [ ${#need[@]} -gt 0 ]; then
  if [ -n "$SUDO" ] && ! sudo -n true 2>/dev/null; then
    echo "the tests need these Debian packages: ${need[*]}" >&2
    echo "install them as root: sudo bash scripts/setup-test-host.sh" >&2
    exit 1
  fi
  echo "installing: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# the Debian 12 image the VM tests boot (cached: ~1 s when the recipe is unchanged)
if ! out=$(node bin/imago.mjs images build debian-12 --cache-only 2>&1); then
  echo "$out" | tail -5 >&2
  echo "the VM tests need the Debian 12 image, built once as root: sudo npm run imago -- images build debian-12 --cache-only" >&2
  exit 1
fi
