/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "kernel/epoll.h"
#include "tests/host/check.h"

/* Two fake descriptions: what each is ready for, and its change count. */
struct epoll_test_file {
    uint32_t mask;
    uint64_t changes;
};

static uint32_t epoll_test_ready(const void *target, void *ctx, uint64_t *changes)
{
    (void)ctx;
    const struct epoll_test_file *f = target;
    *changes = f->changes;
    return f->mask;
}

static size_t epoll_test_collect(struct epoll_set *s, struct linux_epoll_event *out, bool consume)
{
    return epoll_set_collect(s, epoll_test_ready, NULL, out, 8, consume);
}

TEST(epoll_level_triggered_reports_while_ready)
{
    static struct epoll_set s;
    memset(&s, 0, sizeof s);
    struct epoll_test_file a = { 0 }, b = { .mask = LINUX_POLLOUT };
    struct linux_epoll_event ev = { .events = LINUX_POLLIN, .data = 11 }, out[8];
    CHECK_EQ(epoll_set_ctl(&s, LINUX_EPOLL_CTL_ADD, 3, &a, &ev), 0);
    CHECK_EQ(epoll_set_ctl(&s, LINUX_EPOLL_CTL_ADD, 3, &a, &ev), (uint64_t)(int64_t)-LINUX_EEXIST);
    ev = (struct linux_epoll_event){ .events = LINUX_POLLIN, .data = 22 };
    CHECK_EQ(epoll_set_ctl(&s, LINUX_EPOLL_CTL_ADD, 4, &b, &ev), 0);
    CHECK_EQ(epoll_test_collect(&s, out, true), 0); /* b is writable, but only POLLIN is asked */
    a.mask = LINUX_POLLIN;
    for (int round = 0; round < 2; round++) {
        CHECK_EQ(epoll_test_collect(&s, out, true), 1);
        CHECK(out[0].events == LINUX_POLLIN && out[0].data == 11);
    }
    b.mask |= LINUX_POLLHUP; /* reported although not asked for */
    CHECK_EQ(epoll_test_collect(&s, out, true), 2);
    CHECK(out[1].events == LINUX_POLLHUP && out[1].data == 22);
    CHECK_EQ(epoll_set_ctl(&s, LINUX_EPOLL_CTL_DEL, 3, &a, NULL), 0);
    CHECK_EQ(epoll_set_ctl(&s, LINUX_EPOLL_CTL_DEL, 3, &a, NULL), (uint64_t)(int64_t)-LINUX_ENOENT);
    epoll_set_forget(&s, &b);
    CHECK_EQ(epoll_test_collect(&s, out, true), 0);
    CHECK_EQ(epoll_set_ctl(&s, 99, 4, &b, &ev), (uint64_t)(int64_t)-LINUX_EINVAL);
}

/* EPOLLET: once per change of the description while ready; a look (poll of the epoll fd)
 * does not use the event up. */
TEST(epoll_edge_triggered_reports_once_per_change)
{
    static struct epoll_set s;
    memset(&s, 0, sizeof s);
    struct epoll_test_file a = { .mask = LINUX_POLLIN, .changes = 5 };
    struct linux_epoll_event ev = { .events = LINUX_POLLIN | LINUX_EPOLLET, .data = 1 }, out[8];
    CHECK_EQ(epoll_set_ctl(&s, LINUX_EPOLL_CTL_ADD, 3, &a, &ev), 0);
    CHECK_EQ(epoll_test_collect(&s, out, false), 1);
    CHECK_EQ(epoll_test_collect(&s, out, true), 1);
    CHECK_EQ(epoll_test_collect(&s, out, true), 0);
    a.changes++;
    CHECK_EQ(epoll_test_collect(&s, out, true), 1);
    CHECK_EQ(epoll_test_collect(&s, out, true), 0);
}

/* EPOLLONESHOT: quiet after one report until EPOLL_CTL_MOD re-arms it. */
TEST(epoll_oneshot_needs_a_mod_to_report_again)
{
    static struct epoll_set s;
    memset(&s, 0, sizeof s);
    struct epoll_test_file a = { .mask = LINUX_POLLIN };
    struct linux_epoll_event ev = { .events = LINUX_POLLIN | LINUX_EPOLLONESHOT, .data = 7 }, out[8];
    CHECK_EQ(epoll_set_ctl(&s, LINUX_EPOLL_CTL_ADD, 3, &a, &ev), 0);
    CHECK_EQ(epoll_test_collect(&s, out, true), 1);
    CHECK_EQ(epoll_test_collect(&s, out, true), 0);
    CHECK_EQ(epoll_set_ctl(&s, LINUX_EPOLL_CTL_MOD, 3, &a, &ev), 0);
    CHECK_EQ(epoll_test_collect(&s, out, true), 1);
    ev.events |= LINUX_EPOLLEXCLUSIVE;
    CHECK_EQ(epoll_set_ctl(&s, LINUX_EPOLL_CTL_MOD, 3, &a, &ev), (uint64_t)(int64_t)-LINUX_EINVAL);
}

TEST(epoll_list_full_is_enospc)
{
    static struct epoll_set s;
    memset(&s, 0, sizeof s);
    static struct epoll_test_file files[EPOLL_INTEREST_MAX + 1];
    struct linux_epoll_event ev = { .events = LINUX_POLLIN };
    for (int i = 0; i < EPOLL_INTEREST_MAX; i++)
        CHECK_EQ(epoll_set_ctl(&s, LINUX_EPOLL_CTL_ADD, i, &files[i], &ev), 0);
    CHECK_EQ(epoll_set_ctl(&s, LINUX_EPOLL_CTL_ADD, 99, &files[EPOLL_INTEREST_MAX], &ev),
             (uint64_t)(int64_t)-LINUX_ENOSPC);
}
