/* SPDX-License-Identifier: MIT */
/* Gregorian date to days since the Unix epoch by the days-from-civil method (H. Hinnant,
 * "chrono-Compatible Low-Level Date Algorithms"): years counted from March, so the leap
 * day ends a year, in 400-year eras of 146097 days. */
#include "kernel/civil_time.h"

#define CIVIL_DAYS_PER_ERA 146097u   /* 400 Gregorian years */
#define CIVIL_YEARS_PER_ERA 400u
#define CIVIL_EPOCH_DAY 719468u      /* 1970-03-01 is day 719468 counted from 0000-03-01 */
#define CIVIL_SECONDS_PER_DAY 86400u

static bool civil_leap(unsigned year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static unsigned civil_month_days(unsigned year, unsigned month)
{
    static const unsigned char days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    return days[month - 1] + (month == 2 && civil_leap(year));
}

bool civil_to_unix_seconds(const struct civil_time *t, uint64_t *out)
{
    if (t->year < CIVIL_YEAR_MIN || t->year > CIVIL_YEAR_MAX || t->month < 1 || t->month > 12 || t->day < 1 ||
        t->day > civil_month_days(t->year, t->month) || t->hour > 23 || t->minute > 59 || t->second > 59)
        return false;
    unsigned year = t->year - (t->month <= 2); /* January and February end the previous March year */
    unsigned era = year / CIVIL_YEARS_PER_ERA, year_of_era = year % CIVIL_YEARS_PER_ERA;
    unsigned month_from_march = t->month > 2 ? t->month - 3 : t->month + 9;
    unsigned day_of_year = (153 * month_from_march + 2) / 5 + t->day - 1;
    unsigned day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    uint64_t days = (uint64_t)era * CIVIL_DAYS_PER_ERA + day_of_era - CIVIL_EPOCH_DAY;
    *out = days * CIVIL_SECONDS_PER_DAY + t->hour * 3600u + t->minute * 60u + t->second;
    return true;
}
