/* SPDX-License-Identifier: MIT */
/* ktests for kernel/string.c: every length 0..80 at every source/destination alignment
 * 0..7 against a byte-by-byte reference, overlapping memmove both ways, memset lanes. */
#include <stdint.h>

#include "kernel/ktest.h"
#include "kernel/libc.h"

#define STRING_KTEST_BUF 128
#define STRING_KTEST_MAX_LEN 80
#define STRING_KTEST_ALIGNS 8

static uint8_t src_buf[STRING_KTEST_BUF], dst_buf[STRING_KTEST_BUF], ref_buf[STRING_KTEST_BUF];

static void fill_pattern(uint8_t *b, uint8_t seed)
{
    for (unsigned i = 0; i < STRING_KTEST_BUF; i++)
        b[i] = (uint8_t)(seed + i * 7);
}

KTEST(string_memcpy_every_length_and_alignment)
{
    int bad = 0;
    for (unsigned sa = 0; sa < STRING_KTEST_ALIGNS; sa++)
        for (unsigned da = 0; da < STRING_KTEST_ALIGNS; da++)
            for (unsigned len = 0; len <= STRING_KTEST_MAX_LEN; len++) {
                fill_pattern(src_buf, 1);
                fill_pattern(dst_buf, 100);
                fill_pattern(ref_buf, 100);
                for (unsigned i = 0; i < len; i++)
                    ref_buf[da + i] = src_buf[sa + i];
                memcpy(dst_buf + da, src_buf + sa, len);
                bad += memcmp(dst_buf, ref_buf, STRING_KTEST_BUF) != 0;
            }
    KT_EXPECT_EQ(bad, 0);
}

KTEST(string_memset_every_length_and_alignment)
{
    int bad = 0;
    for (unsigned da = 0; da < STRING_KTEST_ALIGNS; da++)
        for (unsigned len = 0; len <= STRING_KTEST_MAX_LEN; len++) {
            fill_pattern(dst_buf, 3);
            fill_pattern(ref_buf, 3);
            for (unsigned i = 0; i < len; i++)
                ref_buf[da + i] = 0xa5;
            memset(dst_buf + da, 0x1a5, len); /* only the low byte counts */
            bad += memcmp(dst_buf, ref_buf, STRING_KTEST_BUF) != 0;
        }
    KT_EXPECT_EQ(bad, 0);
}

KTEST(string_memmove_overlaps_both_ways)
{
    int bad = 0;
    for (unsigned shift = 1; shift < 20; shift++)
        for (unsigned len = 0; len <= STRING_KTEST_MAX_LEN; len++) {
            fill_pattern(dst_buf, 9);
            fill_pattern(ref_buf, 9);
            for (unsigned i = len; i-- > 0;)
                ref_buf[shift + i] = ref_buf[i];
            memmove(dst_buf + shift, dst_buf, len); /* forward overlap */
            bad += memcmp(dst_buf, ref_buf, STRING_KTEST_BUF) != 0;
            fill_pattern(dst_buf, 9);
            fill_pattern(ref_buf, 9);
            for (unsigned i = 0; i < len; i++)
                ref_buf[i] = ref_buf[shift + i];
            memmove(dst_buf, dst_buf + shift, len); /* backward overlap */
            bad += memcmp(dst_buf, ref_buf, STRING_KTEST_BUF) != 0;
        }
    KT_EXPECT_EQ(bad, 0);
}
