# SPDX-License-Identifier: MIT
"""mremap across nodes (kernel/sys_mm.c, in place through node 0): Linux's checks (EINVAL for
an unaligned address, EFAULT for an unmapped one), a growth into free pages after the
range, one blocked by the next mapping (ENOMEM), a shrink, a large realloc (musl asks
mremap to move it; here it copies instead), each from a thread on node 1, and musl's
pthread_getattr_np on the main thread, which probes the stack's extent with mremap until
EFAULT. Every line must equal the native run's, on 1 and 2 nodes. Before, every mremap on
two nodes was ENOMEM, and pthread_getattr_np of the main thread never returned there."""
from dsmkpy.testing import check_source_matches_native

SOURCE = r"""
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define PAGE 4096

/* One call's outcome, read before the next call can change errno. */
static const char *outcome(void *p) { return p == MAP_FAILED ? strerror(errno) : "ok"; }

#define FAR ((char *)0x300000000000ul) /* pages no mapping has held, natively or here */

static void *checks(void *arg)
{
    (void)arg;
    char *p = mmap(FAR, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    printf("map %s", outcome(p));
    memset(p, 'a', PAGE);
    const char *r = outcome(mremap(p + 1, PAGE, 2 * PAGE, 0));
    printf(", unaligned %s", r);
    char *q = mremap(p, PAGE, 3 * PAGE, 0);
    r = outcome(q);
    printf(", grow %s same %d", r, q == p);
    printf(" kept %d new zero %d", p[PAGE - 1] == 'a', q == p && p[2 * PAGE] == 0);
    char *blocker = mmap(p + 3 * PAGE, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    printf(", blocker %s", outcome(blocker));
    r = outcome(mremap(p, 3 * PAGE, 4 * PAGE, 0));
    printf(", blocked %s", r);
    q = mremap(p, 3 * PAGE, PAGE, 0);
    r = outcome(q);
    printf(", shrink %s same %d", r, q == p);
    munmap(blocker, PAGE);
    munmap(p, PAGE);
    r = outcome(mremap(p, PAGE, 2 * PAGE, 0));
    printf(", unmapped %s\n", r);

    size_t big = 1 << 20, bigger = 4 << 20;
    unsigned char *b = malloc(big);
    for (size_t i = 0; i < big; i++)
        b[i] = (unsigned char)(i * 7);
    b = realloc(b, bigger);
    int intact = b != NULL;
    for (size_t i = 0; intact && i < big; i++)
        intact = b[i] == (unsigned char)(i * 7);
    printf("realloc 1 MiB -> 4 MiB intact %d\n", intact);
    free(b);
    return NULL;
}

int main(void)
{
    pthread_attr_t a;
    void *addr;
    size_t size;
    int local = 0;
    int r = pthread_getattr_np(pthread_self(), &a);
    pthread_attr_getstack(&a, &addr, &size);
    printf("main stack: getattr %d, holds a local %d, at least 8 KiB %d\n", r,
           (char *)&local >= (char *)addr && (char *)&local < (char *)addr + size, size >= 8 * 1024);
    pthread_t t;
    pthread_create(&t, NULL, checks, NULL);
    pthread_join(t, NULL);
    return 0;
}
"""


def test_mremap_matches_native(tmp_path):
    out = check_source_matches_native(tmp_path, "mremap", SOURCE)
    assert "main stack: getattr 0, holds a local 1, at least 8 KiB 1" in out, out
    assert "grow ok same 1 kept 1 new zero 1, blocker ok, blocked Out of memory" in out, out
    assert "shrink ok same 1, unmapped Bad address" in out, out
