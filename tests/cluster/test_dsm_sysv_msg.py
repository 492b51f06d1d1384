# SPDX-License-Identifier: MIT
"""SysV message queues (kernel/sys_msg.c, kernel/files_msg.c; man 2 msgget, msgsnd, msgrcv,
msgctl): 8192-byte messages each way (longer than one file call: they cross in pieces) and
every msgctl that answers with bytes from a thread on another node, which then waits for a
type main sends; msgrcv's type rules (first, of a type, MSG_EXCEPT, lowest at most -msgtyp),
MSG_COPY, MSG_NOERROR and E2BIG, IPC_NOWAIT (ENOMSG, EAGAIN); a receiver woken by a send; a
full queue (IPC_SET's msg_qbytes) whose sender waits for room; a signal ending a wait with
EINTR under SA_RESTART; removal ending a wait with EIDRM; keyed queues; the errors; and a
work queue of 150 jobs shared by three threads. The output must be the native run's on 1, 2
and 4 nodes."""
import pytest

from dsmkpy.testing import check_source_matches_native

SOURCE = r"""
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/msg.h>
#include <unistd.h>

#ifndef MSG_COPY
#define MSG_COPY 040000
#endif

#define BIG 8192

struct message {
    long mtype;
    char text[BIG];
};

static int queue;
static volatile int waiting, finished; /* a waiter's progress, for main's timing */
static const char *result; /* a thread's result, printed by main after the join (output in order) */
static char report[512];

static const char *err(long r)
{
    if (r >= 0)
        return "ok";
    switch (errno) {
    case EINVAL: return "EINVAL";
    case ENOENT: return "ENOENT";
    case EEXIST: return "EEXIST";
    case EAGAIN: return "EAGAIN";
    case ENOMSG: return "ENOMSG";
    case E2BIG: return "E2BIG";
    case EIDRM: return "EIDRM";
    case EINTR: return "EINTR";
    default: return strerror(errno);
    }
}

static int put(int q, long type, const char *text, int flags)
{
    struct message m = { .mtype = type };
    size_t len = strlen(text);
    memcpy(m.text, text, len);
    return msgsnd(q, &m, len, flags);
}

/* Receives into a string: its type and text, or the error. */
static const char *take(int q, long type, size_t room, int flags)
{
    static char line[256];
    struct message m;
    ssize_t n = msgrcv(q, &m, room, type, flags);
    if (n < 0)
        return err(n);
    snprintf(line, sizeof line, "type %ld \"%.*s\"", m.mtype, (int)n, m.text);
    return line;
}

/* lrpid is shown only before a receive that waited: Linux then records the receiving
 * thread's id there (pipelined_send), a quirk not copied here. */
static void stat_line(const char *when, int q, int show_lrpid)
{
    struct msqid_ds ds;
    int r = msgctl(q, IPC_STAT, &ds);
    if (r < 0) {
        printf("%s: stat %s\n", when, err(r));
        return;
    }
    printf("%s: qnum %lu cbytes %lu qbytes %lu mode %o lspid %d lrpid %d stime %d rtime %d\n", when,
           (unsigned long)ds.msg_qnum, (unsigned long)ds.__msg_cbytes, (unsigned long)ds.msg_qbytes,
           ds.msg_perm.mode & 0777, ds.msg_lspid == getpid(), show_lrpid ? ds.msg_lrpid == getpid() : -1, ds.msg_stime != 0,
           ds.msg_rtime != 0);
}

static long checksum(const char *p, size_t n)
{
    long s = 0;
    for (size_t i = 0; i < n; i++)
        s = s * 31 + (unsigned char)p[i];
    return s;
}

/* From the first thread main creates (node 1 on 2 and 4 nodes): every call whose answer
 * carries bytes, a long message each way, and a wait ended by main's send. Main takes the
 * long message after the stat, and sends after the report says "long out". */
static void *remote(void *arg)
{
    int q = *(int *)arg;
    char *p = report;
    static struct message m;
    ssize_t n = msgrcv(q, &m, BIG, 7, 0);
    p += sprintf(p, "long in %s %zd sum %ld;", err(n), n, n > 0 ? checksum(m.text, (size_t)n) : 0);
    struct msqid_ds ds;
    int r = msgctl(q, IPC_STAT, &ds);
    p += sprintf(p, " stat %s qnum %lu;", err(r), r ? 0ul : (unsigned long)ds.msg_qnum);
    struct msginfo info;
    r = msgctl(0, IPC_INFO, (struct msqid_ds *)&info);
    p += sprintf(p, " info %s msgmax %d msgmnb %d;", r >= 0 ? "ok" : err(r), info.msgmax, info.msgmnb);
    for (int i = 0; i < BIG; i++)
        m.text[i] = (char)(i * 13 + 1);
    m.mtype = 8;
    p += sprintf(p, " long out %s;", err(msgsnd(q, &m, BIG, 0)));
    p += sprintf(p, " wait %s", take(q, 9, 100, 0));
    return 0;
}

static void *receiver(void *arg)
{
    (void)arg;
    result = take(queue, 0, 100, 0);
    return 0;
}

static void *removed_receiver(void *arg)
{
    waiting = 2;
    result = take(*(int *)arg, 0, 100, 0);
    return 0;
}

static void *blocked_sender(void *arg)
{
    result = err(put(*(int *)arg, 1, "0123456789", 0));
    return 0;
}

static void on_usr1(int sig)
{
    (void)sig;
}

static void *interrupted(void *arg)
{
    (void)arg;
    waiting = 1;
    result = take(queue, 0, 100, 0);
    finished = 1;
    return 0;
}

#define WORKERS 3
#define PER_WORKER 50
static int work_queue;
static long work_sum[WORKERS];

static void *worker(void *arg)
{
    long self = (long)arg;
    for (;;) {
        struct { long mtype; int value; } job;
        if (msgrcv(work_queue, &job, sizeof job.value, 0, 0) < 0)
            return 0;
        if (job.value < 0)
            return 0;
        work_sum[self] += job.value;
    }
}

int main(void)
{
    pthread_t t;
    queue = msgget(IPC_PRIVATE, IPC_CREAT | 0640);
    printf("get private %s\n", err(queue));
    stat_line("new", queue, 1);

    int rq = msgget(IPC_PRIVATE, 0600);
    static struct message big;
    big.mtype = 7;
    for (int i = 0; i < BIG; i++)
        big.text[i] = (char)(i * 7 + 3);
    printf("long send %s\n", err(msgsnd(rq, &big, BIG, 0)));
    pthread_create(&t, 0, remote, &rq);
    struct msqid_ds ds;
    do {
        usleep(1000);
        msgctl(rq, IPC_STAT, &ds);
    } while (ds.msg_qnum != 1 || ds.__msg_cbytes != BIG); /* the remote thread's long message */
    ssize_t n = msgrcv(rq, &big, BIG, 8, 0);
    printf("long back %s %zd sum %ld\n", err(n), n, checksum(big.text, BIG));
    do { /* the remote thread waits for type 9 when its stat and info are done */
        usleep(1000);
    } while (!strstr(report, "long out"));
    usleep(20000);
    printf("wake remote %s\n", err(put(rq, 9, "nine", 0)));
    pthread_join(t, 0);
    printf("remote: %s\n", report);
    msgctl(rq, IPC_RMID, 0);

    put(queue, 3, "three", 0);
    put(queue, 1, "one", 0);
    put(queue, 2, "two", 0);
    put(queue, 1, "uno", 0);
    put(queue, 5, "five", 0);
    stat_line("five sent", queue, 1);
    printf("copy 2: %s\n", take(queue, 2, 100, MSG_COPY | IPC_NOWAIT));
    printf("copy 9: %s\n", take(queue, 9, 100, MSG_COPY | IPC_NOWAIT));
    printf("copy waiting: %s\n", take(queue, 0, 100, MSG_COPY));
    printf("copy except: %s\n", take(queue, 0, 100, MSG_COPY | MSG_EXCEPT | IPC_NOWAIT));
    printf("type 2: %s\n", take(queue, 2, 100, 0));
    printf("lowest <= 4: %s\n", take(queue, -4, 100, 0));
    printf("except 1: %s\n", take(queue, 1, 100, MSG_EXCEPT));
    printf("too small: %s\n", take(queue, 0, 2, 0));
    printf("cut: %s\n", take(queue, 0, 2, MSG_NOERROR));
    printf("type 4 nowait: %s\n", take(queue, 4, 100, IPC_NOWAIT));
    printf("any: %s\n", take(queue, 0, 100, 0));
    stat_line("emptied", queue, 1);
    printf("empty nowait: %s\n", take(queue, 0, 100, IPC_NOWAIT));

    pthread_create(&t, 0, receiver, 0);
    usleep(20000);
    printf("send to a waiter %s\n", err(put(queue, 4, "four", 0)));
    pthread_join(t, 0);
    printf("receiver got %s\n", result);

    printf("type 0 send %s\n", err(put(queue, 0, "x", 0)));
    struct message huge = { .mtype = 1 };
    printf("too long send %s\n", err(msgsnd(queue, &huge, BIG + 1, 0)));
    printf("bad id send %s\n", err(put(queue + 1000000, 1, "x", 0)));
    printf("bad id receive %s\n", take(queue + 1000000, 0, 100, 0));
    printf("negative room %s\n", err(msgrcv(queue, &huge, (size_t)-1, 0, 0)));

    /* a full queue: qbytes 20 holds two 10-byte messages */
    msgctl(queue, IPC_STAT, &ds);
    ds.msg_qbytes = 20;
    ds.msg_perm.mode = 0604;
    printf("set %s\n", err(msgctl(queue, IPC_SET, &ds)));
    stat_line("set", queue, 0);
    put(queue, 1, "0123456789", 0);
    put(queue, 1, "0123456789", 0);
    printf("full nowait %s\n", err(put(queue, 1, "0123456789", IPC_NOWAIT)));
    pthread_create(&t, 0, blocked_sender, &queue);
    usleep(20000);
    printf("take one: %s\n", take(queue, 0, 100, 0));
    pthread_join(t, 0);
    printf("blocked sender %s\n", result);
    stat_line("full again", queue, 0);
    while (msgrcv(queue, &huge, BIG, 0, IPC_NOWAIT) >= 0)
        ;

    struct sigaction sa = { .sa_handler = on_usr1, .sa_flags = SA_RESTART };
    sigaction(SIGUSR1, &sa, 0);
    pthread_create(&t, 0, interrupted, 0);
    while (!waiting)
        usleep(1000);
    while (!finished) { /* a signal that came before the wait only ran the handler: again */
        pthread_kill(t, SIGUSR1);
        usleep(20000);
    }
    pthread_join(t, 0);
    printf("interrupted receiver %s\n", result);

    int other = msgget(IPC_PRIVATE, 0600);
    pthread_create(&t, 0, removed_receiver, &other);
    while (waiting != 2)
        usleep(1000);
    usleep(100000); /* its msgrcv waits by then: no count of waiters tells */
    printf("rmid %s\n", err(msgctl(other, IPC_RMID, 0)));
    pthread_join(t, 0);
    printf("removed receiver %s\n", result);
    printf("stat removed %s\n", err(msgctl(other, IPC_STAT, &ds)));

    key_t key = 0x5eed0000 | (getpid() & 0xffff);
    int k = msgget(key, IPC_CREAT | IPC_EXCL | 0600);
    printf("get key %s\n", err(k));
    printf("get key excl %s\n", err(msgget(key, IPC_CREAT | IPC_EXCL | 0600)));
    printf("get key again same %d\n", msgget(key, 0) == k);
    printf("get other key %s\n", err(msgget(key ^ 1, 0)));
    printf("rmid key %s\n", err(msgctl(k, IPC_RMID, 0)));
    printf("get key after rmid %s\n", err(msgget(key, 0)));
    printf("bad cmd %s\n", err(msgctl(queue, 99, &ds)));
    {   /* MSG_STAT walks the slots up to MSG_INFO's highest and answers each queue's id */
        struct msginfo mi;
        int highest = msgctl(0, MSG_INFO, (struct msqid_ds *)&mi), found = 0;
        for (int i = 0; i <= highest; i++)
            found |= msgctl(i, MSG_STAT, &ds) == queue;
        printf("msg_stat finds the queue %d\n", found);
    }

    work_queue = msgget(IPC_PRIVATE, 0600);
    pthread_t workers[WORKERS];
    for (long i = 0; i < WORKERS; i++)
        pthread_create(&workers[i], 0, worker, (void *)i);
    long expect = 0;
    for (int i = 1; i <= WORKERS * PER_WORKER; i++) {
        struct { long mtype; int value; } job = { 1, i };
        msgsnd(work_queue, &job, sizeof job.value, 0);
        expect += i;
    }
    for (int i = 0; i < WORKERS; i++) {
        struct { long mtype; int value; } stop = { 1, -1 };
        msgsnd(work_queue, &stop, sizeof stop.value, 0);
    }
    long total = 0;
    for (int i = 0; i < WORKERS; i++) {
        pthread_join(workers[i], 0);
        total += work_sum[i];
    }
    printf("work queue sum %ld expected %ld\n", total, expect);
    msgctl(work_queue, IPC_RMID, 0);
    msgctl(queue, IPC_RMID, 0);
    return 0;
}
"""


@pytest.mark.parametrize("nodes", [(1, 2), (4,)], ids=["1-2", "4"])
def test_sysv_msg_matches_native(tmp_path, nodes):
    out = check_source_matches_native(tmp_path, "sysv-msg", SOURCE, nodes=nodes)
    assert "remote: long in ok 8192 sum 4636073478303117312; stat ok qnum 0;" in out, out
    assert "removed receiver EIDRM" in out and "interrupted receiver EINTR" in out, out
    assert "work queue sum 11325 expected 11325" in out and "msg_stat finds the queue 1" in out, out
