# SPDX-License-Identifier: MIT
"""The rest of the pthread API an unmodified program may use, from threads spread over 1, 2
and 4 nodes: rwlocks, spinlocks, POSIX semaphores, pthread_once, thread-specific data with
destructors, _Thread_local, C11 threads, stdatomic, a barrier's serial thread, recursive
mutexes, detached threads, trylock/timedlock, and pthread_cancel of a thread in pause().
All of it is musl's own code over futexes, atomics and signals; the output must equal the
native run's."""
from dsmkpy.testing import build_musl, check_matches_native

SOURCE = r"""
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <threads.h>
#include <time.h>
#include <unistd.h>

#define T 6
static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static pthread_spinlock_t spin;
static sem_t sem;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_key_t key;
static _Thread_local int tls_counter;
static atomic_long atom;
static long shared_rw, shared_spin, once_runs, dtor_runs;
static pthread_mutex_t dtor_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t bar;
static atomic_int serials;
static pthread_mutex_t rec;

static void once_fn(void) { once_runs++; }
static void dtor(void *p) { pthread_mutex_lock(&dtor_lock); dtor_runs += (long)(intptr_t)p; pthread_mutex_unlock(&dtor_lock); }

static void *worker(void *arg)
{
    long id = (long)arg;
    pthread_once(&once, once_fn);
    pthread_setspecific(key, (void *)(intptr_t)(id + 1));
    for (int i = 0; i < 200; i++) {
        tls_counter++;
        pthread_rwlock_wrlock(&rw); shared_rw++; pthread_rwlock_unlock(&rw);
        pthread_rwlock_rdlock(&rw); long v = shared_rw; (void)v; pthread_rwlock_unlock(&rw);
        pthread_spin_lock(&spin); shared_spin++; pthread_spin_unlock(&spin);
        atomic_fetch_add(&atom, 3);
    }
    sem_wait(&sem); sem_post(&sem);
    int r = pthread_barrier_wait(&bar);
    if (r == PTHREAD_BARRIER_SERIAL_THREAD) atomic_fetch_add(&serials, 1);
    pthread_mutex_lock(&rec); pthread_mutex_lock(&rec); pthread_mutex_unlock(&rec); pthread_mutex_unlock(&rec);
    return (void *)(intptr_t)(tls_counter + id);
}

static int c11(void *arg) { return (int)(intptr_t)arg * 2; }

static void *sleeper(void *arg) { (void)arg; for (;;) { pause(); } return 0; }

static atomic_int detached_done;
static void *detached(void *arg) { (void)arg; atomic_fetch_add(&detached_done, 1); pthread_exit((void *)7); }

int main(void)
{
    pthread_spin_init(&spin, 0);
    sem_init(&sem, 0, 0);
    pthread_key_create(&key, dtor);
    pthread_barrier_init(&bar, 0, T);
    pthread_mutexattr_t ma; pthread_mutexattr_init(&ma); pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&rec, &ma);
    pthread_t t[T];
    for (long i = 0; i < T; i++) pthread_create(&t[i], 0, worker, (void *)i);
    sem_post(&sem);
    long sum = 0;
    for (int i = 0; i < T; i++) { void *r; pthread_join(t[i], &r); sum += (long)(intptr_t)r; }
    printf("rw %ld spin %ld atom %ld once %ld dtor %ld serials %d joined %ld\n", shared_rw, shared_spin,
           (long)atomic_load(&atom), once_runs, dtor_runs, atomic_load(&serials), sum);

    thrd_t c[3]; int cr, csum = 0;
    for (int i = 0; i < 3; i++) thrd_create(&c[i], c11, (void *)(intptr_t)(i + 1));
    for (int i = 0; i < 3; i++) { thrd_join(c[i], &cr); csum += cr; }
    printf("c11 %d\n", csum);

    pthread_attr_t at; pthread_attr_init(&at); pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    for (int i = 0; i < 4; i++) { pthread_t d; pthread_create(&d, &at, detached, 0); }
    while (atomic_load(&detached_done) < 4) { struct timespec ts = {0, 1000000}; nanosleep(&ts, 0); }
    printf("detached %d\n", atomic_load(&detached_done));

    pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
    pthread_mutex_lock(&m);
    struct timespec dl; clock_gettime(CLOCK_REALTIME, &dl); dl.tv_nsec += 20000000; if (dl.tv_nsec >= 1000000000) { dl.tv_sec++; dl.tv_nsec -= 1000000000; }
    printf("trylock %s timedlock %s\n", strerror(pthread_mutex_trylock(&m)), strerror(pthread_mutex_timedlock(&m, &dl)));
    pthread_mutex_unlock(&m);

    pthread_t s; pthread_create(&s, 0, sleeper, 0);
    struct timespec ts = {0, 20000000}; nanosleep(&ts, 0);
    pthread_cancel(s); void *cres; pthread_join(s, &cres);
    printf("cancelled %d\n", cres == PTHREAD_CANCELED);

    sem_t *ns = &sem; int sv; sem_getvalue(ns, &sv);
    printf("sem value %d trywait %d\n", sv, sem_trywait(ns));
    return 0;
}
"""


def test_pthread_api_matches_native_on_1_2_and_4_nodes(tmp_path):
    out = check_matches_native(tmp_path, "api", build_musl(tmp_path, "api", SOURCE), nodes=(1, 2, 4))
    assert out.startswith(b"rw 1200 spin 1200 atom 3600 once 1 dtor 21 serials 1"), out
