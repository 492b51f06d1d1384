#!/bin/bash
# SPDX-License-Identifier: MIT
# tools/setup.sh: installs every Debian 12 package that dsmk's build, cluster tools and tests
# use (apt-get only). Idempotent: skips apt-get entirely when everything is present, and
# runs `apt-get update` at most once per call. Needs root (run it with sudo).
set -euo pipefail

PACKAGES=(
    build-essential make gcc binutils nasm          # kernel build
    clang libclang-rt-14-dev                        # fuzz targets (libFuzzer runtime)
    musl-tools                                      # bundled user programs (musl-gcc -static)
    qemu-system-x86 qemu-utils                      # the nodes
    grub-pc-bin grub-common xorriso mtools          # make iso (grub-mkrescue)
    ipxe dnsmasq-base                               # make netboot, --boot pxe (DHCP + TFTP)
    nftables iproute2 iputils-ping tcpdump          # netns, bridge, taps, fault injection
    python3 python3-pytest                          # tools/dsmk and the pytest tiers
    busybox-static                                  # small static programs for tests
    golang-go                                       # a Go program's static binary (tests/cluster)
    gdb                                             # dsmk gdb / make gdb on a live node
)

missing=()
for p in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "setup: all ${#PACKAGES[@]} packages already installed"
    exit 0
fi

SUDO=
if [ "$(id -u)" -ne 0 ]; then
    SUDO=sudo
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends "${missing[@]}"
echo "setup: done"
