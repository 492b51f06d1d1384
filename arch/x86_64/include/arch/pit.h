/* SPDX-License-Identifier: MIT */
/* The 8254 PIT, used as a reference to calibrate the TSC: channel 2, gated by port
 * 0x61, read with the counter-latch command (8254 datasheet; PC/AT port 0x61 layout).
 * Channel 0 only fires one IRQ 0 for the routing ktest; the PIT is never a tick source. */
#ifndef ARCH_PIT_H
#define ARCH_PIT_H

#include <stdbool.h>
#include <stdint.h>

#define PIT_HZ 1193182u /* 8254 input clock on PCs: 14.31818 MHz / 12 */

/* An interval timed by both the PIT and the TSC. Each end is the best of several
 * counter reads bracketed by TSC reads, so a vCPU preempted during a read only costs
 * precision, which tsc_uncertainty reports (the sum of both brackets). */
struct pit_interval {
    uint64_t tsc_delta;
    uint32_t pit_ticks;
    uint64_t tsc_uncertainty;
};

/* Times at least min_ticks (< 60000) PIT periods on channel 2; false if the PIT does not
 * count (absent). */
bool pit_measure_interval(uint16_t min_ticks, struct pit_interval *out);
/* Starts channel 0 in mode 0 so that OUT0 (ISA IRQ 0) rises once after ticks periods; for
 * testing interrupt routing. */
void pit_irq0_oneshot(uint16_t ticks);

#endif
