/* SPDX-License-Identifier: MIT */
/* The kernel clock: the TSC, calibrated once at boot (CPUID leaf 0x15 when it gives the
 * crystal, else against the 8254 PIT), converted to nanoseconds by multiply-and-shift
 * with a 128-bit product (no overflow for the TSC's whole 64-bit range). Assumes an
 * invariant TSC; no NTP-style slewing and no wall-clock time. */
#ifndef KERNEL_CLOCK_H
#define KERNEL_CLOCK_H

#include <stdint.h>

#define NS_PER_SEC 1000000000ull
#define NS_PER_MS 1000000ull
#define NS_PER_US 1000ull

/* Remembers the TSC at kernel entry; call first thing in kmain. */
void clock_mark_boot(void);
/* Calibrates the TSC and makes log lines carry time. After irq_init (the PIT is polled). */
void clock_init(void);
/* Monotonic nanoseconds since CPU reset; 0 before clock_init. Never goes backwards. */
uint64_t clock_now_ns(void);
/* Nanoseconds since kernel entry (clock_mark_boot); 0 before clock_init. */
uint64_t clock_boot_ns(void);
/* The calibrated TSC frequency in Hz (0 before clock_init). */
uint64_t clock_tsc_hz(void);
/* Converts a TSC difference to nanoseconds with the calibrated factor. */
uint64_t clock_tsc_to_ns(uint64_t tsc_delta);
/* Converts nanoseconds to TSC ticks (saturating). */
uint64_t clock_ns_to_tsc(uint64_t ns);
/* Busy-waits at least ns nanoseconds (interrupts stay as they are); after clock_init. */
void clock_delay_ns(uint64_t ns);

#endif
