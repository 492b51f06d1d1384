# SPDX-License-Identifier: MIT
"""Calls a program makes about its memory, its children and its files that need little
done here, checked against Linux from a thread that clone() puts on node 1 (with two
nodes): msync and the mlock family (kernel/sys_mlock.c: argument checks, then nothing,
since nothing is ever paged out), wait4 and waitid (no children: ECHILD), membarrier
(kernel/sys_process.c), sched_rr_get_interval, sync and syncfs, truncate, posix_fadvise and
close_range. Every answer must equal the native run's. Before, all were ENOSYS."""
from dsmkpy.testing import CHECKS_ON_A_THREAD, check_source_matches_native

SOURCE = r"""
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MB_QUERY 0
#define MB_GLOBAL 1
#define MB_PRIVATE_EXPEDITED 8
#define MB_REGISTER_PRIVATE_EXPEDITED 16

static void say(const char *name, long rc) { printf(" %s %s", name, rc < 0 ? strerror(errno) : "ok"); }
static long err(long rc) { return rc; } /* posix_fadvise: the error number itself */

static void *checks(void *arg)
{
    (void)arg;
    long page = sysconf(_SC_PAGESIZE);
    printf("memory:");
    char *m = mmap(0, 4 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    m[0] = 1;
    say("msync", msync(m, 4 * page, MS_SYNC));
    say("msync-unaligned", msync(m + 1, page, MS_SYNC));
    say("msync-both", msync(m, page, MS_SYNC | MS_ASYNC));
    say("mlock", mlock(m + 100, page));
    say("munlock", munlock(m + 100, page));
    say("mlock2-onfault", mlock2(m, page, MLOCK_ONFAULT));
    say("mlock2-badflags", mlock2(m, page, 0x10));
    say("mlockall-none", mlockall(0));
    say("munlockall", munlockall());
    munmap(m, 4 * page);
    say("msync-unmapped", msync(m, page, MS_ASYNC));
    say("mlock-unmapped", mlock(m, page));
    printf("\nchildren:");
    int status;
    say("wait", wait(&status));
    say("waitpid-nohang", waitpid(-1, &status, WNOHANG));
    say("waitpid-badopt", waitpid(-1, &status, 0x100));
    siginfo_t si;
    say("waitid", waitid(P_ALL, 0, &si, WEXITED));
    say("waitid-nooptions", waitid(P_ALL, 0, &si, 0));
    say("waitid-badtype", waitid((idtype_t)7, 0, &si, WEXITED));
    long mask = syscall(SYS_membarrier, MB_QUERY, 0, 0);
    printf(" membarrier-query %s", (mask & (MB_GLOBAL | MB_PRIVATE_EXPEDITED | MB_REGISTER_PRIVATE_EXPEDITED)) ==
                                          (MB_GLOBAL | MB_PRIVATE_EXPEDITED | MB_REGISTER_PRIVATE_EXPEDITED) ? "has" : "LACKS");
    say("membarrier-register", syscall(SYS_membarrier, MB_REGISTER_PRIVATE_EXPEDITED, 0, 0));
    say("membarrier-private", syscall(SYS_membarrier, MB_PRIVATE_EXPEDITED, 0, 0));
    say("membarrier-badcmd", syscall(SYS_membarrier, 3, 0, 0));
    say("membarrier-badflags", syscall(SYS_membarrier, MB_GLOBAL, 5, 0));
    struct timespec slice;
    say("rr-interval", sched_rr_get_interval(0, &slice));
    say("rr-interval-nobody", sched_rr_get_interval(999999, &slice));
    printf(" getgroups %s", getgroups(0, 0) >= 0 ? "ok" : "BAD");
    printf("\nfiles:");
    sync();
    int fd = open("trunc.txt", O_CREAT | O_RDWR | O_TRUNC, 0644);
    say("syncfs", syncfs(fd));
    say("syncfs-closed", syncfs(60));
    char bytes[100];
    memset(bytes, 'x', sizeof bytes);
    write(fd, bytes, sizeof bytes);
    say("truncate", truncate("trunc.txt", 10));
    struct stat st;
    fstat(fd, &st);
    printf(" size %lld", (long long)st.st_size);
    say("truncate-missing", truncate("no-such-file", 1));
    mkdir("adir", 0755);
    say("truncate-dir", truncate("adir", 1));
    say("truncate-negative", truncate("trunc.txt", -1));
    printf(" fadvise %ld", err(posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL)));
    printf(" fadvise-badadvice %ld", err(posix_fadvise(fd, 0, 0, 77)));
    int p[2];
    pipe(p);
    printf(" fadvise-pipe %ld", err(posix_fadvise(p[0], 0, 0, POSIX_FADV_NORMAL)));
    printf(" fadvise-closed %ld", err(posix_fadvise(60, 0, 0, POSIX_FADV_NORMAL)));
    int a = dup2(fd, 40), b = dup2(fd, 41), c = dup2(fd, 43);
    say("close_range-cloexec", syscall(SYS_close_range, 40, 41, 4));
    printf(" flags %d %d %d", fcntl(a, F_GETFD), fcntl(b, F_GETFD), fcntl(c, F_GETFD));
    say("close_range", syscall(SYS_close_range, 40, 42, 0));
    errno = 0;
    printf(" after %d %d %d", fcntl(a, F_GETFD), fcntl(b, F_GETFD), fcntl(c, F_GETFD));
    say("close_range-backwards", syscall(SYS_close_range, 5, 4, 0));
    say("close_range-badflags", syscall(SYS_close_range, 40, 50, 1));
    say("close_range-to-end", syscall(SYS_close_range, 43, ~0u, 0));
    printf(" last %d\n", fcntl(c, F_GETFD));
    close(fd);
    unlink("trunc.txt");
    rmdir("adir");
    return 0;
}
""" + CHECKS_ON_A_THREAD


def test_process_and_memory_calls_match_native(tmp_path):
    out = check_source_matches_native(tmp_path, "process_calls", SOURCE)
    assert "BAD" not in out and "LACKS" not in out and "No child process" in out, out
