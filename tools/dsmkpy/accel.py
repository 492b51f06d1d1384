# SPDX-License-Identifier: MIT
"""Accelerator choice (PLUMBING.md section 8).

KVM only when it is real: /dev/kvm usable, no kvm_pvm module (a nested PVM runs ring-0
code ~1000x slower than TCG here) and vmx/svm in /proc/cpuinfo. ACCEL=tcg|kvm forces one.
"""
import os

ACCEL_ENV = "ACCEL"
KVM_DEVICE = "/dev/kvm"
KVM_PVM_MODULE = "/sys/module/kvm_pvm"
CPUINFO = "/proc/cpuinfo"
# "host" and "max" abort on PVM hosts over MSR 0x10a; this model works on both (PLUMBING 8).
KVM_CPU_MODEL = "host,-arch-capabilities"


def kvm_usable(dev=KVM_DEVICE, pvm=KVM_PVM_MODULE, cpuinfo=CPUINFO):
    """True when KVM would run the guest at hardware speed."""
    if not os.access(dev, os.R_OK | os.W_OK) or os.path.exists(pvm):
        return False
    try:
        with open(cpuinfo) as f:
            flags = f.read().split()
    except OSError:
        return False
    return "vmx" in flags or "svm" in flags


def choose_accel(env=None):
    """Returns "tcg" or "kvm": the ACCEL environment variable if set, else the detection."""
    env = os.environ if env is None else env
    forced = env.get(ACCEL_ENV, "").strip().lower()
    if forced:
        if forced not in ("tcg", "kvm"):
            raise ValueError("ACCEL must be tcg or kvm, not %r" % forced)
        return forced
    return "kvm" if kvm_usable() else "tcg"


def accel_args(accel):
    """QEMU arguments that select the accelerator (and a CPU model that works with it)."""
    if accel == "kvm":
        return ["-accel", "kvm", "-cpu", KVM_CPU_MODEL]
    return ["-accel", "tcg"]
