# SPDX-License-Identifier: MIT
"""sigqueue (rt_sigqueueinfo) and rt_tgsigqueueinfo (musl 1.2.3 has no pthread_sigqueue), against the native
run on 1 and 2 nodes (a worker thread that clone() puts on node 1): a process signal that
only the worker takes reaches its SA_SIGINFO handler with si_code SI_QUEUE, the sender's
si_pid and the value, twice; one queued to the worker's thread id, which it waits for in
sigwaitinfo, comes with its value too; a bad pid is ESRCH, a bad signal EINVAL.
Before, both calls were ENOSYS."""
from dsmkpy.testing import check_source_matches_native

SOURCE = r"""
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static volatile int handled_value = -1, handled_code = 1, handled_from_us = 0;
static volatile int ready = 0, worker_tid = 0;

static void nap(void) { struct timespec t = { 0, 2 * 1000 * 1000 }; nanosleep(&t, 0); }

static void on_usr1(int sig, siginfo_t *si, void *ctx)
{
    (void)sig, (void)ctx;
    handled_value = si->si_value.sival_int;
    handled_code = si->si_code;
    handled_from_us = si->si_pid == getpid();
}

static void *worker(void *arg)
{
    (void)arg;
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    pthread_sigmask(SIG_UNBLOCK, &usr1, 0); /* the only thread that takes SIGUSR1 */
    ready = 1;
    while (handled_value < 0)
        nap();
    printf("handler: value=%d queue=%d from-us=%d\n", handled_value, handled_code == SI_QUEUE, handled_from_us);
    sigset_t usr2;
    sigemptyset(&usr2);
    sigaddset(&usr2, SIGUSR2);
    siginfo_t si;
    worker_tid = (int)syscall(SYS_gettid);
    ready = 2;
    int sig = sigwaitinfo(&usr2, &si);
    printf("sigwaitinfo: sig=%d value=%d queue=%d from-us=%d\n", sig == SIGUSR2, si.si_value.sival_int,
           si.si_code == SI_QUEUE, si.si_pid == getpid());
    handled_value = -1;
    ready = 3;
    while (handled_value < 0)
        nap();
    printf("thread: value=%d queue=%d\n", handled_value, handled_code == SI_QUEUE);
    return 0;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_usr1;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR1, &sa, 0);
    sigset_t both;
    sigemptyset(&both);
    sigaddset(&both, SIGUSR1);
    sigaddset(&both, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &both, 0); /* main takes neither; the worker inherits the mask */
    pthread_t t;
    pthread_create(&t, 0, worker, 0);
    while (ready < 1)
        nap();
    /* Main prints only after the join: the worker prints as the signals arrive. */
    char said[3][64];
    union sigval v = { .sival_int = 42 };
    snprintf(said[0], sizeof said[0], "sigqueue: %s", sigqueue(getpid(), SIGUSR1, v) ? strerror(errno) : "ok");
    while (ready < 2)
        nap();
    /* To the worker's thread id: it pends there until sigwaitinfo takes it, whenever that
     * starts (a process signal with no taker yet would pend on the sender here: README). */
    siginfo_t si;
    memset(&si, 0, sizeof si);
    si.si_signo = SIGUSR2;
    si.si_code = SI_QUEUE;
    si.si_pid = getpid();
    si.si_uid = getuid();
    si.si_value.sival_int = 7;
    long rc = syscall(SYS_rt_tgsigqueueinfo, getpid(), worker_tid, SIGUSR2, &si);
    snprintf(said[1], sizeof said[1], "rt_tgsigqueueinfo: %s", rc ? strerror(errno) : "ok");
    while (ready < 3)
        nap();
    v.sival_int = 99;
    snprintf(said[2], sizeof said[2], "sigqueue again: %s", sigqueue(getpid(), SIGUSR1, v) ? strerror(errno) : "ok");
    pthread_join(t, 0);
    for (int i = 0; i < 3; i++)
        printf("%s\n", said[i]);
    printf("bad pid: %s\n", sigqueue(getpid() + 100000, SIGUSR1, v) ? strerror(errno) : "ok");
    printf("bad signal: %s\n", sigqueue(getpid(), 1000, v) ? strerror(errno) : "ok");
    return 0;
}
"""


def test_sigqueue_matches_native(tmp_path):
    out = check_source_matches_native(tmp_path, "sigqueue", SOURCE)
    assert "handler: value=42 queue=1 from-us=1" in out and "thread: value=99 queue=1" in out and "value=7 queue=1" in out, out
