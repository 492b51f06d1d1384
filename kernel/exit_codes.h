/* SPDX-License-Identifier: MIT */
/* Codes the kernel leaves QEMU with through isa-debug-exit. QEMU's own status is
 * (code << 1) | 1, so 0 is never seen from a kernel exit (a triple fault gives 0:
 * PLUMBING.md section 11), and hosts read the QEMU status in the comment. */
#ifndef KERNEL_EXIT_CODES_H
#define KERNEL_EXIT_CODES_H

enum kernel_exit_code {
    EXIT_OK = 0x10,              /* QEMU 33: clean shutdown, all tests passed */
    EXIT_TESTS_FAILED = 0x11,    /* QEMU 35: ktest ran and something failed */
    EXIT_PANIC = 0x12,           /* QEMU 37: kernel panic */
    EXIT_BAD_CMDLINE = 0x13,     /* QEMU 39: command line refused */
    EXIT_BAD_BOOT_INFO = 0x14,   /* QEMU 41: multiboot structure refused */
    EXIT_CPU_EXCEPTION = 0x15,   /* QEMU 43: unexpected exception in kernel mode */
    EXIT_PROGRAM_FAILED = 0x16,  /* QEMU 45: the user program ended with nonzero status */
};

#endif
