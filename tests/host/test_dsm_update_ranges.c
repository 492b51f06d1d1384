/* SPDX-License-Identifier: MIT */
/* Host tests of the dsm.update= parser (kernel/dsm_update_ranges.c). */
#include "tests/host/check.h"

#include "kernel/dsm_update_ranges.h"

TEST(dsm_update_ranges_parse_lists)
{
    struct dsm_update_range r[DSM_UPDATE_MAX_RANGES];
    char err[96];
    CHECK_EQ(dsm_update_ranges_parse("0x404000+0x2000", r, DSM_UPDATE_MAX_RANGES, err, sizeof err), 1);
    CHECK_EQ(r[0].first, 0x404);
    CHECK_EQ(r[0].count, 2);
    CHECK_EQ(dsm_update_ranges_parse("0x1000+4096,0x7f0000000000+0x10000", r, DSM_UPDATE_MAX_RANGES, err,
                                     sizeof err), 2);
    CHECK_EQ(r[0].first, 1);
    CHECK_EQ(r[0].count, 1);
    CHECK_EQ(r[1].first, 0x7f0000000);
    CHECK_EQ(r[1].count, 16);
}

TEST(dsm_update_ranges_parse_refusals)
{
    struct dsm_update_range r[2];
    char err[96];
    static const char *const bad[] = {
        "", "0x1000", "0x1000+", "+0x1000", "0x1001+0x1000", "0x1000+0x10", "0x1000+0", "0x1000+0x1000,",
        "0x1000+0x1000;", "0x800000000000+0x1000", "0x7ffffffff000+0x2000", "0x1000+0x2000,0x2000+0x1000",
        "0x1000+0x1000,0x3000+0x1000,0x5000+0x1000", "0xffffffffffffffffff+0x1000", "0x+0x1000",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        CHECK_EQ(dsm_update_ranges_parse(bad[i], r, 2, err, sizeof err), -1);
        CHECK(err[0] != '\0');
    }
}
