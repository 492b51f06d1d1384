# SPDX-License-Identifier: MIT
"""ITIMER_REAL is one timer for the whole program (kernel/sys_itimer.c on the POSIX timer
table, kernel/posix_timers.c). A thread that clone() puts on node 1 (with two nodes) sets
it, main on node 0 reads it with getitimer and alarm, and the setter then moves to another
CPU (node) and still gets its SIGALRM, with si_code SI_KERNEL. Before, each node kept its
own timer: main saw none, and a setter that moved lost its SIGALRM to whatever thread was
left on the old node. Disarming ITIMER_PROF and ITIMER_VIRTUAL succeeds (it was EINVAL).
Every answer must equal the native run's."""
from dsmkpy.testing import build_musl, check_matches_native

SOURCE = r"""
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/time.h>
#include <unistd.h>

static volatile sig_atomic_t code = -1, caught;

static void on_alarm(int sig, siginfo_t *si, void *uc)
{
    (void)sig, (void)uc;
    code = si->si_code;
    caught++;
}

static pthread_barrier_t set_done, read_done;

static void *setter(void *arg)
{
    (void)arg;
    struct itimerval it = { { 0, 0 }, { 1, 0 } }; /* long enough to be read running from node 0 under load */
    setitimer(ITIMER_REAL, &it, 0);
    pthread_barrier_wait(&set_done);
    pthread_barrier_wait(&read_done);
    /* Every other thread blocks SIGALRM: it is this one's, wherever it goes. */
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpus > 2 ? 2 : 0, &set);
    sched_setaffinity(0, sizeof set, &set);
    while (!caught)
        pause();
    printf("setter: caught %d, si_code %s\n", (int)caught, code == SI_KERNEL ? "SI_KERNEL" : "OTHER");
    return 0;
}

int main(void)
{
    struct sigaction sa = { .sa_sigaction = on_alarm, .sa_flags = SA_SIGINFO };
    sigaction(SIGALRM, &sa, 0);
    pthread_barrier_init(&set_done, 0, 2);
    pthread_barrier_init(&read_done, 0, 2);
    pthread_t t;
    pthread_create(&t, 0, setter, 0);
    sigset_t alrm;
    sigemptyset(&alrm);
    sigaddset(&alrm, SIGALRM);
    pthread_sigmask(SIG_BLOCK, &alrm, 0);
    pthread_barrier_wait(&set_done);
    struct itimerval cur;
    getitimer(ITIMER_REAL, &cur);
    printf("main: sees the timer %s", cur.it_value.tv_sec > 0 || cur.it_value.tv_usec > 0 ? "running" : "STOPPED");
    printf(", interval %ld\n", (long)cur.it_interval.tv_usec);
    pthread_barrier_wait(&read_done);
    pthread_join(t, 0);
    unsigned left = alarm(5);
    unsigned again = alarm(0);
    printf("main: alarm left %u then %u\n", left, again);
    /* Neither CPU-time timer was armed: disarming them (as programs do around profiling)
     * succeeds, and they read back stopped (test_cpu_timers.py arms them). */
    struct itimerval off = { { 0, 0 }, { 0, 0 } }, was;
    int prof = setitimer(ITIMER_PROF, &off, &was);
    int virt = setitimer(ITIMER_VIRTUAL, &off, 0);
    getitimer(ITIMER_PROF, &cur);
    printf("main: disarm prof %d virtual %d, was stopped %d, reads stopped %d\n", prof, virt,
           was.it_value.tv_sec == 0 && was.it_value.tv_usec == 0, cur.it_value.tv_sec == 0 && cur.it_value.tv_usec == 0);
    return 0;
}
"""


def test_itimer_is_one_for_the_program(tmp_path):
    exe = build_musl(tmp_path, "itimer", SOURCE)
    out = check_matches_native(tmp_path, "itimer", exe, nodes=(1, 2, 4)).decode()
    assert "running" in out and "SI_KERNEL" in out, out
