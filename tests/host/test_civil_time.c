/* SPDX-License-Identifier: MIT */
#include "kernel/civil_time.h"
#include "tests/host/check.h"

/* Expected values from Python's calendar.timegm. */
TEST(civil_time_known_dates)
{
    static const struct {
        struct civil_time t;
        uint64_t unix_seconds;
    } cases[] = {
        { { 1970, 1, 1, 0, 0, 0 }, 0 },
        { { 1972, 12, 31, 23, 59, 59 }, 94694399 },
        { { 2000, 2, 29, 12, 0, 0 }, 951825600 },
        { { 2026, 11, 27, 11, 23, 45 }, 1795778625 },
        { { 2100, 3, 1, 0, 0, 0 }, 4107542400 },
        { { 9999, 12, 31, 23, 59, 59 }, 253402300799 },
    };
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint64_t s = 0;
        CHECK(civil_to_unix_seconds(&cases[i].t, &s));
        CHECK_EQ(s, cases[i].unix_seconds);
    }
}

TEST(civil_time_refuses_impossible_dates)
{
    static const struct civil_time bad[] = {
        { 1969, 12, 31, 23, 59, 59 }, { 10000, 1, 1, 0, 0, 0 }, { 2026, 0, 1, 0, 0, 0 },  { 2026, 13, 1, 0, 0, 0 },
        { 2026, 2, 29, 0, 0, 0 },     { 2100, 2, 29, 0, 0, 0 },  { 2026, 4, 31, 0, 0, 0 }, { 2026, 1, 0, 0, 0, 0 },
        { 2026, 1, 1, 24, 0, 0 },     { 2026, 1, 1, 0, 60, 0 },  { 2026, 1, 1, 0, 0, 60 },
    };
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint64_t s = 12345;
        CHECK(!civil_to_unix_seconds(&bad[i], &s));
        CHECK_EQ(s, 12345);
    }
    uint64_t s;
    CHECK(civil_to_unix_seconds(&(struct civil_time){ 2000, 2, 29, 0, 0, 0 }, &s)); /* 2000 is a leap year */
}
