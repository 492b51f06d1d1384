/* SPDX-License-Identifier: MIT */
/* isa-debug-exit at the port QEMU is started with (-device isa-debug-exit,iobase=0xf4,iosize=0x04).
 * On hardware without it the write goes nowhere and the caller halts instead. */
#include "drivers/debug_exit.h"

#include <arch/io.h>

#define DEBUG_EXIT_PORT 0xf4

void debug_exit(uint8_t code)
{
    outl(DEBUG_EXIT_PORT, code);
}
