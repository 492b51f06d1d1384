# SPDX-License-Identifier: MIT
"""prctl's settings (kernel/sys_thread.c, kernel/process_attrs.c), which a program sets and
reads back although they change nothing here: per thread PR_SET_NO_NEW_PRIVS (inherited by
a thread created later), PR_SET_KEEPCAPS, PR_SET_PDEATHSIG (not inherited), PR_SET_TIMERSLACK
(inherited; 0 restores the default), PR_CAPBSET_READ; per process PR_SET_DUMPABLE,
PR_SET_CHILD_SUBREAPER and PR_SET_THP_DISABLE, set by a thread on node 1 and read by main on
node 0 (two nodes); and the errors (an unknown option, bad arguments). Every line must equal
the native run's. Before, every one of them was EINVAL."""
from dsmkpy.testing import check_source_matches_native

SOURCE = r"""
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>

static void show(const char *what, long r)
{
    printf("%s: %ld%s%s\n", what, r, r < 0 ? " " : "", r < 0 ? strerror(errno) : "");
}

static void *child(void *arg)
{
    (void)arg;
    int sig = -1;
    prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0);
    printf("new thread: no_new_privs %d pdeathsig %d timerslack %d\n", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), sig,
           prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0) == 123456);
    return NULL;
}

static void *settings(void *arg)
{
    (void)arg;
    show("no_new_privs before", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
    show("set no_new_privs 2", prctl(PR_SET_NO_NEW_PRIVS, 2, 0, 0, 0));
    show("set no_new_privs", prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
    show("no_new_privs after", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
    show("set keepcaps", prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0));
    show("keepcaps", prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0));
    show("set keepcaps 2", prctl(PR_SET_KEEPCAPS, 2, 0, 0, 0));
    show("set pdeathsig", prctl(PR_SET_PDEATHSIG, 15, 0, 0, 0));
    int sig = 0;
    long r = prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0);
    printf("pdeathsig: %ld %d\n", r, sig);
    show("set pdeathsig 99", prctl(PR_SET_PDEATHSIG, 99, 0, 0, 0));
    show("timerslack default", prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0) == 50000);
    show("set timerslack", prctl(PR_SET_TIMERSLACK, 123456, 0, 0, 0));
    show("timerslack", prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0));
    pthread_t t;
    pthread_create(&t, NULL, child, NULL);
    pthread_join(t, NULL);
    show("set timerslack 0", prctl(PR_SET_TIMERSLACK, 0, 0, 0, 0));
    show("timerslack back", prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0));
    show("capbset 0", prctl(PR_CAPBSET_READ, 0, 0, 0, 0));
    show("capbset 9999", prctl(PR_CAPBSET_READ, 9999, 0, 0, 0));
    show("set dumpable 0", prctl(PR_SET_DUMPABLE, 0, 0, 0, 0));
    show("set dumpable 7", prctl(PR_SET_DUMPABLE, 7, 0, 0, 0));
    show("set subreaper", prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
    show("set thp_disable", prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0));
    show("unknown option", prctl(12345, 0, 0, 0, 0));
    return NULL;
}

int main(void)
{
    show("dumpable at start", prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
    pthread_t t;
    pthread_create(&t, NULL, settings, NULL);
    pthread_join(t, NULL);
    show("main: dumpable", prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
    int reaper = -1;
    long r = prctl(PR_GET_CHILD_SUBREAPER, &reaper, 0, 0, 0);
    printf("main: subreaper %ld %d\n", r, reaper);
    show("main: thp_disable", prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0));
    show("main: no_new_privs (its own)", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
    return 0;
}
"""


def test_prctl_settings_match_native(tmp_path):
    out = check_source_matches_native(tmp_path, "prctl", SOURCE)
    assert "new thread: no_new_privs 1 pdeathsig 0 timerslack 1" in out and "main: dumpable: 0" in out, out
