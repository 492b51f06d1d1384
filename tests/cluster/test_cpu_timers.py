# SPDX-License-Identifier: MIT
"""Timers on CPU time (kernel/cpu_watch.c, kernel/posix_timers.c): ITIMER_PROF and
ITIMER_VIRTUAL count the CPU time of the program's threads on every node, and POSIX timers
on CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID and pthread_getcpuclockid's clocks
count their process's or thread's (before, arming one was EINVAL). A profiling timer's
SIGPROF count matches the CPU time the threads used, a one-shot ITIMER_VIRTUAL fires once
the process has used its time and not before, a thread's CPU timer counts only that
thread's time while another thread computes beside it, and a thread's CPU clock keeps its
time when the thread moves to another node (it started again from 0 there before), and another
node's thread's CPU clock can be read (EINVAL before). Runs
against the native run on 1, 2 and 4 nodes; the counts it compares are printed to stderr."""
from dsmkpy.testing import build_musl, check_matches_native

# On 4 nodes all computing on this 2-core host a message waits tens of milliseconds for its
# QEMU's I/O thread, and a timer has one signal on its way at a time (kernel/posix_timers.c):
# the 10 ms profiling timer's expirations then merge into fewer SIGPROFs (about a third
# arrived), as Linux merges a SIGPROF into one still pending. Its count is checked there
# against a lower share; 1 and 2 nodes must meet the native run's.
PROF_LEAST_4_NODES = "0.15"

SOURCE = r"""
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define WORKERS 3                 /* beside main: one per node on 4 nodes */
#define PROF_INTERVAL_US 10000
#define PROF_BURN_S 0.25          /* each thread's CPU time under the profiling timer */
#define VIRT_AFTER_S 0.1          /* the one-shot ITIMER_VIRTUAL */
/* How late it may fire, in process CPU time: usually 5-40 ms here, but on 4 nodes busy on
 * this 2-core host about 1 run in 6 took 0.6 s (four threads computing while the report and
 * the signal wait for their QEMUs' I/O threads). */
#define VIRT_LATE_MAX_S 2.0
#define THREAD_TIMER_S 0.05       /* a thread's own CPU timer */
#define PROF_LEAST 0.5            /* of the expected SIGPROFs (Linux drops one while one is pending) */
#define TICK_SLACK_US 10000       /* Linux reports a CPU timer's time left rounded up to its tick */

static atomic_int prof_signals, virt_signals, stop;
static volatile double virt_fired_at; /* process CPU time when SIGVTALRM came */
static pthread_barrier_t start, done;

static double cpu_s(clockid_t c)
{
    struct timespec t;
    clock_gettime(c, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void burn(double secs)
{
    double end = cpu_s(CLOCK_THREAD_CPUTIME_ID) + secs;
    volatile unsigned long x = 0;
    while (cpu_s(CLOCK_THREAD_CPUTIME_ID) < end && !stop)
        for (int i = 0; i < 20000; i++)
            x += i;
}

static void on_prof(int sig) { (void)sig; prof_signals++; }

static void on_virt(int sig)
{
    (void)sig;
    stop = 1; /* first: reading the process clock asks the other nodes */
    if (virt_signals++ == 0)
        virt_fired_at = cpu_s(CLOCK_PROCESS_CPUTIME_ID);
}

static volatile int thread_timer_fired;
static void on_usr1(int sig) { (void)sig; thread_timer_fired = 1; }

static void *worker(void *arg)
{
    (void)arg;
    pthread_barrier_wait(&start);
    burn(PROF_BURN_S);                  /* under ITIMER_PROF */
    pthread_barrier_wait(&done);
    pthread_barrier_wait(&start);
    burn(10.0);                         /* until SIGVTALRM sets stop */
    pthread_barrier_wait(&done);
    return 0;
}

/* A thread's own CPU timer: it fires after this thread's THREAD_TIMER_S, not sooner, while
 * another thread (the sibling) computes too. */
static volatile int sibling_stop;
static void *sibling(void *arg)
{
    (void)arg;
    volatile unsigned long x = 0;
    while (!sibling_stop)
        x++;
    return 0;
}

static void *timed_thread(void *arg)
{
    (void)arg;
    struct sigevent ev = { .sigev_notify = SIGEV_THREAD_ID, .sigev_signo = SIGUSR1 };
    ev.sigev_notify_thread_id = (pid_t)syscall(SYS_gettid);
    timer_t id;
    int created = timer_create(CLOCK_THREAD_CPUTIME_ID, &ev, &id);
    struct itimerspec set = { { 0, 0 }, { 0, (long)(THREAD_TIMER_S * 1e9) } }, cur;
    double begin = cpu_s(CLOCK_THREAD_CPUTIME_ID);
    timer_settime(id, 0, &set, 0);
    timer_gettime(id, &cur);
    int left_ok = cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec > 0 && cur.it_value.tv_nsec <= set.it_value.tv_nsec;
    volatile unsigned long x = 0;
    while (!thread_timer_fired && cpu_s(CLOCK_THREAD_CPUTIME_ID) - begin < 5.0)
        x++;
    double used = cpu_s(CLOCK_THREAD_CPUTIME_ID) - begin;
    timer_gettime(id, &cur);
    fprintf(stderr, "thread timer: fired %d after %.3f s of the thread's CPU\n", thread_timer_fired, used);
    printf("thread timer: created %d, counting down %d, fired after its thread's time %d, then disarmed %d\n",
           created, left_ok, thread_timer_fired && used >= THREAD_TIMER_S * 0.98,
           cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0);
    timer_delete(id);
    return 0;
}

/* Its CPU clock before and after it moves to the next CPU (another node with several). */
static void *mover(void *arg)
{
    (void)arg;
    burn(0.05);
    double before = cpu_s(CLOCK_THREAD_CPUTIME_ID);
    int cpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET((sched_getcpu() + 1) % cpus, &set);
    int moved = sched_setaffinity(0, sizeof set, &set);
    double after = cpu_s(CLOCK_THREAD_CPUTIME_ID);
    fprintf(stderr, "mover: %.3f s before, %.3f s after\n", before, after);
    printf("thread clock kept across a move: %d (setaffinity %d)\n", after >= before, moved);
    return 0;
}

/* argv[1]: the share of the expected SIGPROFs that must arrive (default PROF_LEAST). */
int main(int argc, char **argv)
{
    double least = argc > 1 ? atof(argv[1]) : PROF_LEAST;
    signal(SIGPROF, on_prof);
    signal(SIGVTALRM, on_virt);
    signal(SIGUSR1, on_usr1);
    pthread_barrier_init(&start, 0, WORKERS + 1);
    pthread_barrier_init(&done, 0, WORKERS + 1);
    pthread_t t[WORKERS];
    for (int i = 0; i < WORKERS; i++)
        pthread_create(&t[i], 0, worker, 0);

    /* ITIMER_PROF every 10 ms while every thread computes. */
    struct itimerval prof = { { 0, PROF_INTERVAL_US }, { 0, PROF_INTERVAL_US } }, cur, old;
    double cpu0 = cpu_s(CLOCK_PROCESS_CPUTIME_ID);
    int armed = setitimer(ITIMER_PROF, &prof, 0);
    getitimer(ITIMER_PROF, &cur);
    int reads_back = cur.it_interval.tv_sec == 0 && cur.it_interval.tv_usec == PROF_INTERVAL_US &&
                     cur.it_value.tv_sec == 0 && cur.it_value.tv_usec > 0 && cur.it_value.tv_usec <= PROF_INTERVAL_US + TICK_SLACK_US;
    pthread_barrier_wait(&start);
    burn(PROF_BURN_S);
    pthread_barrier_wait(&done);
    struct itimerval off = { { 0, 0 }, { 0, 0 } };
    setitimer(ITIMER_PROF, &off, &old);
    double used = cpu_s(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
    int signals = prof_signals;
    double expected = used / (PROF_INTERVAL_US / 1e6);
    fprintf(stderr, "prof: %d signals for %.3f s of CPU (%.1f expected, at least %.2f of it)\n", signals, used,
            expected, least);
    printf("ITIMER_PROF: armed %d, reads back %d, old setting its interval %d, signals match the CPU time %d\n",
           armed, reads_back, old.it_interval.tv_usec == PROF_INTERVAL_US,
           signals >= expected * least && signals <= expected * 1.2);
    int after_off = prof_signals;
    burn(0.05);
    printf("ITIMER_PROF disarmed: no more signals %d\n", prof_signals - after_off <= 1);

    /* A one-shot ITIMER_VIRTUAL: fires once, after the process used its time. */
    struct itimerval virt = { { 0, 0 }, { 0, (long)(VIRT_AFTER_S * 1e6) } };
    double vcpu0 = cpu_s(CLOCK_PROCESS_CPUTIME_ID);
    setitimer(ITIMER_VIRTUAL, &virt, 0);
    pthread_barrier_wait(&start);
    burn(10.0);
    pthread_barrier_wait(&done);
    getitimer(ITIMER_VIRTUAL, &cur);
    double at = virt_fired_at - vcpu0;
    fprintf(stderr, "virtual: %d signals, fired at %.3f s of process CPU\n", (int)virt_signals, at);
    printf("ITIMER_VIRTUAL: fired once %d, not before its time %d, not long after %d, disarmed after %d\n",
           virt_signals == 1, at >= VIRT_AFTER_S * 0.98, at < VIRT_AFTER_S + VIRT_LATE_MAX_S,
           cur.it_value.tv_sec == 0 && cur.it_value.tv_usec == 0);
    for (int i = 0; i < WORKERS; i++)
        pthread_join(t[i], 0);
    stop = 0;

    /* A thread's own CPU timer, with a sibling computing beside it. */
    pthread_t s, tt, m;
    pthread_create(&s, 0, sibling, 0);
    pthread_create(&tt, 0, timed_thread, 0);
    clockid_t sibling_clock;
    pthread_getcpuclockid(s, &sibling_clock);
    struct timespec c1, c2, pause = { 0, 20 * 1000 * 1000 };
    int read1 = clock_gettime(sibling_clock, &c1);
    nanosleep(&pause, 0);
    int read2 = clock_gettime(sibling_clock, &c2);
    printf("another thread's CPU clock: read %d %d, advances %d\n", read1, read2,
           c2.tv_sec > c1.tv_sec || (c2.tv_sec == c1.tv_sec && c2.tv_nsec > c1.tv_nsec));
    pthread_join(tt, 0);
    sibling_stop = 1;
    pthread_join(s, 0);

    /* Timers on another thread's clock and on the process's; another process's is EINVAL. */
    clockid_t other;
    pthread_create(&m, 0, mover, 0);
    pthread_getcpuclockid(m, &other);
    timer_t id;
    struct sigevent none = { .sigev_notify = SIGEV_NONE };
    int on_thread = timer_create(other, &none, &id);
    if (on_thread == 0)
        timer_delete(id);
    int on_process = timer_create(CLOCK_PROCESS_CPUTIME_ID, &none, &id);
    struct itimerspec set = { { 0, 0 }, { 1000, 0 } }, got;
    timer_settime(id, 0, &set, 0);
    timer_gettime(id, &got);
    int counting = got.it_value.tv_sec <= 1000 && got.it_value.tv_sec >= 999;
    timer_delete(id);
    clockid_t stranger = (clockid_t)((~999999 << 3) | 2); /* MAKE_PROCESS_CPUCLOCK(999999, CPUCLOCK_SCHED) */
    errno = 0;
    int rc = timer_create(stranger, &none, &id);
    int e1 = errno;
    clockid_t no_thread = (clockid_t)((~999999 << 3) | 6); /* the same with CPUCLOCK_PERTHREAD_MASK */
    errno = 0;
    int rc2 = timer_create(no_thread, &none, &id);
    int e2 = errno;
    printf("timer_create: on a thread's clock %d, on the process's %d (counting %d), another process's %s,"
           " no thread's %s\n", on_thread, on_process, counting, rc < 0 ? strerror(e1) : "made",
           rc2 < 0 ? strerror(e2) : "made");
    pthread_join(m, 0);
    return 0;
}
"""


def test_cpu_timers_match_native(tmp_path):
    exe = build_musl(tmp_path, "cpu-timers", SOURCE)
    out = check_matches_native(tmp_path, "cpu-timers", exe, nodes=(1, 2)).decode()
    assert "signals match the CPU time 1" in out, out
    assert "thread clock kept across a move: 1" in out, out
    check_matches_native(tmp_path, "cpu-timers", exe, args=[PROF_LEAST_4_NODES], nodes=(4,))
