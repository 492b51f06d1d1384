# SPDX-License-Identifier: MIT
"""SysV semaphores (kernel/sys_sem.c, kernel/files_sem.c; man 2 semget, semop, semtimedop,
semctl): every semctl that answers with bytes, a timed semop and a wait from a thread on
another node; values and pids; IPC_NOWAIT and timeouts (EAGAIN); waiters for a decrement and
for zero woken by a post from another node, counted by GETNCNT/GETZCNT; an all-or-nothing
pair that waits on its second operation while the first stays untouched; operations applied
in order; ERANGE for values and SEM_UNDO adjustments, which a thread's exit keeps (musl's
threads share them, CLONE_SYSVSEM) and SETVAL clears; a signal ending a wait with EINTR
under SA_RESTART; removal ending a wait with EIDRM; keyed sets; IPC_SET; the errors; and a
set used as a mutex by three threads. The output must be the native run's on 1, 2 and 4
nodes."""
import pytest

from dsmkpy.testing import check_source_matches_native

SOURCE = r"""
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/sem.h>
#include <time.h>
#include <unistd.h>

union semun {
    int val;
    struct semid_ds *buf;
    unsigned short *array;
    struct seminfo *info;
};

static int set;
static const char *woke; /* a waiter's result, printed by main after the join (output in order) */

static const char *err(int r)
{
    if (r >= 0)
        return "ok";
    switch (errno) {
    case EINVAL: return "EINVAL";
    case ENOENT: return "ENOENT";
    case EEXIST: return "EEXIST";
    case EAGAIN: return "EAGAIN";
    case ERANGE: return "ERANGE";
    case EFBIG: return "EFBIG";
    case E2BIG: return "E2BIG";
    case EIDRM: return "EIDRM";
    case EINTR: return "EINTR";
    default: return strerror(errno);
    }
}

static int op(int id, unsigned short num, short delta, short flags)
{
    struct sembuf b = { num, delta, flags };
    return semop(id, &b, 1);
}

static void values(const char *when, int id, int n)
{
    unsigned short v[8];
    int r = semctl(id, 0, GETALL, (union semun){ .array = v });
    printf("%s:", when);
    if (r < 0) {
        printf(" %s\n", err(r));
        return;
    }
    for (int i = 0; i < n; i++)
        printf(" %u", v[i]);
    printf("\n");
}

/* Until semaphore num of id has `want` waiters of the kind cmd counts. */
static void await_waiters(int id, int num, int cmd, int want)
{
    while (semctl(id, num, cmd) != want)
        usleep(1000);
}

/* Every semctl that answers with bytes, a timed semop and a wait, from the first thread
 * main creates: clone places it on node 1 on 2 and 4 nodes, so each answer crosses. */
static char report[512];
static void *remote_ctl(void *arg)
{
    int id = *(int *)arg;
    char *p = report;
    struct semid_ds ds = { 0 };
    int r = semctl(id, 0, IPC_STAT, (union semun){ .buf = &ds });
    p += sprintf(p, "stat %s nsems %lu;", err(r), (unsigned long)ds.sem_nsems);
    unsigned short v[2] = { 3, 4 }, g[2] = { 0, 0 };
    p += sprintf(p, " setall %s;", err(semctl(id, 0, SETALL, (union semun){ .array = v })));
    r = semctl(id, 0, GETALL, (union semun){ .array = g });
    p += sprintf(p, " getall %s %u %u;", err(r), g[0], g[1]);
    struct seminfo info = { 0 };
    r = semctl(id, 0, IPC_INFO, (union semun){ .info = &info });
    p += sprintf(p, " info %s semvmx %d;", r >= 0 ? "ok" : err(r), info.semvmx);
    struct sembuf b = { 0, -4, 0 };
    struct timespec ts = { 0, 30000000 };
    p += sprintf(p, " timed %s;", err(semtimedop(id, &b, 1, &ts)));
    struct sembuf more = { 1, -5, 0 }; /* 4 there: waits for main's post */
    p += sprintf(p, " wait %s", err(semop(id, &more, 1)));
    return 0;
}

static void *taker(void *arg)
{
    (void)arg;
    int r = op(set, 0, -1, 0);
    woke = err(r);
    return 0;
}

static void *zero_waiter(void *arg)
{
    (void)arg;
    int r = op(set, 1, 0, 0);
    woke = err(r);
    return 0;
}

static void *pair_taker(void *arg)
{
    (void)arg;
    struct sembuf two[2] = { { 0, -1, 0 }, { 2, -1, 0 } };
    int r = semop(set, two, 2);
    woke = err(r);
    return 0;
}

static void *undoer(void *arg)
{
    (void)arg;
    printf("undo up %s\n", err(op(set, 2, 5, SEM_UNDO)));
    printf("undo down %s\n", err(op(set, 2, -2, SEM_UNDO)));
    return 0;
}

static void *removed_waiter(void *arg)
{
    int id = *(int *)arg;
    int r = op(id, 0, -1, 0);
    woke = err(r);
    return 0;
}

static void on_usr1(int sig)
{
    (void)sig;
}

static void *interrupted(void *arg)
{
    (void)arg;
    int r = op(set, 0, -1, 0);
    woke = err(r);
    return 0;
}

#define COUNTERS 3
#define ROUNDS 200
static int mutex_set;
static long counter;

static void *counting(void *arg)
{
    (void)arg;
    for (int i = 0; i < ROUNDS; i++) {
        op(mutex_set, 0, -1, SEM_UNDO);
        counter++;
        op(mutex_set, 0, 1, SEM_UNDO);
    }
    return 0;
}

int main(void)
{
    pthread_t t;
    set = semget(IPC_PRIVATE, 3, IPC_CREAT | 0640);
    printf("get private %s\n", err(set));
    int rset = semget(IPC_PRIVATE, 2, 0600);
    pthread_create(&t, 0, remote_ctl, &rset);
    await_waiters(rset, 1, GETNCNT, 1);
    printf("remote post %s\n", err(op(rset, 1, 1, 0)));
    pthread_join(t, 0);
    printf("remote: %s\n", report);
    values("remote set", rset, 2);
    semctl(rset, 0, IPC_RMID);
    struct semid_ds ds;
    int r = semctl(set, 0, IPC_STAT, (union semun){ .buf = &ds });
    printf("stat %s nsems %lu mode %o otime %d ctime %d\n", err(r), (unsigned long)ds.sem_nsems,
           ds.sem_perm.mode & 0777, ds.sem_otime != 0, ds.sem_ctime != 0);
    values("new", set, 3);
    printf("pid before %d\n", semctl(set, 0, GETPID));
    printf("setval %s\n", err(semctl(set, 1, SETVAL, (union semun){ .val = 7 })));
    printf("getval %d pid is ours %d\n", semctl(set, 1, GETVAL), semctl(set, 1, GETPID) == getpid());
    unsigned short all[3] = { 0, 2, 1 };
    printf("setall %s\n", err(semctl(set, 0, SETALL, (union semun){ .array = all })));
    values("setall", set, 3);

    printf("nowait %s\n", err(op(set, 0, -1, IPC_NOWAIT)));
    struct sembuf b = { 0, -1, 0 };
    struct timespec ts = { 0, 20000000 };
    printf("timed %s\n", err(semtimedop(set, &b, 1, &ts)));
    semctl(set, 0, IPC_STAT, (union semun){ .buf = &ds });
    printf("otime still 0 %d\n", ds.sem_otime == 0);

    pthread_create(&t, 0, taker, 0);
    await_waiters(set, 0, GETNCNT, 1);
    printf("ncnt %d zcnt %d\n", semctl(set, 0, GETNCNT), semctl(set, 0, GETZCNT));
    printf("post %s\n", err(op(set, 0, 1, 0)));
    pthread_join(t, 0);
    printf("taker woke %s\n", woke);
    values("after taker", set, 3);

    pthread_create(&t, 0, zero_waiter, 0);
    await_waiters(set, 1, GETZCNT, 1);
    printf("zcnt %d\n", semctl(set, 1, GETZCNT));
    printf("to zero %s\n", err(op(set, 1, -2, 0)));
    pthread_join(t, 0);
    printf("zero waiter woke %s\n", woke);

    /* all or nothing: 0 has 1, 2 has 1 but a first taker empties 2 */
    semctl(set, 0, SETVAL, (union semun){ .val = 1 });
    printf("take 2 %s\n", err(op(set, 2, -1, 0)));
    pthread_create(&t, 0, pair_taker, 0);
    await_waiters(set, 2, GETNCNT, 1);
    printf("pair waits on 2: ncnt0 %d ncnt2 %d\n", semctl(set, 0, GETNCNT), semctl(set, 2, GETNCNT));
    values("pair waiting", set, 3);
    printf("post 2 %s\n", err(op(set, 2, 1, 0)));
    pthread_join(t, 0);
    printf("pair taker woke %s\n", woke);
    values("pair done", set, 3);

    /* in order: the second op sees the first */
    struct sembuf seq[2] = { { 1, 3, 0 }, { 1, -3, 0 } };
    printf("in order %s\n", err(semop(set, seq, 2)));
    struct sembuf over[2] = { { 1, 32767, 0 }, { 1, 1, 0 } };
    printf("over %s\n", err(semop(set, over, 2)));
    values("after over", set, 3);

    pthread_create(&t, 0, undoer, 0);
    pthread_join(t, 0);
    values("a thread's exit keeps the process's adjustments", set, 3);
    semctl(set, 2, SETVAL, (union semun){ .val = 0 });
    printf("undo big %s\n", err(op(set, 2, 32767, SEM_UNDO)));
    printf("down without undo %s\n", err(op(set, 2, -32767, 0)));
    printf("undo out of range %s\n", err(op(set, 2, 2, SEM_UNDO)));
    values("after undo range", set, 3);
    semctl(set, 2, SETVAL, (union semun){ .val = 0 });
    printf("setval cleared the adjustment: undo fits %s\n", err(op(set, 2, 2, SEM_UNDO)));
    op(set, 2, -2, 0);
    op(set, 2, 4, SEM_UNDO);
    semctl(set, 2, SETVAL, (union semun){ .val = 1 });
    values("setval clears main's undo", set, 3);

    printf("setval big %s\n", err(semctl(set, 0, SETVAL, (union semun){ .val = 40000 })));
    printf("setval negative %s\n", err(semctl(set, 0, SETVAL, (union semun){ .val = -1 })));
    printf("getval bad num %s\n", err(semctl(set, 3, GETVAL)));
    {   /* SEM_STAT walks the slots up to SEM_INFO's highest and answers each set's id */
        struct seminfo si;
        int highest = semctl(0, 0, SEM_INFO, (union semun){ .info = &si }), found = 0;
        for (int i = 0; i <= highest; i++)
            found |= semctl(i, 0, SEM_STAT, (union semun){ .buf = &ds }) == set && ds.sem_nsems == 3;
        printf("sem_stat finds the set %d\n", found);
    }
    printf("bad cmd %s\n", err(semctl(set, 0, 99)));
    printf("efbig %s\n", err(op(set, 3, 1, 0)));
    printf("nsops 0 %s\n", err(semop(set, &b, 0)));
    static struct sembuf many[501];
    printf("e2big %s\n", err(semop(set, many, 501)));
    printf("bad id %s\n", err(op(set + 1000000, 0, 1, 0)));

    struct sigaction sa = { .sa_handler = on_usr1, .sa_flags = SA_RESTART };
    sigaction(SIGUSR1, &sa, 0);
    semctl(set, 0, SETVAL, (union semun){ .val = 0 });
    pthread_create(&t, 0, interrupted, 0);
    await_waiters(set, 0, GETNCNT, 1);
    pthread_kill(t, SIGUSR1);
    pthread_join(t, 0);
    printf("interrupted waiter %s\n", woke);

    int other = semget(IPC_PRIVATE, 1, 0600);
    pthread_create(&t, 0, removed_waiter, &other);
    await_waiters(other, 0, GETNCNT, 1);
    printf("rmid %s\n", err(semctl(other, 0, IPC_RMID)));
    pthread_join(t, 0);
    printf("removed waiter woke %s\n", woke);
    printf("stat removed %s\n", err(semctl(other, 0, IPC_STAT, (union semun){ .buf = &ds })));

    key_t key = 0x5eed0000 | (getpid() & 0xffff);
    int k = semget(key, 2, IPC_CREAT | IPC_EXCL | 0600);
    printf("get key %s\n", err(k));
    printf("get key excl %s\n", err(semget(key, 2, IPC_CREAT | IPC_EXCL | 0600)));
    printf("get key again same %d\n", semget(key, 1, 0) == k);
    printf("get key more %s\n", err(semget(key, 3, 0)));
    printf("get other key %s\n", err(semget(key ^ 1, 1, 0)));
    printf("get nsems 0 %s\n", err(semget(IPC_PRIVATE, 0, IPC_CREAT | 0600)));
    semctl(k, 0, IPC_STAT, (union semun){ .buf = &ds });
    ds.sem_perm.mode = 0604;
    printf("set %s\n", err(semctl(k, 0, IPC_SET, (union semun){ .buf = &ds })));
    semctl(k, 0, IPC_STAT, (union semun){ .buf = &ds });
    printf("mode %o\n", ds.sem_perm.mode & 0777);
    printf("rmid key %s\n", err(semctl(k, 0, IPC_RMID)));
    printf("get key after rmid %s\n", err(semget(key, 1, 0)));

    mutex_set = semget(IPC_PRIVATE, 1, 0600);
    semctl(mutex_set, 0, SETVAL, (union semun){ .val = 1 });
    pthread_t workers[COUNTERS];
    for (int i = 0; i < COUNTERS; i++)
        pthread_create(&workers[i], 0, counting, 0);
    for (int i = 0; i < COUNTERS; i++)
        pthread_join(workers[i], 0);
    printf("counter %ld value %d\n", counter, semctl(mutex_set, 0, GETVAL));
    semctl(mutex_set, 0, IPC_RMID);
    semctl(set, 0, IPC_RMID);
    return 0;
}
"""


@pytest.mark.parametrize("nodes", [(1, 2), (4,)], ids=["1-2", "4"])
def test_sysv_sem_matches_native(tmp_path, nodes):
    out = check_source_matches_native(tmp_path, "sysv-sem", SOURCE, nodes=nodes)
    assert "remote: stat ok nsems 2; setall ok; getall ok 3 4;" in out and "wait ok" in out, out
    assert "removed waiter woke EIDRM" in out and "interrupted waiter EINTR" in out, out
    assert "counter 600 value 1" in out and "sem_stat finds the set 1" in out, out
