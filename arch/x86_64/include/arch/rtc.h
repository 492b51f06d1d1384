/* SPDX-License-Identifier: MIT */
/* The PC's battery-backed real-time clock (MC146818-compatible CMOS clock behind ports
 * 0x70/0x71), read once at boot for the wall clock. It counts whole seconds; this reads UTC,
 * as QEMU's default (-rtc base=utc) and Linux's default treat it. */
#ifndef ARCH_RTC_H
#define ARCH_RTC_H

#include <stdbool.h>

#include "kernel/civil_time.h"

/* Reads the date and time into *out; false if the clock stays mid-update, never reads the
 * same twice, or holds a byte no clock shows (a BCD digit above 9, a 12-hour hour of 0 or
 * above 12). A field out of its range (absent clock, dead battery) is left for
 * civil_to_unix_seconds to refuse. */
bool rtc_read(struct civil_time *out);

#endif
