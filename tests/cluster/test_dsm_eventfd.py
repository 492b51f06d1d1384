# SPDX-License-Identifier: MIT
"""eventfd (kernel/eventfd.c, kernel/files.c): counters threads use to wake each other.
A thread that clone() puts on node 1 (with two nodes) blocks in read until the main
thread writes, blocks in write while the count is full until a read makes room, and
waits in poll until a write; semaphore mode, O_NONBLOCK's EAGAIN, the EINVAL cases, fstat
and FD_CLOEXEC are checked on the way. Every answer must equal the native run's. Before,
eventfd and eventfd2 were ENOSYS."""
from dsmkpy.testing import build_musl, check_matches_native

SOURCE = r"""
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX 0xfffffffffffffffeull
static int efd, full;

static void step(const char *name, long rc) { printf(" %s %s", name, rc < 0 ? strerror(errno) : "ok"); }
static void nap(void) { struct timespec t = { 0, 50 * 1000 * 1000 }; nanosleep(&t, 0); }
static uint64_t get(int fd) { uint64_t v = 0; return read(fd, &v, sizeof v) == sizeof v ? v : (uint64_t)-1; }
static long put(int fd, uint64_t v) { return write(fd, &v, sizeof v); }

/* The other side of each wait: its results come back through the join. */
static void *reader(void *arg)
{
    (void)arg;
    return (void *)(uintptr_t)get(efd); /* blocks until main writes */
}

static void *writer(void *arg)
{
    (void)arg;
    return (void *)(intptr_t)put(full, 5); /* blocks until main reads the full count */
}

static void *poller(void *arg)
{
    (void)arg;
    struct pollfd p = { .fd = efd, .events = POLLIN };
    int n = poll(&p, 1, 10000);
    return (void *)(intptr_t)(n == 1 && p.revents == POLLIN ? 1 : -1);
}

int main(void)
{
    pthread_t t;
    void *got;
    struct stat st;

    printf("basic:");
    efd = eventfd(0, 0);
    step("eventfd", efd);
    pthread_create(&t, 0, reader, 0);
    nap();
    step("write 7", put(efd, 7));
    pthread_join(t, &got);
    printf(" reader got %llu", (unsigned long long)(uintptr_t)got);
    step("write 2", put(efd, 2));
    step("write 3", put(efd, 3));
    printf(" read %llu", (unsigned long long)get(efd));
    printf("\n");

    printf("poll:");
    pthread_create(&t, 0, poller, 0);
    nap();
    step("write", put(efd, 1));
    pthread_join(t, &got);
    printf(" poller %ld, read %llu\n", (long)(intptr_t)got, (unsigned long long)get(efd));

    printf("semaphore:");
    int sem = eventfd(3, EFD_SEMAPHORE | EFD_NONBLOCK);
    for (int i = 0; i < 3; i++)
        printf(" %llu", (unsigned long long)get(sem));
    uint64_t v;
    step("empty", read(sem, &v, sizeof v));
    step("short read", read(sem, &v, 4));
    step("write all-ones", put(sem, UINT64_MAX));
    printf("\n");

    printf("full:");
    full = eventfd(0, 0);
    step("write max", put(full, MAX));
    pthread_create(&t, 0, writer, 0);
    nap();
    struct pollfd p = { .fd = full, .events = POLLIN | POLLOUT };
    step("poll", poll(&p, 1, 0));
    printf(" revents %x", p.revents);
    printf(" read %llx", (unsigned long long)get(full));
    pthread_join(t, &got);
    printf(" writer %ld, read %llu\n", (long)(intptr_t)got, (unsigned long long)get(full));

    printf("nonblocking:");
    int nb = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    step("read empty", read(nb, &v, sizeof v));
    step("write max", put(nb, MAX));
    step("write 1", put(nb, 1));
    printf(" cloexec %d, status nonblock %d", fcntl(nb, F_GETFD) == FD_CLOEXEC,
           (fcntl(nb, F_GETFL) & O_NONBLOCK) != 0);
    step("fstat", fstat(nb, &st));
    printf(" type %o mode %o", st.st_mode & S_IFMT, st.st_mode & 07777);
    step("bad flags", eventfd(0, 0x10));
    printf("\n");
    return 0;
}
"""


def test_eventfd_matches_native_from_any_node(tmp_path):
    out = check_matches_native(tmp_path, "eventfd", build_musl(tmp_path, "efd", SOURCE))
    assert b"reader got 7" in out and b"writer 8, read 5" in out, out
