# SPDX-License-Identifier: MIT
"""POSIX timers (kernel/posix_timers.c, kernel/sys_posix_timer.c): timer_create and friends
with SIGEV_SIGNAL, SIGEV_THREAD (musl's helper thread, which clone() may put on another
node, takes SIGTIMER with si_code SI_TIMER) and a NULL sigevent; siginfo carries SI_TIMER,
si_value and the overrun of a periodic timer whose signal stayed blocked in a thread on
node 1 (with two nodes), and timer_getoverrun agrees; absolute CLOCK_REALTIME times,
gettime and disarming, and the error cases answer as on Linux. Every answer must equal the
native run's. Before, every timer_* call was ENOSYS."""
from dsmkpy.testing import build_musl, check_matches_native

SOURCE = r"""
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MS 1000000L

static volatile sig_atomic_t got_code, got_value, got_signo;
static sem_t notified;
static int notify_count, notify_value_ok = 1;

static void on_signal(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    got_signo = sig;
    got_code = si->si_code;
    got_value = si->si_value.sival_int;
}

static void notify(union sigval v)
{
    if (v.sival_int != 4242)
        notify_value_ok = 0;
    notify_count++;
    sem_post(&notified);
}

static struct itimerspec after(long value_ns, long interval_ns)
{
    struct itimerspec s = { { interval_ns / 1000000000, interval_ns % 1000000000 },
                            { value_ns / 1000000000, value_ns % 1000000000 } };
    return s;
}

static void say(const char *name, long rc) { printf(" %s %s", name, rc < 0 ? strerror(errno) : "ok"); }

/* On node 1 with two nodes: a periodic timer whose signal it blocks, then takes. */
static void *blocked_taker(void *arg)
{
    (void)arg;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &set, 0);
    struct sigevent ev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR2, .sigev_value.sival_int = 77 };
    timer_t t;
    timer_create(CLOCK_MONOTONIC, &ev, &t);
    struct itimerspec s = after(10 * MS, 10 * MS);
    timer_settime(t, 0, &s, 0);
    struct timespec nap = { 0, 120 * MS };
    nanosleep(&nap, 0);
    siginfo_t si;
    int sig = sigwaitinfo(&set, &si);
    int overrun = timer_getoverrun(t);
    printf("blocked: sig %s code %s value %d overrun %s getoverrun %s\n", sig == SIGUSR2 ? "SIGUSR2" : "OTHER",
           si.si_code == SI_TIMER ? "SI_TIMER" : "OTHER", si.si_value.sival_int, si.si_overrun >= 5 ? ">= 5" : "LOW",
           overrun == si.si_overrun ? "same" : overrun >= 5 ? ">= 5 (not same)" : "LOW");
    timer_delete(t);
    return 0;
}

int main(void)
{
    struct sigaction sa = { .sa_sigaction = on_signal, .sa_flags = SA_SIGINFO };
    sigaction(SIGUSR1, &sa, 0);
    sigaction(SIGALRM, &sa, 0);
    timer_t t;
    struct itimerspec s, cur;

    printf("signal:");
    struct sigevent ev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1, .sigev_value.sival_int = 99 };
    say("create", timer_create(CLOCK_MONOTONIC, &ev, &t));
    s = after(50 * MS, 0);
    say("settime", timer_settime(t, 0, &s, 0));
    while (!got_signo)
        pause();
    printf(" handler sig %s code %s value %d", got_signo == SIGUSR1 ? "SIGUSR1" : "OTHER",
           got_code == SI_TIMER ? "SI_TIMER" : "OTHER", (int)got_value);
    s = after(200 * MS, 100 * MS);
    timer_settime(t, 0, &s, 0);
    timer_gettime(t, &cur);
    printf(" interval %ld ms left %s", (long)(cur.it_interval.tv_nsec / MS),
           cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec > 0 && cur.it_value.tv_nsec <= 200 * MS ? "in (0, 200] ms" : "BAD");
    struct itimerspec old;
    s = after(0, 0);
    say("disarm", timer_settime(t, 0, &s, &old));
    printf(" old interval %ld ms", (long)(old.it_interval.tv_nsec / MS));
    timer_gettime(t, &cur);
    printf(" now %s", cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0 ? "disarmed" : "ARMED");
    say("delete", timer_delete(t));
    printf(" delete-again %d", timer_delete(t)); /* musl returns the negative errno itself */
    errno = 0;
    printf(" settime-deleted %s\n", timer_settime(t, 0, &s, 0) < 0 ? strerror(errno) : "ok");

    printf("null sigevent:");
    got_signo = 0;
    say("create", timer_create(CLOCK_REALTIME, 0, &t));
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    now.tv_nsec += 40 * MS;
    if (now.tv_nsec >= 1000000000) {
        now.tv_sec++;
        now.tv_nsec -= 1000000000;
    }
    s.it_interval = (struct timespec){ 0, 0 };
    s.it_value = now;
    say("settime-abs", timer_settime(t, TIMER_ABSTIME, &s, 0));
    while (!got_signo)
        pause();
    printf(" sig %s code %s value-is-id %s\n", got_signo == SIGALRM ? "SIGALRM" : "OTHER",
           got_code == SI_TIMER ? "SI_TIMER" : "OTHER", got_value == (int)(intptr_t)t ? "yes" : "NO");
    timer_delete(t);

    /* Linux sends a SIGEV_SIGNAL timer's signal to any thread that does not block it: every
     * thread but the taker blocks SIGUSR2 (the taker blocks it too, to take it by sigwaitinfo). */
    sigset_t usr2;
    sigemptyset(&usr2);
    sigaddset(&usr2, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &usr2, 0);
    pthread_t th;
    pthread_create(&th, 0, blocked_taker, 0);
    pthread_join(th, 0);

    printf("thread:");
    sem_init(&notified, 0, 0);
    struct sigevent tev = { .sigev_notify = SIGEV_THREAD, .sigev_notify_function = notify,
                            .sigev_value.sival_int = 4242 };
    say("create", timer_create(CLOCK_MONOTONIC, &tev, &t));
    s = after(30 * MS, 30 * MS);
    say("settime", timer_settime(t, 0, &s, 0));
    for (int i = 0; i < 3; i++)
        sem_wait(&notified);
    say("delete", timer_delete(t));
    printf(" notified %s value %s\n", notify_count >= 3 ? "3+ times" : "TOO FEW", notify_value_ok ? "ok" : "BAD");

    printf("errors:");
    struct sigevent bad = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = 0 };
    errno = 0;
    printf(" signo-0 %s", timer_create(CLOCK_MONOTONIC, &bad, &t) < 0 ? strerror(errno) : "ok");
    bad.sigev_signo = 65;
    errno = 0;
    printf(" signo-65 %s", timer_create(CLOCK_MONOTONIC, &bad, &t) < 0 ? strerror(errno) : "ok");
    bad = (struct sigevent){ .sigev_notify = 77, .sigev_signo = SIGUSR1 };
    errno = 0;
    printf(" notify-77 %s", timer_create(CLOCK_MONOTONIC, &bad, &t) < 0 ? strerror(errno) : "ok");
    errno = 0;
    printf(" clock-99 %s", timer_create(99, &ev, &t) < 0 ? strerror(errno) : "ok");
    timer_create(CLOCK_MONOTONIC, &ev, &t);
    s = after(0, 0);
    s.it_value.tv_nsec = 1000000000;
    errno = 0;
    printf(" bad-nsec %s", timer_settime(t, 0, &s, 0) < 0 ? strerror(errno) : "ok");
    errno = 0;
    printf(" getoverrun-unset %d", timer_getoverrun(t));
    timer_delete(t);
    errno = 0;
    printf(" getoverrun-deleted %s\n", timer_getoverrun(t) < 0 ? strerror(errno) : "ok");
    return 0;
}
"""


def test_posix_timers_match_native(tmp_path):
    exe = build_musl(tmp_path, "posix_timers", SOURCE)
    out = check_matches_native(tmp_path, "posix_timers", exe, nodes=(1, 2, 4)).decode()
    for bad in ("OTHER", "BAD", "LOW", "NO", "ARMED", "TOO FEW"):
        assert bad not in out, out
