# SPDX-License-Identifier: MIT
"""PROT_NONE and unmapped memory fault as on Linux, on one node and across nodes. A page
the program touched and then made PROT_NONE stayed readable (its page-table entry kept the
user bit: x86 has no present-but-unreadable entry), and under the DSM a page unmapped by
munmap stayed readable too (kept as a PROT_NONE region, and the DSM gave every present copy
read rights). Now a PROT_NONE page is a not-present entry that keeps its frame
(PT_NO_ACCESS): reads fault with SEGV_ACCERR, system calls given it answer EFAULT, and
mprotect back finds the bytes; an unmapped range is a hole (SEGV_MAPERR, ENOMEM from
mprotect and msync) even where the DSM keeps its addresses from being reused. The checks
run in a thread that clone() puts on node 1 (with two nodes) over memory main wrote."""
from dsmkpy.testing import build_musl, check_matches_native

SOURCE = r"""
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static __thread sigjmp_buf escape;
static __thread int code;
static char *mem;
static long page;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
    (void)sig, (void)uc;
    code = si->si_code;
    siglongjmp(escape, 1);
}

static const char *touch(volatile char *p, int write)
{
    code = 0;
    if (!sigsetjmp(escape, 1)) {
        if (write)
            *p = 9;
        else
            (void)*p;
    }
    return code == SEGV_ACCERR ? "SEGV_ACCERR" : code == SEGV_MAPERR ? "SEGV_MAPERR" : code ? "SEGV?" : "ok";
}

static void say(const char *name, long rc) { printf(" %s %s", name, rc < 0 ? strerror(errno) : "ok"); }

static void *checks(void *arg)
{
    (void)arg;
    int fds[2];
    pipe(fds);
    printf("prot_none:");
    printf(" read %s", touch(mem + page, 0));
    printf(" write %s", touch(mem + page, 1));
    errno = 0;
    say("write(2)-from-it", write(fds[1], mem + page, 1));
    say("mprotect-read", mprotect(mem + page, page, PROT_READ));
    printf(" value %d", mem[page]);
    printf(" write-to-readonly %s", touch(mem + page, 1));
    say("mprotect-rw", mprotect(mem + page, page, PROT_READ | PROT_WRITE));
    printf(" write %s value %d", touch(mem + page, 1), mem[page]);
    printf(" neighbour %d\n", mem[0]);

    printf("unmapped:");
    say("munmap", munmap(mem + 2 * page, page));
    printf(" read %s", touch(mem + 2 * page, 0));
    say("mprotect", mprotect(mem + 2 * page, page, PROT_READ));
    say("msync", msync(mem + 2 * page, page, MS_SYNC));
    errno = 0;
    say("write(2)-from-it", write(fds[1], mem + 2 * page, 1));
    char *again = mmap(mem + 2 * page, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    printf(" fixed-remap %s reads %d\n", again == mem + 2 * page ? "same" : "ELSEWHERE", again[0]);
    return 0;
}

int main(void)
{
    page = sysconf(_SC_PAGESIZE);
    struct sigaction sa = { .sa_sigaction = on_segv, .sa_flags = SA_SIGINFO };
    sigaction(SIGSEGV, &sa, 0);
    mem = mmap(0, 3 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(mem, 5, 3 * page);
    mem[page] = 7;
    mprotect(mem + page, page, PROT_NONE);
    pthread_t t;
    pthread_create(&t, 0, checks, 0);
    pthread_join(t, 0);
    return 0;
}
"""


def test_prot_none_and_unmapped_fault_as_on_linux(tmp_path):
    exe = build_musl(tmp_path, "prot_none", SOURCE)
    out = check_matches_native(tmp_path, "prot_none", exe, nodes=(1, 2, 4)).decode()
    assert "read SEGV_ACCERR" in out and "read SEGV_MAPERR" in out and "ELSEWHERE" not in out, out
