# SPDX-License-Identifier: MIT
"""QEMU exit status decoding (PLUMBING.md section 11, kernel/exit_codes.h).

isa-debug-exit makes QEMU exit with (code << 1) | 1, so a kernel exit is always odd;
0 means a triple fault under -no-reboot (or QMP quit), 124 a `timeout` kill.
"""

# kernel/exit_codes.h enum kernel_exit_code, as QEMU statuses.
QEMU_EXIT_OK = 33
QEMU_EXIT_TESTS_FAILED = 35
QEMU_EXIT_PANIC = 37
QEMU_EXIT_BAD_CMDLINE = 39
QEMU_EXIT_BAD_BOOT_INFO = 41
QEMU_EXIT_CPU_EXCEPTION = 43
QEMU_EXIT_PROGRAM_FAILED = 45

KERNEL_EXIT_NAMES = {
    0x10: "EXIT_OK",
    0x11: "EXIT_TESTS_FAILED",
    0x12: "EXIT_PANIC",
    0x13: "EXIT_BAD_CMDLINE",
    0x14: "EXIT_BAD_BOOT_INFO",
    0x15: "EXIT_CPU_EXCEPTION",
    0x16: "EXIT_PROGRAM_FAILED",
}

TIMEOUT_KILLED = 124  # coreutils timeout


def kernel_code(status):
    """The kernel's isa-debug-exit code behind QEMU status, or None if it was no kernel exit."""
    if status is None or status < 0 or status & 1 == 0:
        return None
    return status >> 1


def describe_status(status):
    """One human line for a QEMU exit status (None = still running, negative = signal)."""
    if status is None:
        return "still running"
    if status < 0:
        return "killed by signal %d" % -status
    if status == 0:
        return "status 0: triple fault (or QMP quit)"
    code = kernel_code(status)
    if code is not None:
        return "status %d: kernel exit 0x%x %s" % (status, code, KERNEL_EXIT_NAMES.get(code, "(unknown code)"))
    return "status %d: QEMU itself failed" % status
