# SPDX-License-Identifier: MIT
"""timerfd (kernel/timerfd.c, kernel/files_events.c, kernel/sys_timerfd.c): timers read as
descriptors. A thread that clone() puts on node 1 (with two nodes) blocks in read until a
timer main set expires, a periodic timer counts the periods a sleep let pass, poll and
epoll wake for an expiry from node 1, an absolute CLOCK_REALTIME time and disarming work,
and the error cases answer as on Linux. Every answer must equal the native run's. Before,
timerfd_create was ENOSYS."""
from dsmkpy.testing import build_musl, check_matches_native

SOURCE = r"""
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define MS 1000000ll

static int tfd;

static void step(const char *name, long rc) { printf(" %s %s", name, rc < 0 ? strerror(errno) : "ok"); }
static long long now(clockid_t c) { struct timespec t; clock_gettime(c, &t); return t.tv_sec * 1000000000ll + t.tv_nsec; }
static void nap(long ms) { struct timespec t = { 0, ms * MS }; nanosleep(&t, 0); }
static struct itimerspec after(long long value_ns, long long interval_ns)
{
    struct itimerspec s = { { interval_ns / 1000000000, interval_ns % 1000000000 },
                            { value_ns / 1000000000, value_ns % 1000000000 } };
    return s;
}
static long long ns(struct timespec t) { return t.tv_sec * 1000000000ll + t.tv_nsec; }
static uint64_t take(int fd) { uint64_t v = 0; return read(fd, &v, sizeof v) == sizeof v ? v : (uint64_t)-1; }

/* The other side of each wait, on node 1 with two nodes: results come back through the join. */
static void *reader(void *arg)
{
    (void)arg;
    long long t0 = now(CLOCK_MONOTONIC);
    struct itimerspec s = after(100 * MS, 0);
    timerfd_settime(tfd, 0, &s, 0);
    uint64_t v = take(tfd); /* blocks until it expires */
    return (void *)(intptr_t)(v == 1 && now(CLOCK_MONOTONIC) - t0 >= 100 * MS ? 1 : -1);
}

static void *poller(void *arg)
{
    (void)arg;
    struct pollfd p = { .fd = tfd, .events = POLLIN };
    int n = poll(&p, 1, 10000);
    return (void *)(intptr_t)(n == 1 && p.revents == POLLIN ? 1 : -1);
}

static void *epoller(void *arg)
{
    int ep = (int)(intptr_t)arg;
    struct epoll_event ev;
    int n = epoll_wait(ep, &ev, 1, 10000);
    return (void *)(intptr_t)(n == 1 && ev.events == EPOLLIN && ev.data.u64 == 77 ? 1 : -1);
}

int main(void)
{
    pthread_t t;
    void *got;
    struct itimerspec s, old, cur;
    struct stat st;

    printf("one-shot:");
    tfd = timerfd_create(CLOCK_MONOTONIC, 0);
    step("create", tfd);
    step("gettime", timerfd_gettime(tfd, &cur));
    printf(" disarmed %s", ns(cur.it_value) == 0 && ns(cur.it_interval) == 0 ? "yes" : "NO");
    pthread_create(&t, 0, reader, 0);
    pthread_join(t, &got);
    printf(" read from a thread %s\n", (intptr_t)got == 1 ? "ok" : "BAD");

    printf("periodic:");
    s = after(20 * MS, 20 * MS);
    step("settime", timerfd_settime(tfd, 0, &s, &old));
    printf(" old disarmed %s", ns(old.it_value) == 0 ? "yes" : "NO");
    timerfd_gettime(tfd, &cur);
    printf(" interval %lld ms, left %s", ns(cur.it_interval) / MS,
           ns(cur.it_value) > 0 && ns(cur.it_value) <= 20 * MS ? "in (0, 20] ms" : "BAD");
    nap(110);
    uint64_t n = take(tfd);
    printf(" count after 110 ms %s", n >= 4 && n != (uint64_t)-1 ? "at least 4" : "BAD"); /* more if the sleep ran long */
    s = after(0, 0);
    step("disarm", timerfd_settime(tfd, 0, &s, &old));
    printf(" old interval %lld ms", ns(old.it_interval) / MS);
    timerfd_gettime(tfd, &cur);
    printf(" now %s\n", ns(cur.it_value) == 0 && ns(cur.it_interval) == 0 ? "disarmed" : "ARMED");

    printf("poll and epoll:");
    s = after(50 * MS, 0);
    timerfd_settime(tfd, 0, &s, 0);
    pthread_create(&t, 0, poller, 0);
    pthread_join(t, &got);
    printf(" poll from a thread %s", (intptr_t)got == 1 ? "ok" : "BAD");
    printf(" count %llu", (unsigned long long)take(tfd));
    int ep = epoll_create1(0);
    struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 77 };
    step("epoll_ctl", epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev));
    s = after(50 * MS, 0);
    timerfd_settime(tfd, 0, &s, 0);
    pthread_create(&t, 0, epoller, (void *)(intptr_t)ep);
    pthread_join(t, &got);
    printf(" epoll_wait from a thread %s\n", (intptr_t)got == 1 ? "ok" : "BAD");
    take(tfd);
    close(ep);

    printf("absolute realtime:");
    int rt = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC);
    step("create", rt);
    uint64_t v;
    errno = 0;
    printf(" empty read %s", read(rt, &v, sizeof v) < 0 && errno == EAGAIN ? "EAGAIN" : "BAD");
    long long due = now(CLOCK_REALTIME) + 60 * MS;
    s = after(due, 0);
    step("settime", timerfd_settime(rt, TFD_TIMER_ABSTIME, &s, 0));
    struct pollfd p = { .fd = rt, .events = POLLIN };
    printf(" poll %d", poll(&p, 1, 10000));
    printf(" at or after the time %s", now(CLOCK_REALTIME) >= due ? "yes" : "NO");
    printf(" count %llu", (unsigned long long)take(rt));
    s = after(1, 0); /* an absolute time long past: due at once */
    timerfd_settime(rt, TFD_TIMER_ABSTIME, &s, 0);
    printf(" past time poll %d\n", poll(&p, 1, 10000));
    close(rt);

    printf("errors:");
    errno = 0;
    printf(" cputime clock %s", timerfd_create(CLOCK_PROCESS_CPUTIME_ID, 0) < 0 ? strerror(errno) : "ok");
    errno = 0;
    printf(" bad flags %s", timerfd_create(CLOCK_MONOTONIC, 0x4) < 0 ? strerror(errno) : "ok");
    s = after(0, 0);
    s.it_value.tv_nsec = 1000000000;
    errno = 0;
    printf(" bad nsec %s", timerfd_settime(tfd, 0, &s, 0) < 0 ? strerror(errno) : "ok");
    s = after(MS, 0);
    errno = 0;
    printf(" bad settime flags %s", timerfd_settime(tfd, 0x10, &s, 0) < 0 ? strerror(errno) : "ok");
    int fds[2];
    pipe(fds);
    errno = 0;
    printf(" on a pipe %s", timerfd_settime(fds[0], 0, &s, 0) < 0 ? strerror(errno) : "ok");
    errno = 0;
    printf(" gettime on a pipe %s", timerfd_gettime(fds[0], &cur) < 0 ? strerror(errno) : "ok");
    errno = 0;
    printf(" closed fd %s", timerfd_settime(60, 0, &s, 0) < 0 ? strerror(errno) : "ok");
    uint32_t small;
    errno = 0;
    printf(" 4-byte read %s", read(tfd, &small, sizeof small) < 0 ? strerror(errno) : "ok");
    errno = 0;
    printf(" write %s", write(tfd, &v, sizeof v) < 0 ? strerror(errno) : "ok");
    step("fstat", fstat(tfd, &st));
    printf(" mode %o", (unsigned)st.st_mode);
    int boot = timerfd_create(CLOCK_BOOTTIME, 0);
    step("boottime", boot);
    s = after(10 * MS, 0);
    timerfd_settime(boot, 0, &s, 0);
    printf(" boottime count %llu\n", (unsigned long long)take(boot));
    s = after(10 * MS, 10 * MS);
    timerfd_settime(boot, 0, &s, 0);
    close(boot); /* its timer stops with it */
    nap(50);
    printf("done\n");
    return 0;
}
"""


def test_timerfd_matches_native(tmp_path):
    exe = build_musl(tmp_path, "timerfd", SOURCE)
    out = check_matches_native(tmp_path, "timerfd", exe).decode()
    assert "BAD" not in out and "NO" not in out and "ARMED" not in out, out
