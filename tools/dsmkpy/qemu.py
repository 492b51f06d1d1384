# SPDX-License-Identifier: MIT
"""QEMU command lines for one dsmk node (PLUMBING.md sections 2, 3, 4, 6, 10).

Serial: COM1 = kernel log, COM2 = program stdout, COM3 = program stderr, COM4 = the files
the program wrote (files.out=, at its exit; tools/dsmkpy/files_out.py), each written to a
file (a FIFO path works too). isa-debug-exit, -no-reboot (a triple fault exits 0), -smp 1
(the kernel is single-CPU by design). It only builds argument lists; starting is node.py.
"""
import os

from . import accel as accel_mod

QEMU_BIN = os.environ.get("QEMU", "qemu-system-x86_64")
ISA_DEBUG_EXIT = "isa-debug-exit,iobase=0xf4,iosize=0x04"  # kernel/exit_codes.h talks to port 0xf4
MAC_PREFIX = "52:54:00:d5:00"  # locally administered QEMU OUI range, node index in the last byte
NIC_MODELS = {"virtio": "virtio-net-pci", "e1000": "e1000"}
BOOT_MODES = ("kernel", "iso", "pxe")
DEFAULT_MEM_MB = 512  # QEMU backs guest RAM lazily: an idle node costs the host little
SERCON_PORT_FILE = "sercon-port.bin"  # SeaBIOS prints to COM1 too (PLUMBING 4), for PXE logs
COM1_PORT = b"\xf8\x03"               # 0x3f8 little-endian


def node_mac(index):
    """The MAC of node index (0..255): 52:54:00:d5:00:NN."""
    if not 0 <= index <= 0xFF:
        raise ValueError("node index %d out of range" % index)
    return "%s:%02x" % (MAC_PREFIX, index)


def initrd_arg(modules):
    """QEMU's -initrd value for [(path, cmdline)]: comma separated, commas in paths doubled."""
    parts = []
    for path, cmdline in modules:
        if " " in path:
            raise ValueError("module path has a space (QEMU splits on it): %r" % path)
        parts.append((path.replace(",", ",,") + (" " + cmdline if cmdline else "")))
    return ",".join(parts)


class NodeSpec:
    """Everything QEMU needs for one node; paths are absolute."""

    def __init__(self, index, rundir, kernel=None, boot="kernel", iso=None, append="", modules=(),
                 nic=None, tap=None, mem_mb=DEFAULT_MEM_MB, accel=None, cpu=None, mtu=None, extra=()):
        if boot not in BOOT_MODES:
            raise ValueError("boot must be one of %s" % ", ".join(BOOT_MODES))
        if nic is not None and nic not in NIC_MODELS:
            raise ValueError("nic must be one of %s" % ", ".join(NIC_MODELS))
        self.index = index
        self.rundir = os.path.abspath(rundir)
        self.kernel = kernel and os.path.abspath(kernel)
        self.boot = boot
        self.iso = iso and os.path.abspath(iso)
        self.append = append
        self.modules = list(modules)
        self.nic = nic
        self.tap = tap
        self.mem_mb = mem_mb
        self.accel = accel or accel_mod.choose_accel()
        self.cpu = cpu or os.environ.get("DSMK_CPU")
        self.mtu = mtu
        self.extra = list(extra)

    def path(self, suffix):
        """rundir/node<I>.<suffix>"""
        return os.path.join(self.rundir, "node%d.%s" % (self.index, suffix))

    @property
    def log(self):
        return self.path("log")

    @property
    def stdout(self):
        return self.path("stdout")

    @property
    def stderr(self):
        return self.path("stderr")

    @property
    def files(self):
        return self.path("files")

    @property
    def qmp(self):
        return self.path("qmp")

    @property
    def gdb(self):
        return self.path("gdb")

    @property
    def pidfile(self):
        return self.path("pid")

    @property
    def mac(self):
        return node_mac(self.index)

    def netdev_id(self):
        return "n%d" % self.index

    def nic_id(self):
        return "nic%d" % self.index


def build_qemu_args(spec):
    """The full argv (QEMU binary first) for spec."""
    args = [QEMU_BIN] + accel_mod.accel_args(spec.accel)
    if spec.cpu and spec.accel != "kvm":
        args += ["-cpu", spec.cpu]
    args += ["-m", str(spec.mem_mb), "-smp", "1", "-nodefaults", "-display", "none", "-no-reboot",
             "-device", ISA_DEBUG_EXIT,
             "-serial", "file:" + spec.log,
             "-serial", "file:" + spec.stdout,
             "-serial", "file:" + spec.stderr,
             "-serial", "file:" + spec.files,
             "-qmp", "unix:%s,server=on,wait=off" % spec.qmp,
             "-gdb", "unix:%s,server=on,wait=off" % spec.gdb,  # idle until `dsmk gdb` attaches
             "-pidfile", spec.pidfile]
    if spec.boot == "kernel":
        args += ["-kernel", spec.kernel]
        if spec.append:
            args += ["-append", spec.append]
        if spec.modules:
            args += ["-initrd", initrd_arg(spec.modules)]
    elif spec.boot == "iso":
        args += ["-cdrom", spec.iso, "-boot", "d"]
    else:
        sercon = os.path.join(spec.rundir, SERCON_PORT_FILE)
        if not os.path.exists(sercon):
            with open(sercon, "wb") as f:
                f.write(COM1_PORT)
        args += ["-boot", "n", "-fw_cfg", "name=etc/sercon-port,file=" + sercon]
    if spec.nic:
        if not spec.tap:
            raise ValueError("a NIC needs a tap")
        args += ["-netdev", "tap,id=%s,ifname=%s,script=no,downscript=no,vnet_hdr=off" % (spec.netdev_id(), spec.tap)]
        dev = "%s,netdev=%s,id=%s,mac=%s" % (NIC_MODELS[spec.nic], spec.netdev_id(), spec.nic_id(), spec.mac)
        if spec.nic == "e1000":
            dev += ",mitigation=off"  # QEMU holds e1000 interrupts >=128 us otherwise (PLUMBING 13)
        if spec.nic == "virtio" and spec.mtu:
            dev += ",host_mtu=%d" % spec.mtu
        if spec.boot != "pxe":
            dev += ",romfile="  # no option ROM: nothing to netboot, faster start
        args += ["-device", dev]
    return args + spec.extra
