/* SPDX-License-Identifier: MIT */
/* The 8254 PIT, used as a reference to calibrate the TSC: channel 2, gated by port
 * 0x61, polled (8254 datasheet; PC/AT port 0x61 layout). Channel 0 only fires one IRQ 0
 * for the routing ktest; the PIT is never a periodic tick source. */
#ifndef ARCH_PIT_H
#define ARCH_PIT_H

#include <stdbool.h>
#include <stdint.h>

#define PIT_HZ 1193182u /* 8254 input clock on PCs: 14.31818 MHz / 12 */

/* Busy-waits ticks PIT periods on channel 2 and returns the TSC ticks that took (the TSC
 * read right after the count starts and right after OUT2 rises), or 0 if OUT2 never rose. */
uint64_t pit_measure_tsc(uint16_t ticks);

/* Starts channel 0 in mode 0 so that OUT0 (ISA IRQ 0) rises once after ticks periods; for
 * testing interrupt routing. */
void pit_irq0_oneshot(uint16_t ticks);

#endif
