/* SPDX-License-Identifier: MIT */
/* Deliberate CPU exceptions for testing the trap reports: `fault=KIND` on the command
 * line (pagefault, gp, ud, divide, double, breakpoint) raises it right after the ready
 * line. tests/qemu/test_exceptions.py checks each report. */
#ifndef KERNEL_FAULT_INJECT_H
#define KERNEL_FAULT_INJECT_H

/* Raises the exception chosen by `fault=`, if any; returns only when none was chosen. */
void fault_inject_run(void);

#endif
