# SPDX-License-Identifier: MIT
"""A signal for the process that no thread takes when it is sent (every thread blocks it)
waits for the process (kernel/signal_process.c), as in Linux's shared pending set: against
the native run on 1 and 2 nodes, sigpending shows it, on the sender's node and (asked
there) on another (before, only on the sender's); a thread that starts sigwait later
(on node 1 with two nodes) gets it, with its siginfo: kill's SI_USER, sigqueue's value, a
POSIX timer's SI_TIMER; and a thread that unblocks it runs its handler at once, on the
sender's node or (told by a hint) on another. Before, the
signal waited on the sender's own thread: the later sigwait on another thread never
returned."""
from dsmkpy.testing import check_source_matches_native

SOURCE = r"""
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile int go, handled, waited, go_unblock, winch_by_waiter;
static pthread_t waiter_thread;
static char said[4][96];

static void nap(void) { struct timespec t = { 0, 2 * 1000 * 1000 }; nanosleep(&t, 0); }
static void on_usr2(int sig) { (void)sig; handled++; }
static void on_winch(int sig) { (void)sig; winch_by_waiter = pthread_equal(pthread_self(), waiter_thread); }

static void *waiter(void *arg)
{
    (void)arg;
    while (!go)
        nap(); /* main sends everything before this thread waits for it */
    sigset_t seen;
    sigpending(&seen); /* with two nodes, what node 0 keeps: seen from node 1 */
    snprintf(said[3], sizeof said[3], "waiter's sigpending: usr1=%d rtmin=%d alrm=%d", sigismember(&seen, SIGUSR1),
             sigismember(&seen, SIGRTMIN), sigismember(&seen, SIGALRM));
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGRTMIN);
    sigaddset(&set, SIGALRM);
    for (int i = 0; i < 3; i++) {
        siginfo_t si;
        struct timespec limit = { 10, 0 };
        int sig = sigtimedwait(&set, &si, &limit);
        snprintf(said[i], sizeof said[i], "got %s code=%s value=%d",
                 sig == SIGUSR1 ? "USR1" : sig == SIGRTMIN ? "RTMIN" : sig == SIGALRM ? "ALRM" : strerror(errno),
                 si.si_code == SI_USER ? "user" : si.si_code == SI_QUEUE ? "queue" : si.si_code == SI_TIMER ? "timer" : "?",
                 sig == SIGUSR1 ? 0 : si.si_value.sival_int);
    }
    waited = 1;
    while (!go_unblock)
        nap();
    sigset_t winch;
    sigemptyset(&winch);
    sigaddset(&winch, SIGWINCH);
    pthread_sigmask(SIG_UNBLOCK, &winch, 0); /* the process kept it, on main's node */
    return 0;
}

int main(void)
{
    sigset_t all;
    sigemptyset(&all);
    sigaddset(&all, SIGUSR1);
    sigaddset(&all, SIGUSR2);
    sigaddset(&all, SIGRTMIN);
    sigaddset(&all, SIGALRM);
    sigaddset(&all, SIGWINCH);
    pthread_sigmask(SIG_BLOCK, &all, 0); /* every thread blocks them: the waiter inherits it */
    signal(SIGUSR2, on_usr2);
    signal(SIGWINCH, on_winch);
    pthread_create(&waiter_thread, 0, waiter, 0);
    kill(getpid(), SIGUSR1);
    union sigval v = { .sival_int = 7 };
    sigqueue(getpid(), SIGRTMIN, v);
    struct sigevent ev;
    memset(&ev, 0, sizeof ev);
    ev.sigev_notify = SIGEV_SIGNAL;
    ev.sigev_signo = SIGALRM;
    ev.sigev_value.sival_int = 9;
    timer_t timer;
    timer_create(CLOCK_MONOTONIC, &ev, &timer);
    struct itimerspec its = { { 0, 0 }, { 0, 20 * 1000 * 1000 } };
    timer_settime(timer, 0, &its, 0);
    struct timespec fired = { 0, 100 * 1000 * 1000 };
    nanosleep(&fired, 0);
    sigset_t pending;
    sigpending(&pending);
    printf("pending: usr1=%d rtmin=%d alrm=%d\n", sigismember(&pending, SIGUSR1), sigismember(&pending, SIGRTMIN),
           sigismember(&pending, SIGALRM));
    go = 1;
    while (!waited)
        nap();
    kill(getpid(), SIGWINCH);
    go_unblock = 1;
    pthread_join(waiter_thread, 0);
    printf("winch taken by the waiter when it unblocked it: %d\n", winch_by_waiter);
    for (int i = 0; i < 4; i++)
        printf("%s\n", said[i]);
    kill(getpid(), SIGUSR2);
    printf("before unblock: handled=%d\n", handled);
    sigset_t usr2;
    sigemptyset(&usr2);
    sigaddset(&usr2, SIGUSR2);
    pthread_sigmask(SIG_UNBLOCK, &usr2, 0);
    printf("after unblock: handled=%d\n", handled);
    return 0;
}
"""


def test_process_signal_waits_for_a_taker(tmp_path):
    out = check_source_matches_native(tmp_path, "process_pending", SOURCE)
    assert "pending: usr1=1 rtmin=1 alrm=1" in out and "got RTMIN code=queue value=7" in out, out
    assert "got ALRM code=timer value=9" in out and "after unblock: handled=1" in out, out
    assert "unblocked it: 1" in out, out
    assert "waiter's sigpending: usr1=1 rtmin=1 alrm=1" in out, out
