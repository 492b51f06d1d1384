# SPDX-License-Identifier: MIT
"""Signals sent to the process go to a thread that takes them (kernel/sys_signal.c
signal_process_taker, kernel/dsm_threads.c): a program blocks SIGUSR1, SIGALRM and SIGUSR2
in every thread and has one thread, which clone() puts on node 1 (with two nodes), take
them with sigwaitinfo. kill(getpid()) from main, ITIMER_REAL and a SIGEV_SIGNAL POSIX timer
that main set must all reach that thread, as on Linux. Before, each went to the thread that
sent or set it (main), which blocks it: the waiting thread never got one and the program
hung."""
from dsmkpy.testing import check_source_matches_native

SOURCE = r"""
#define _GNU_SOURCE
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static sigset_t set;
static sem_t taken, waiting;
static int got_sig[3], got_code[3];

static const char *code_name(int code)
{
    return code == SI_USER ? "SI_USER" : code == SI_KERNEL ? "SI_KERNEL" : code == SI_TIMER ? "SI_TIMER" : "OTHER";
}

/* The signal thread: takes three signals, one at a time, telling main after each. */
static void *taker(void *arg)
{
    (void)arg;
    for (int i = 0; i < 3; i++) {
        siginfo_t si;
        sem_post(&waiting); /* main sends the next signal once this thread waits for it */
        got_sig[i] = sigwaitinfo(&set, &si);
        got_code[i] = si.si_code;
        sem_post(&taken);
    }
    return 0;
}

static void nap(long ms) { struct timespec t = { 0, ms * 1000000L }; nanosleep(&t, 0); }

int main(void)
{
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGALRM);
    sigaddset(&set, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &set, 0); /* every thread inherits it */
    sem_init(&taken, 0, 0);
    sem_init(&waiting, 0, 0);
    pthread_t t;
    pthread_create(&t, 0, taker, 0);

    /* Each signal goes out once the taker is in sigwaitinfo: a signal no thread takes when it
     * arrives waits on its sender here, where Linux would keep it for the first taker. */
    sem_wait(&waiting);
    nap(200);
    kill(getpid(), SIGUSR1);
    sem_wait(&taken);
    printf("kill: %s %s\n", got_sig[0] == SIGUSR1 ? "SIGUSR1" : "OTHER", code_name(got_code[0]));

    sem_wait(&waiting);
    nap(200);
    struct itimerval it = { { 0, 0 }, { 0, 50000 } };
    setitimer(ITIMER_REAL, &it, 0);
    sem_wait(&taken);
    printf("itimer: %s %s\n", got_sig[1] == SIGALRM ? "SIGALRM" : "OTHER", code_name(got_code[1]));

    sem_wait(&waiting);
    nap(200);
    struct sigevent ev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR2 };
    timer_t timer;
    timer_create(CLOCK_MONOTONIC, &ev, &timer);
    struct itimerspec once = { { 0, 0 }, { 0, 50000000 } };
    timer_settime(timer, 0, &once, 0);
    sem_wait(&taken);
    printf("timer: %s %s\n", got_sig[2] == SIGUSR2 ? "SIGUSR2" : "OTHER", code_name(got_code[2]));
    pthread_join(t, 0);
    return 0;
}
"""


def test_process_signals_reach_the_thread_that_takes_them(tmp_path):
    out = check_source_matches_native(tmp_path, "process_signals", SOURCE, nodes=(1, 2, 4))
    assert "OTHER" not in out and out.count("\n") == 3, out
