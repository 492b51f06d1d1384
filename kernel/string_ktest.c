/* SPDX-License-Identifier: MIT */
/* ktests for kernel/string.c: every length 0..80 at every source/destination alignment
 * 0..7 against a byte-by-byte reference, overlapping memmove both ways, memset lanes,
 * memcmp's sign with a differing byte at every position (high bytes compare unsigned, the
 * first difference decides). */
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

/* The byte-by-byte answer memcmp must give, reduced to its sign. */
static int memcmp_reference(const uint8_t *a, const uint8_t *b, unsigned len)
{
    for (unsigned i = 0; i < len; i++)
        if (a[i] != b[i])
            return a[i] < b[i] ? -1 : 1;
    return 0;
}

static int sign_of(int v)
{
    return (v > 0) - (v < 0);
}

KTEST(string_memcmp_every_length_alignment_and_difference)
{
    int bad = 0;
    for (unsigned sa = 0; sa < STRING_KTEST_ALIGNS; sa++)
        for (unsigned da = 0; da < STRING_KTEST_ALIGNS; da++)
            for (unsigned len = 0; len <= STRING_KTEST_MAX_LEN; len++) {
                fill_pattern(src_buf, 3);
                fill_pattern(dst_buf, 3);
                for (unsigned i = 0; i < len; i++)
                    dst_buf[da + i] = src_buf[sa + i];
                bad += memcmp(src_buf + sa, dst_buf + da, len) != 0;
                /* One byte differs at each position, both ways, across 0x7f/0x80. */
                for (unsigned pos = 0; pos < len; pos++) {
                    uint8_t keep = dst_buf[da + pos];
                    dst_buf[da + pos] = (uint8_t)(src_buf[sa + pos] + 0x80u);
                    bad += sign_of(memcmp(src_buf + sa, dst_buf + da, len)) !=
                           memcmp_reference(src_buf + sa, dst_buf + da, len);
                    bad += sign_of(memcmp(dst_buf + da, src_buf + sa, len)) !=
                           memcmp_reference(dst_buf + da, src_buf + sa, len);
                    /* A later byte differing the other way must not decide it. */
                    if (pos + 1 < len) {
                        uint8_t keep_next = dst_buf[da + pos + 1];
                        dst_buf[da + pos] = (uint8_t)(src_buf[sa + pos] + 1u);
                        dst_buf[da + pos + 1] = (uint8_t)(src_buf[sa + pos + 1] - 1u);
                        bad += sign_of(memcmp(src_buf + sa, dst_buf + da, len)) !=
                               memcmp_reference(src_buf + sa, dst_buf + da, len);
                        dst_buf[da + pos + 1] = keep_next;
                    }
                    dst_buf[da + pos] = keep;
                }
            }
    KT_EXPECT_EQ(bad, 0);
}
