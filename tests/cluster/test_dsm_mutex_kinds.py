# SPDX-License-Identifier: MIT
"""Priority-inheritance and robust mutexes (kernel/futex_pi.c; get_robust_list in
kernel/sys_thread.c): pthread_mutexattr_setprotocol(PTHREAD_PRIO_INHERIT) and
pthread_mutexattr_setrobust succeed (musl probes FUTEX_LOCK_PI and get_robust_list first:
both were ENOSYS, so the first failed and the second left an ordinary mutex that hung its
waiters once an owner died holding it); four threads on as many nodes as there are count
under a PI mutex; trylock and timedlock of a held PI mutex (EBUSY, ETIMEDOUT); EDEADLK and
EPERM of an error-checking PI mutex; a robust mutex whose owner exits holding it
(EOWNERDEAD, pthread_mutex_consistent, and ENOTRECOVERABLE when it is not made
consistent), also one that is both robust and PI. Every line must equal the native run's,
on 1, 2 and 4 nodes; and for the same program linked with glibc, on 1 and 2."""
from dsmkpy.testing import build_glibc, check_matches_native, check_source_matches_native

SOURCE = r"""
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define WORKERS 4
#define ROUNDS 3000

static pthread_mutex_t pi, robust, both;
static long counter;

static const char *name(int e)
{
    switch (e) {
    case 0: return "0";
    case EBUSY: return "EBUSY";
    case ETIMEDOUT: return "ETIMEDOUT";
    case EDEADLK: return "EDEADLK";
    case EPERM: return "EPERM";
    case EOWNERDEAD: return "EOWNERDEAD";
    case ENOTRECOVERABLE: return "ENOTRECOVERABLE";
    default: return strerror(e);
    }
}

static void *count(void *arg)
{
    (void)arg;
    for (int i = 0; i < ROUNDS; i++) {
        pthread_mutex_lock(&pi);
        counter++;
        pthread_mutex_unlock(&pi);
    }
    return NULL;
}

/* Takes m and keeps it: a thread that ends holding it. */
static void *take_and_exit(void *arg)
{
    return (void *)(long)pthread_mutex_lock(arg);
}

/* Holds m for a while, for the other thread's tries. */
static void *hold(void *arg)
{
    pthread_mutex_lock(arg);
    struct timespec t = { 0, 150 * 1000000L };
    nanosleep(&t, NULL);
    pthread_mutex_unlock(arg);
    return NULL;
}

static int init(pthread_mutex_t *m, int protocol, int robustness, int type)
{
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    int p = pthread_mutexattr_setprotocol(&a, protocol);
    int r = pthread_mutexattr_setrobust(&a, robustness);
    pthread_mutexattr_settype(&a, type);
    pthread_mutex_init(m, &a);
    return p ? p : r;
}

static void owner_dies(pthread_mutex_t *m, const char *what, int make_consistent)
{
    pthread_t t;
    pthread_create(&t, NULL, take_and_exit, m);
    void *took;
    pthread_join(t, &took);
    int e = pthread_mutex_lock(m);
    int c = e == EOWNERDEAD && make_consistent ? pthread_mutex_consistent(m) : -1;
    int u = pthread_mutex_unlock(m);
    int again = pthread_mutex_lock(m);
    printf("%s: owner took %s, then lock %s consistent %d unlock %s, again %s\n", what, name((int)(long)took),
           name(e), c, name(u), name(again));
    if (again == 0)
        pthread_mutex_unlock(m);
}

int main(void)
{
    int e = init(&pi, PTHREAD_PRIO_INHERIT, PTHREAD_MUTEX_STALLED, PTHREAD_MUTEX_ERRORCHECK);
    printf("pi attributes %s\n", name(e));
    pthread_t t[WORKERS];
    for (int i = 0; i < WORKERS; i++)
        pthread_create(&t[i], NULL, count, NULL);
    for (int i = 0; i < WORKERS; i++)
        pthread_join(t[i], NULL);
    printf("pi counter %ld of %d\n", counter, WORKERS * ROUNDS);

    pthread_t holder;
    pthread_create(&holder, NULL, hold, &pi);
    struct timespec nap = { 0, 30 * 1000000L };
    nanosleep(&nap, NULL);
    int busy = pthread_mutex_trylock(&pi);
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += 20 * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    int timed = pthread_mutex_timedlock(&pi, &until);
    int perm = pthread_mutex_unlock(&pi);
    pthread_join(holder, NULL);
    int got = pthread_mutex_lock(&pi);
    int deadlk = pthread_mutex_lock(&pi);
    int unlocked = pthread_mutex_unlock(&pi);
    printf("pi held elsewhere: trylock %s timedlock %s unlock %s; then lock %s relock %s unlock %s\n", name(busy),
           name(timed), name(perm), name(got), name(deadlk), name(unlocked));

    e = init(&robust, PTHREAD_PRIO_NONE, PTHREAD_MUTEX_ROBUST, PTHREAD_MUTEX_NORMAL);
    printf("robust attributes %s\n", name(e));
    owner_dies(&robust, "robust", 1);
    owner_dies(&robust, "robust left inconsistent", 0);
    e = init(&both, PTHREAD_PRIO_INHERIT, PTHREAD_MUTEX_ROBUST, PTHREAD_MUTEX_NORMAL);
    printf("robust pi attributes %s\n", name(e));
    owner_dies(&both, "robust pi", 1);
    return 0;
}
"""


def test_mutex_kinds_match_native(tmp_path):
    out = check_source_matches_native(tmp_path, "mutex-kinds", SOURCE, nodes=(1, 2, 4))
    assert "pi attributes 0" in out and "pi counter 12000 of 12000" in out, out
    assert "trylock EBUSY timedlock ETIMEDOUT unlock EPERM; then lock 0 relock EDEADLK unlock 0" in out, out
    assert "robust: owner took 0, then lock EOWNERDEAD consistent 0 unlock 0, again 0" in out, out


def test_mutex_kinds_of_a_glibc_program_match_native(tmp_path):
    """The same program linked statically with glibc, which leaves releasing a dying
    owner's robust mutexes to the kernel (kernel/futex_robust.c): before, the next locker
    waited forever."""
    exe = build_glibc(tmp_path, "mutex-kinds-glibc", SOURCE)
    work = tmp_path / "native"
    work.mkdir()
    out = check_matches_native(tmp_path, "mutex-kinds-glibc", exe, cwd=work).decode()
    assert "robust pi: owner took 0, then lock EOWNERDEAD consistent 0 unlock 0, again 0" in out, out
