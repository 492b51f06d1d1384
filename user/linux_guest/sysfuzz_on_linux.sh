#!/bin/bash
# SPDX-License-Identifier: MIT
# Runs $BUILD/user/sysfuzz on a real Linux kernel (Debian's linux-image-amd64) in a QEMU TCG
# guest, never on this host: a check of sysfuzz itself, that its skip/tame table keeps it
# alive where every system call does its real work. Exits 0 when sysfuzz made all COUNT
# calls and exited 0. Needs musl-tools, qemu-system-x86 and apt (downloads ~70 MB once,
# into $BUILD/linux-guest; nothing is installed). Not a test tier: it takes minutes per seed.
# Usage: user/linux_guest/sysfuzz_on_linux.sh [COUNT=100000] [SEED=1] [v]
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
COUNT=${1:-100000}
SEED=${2:-1}
MODE=${3:-}
TIMEOUT=${TIMEOUT:-900}
DIR=$BUILD/linux-guest
mkdir -p "$DIR"

if [ ! -f "$DIR/vmlinuz" ]; then
    pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-/ && !p {print $2; p = 1}' || true)
    [ -n "$pkg" ] || { echo "no linux-image package known to apt (run apt-get update)" >&2; exit 2; }
    (cd "$DIR" && apt-get download "$pkg" >/dev/null 2>apt.log) || { cat "$DIR/apt.log" >&2; exit 2; }
    dpkg-deb --fsys-tarfile "$DIR"/"$pkg"_*.deb | tar -x -O --wildcards './boot/vmlinuz-*' > "$DIR/vmlinuz"
    rm -f "$DIR"/"$pkg"_*.deb
fi
make --no-print-directory BUILD="$BUILD" "$BUILD/user/sysfuzz" >/dev/null
musl-gcc -static -O2 -Wall -Wextra -Werror -o "$DIR/init" user/linux_guest/init.c

# newc cpio: /init and /sysfuzz (the guest kernel unpacks it as its root file system).
python3 - "$DIR/initrd.cpio" "$DIR/init" "$BUILD/user/sysfuzz" <<'PY'
import sys
def entry(name, mode, data=b""):
    fields = (0, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(name) + 1, 0)
    out = b"070701" + "".join("%08x" % v for v in fields).encode() + name.encode() + b"\0"
    out += b"\0" * (-len(out) % 4) + data + b"\0" * (-len(data) % 4)
    return out
blob = entry("init", 0o100755, open(sys.argv[2], "rb").read())
blob += entry("sysfuzz", 0o100755, open(sys.argv[3], "rb").read()) + entry("TRAILER!!!", 0)
open(sys.argv[1], "wb").write(blob)
PY

log=$DIR/sysfuzz-$COUNT-$SEED.log
timeout "$TIMEOUT" qemu-system-x86_64 -accel tcg -m 512 -smp 1 -nodefaults -display none -serial stdio \
    -no-reboot -kernel "$DIR/vmlinuz" -initrd "$DIR/initrd.cpio" \
    -append "console=ttyS0 quiet panic=-1 -- $COUNT $SEED $MODE" > "$log" 2>&1 || true
grep -a -v '^sysfuzz: #' "$log" | tail -4
if grep -aq "^sysfuzz: $COUNT calls done" "$log" && grep -aq '^INIT: sysfuzz exited status 0' "$log"; then
    echo "sysfuzz on Linux: seed $SEED, $COUNT calls: survived (log $log)"
else
    echo "sysfuzz on Linux: seed $SEED, $COUNT calls: FAILED (log $log; rerun with v to log every call)"
    exit 1
fi
