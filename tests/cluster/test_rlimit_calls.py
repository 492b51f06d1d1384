# SPDX-License-Identifier: MIT
"""getrlimit(2) and setrlimit(2) as raw calls (musl asks prlimit64; Go's runtime asks
getrlimit at startup, which was ENOSYS): each resource's limits equal prlimit64's, setting
them back as they are succeeds, and a resource out of range is EINVAL. From a thread that
clone() puts on node 1, against the native run on 1 and 2 nodes."""
from dsmkpy.testing import check_source_matches_native

SOURCE = r"""
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

static void *checks(void *arg)
{
    (void)arg;
    int same = 0, set = 0;
    for (int r = 0; r < RLIM_NLIMITS; r++) {
        struct rlimit raw, lib;
        if (syscall(SYS_getrlimit, r, &raw) == 0 && prlimit(0, r, 0, &lib) == 0 &&
            raw.rlim_cur == lib.rlim_cur && raw.rlim_max == lib.rlim_max)
            same++;
        if (syscall(SYS_setrlimit, r, &raw) == 0)
            set++;
    }
    printf("getrlimit equals prlimit64 for %d of %d\n", same, RLIM_NLIMITS);
    printf("setrlimit to the same for %d of %d\n", set, RLIM_NLIMITS);
    struct rlimit l;
    long bad = syscall(SYS_getrlimit, RLIM_NLIMITS, &l);
    printf("get out of range %ld %s\n", bad, bad ? strerror(errno) : "");
    bad = syscall(SYS_setrlimit, RLIM_NLIMITS, &l);
    printf("set out of range %ld %s\n", bad, bad ? strerror(errno) : "");
    return 0;
}

int main(void)
{
    pthread_t t;
    pthread_create(&t, 0, checks, 0);
    pthread_join(t, 0);
    return 0;
}
"""


def test_rlimit_calls_match_native(tmp_path):
    out = check_source_matches_native(tmp_path, "rlimit-calls", SOURCE)
    assert "getrlimit equals prlimit64 for 16 of 16" in out, out
