/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>

#include "kernel/ramfile.h"
#include "tests/host/check.h"

static int ramfile_test_allocs_left = -1; /* < 0: no limit */

static void *ramfile_test_alloc(size_t bytes)
{
    if (ramfile_test_allocs_left == 0)
        return NULL;
    if (ramfile_test_allocs_left > 0)
        ramfile_test_allocs_left--;
    return malloc(bytes);
}

static const struct ramfile_alloc ramfile_test_allocator = { ramfile_test_alloc, free };

/* Writes at scattered offsets read back exactly; the holes between read as zeros, and only
 * the pages written are held. */
TEST(ramfile_sparse_writes_read_back_with_zero_holes)
{
    struct ramfile f = { 0 };
    static uint8_t in[10000], out[4 * RAMFILE_PAGE + 10000];
    for (size_t i = 0; i < sizeof in; i++)
        in[i] = (uint8_t)(i * 7 + 1);
    CHECK_EQ(ramfile_write(&f, &ramfile_test_allocator, 100, in, 5000), RAMFILE_OK);
    CHECK_EQ(ramfile_write(&f, &ramfile_test_allocator, 3 * RAMFILE_PAGE + 5, in, sizeof in), RAMFILE_OK);
    CHECK_EQ(f.size, 3 * RAMFILE_PAGE + 5 + sizeof in);
    CHECK_EQ(f.pages_held, 2 + 3); /* [100, 5100) spans pages 0-1; the second write pages 3-5 */
    CHECK_EQ(ramfile_read(&f, 0, out, sizeof out), f.size);
    bool ok = true;
    for (size_t i = 0; i < f.size; i++) {
        uint8_t want = 0;
        if (i >= 100 && i < 5100)
            want = in[i - 100];
        if (i >= 3 * RAMFILE_PAGE + 5)
            want = in[i - 3 * RAMFILE_PAGE - 5];
        ok &= out[i] == want;
    }
    CHECK(ok);
    CHECK_EQ(ramfile_read(&f, f.size, out, 10), 0);
    CHECK_EQ(ramfile_read(&f, f.size - 3, out, 10), 3);
    ramfile_free(&f, &ramfile_test_allocator);
    CHECK_EQ(f.size, 0);
}

/* Shrinking frees pages and clears the tail of the last one, so growing again shows zeros
 * there, not the old bytes; a grow alone allocates nothing. */
TEST(ramfile_truncate_clears_what_it_cuts)
{
    struct ramfile f = { 0 };
    static uint8_t buf[3 * RAMFILE_PAGE];
    memset(buf, 0xab, sizeof buf);
    CHECK_EQ(ramfile_write(&f, &ramfile_test_allocator, 0, buf, sizeof buf), RAMFILE_OK);
    CHECK_EQ(ramfile_truncate(&f, &ramfile_test_allocator, 10), RAMFILE_OK);
    CHECK_EQ(f.pages_held, 1);
    CHECK_EQ(ramfile_truncate(&f, &ramfile_test_allocator, 2 * RAMFILE_PAGE), RAMFILE_OK);
    CHECK_EQ(f.pages_held, 1);
    CHECK_EQ(ramfile_read(&f, 0, buf, sizeof buf), 2 * RAMFILE_PAGE);
    CHECK(buf[9] == 0xab && buf[10] == 0 && buf[RAMFILE_PAGE - 1] == 0 && buf[2 * RAMFILE_PAGE - 1] == 0);
    struct ramfile holes = { 0 };
    CHECK_EQ(ramfile_truncate(&holes, &ramfile_test_allocator, 1 << 20), RAMFILE_OK);
    CHECK_EQ(ramfile_truncate(&holes, &ramfile_test_allocator, 5000), RAMFILE_OK); /* no page list at all */
    CHECK_EQ(holes.pages_held, 0);
    CHECK_EQ(ramfile_truncate(&holes, &ramfile_test_allocator, RAMFILE_MAX_BYTES + 1), RAMFILE_TOO_BIG);
    CHECK_EQ(holes.size, 5000);
    ramfile_free(&holes, &ramfile_test_allocator);
    ramfile_free(&f, &ramfile_test_allocator);
}

/* A file grown by truncate past its page list reads as zeros there. Before, the read
 * indexed the page list past its end (ASan: heap-buffer-overflow; in the kernel a wild
 * pointer: a posix_fallocate'd file read at 5000 once crashed node 0). */
TEST(ramfile_read_past_the_page_list_of_a_grown_file_is_zeros)
{
    struct ramfile f = { 0 };
    CHECK_EQ(ramfile_write(&f, &ramfile_test_allocator, 0, "xy", 2), RAMFILE_OK);
    CHECK_EQ(ramfile_truncate(&f, &ramfile_test_allocator, 10000), RAMFILE_OK);
    uint8_t buf[3] = { 1, 1, 1 };
    CHECK_EQ(ramfile_read(&f, 5000, buf, sizeof buf), 3);
    CHECK(buf[0] == 0 && buf[1] == 0 && buf[2] == 0);
    uint8_t all[10000];
    CHECK_EQ(ramfile_read(&f, 0, all, sizeof all), sizeof all);
    CHECK(all[0] == 'x' && all[1] == 'y' && all[2] == 0 && all[9999] == 0);
    ramfile_free(&f, &ramfile_test_allocator);
}

/* Out of memory or past the limit: an error, and the file as it was. */
TEST(ramfile_failed_write_changes_nothing)
{
    struct ramfile f = { 0 };
    static uint8_t buf[2 * RAMFILE_PAGE];
    memset(buf, 1, sizeof buf);
    CHECK_EQ(ramfile_write(&f, &ramfile_test_allocator, 0, buf, 100), RAMFILE_OK);
    ramfile_test_allocs_left = 1; /* the page list, then no page */
    CHECK_EQ(ramfile_write(&f, &ramfile_test_allocator, 10 * RAMFILE_PAGE, buf, sizeof buf), RAMFILE_NO_MEMORY);
    ramfile_test_allocs_left = -1;
    CHECK_EQ(f.size, 100);
    CHECK_EQ(ramfile_write(&f, &ramfile_test_allocator, RAMFILE_MAX_BYTES - 1, buf, 2), RAMFILE_TOO_BIG);
    CHECK_EQ(ramfile_write(&f, &ramfile_test_allocator, UINT64_MAX, buf, 2), RAMFILE_TOO_BIG);
    CHECK_EQ(f.size, 100);
    uint8_t out[200];
    CHECK_EQ(ramfile_read(&f, 0, out, sizeof out), 100);
    CHECK(out[0] == 1 && out[99] == 1);
    ramfile_free(&f, &ramfile_test_allocator);
}
