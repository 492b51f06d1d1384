/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>

#include "kernel/format.h"
#include "tests/host/check.h"

/* Formats with ours and the host's snprintf and checks both agree. */
#define SAME(...)                                                                                      \
    do {                                                                                               \
        char ours[128], theirs[128];                                                                   \
        int a = fmt_snprintf(ours, sizeof ours, __VA_ARGS__);                                          \
        int b = snprintf(theirs, sizeof theirs, __VA_ARGS__);                                          \
        CHECK_EQ(a, b);                                                                                \
        if (!CHECK(strcmp(ours, theirs) == 0))                                                         \
            printf("    ours '%s' theirs '%s'\n", ours, theirs);                                       \
    } while (0)

TEST(format_matches_libc)
{
    SAME("%d %i %u", -42, 7, 3000000000u);
    SAME("%x %X %o %%", 0xbeefu, 0xbeefu, 8u);
    SAME("[%5d] [%-5d] [%05d] [%.3d]", 42, 42, -42, 7);
    SAME("%lld %llu %llx", -9223372036854775807ll - 1, 18446744073709551615ull, 0x123456789abcdefull);
    SAME("%zu %zd %ld %lu", (size_t)12345, (ssize_t)-5, -1l, 99ul);
    SAME("%s|%10s|%-10s|%.2s", "abc", "right", "left", "truncate");
    SAME("%c%c%c", 'o', 'k', '!');
    SAME("%016llx", 0xffffffff80000000ull);
    SAME("%*d|%-*d|%.*s", 6, 1, 4, 2, 3, "abcdef");
    SAME("%hhu %hd", 300, 70000);
}

TEST(format_truncates_and_counts)
{
    char buf[8];
    int n = fmt_snprintf(buf, sizeof buf, "%s", "0123456789");
    CHECK_EQ(n, 10);
    CHECK(strcmp(buf, "0123456") == 0);
    CHECK_EQ(fmt_snprintf(NULL, 0, "%d", 12345), 5);
}

TEST(format_pointer)
{
    char buf[32];
    fmt_snprintf(buf, sizeof buf, "%p", (void *)0x1234);
    CHECK(strcmp(buf, "0x1234") == 0);
}
