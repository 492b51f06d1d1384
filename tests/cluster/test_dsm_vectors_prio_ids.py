# SPDX-License-Identifier: MIT
"""preadv, pwritev, preadv2, pwritev2 (raw: musl 1.2.3 has no wrappers); getpriority, setpriority and nice; setuid and the
other calls that set ids; the CPU-time clocks of pthread_getcpuclockid and
clock_getcpuclockid (before, EINVAL); POSIX record locks (fcntl F_SETLK, F_SETLKW,
F_GETLK: SQLite's locking; before, EINVAL) - against the native run on 1 and 2 nodes (the calls run on a
thread that clone() puts on node 1, and nice's inheritance is checked on a thread it
starts, which lands back on node 0). Before, all were ENOSYS.
Nice values are printed relative to the one the program started with, so the check does not
depend on the nice value the test runner itself runs at; PRIO_PGRP and PRIO_USER are left
out (natively they reach other processes)."""
from dsmkpy.testing import CHECKS_ON_A_THREAD, check_source_matches_native

SOURCE = r"""
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/fsuid.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

/* musl 1.2.3 has no preadv2/pwritev2: the raw calls (x86-64: the offset whole in pos_l) */
#define RWF_HIPRI 1
static long preadv2(int fd, const struct iovec *v, int n, long off, int flags)
{
    return syscall(SYS_preadv2, fd, v, n, off, 0, flags);
}
static long pwritev2(int fd, const struct iovec *v, int n, long off, int flags)
{
    return syscall(SYS_pwritev2, fd, v, n, off, 0, flags);
}

#define SHOW(what, expr) do { errno = 0; long r_ = (long)(expr); \
    printf("%s = %ld%s%s\n", what, r_, r_ < 0 ? " " : "", r_ < 0 ? strerror(errno) : ""); } while (0)

static int nice_at_start;

static void *child_nice(void *arg)
{
    (void)arg;
    printf("child inherits nice %d\n", getpriority(PRIO_PROCESS, 0) - nice_at_start);
    return 0;
}

static void vectors(void)
{
    int fd = open("vectors.txt", O_CREAT | O_RDWR | O_TRUNC, 0600);
    struct iovec w[3] = { { "hello ", 6 }, { "", 0 }, { "vector", 6 } };
    SHOW("pwritev at 4", pwritev(fd, w, 3, 4));
    SHOW("position after pwritev", lseek(fd, 0, SEEK_CUR));
    char a[8] = "", b[8] = "";
    struct iovec r[2] = { { a, 6 }, { b, 7 } };
    SHOW("preadv at 4", preadv(fd, r, 2, 4));
    printf("read [%s][%s]\n", a, b);
    struct iovec head = { "HEAD", 4 };
    SHOW("pwritev2 at -1", pwritev2(fd, &head, 1, -1, 0));
    SHOW("position after pwritev2", lseek(fd, 0, SEEK_CUR));
    memset(a, 0, sizeof a);
    struct iovec one = { a, 4 };
    SHOW("preadv2 at 0 with RWF_HIPRI", preadv2(fd, &one, 1, 0, RWF_HIPRI));
    printf("read [%s]\n", a);
    SHOW("preadv2 with an unknown flag", preadv2(fd, &one, 1, 0, 0x40000000));
    SHOW("preadv at -2", preadv(fd, r, 2, -2));
    SHOW("preadv of 1025 iovecs", preadv(fd, r, 1025, 0));
    SHOW("preadv on a bad fd", preadv(99, r, 2, 0));
    int p[2];
    pipe(p);
    SHOW("pwritev on a pipe", pwritev(p[1], w, 1, 0));
    SHOW("preadv past the end", preadv(fd, r, 2, 100));
    close(fd);
    unlink("vectors.txt");
}

static void priorities(void)
{
    nice_at_start = getpriority(PRIO_PROCESS, 0);
    SHOW("nice(3) - start", nice(3) - nice_at_start);
    SHOW("getpriority - start", getpriority(PRIO_PROCESS, 0) - nice_at_start);
    SHOW("getpriority of my tid - start", getpriority(PRIO_PROCESS, gettid()) - nice_at_start);
    SHOW("setpriority 30", setpriority(PRIO_PROCESS, 0, 30));
    SHOW("getpriority after 30", getpriority(PRIO_PROCESS, 0));
    SHOW("setpriority -25", setpriority(PRIO_PROCESS, 0, -25));
    SHOW("getpriority after -25", getpriority(PRIO_PROCESS, 0));
    SHOW("setpriority back", setpriority(PRIO_PROCESS, 0, nice_at_start + 2));
    pthread_t t;
    pthread_create(&t, 0, child_nice, 0);
    pthread_join(t, 0);
    SHOW("getpriority of no such thread", getpriority(PRIO_PROCESS, 999999));
    SHOW("getpriority with a bad which", getpriority(7, 0));
}

static void ids(void)
{
    SHOW("setuid(0)", setuid(0));
    SHOW("setgid(0)", setgid(0));
    SHOW("setuid(-1)", setuid((uid_t)-1));
    SHOW("setreuid(-1, -1)", setreuid((uid_t)-1, (uid_t)-1));
    SHOW("setregid(0, -1)", setregid(0, (gid_t)-1));
    SHOW("setresuid(-1, 0, -1)", setresuid((uid_t)-1, 0, (uid_t)-1));
    SHOW("setresgid(0, 0, 0)", setresgid(0, 0, 0));
    SHOW("setfsuid(0)", setfsuid(0));
    SHOW("setfsgid(0)", setfsgid(0));
    gid_t root = 0;
    SHOW("setgroups(1, {0})", setgroups(1, &root));
    SHOW("getuid, geteuid", getuid() + geteuid());
}

static void cpu_clocks(void)
{
    volatile unsigned long x = 0;
    for (unsigned long i = 0; i < 20000000; i++)
        x += i;
    clockid_t mine, process;
    SHOW("pthread_getcpuclockid(self)", pthread_getcpuclockid(pthread_self(), &mine));
    struct timespec by_id, by_self;
    SHOW("clock_gettime(my cpu clock)", clock_gettime(mine, &by_id));
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &by_self);
    long a = by_id.tv_sec * 1000000000L + by_id.tv_nsec, b = by_self.tv_sec * 1000000000L + by_self.tv_nsec;
    printf("my cpu clock ran: %d, agrees with CLOCK_THREAD_CPUTIME_ID: %d\n", a > 0, a <= b && b - a < 50000000);
    SHOW("clock_getres(my cpu clock)", clock_getres(mine, &by_id));
    SHOW("clock_getcpuclockid(getpid())", clock_getcpuclockid(getpid(), &process));
    SHOW("clock_gettime(process cpu clock)", clock_gettime(process, &by_id));
    printf("process cpu clock covers mine: %d\n", by_id.tv_sec * 1000000000L + by_id.tv_nsec >= a);
    SHOW("clock_getcpuclockid(no such pid)", clock_getcpuclockid(999999, &process));
    SHOW("clock_gettime(a cpu clock of no thread)", clock_gettime((clockid_t)((~999999 << 3) | 6), &by_id));
}

static void record_locks(void)
{
    int fd = open("locks.db", O_CREAT | O_RDWR | O_TRUNC, 0600);
    write(fd, "0123456789", 10);
    struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0 };
    SHOW("F_SETLK write lock, whole file", fcntl(fd, F_SETLK, &fl));
    fl.l_type = F_RDLCK;
    fl.l_start = 2;
    fl.l_len = 3;
    SHOW("F_SETLKW read lock, bytes 2-4", fcntl(fd, F_SETLKW, &fl));
    fl.l_type = F_WRLCK;
    SHOW("F_GETLK (our own locks never conflict)", fcntl(fd, F_GETLK, &fl));
    printf("F_GETLK says %s, start %ld, len %ld\n", fl.l_type == F_UNLCK ? "unlocked" : "locked", (long)fl.l_start,
           (long)fl.l_len);
    fl.l_type = F_UNLCK;
    fl.l_whence = SEEK_END;
    fl.l_start = -4;
    fl.l_len = 2;
    SHOW("F_SETLK unlock from the end", fcntl(fd, F_SETLK, &fl));
    fl.l_start = -11;
    SHOW("F_SETLK before the start", fcntl(fd, F_SETLK, &fl));
    fl.l_whence = 7;
    SHOW("F_SETLK bad whence", fcntl(fd, F_SETLK, &fl));
    fl.l_whence = SEEK_SET;
    fl.l_start = 0;
    fl.l_type = 9;
    SHOW("F_SETLK bad type", fcntl(fd, F_SETLK, &fl));
    fl.l_type = F_UNLCK;
    SHOW("F_GETLK of F_UNLCK", fcntl(fd, F_GETLK, &fl));
    int ro = open("locks.db", O_RDONLY);
    fl.l_type = F_WRLCK;
    SHOW("F_SETLK write lock on a read-only fd", fcntl(ro, F_SETLK, &fl));
    fl.l_type = F_RDLCK;
    SHOW("F_SETLK read lock on a read-only fd", fcntl(ro, F_SETLK, &fl));
    SHOW("F_SETLK on a closed fd", fcntl(99, F_SETLK, &fl));
    SHOW("F_SETLK with a bad pointer", fcntl(fd, F_SETLK, (struct flock *)16));
    close(ro);
    close(fd);
    unlink("locks.db");
}

static void *checks(void *arg)
{
    (void)arg;
    record_locks();
    vectors();
    priorities();
    ids();
    cpu_clocks();
    return 0;
}
""" + CHECKS_ON_A_THREAD


def test_vectors_priorities_and_ids_match_native(tmp_path):
    out = check_source_matches_native(tmp_path, "vectors-prio-ids", SOURCE)
    assert "read [hello ][vector]" in out, out
    assert "child inherits nice 2" in out, out
    assert "getpriority after 30 = 19\n" in out, out
    assert "my cpu clock ran: 1, agrees with CLOCK_THREAD_CPUTIME_ID: 1" in out, out
    assert "F_GETLK says unlocked, start 2, len 3" in out, out
