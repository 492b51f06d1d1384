# SPDX-License-Identifier: MIT
"""Thread names (prctl PR_SET_NAME / PR_GET_NAME, kernel/sys_thread.c): the first thread is
named after its file, as exec names a task; a new thread takes its creator's name, also
when clone() starts it on another node (the name travels in the thread's start message);
a long name keeps its first 15 bytes; an unknown option is EINVAL and a bad pointer
EFAULT. Every answer must equal the native run's. Before, prctl was ENOSYS."""
from dsmkpy.testing import build_musl, check_matches_native

SOURCE = r"""
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>

static void show(const char *who)
{
    char name[16] = "?";
    int rc = prctl(PR_GET_NAME, name);
    printf("%s: %d '%s'\n", who, rc, name);
}

static void *worker(void *arg)
{
    (void)arg;
    show("worker at start");
    prctl(PR_SET_NAME, "worker-with-a-very-long-name");
    show("worker renamed");
    return 0;
}

int main(void)
{
    show("main at start");
    prctl(PR_SET_NAME, "boss");
    show("main renamed");
    pthread_t t;
    pthread_create(&t, 0, worker, 0);
    pthread_join(t, 0);
    show("main after join");
    errno = 0;
    int unknown = prctl(0x7fff0000, 0, 0, 0, 0);
    printf("unknown option %d %s\n", unknown, strerror(errno));
    errno = 0;
    int bad = prctl(PR_GET_NAME, (void *)16);
    printf("bad pointer %d %s\n", bad, strerror(errno));
    return 0;
}
"""


def test_thread_names_match_native_from_any_node(tmp_path):
    out = check_matches_native(tmp_path, "prctl", build_musl(tmp_path, "prctlnames", SOURCE))
    assert b"worker at start: 0 'boss'" in out and b"'worker-with-a-v'" in out, out
