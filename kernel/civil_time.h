/* SPDX-License-Identifier: MIT */
/* Calendar dates to Unix time, for the wall clock read from the RTC (arch/x86_64/rtc.c).
 * Portable: also built into the host tests. */
#ifndef KERNEL_CIVIL_TIME_H
#define KERNEL_CIVIL_TIME_H

#include <stdbool.h>
#include <stdint.h>

#define CIVIL_YEAR_MIN 1970u
#define CIVIL_YEAR_MAX 9999u

/* A UTC date and time of the proleptic Gregorian calendar. */
struct civil_time {
    unsigned year, month, day;       /* month 1..12, day 1..days of that month */
    unsigned hour, minute, second;   /* 0..23, 0..59, 0..59 (no leap second) */
};

/* Seconds since 1970-01-01T00:00:00Z of t into *out; false if a field is out of range
 * (year CIVIL_YEAR_MIN..CIVIL_YEAR_MAX, day past its month's end, ...). */
bool civil_to_unix_seconds(const struct civil_time *t, uint64_t *out);

#endif
