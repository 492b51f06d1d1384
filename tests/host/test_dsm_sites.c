/* SPDX-License-Identifier: MIT */
/* Host tests of the fault-site table (dsm/sites.c): charging, ordering, a full table and
 * the `dsm-sites` line. */
#include <stdlib.h>
#include <string.h>

#include "tests/host/check.h"

#include "dsm/sites.h"

#define T_US 1000ull
#define T_PAGE 0x7f0000001000ull

static struct dsm_sites *t_new(void)
{
    struct dsm_sites *s = calloc(1, sizeof *s);
    CHECK(s != NULL);
    return s;
}

TEST(dsm_sites_charges_one_site_per_rip_and_kind)
{
    struct dsm_sites *s = t_new();
    dsm_sites_record(s, 0x401000, DSM_SITE_READ, T_PAGE, false, 100 * T_US);
    dsm_sites_record(s, 0x401000, DSM_SITE_READ, T_PAGE + 0x1000, true, 50 * T_US);
    dsm_sites_record(s, 0x401000, DSM_SITE_WRITE, T_PAGE, true, 10 * T_US);
    CHECK_EQ(s->used, 2);
    CHECK_EQ(s->faults, 3);
    struct dsm_site top[4];
    CHECK_EQ(dsm_sites_top(s, top, 4), 2);
    CHECK_EQ(top[0].rip, 0x401000);
    CHECK_EQ(top[0].kind, DSM_SITE_READ);
    CHECK_EQ(top[0].faults, 2);
    CHECK_EQ(top[0].taken, 1);
    CHECK_EQ(top[0].wait_ns, 150 * T_US);
    CHECK_EQ(top[0].addr, T_PAGE + 0x1000); /* the last address */
    CHECK_EQ(top[1].kind, DSM_SITE_WRITE);
    free(s);
}

TEST(dsm_sites_top_orders_by_wait_then_faults_and_keeps_max)
{
    struct dsm_sites *s = t_new();
    /* Site i waits (i % 7) units, so the order is not the insertion order. */
    for (uint64_t i = 1; i <= 40; i++)
        dsm_sites_record(s, 0x400000 + i * 16, DSM_SITE_WRITE, T_PAGE, false, (i % 7) * T_US);
    dsm_sites_record(s, 0x400000 + 6 * 16, DSM_SITE_WRITE, T_PAGE, false, 0); /* 6 us, 2 faults */
    struct dsm_site top[5];
    CHECK_EQ(dsm_sites_top(s, top, 5), 5);
    for (unsigned i = 0; i < 5; i++)
        CHECK_EQ(top[i].wait_ns, 6 * T_US);
    CHECK_EQ(top[0].rip, 0x400000 + 6 * 16); /* the tie goes to more faults */
    CHECK_EQ(top[1].rip, 0x400000 + 13 * 16); /* then to the lower address */
    CHECK_EQ(top[2].rip, 0x400000 + 20 * 16);
    free(s);
}

TEST(dsm_sites_full_table_counts_the_rest_as_other)
{
    struct dsm_sites *s = t_new();
    for (uint64_t i = 0; i < DSM_SITES_MAX + 10; i++)
        dsm_sites_record(s, 0x500000 + i * 8, DSM_SITE_READ, T_PAGE, false, T_US);
    CHECK_EQ(s->used, DSM_SITES_MAX);
    CHECK_EQ(s->other_faults, 10);
    dsm_sites_record(s, 0x500000, DSM_SITE_READ, T_PAGE, false, T_US); /* a kept site still counts */
    CHECK_EQ(s->other_faults, 10);
    CHECK_EQ(s->faults, DSM_SITES_MAX + 11);
    struct dsm_site top[1];
    CHECK_EQ(dsm_sites_top(s, top, 1), 1);
    CHECK_EQ(top[0].rip, 0x500000);
    CHECK_EQ(top[0].faults, 2);
    free(s);
}

TEST(dsm_sites_line_format_and_truncation)
{
    struct dsm_sites *s = t_new();
    dsm_sites_record(s, 0x401abc, DSM_SITE_WRITE | DSM_SITE_SYSCALL, 0x7f0000002000, true, 2500 * T_US);
    dsm_sites_record(s, 0x401000, DSM_SITE_READ, 0x404000, false, 300 * T_US);
    char line[256];
    size_t len = dsm_sites_format(s, 3, 8, line, sizeof line);
    CHECK_EQ(len, strlen(line));
    CHECK(strcmp(line, "dsm-sites node=3 sites=2 faults=2 other=0 site=0x401abc:sw:1:1:2500:0x7f0000002000"
                       " site=0x401000:r:1:0:300:0x404000") == 0);
    /* Room for the head and one site only: the second is left out whole. */
    char small[96];
    len = dsm_sites_format(s, 3, 8, small, sizeof small);
    CHECK(strcmp(small, "dsm-sites node=3 sites=2 faults=2 other=0 site=0x401abc:sw:1:1:2500:0x7f0000002000") == 0);
    CHECK_EQ(len, strlen(small));
    CHECK_EQ(dsm_sites_format(s, 3, 8, small, 10), 0);
    CHECK_EQ(small[0], '\0');
    free(s);
}
