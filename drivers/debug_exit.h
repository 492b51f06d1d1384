/* SPDX-License-Identifier: MIT */
/* QEMU isa-debug-exit: leaves QEMU with status (code << 1) | 1 (PLUMBING.md section 11). */
#ifndef DRIVERS_DEBUG_EXIT_H
#define DRIVERS_DEBUG_EXIT_H

#include <stdint.h>

/* Asks QEMU to exit with (code << 1) | 1; returns if no such device exists (real PC). */
void debug_exit(uint8_t code);

#endif
