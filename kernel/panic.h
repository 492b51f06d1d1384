/* SPDX-License-Identifier: MIT */
/* Fatal kernel errors: print, backtrace, leave QEMU with a status, halt. */
#ifndef KERNEL_PANIC_H
#define KERNEL_PANIC_H

#include <stdint.h>

/* Reports the message and a backtrace, then exits through isa-debug-exit with EXIT_PANIC. */
__attribute__((noreturn, format(printf, 1, 2))) void panic(const char *fmt, ...);
/* Prints a frame-pointer backtrace starting at frame pointer fp (rbp chain). */
void panic_backtrace(uintptr_t fp);
/* Leaves QEMU with code (kernel/exit_codes.h) and halts if that does not stop the machine. */
__attribute__((noreturn)) void kernel_exit(uint8_t code);

#define KASSERT(cond)                                                                                  \
    do {                                                                                               \
        if (!(cond))                                                                                   \
            panic("assertion failed: %s (%s:%d)", #cond, __FILE__, __LINE__);                          \
    } while (0)

#endif
