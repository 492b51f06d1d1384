# SPDX-License-Identifier: MIT
"""GRUB BIOS ISO images (PLUMBING.md section 3): grub-mkrescue with a small module set,
a serial console and one multiboot (v1) entry with the given command line and modules.
No EFI image (that would need grub-efi-amd64-bin and mtools).
"""
import os
import shutil
import subprocess
import tempfile

GRUB_MODULES = "multiboot normal serial terminal configfile echo"
SERIAL_SPEED = 115200


def grub_cfg(cmdline, modules):
    """grub.cfg text: no menu delay, console on COM1, one multiboot entry."""
    lines = ["set timeout=0", "set default=0",
             "serial --unit=0 --speed=%d" % SERIAL_SPEED,
             "terminal_input serial console", "terminal_output serial console",
             'menuentry "dsmk" {',
             "    multiboot /boot/dsmk.elf %s" % cmdline]
    for j, (_path, modline) in enumerate(modules):
        lines.append("    module /boot/mod%d %s" % (j, modline))
    lines += ["    boot", "}"]
    return "\n".join(lines) + "\n"


def make_iso(out, kernel, cmdline="", modules=()):
    """Writes a bootable ISO to out; modules = [(path, module cmdline)]."""
    with tempfile.TemporaryDirectory(prefix="dsmk-iso-") as tree:
        boot = os.path.join(tree, "boot")
        os.makedirs(os.path.join(boot, "grub"))
        shutil.copyfile(kernel, os.path.join(boot, "dsmk.elf"))
        for j, (path, _modline) in enumerate(modules):
            shutil.copyfile(path, os.path.join(boot, "mod%d" % j))
        with open(os.path.join(boot, "grub", "grub.cfg"), "w") as f:
            f.write(grub_cfg(cmdline, modules))
        tmp = out + ".tmp"
        r = subprocess.run(["grub-mkrescue", "-o", tmp, "--install-modules=" + GRUB_MODULES,
                            "--fonts=", "--locales=", "--themes=", tree],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if r.returncode != 0:
            raise RuntimeError("grub-mkrescue: %s" % r.stdout.strip())
        os.replace(tmp, out)
    return out
