# SPDX-License-Identifier: MIT
"""mmap's flags from a thread on node 1 (two nodes): MAP_NORESERVE, MAP_STACK, MAP_LOCKED,
MAP_POPULATE, MAP_GROWSDOWN and MAP_NONBLOCK map as plain anonymous memory, MAP_32BIT
lands in the low 2 GiB (kernel/uvm.c: the second GiB, as Linux's x86-64 find_start_end;
before, it landed high, which a JIT that needs 32-bit addresses cannot use), and a shared
anonymous mapping works. Every line must equal the native run's. (MAP_HUGETLB is left out:
Linux without huge pages refuses it, here it gets ordinary pages.)"""
from dsmkpy.testing import CHECKS_ON_A_THREAD, check_source_matches_native

SOURCE = r"""
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#define SIZE (2u << 20)

static void map(const char *name, int flags)
{
    void *p = mmap(0, SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);
    if (p == MAP_FAILED) {
        printf("%s: %s\n", name, strerror(errno));
        return;
    }
    memset(p, 1, 4096);
    printf("%s: ok%s\n", name, (flags & MAP_32BIT) ? ((unsigned long)p + SIZE <= (1ul << 31) ? " low" : " high") : "");
    munmap(p, SIZE);
}

static void *checks(void *arg)
{
    (void)arg;
    map("noreserve", MAP_NORESERVE);
    map("stack", MAP_STACK);
    map("locked", MAP_LOCKED);
    map("populate", MAP_POPULATE);
    map("32bit", MAP_32BIT);
    map("32bit again", MAP_32BIT);
    map("growsdown", MAP_GROWSDOWN);
    map("nonblock", MAP_NONBLOCK);
    char *s = mmap(0, 8192, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    printf("shared anonymous: %s\n", s == MAP_FAILED ? strerror(errno) : "ok");
    return NULL;
}
""" + CHECKS_ON_A_THREAD


def test_mmap_flags_match_native(tmp_path):
    out = check_source_matches_native(tmp_path, "mmap-flags", SOURCE)
    assert "32bit: ok low" in out and "32bit again: ok low" in out, out
