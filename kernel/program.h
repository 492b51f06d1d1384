/* SPDX-License-Identifier: MIT */
/* The one user program a node runs (DESIGN.md 1): loading the ELF from multiboot module 0
 * (kernel/elf.h), its initial stack (argc, argv after "--", envp, auxv as the x86-64
 * psABI 3.4.1 and Linux's binfmt_elf lay them out), its start, and its end: the exit
 * line on COM1 and the kernel's exit with EXIT_OK. */
#ifndef KERNEL_PROGRAM_H
#define KERNEL_PROGRAM_H

#include <stdbool.h>
#include <stdint.h>

#include <arch/trap.h>

#include "kernel/cmdline.h"
#include "kernel/multiboot.h"

#define PROGRAM_EXIT_SIGNAL_BASE 128 /* a shell's status for "killed by signal N" */
#define PROGRAM_CLOCK_TICKS_PER_SEC 100 /* USER_HZ: times() ticks and sysconf(_SC_CLK_TCK) (AT_CLKTCK) */

/* Prepares the CPU and the trap handlers for user mode (FPU/SSE, syscall MSRs, SMEP/SMAP,
 * user fault and page-fault handlers, COM2/COM3) and the program's address space.
 * Idempotent; program_start calls it, ktests that touch user memory call it too. */
void program_kernel_init(void);
/* True when the boot gave a program module (module 0) or the command line has "--"
 * (program_start then reports the missing module instead of the node idling silently). */
bool program_requested(const struct boot_info *info, const struct cmdline_result *cmd);
/* Loads module 0 with argv from cmd and runs it (the files and stdin modules are
 * registered too). Never returns: a program that cannot be loaded ends with status 126,
 * a missing one with 127 (a shell's "not found"), after a log line saying why. */
__attribute__((noreturn)) void program_start(const struct boot_info *info, const struct cmdline_result *cmd);
/* Ends the program with status: "dsmk: program exited with status N", then EXIT_OK. */
__attribute__((noreturn)) void program_exit(int status);
/* Ends the program as killed by signal (status 128+signal) with a report naming the
 * thread, its RIP and the faulting address. */
__attribute__((noreturn)) void program_kill(const struct trap_frame *frame, int signal, uint64_t addr);

#endif
