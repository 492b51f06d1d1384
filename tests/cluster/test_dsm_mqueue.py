# SPDX-License-Identifier: MIT
"""POSIX message queues (kernel/files_mq.c, kernel/sys_mq.c): mq_open's names, flags and
attributes, priorities (highest first, oldest first within one), EMSGSIZE, EINVAL, EAGAIN,
ETIMEDOUT and EBADF, mq_getattr/mq_setattr, poll, read(2)'s status line, fstat, mq_unlink
of an open queue, the RLIMIT_MSGQUEUE accounting (nine default queues, then EMFILE),
mq_notify with a signal (SI_MESGQ and its value, EBUSY, removal, also by closing any descriptor of the queue), messages up to 8192 bytes
(longer than one file call: they cross in pieces) sent and received from threads on other
nodes than main's, and a producer thread and the main thread as consumer blocking in turn
on a queue of four. Every line must equal the native run's on the host's own queues, on 1,
2 and 4 nodes. Before, every mq_* call was ENOSYS."""
from dsmkpy.testing import check_source_matches_native

SOURCE = r"""
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SMALL_MAX 4
#define SMALL_SIZE 64
#define FLOW_MESSAGES 300

static char qname[64], flowname[64], bigname[64];
static unsigned char pattern(int k, int i);
static volatile int notified, notified_code, notified_value;

/* Fixed names, whose leftovers from a run that was killed go first (they would count
 * against the native run's RLIMIT_MSGQUEUE). */
static void named(char *out, const char *what)
{
    snprintf(out, 64, "/dsmk-test-%s", what);
    mq_unlink(out);
    for (int i = 0; i < 16; i++) {
        char name[96];
        snprintf(name, sizeof name, "%s-%d", out, i);
        mq_unlink(name);
    }
}
static const char *err(long r) { return r < 0 ? strerror(errno) : "ok"; }

static mqd_t make(const char *name, long maxmsg, long msgsize)
{
    struct mq_attr a = { .mq_maxmsg = maxmsg, .mq_msgsize = msgsize };
    return mq_open(name, O_CREAT | O_EXCL | O_RDWR, 0640, &a);
}

static void show_attr(const char *what, mqd_t q)
{
    struct mq_attr a = { 0 };
    long r = mq_getattr(q, &a);
    printf("%s: getattr %s flags %s maxmsg %ld msgsize %ld curmsgs %ld\n", what, err(r),
           (a.mq_flags & O_NONBLOCK) ? "nonblock" : "0", a.mq_maxmsg, a.mq_msgsize, a.mq_curmsgs);
}

static struct timespec soon(long ms)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    t.tv_nsec += ms * 1000000L;
    t.tv_sec += t.tv_nsec / 1000000000L;
    t.tv_nsec %= 1000000000L;
    return t;
}

static void show_poll(mqd_t q)
{
    struct pollfd p = { q, POLLIN | POLLOUT, 0 };
    int n = poll(&p, 1, 0);
    printf(" poll %d%s%s", n, (p.revents & POLLIN) ? " in" : "", (p.revents & POLLOUT) ? " out" : "");
}

static void names(void)
{
    printf("names: slash %s", err(mq_open("/", O_CREAT | O_RDWR, 0600, NULL)));
    printf(", inner slash %s", err(mq_open("/a/b", O_CREAT | O_RDWR, 0600, NULL)));
    printf(", dot %s", err(mq_open("/..", O_CREAT | O_RDWR, 0600, NULL)));
    printf(", missing %s", err(mq_open("/dsmk-test-none", O_RDONLY)));
    printf(", unlink missing %s\n", err(mq_unlink("/dsmk-test-none")));
    struct mq_attr bad = { .mq_maxmsg = 0, .mq_msgsize = 16 };
    printf("attributes: maxmsg 0 %s", err(mq_open(qname, O_CREAT | O_RDWR, 0600, &bad)));
    bad = (struct mq_attr){ .mq_maxmsg = 4, .mq_msgsize = -1 };
    printf(", msgsize -1 %s\n", err(mq_open(qname, O_CREAT | O_RDWR, 0600, &bad)));
}

/* Four messages of three priorities come back highest first, oldest first within one. */
static void order(mqd_t q)
{
    mqd_t w = mq_open(qname, O_WRONLY);
    printf("order: second descriptor %s", err(w));
    const char *text[] = { "a1", "b5", "c3", "d5" };
    unsigned prio[] = { 1, 5, 3, 5 };
    for (int i = 0; i < 4; i++)
        printf(" %s", err(mq_send(w, text[i], 3, prio[i])));
    show_poll(q);
    char buf[SMALL_SIZE];
    printf(", receive on the write-only one %s", err(mq_receive(w, buf, sizeof buf, NULL)));
    printf(", send on a pipe %s\n", err(mq_send(0, "x", 1, 0)));
    show_attr("full", q);
    printf("full: nonblocking send");
    struct mq_attr nb = { .mq_flags = O_NONBLOCK }, old;
    mq_setattr(q, &nb, &old);
    printf(" %s (old flags %ld)", err(mq_send(q, "x", 1, 0)), old.mq_flags);
    nb.mq_flags = 0;
    mq_setattr(q, &nb, NULL);
    struct timespec t = soon(30);
    printf(", timed %s", err(mq_timedsend(q, "x", 1, 0, &t)));
    t.tv_nsec = 2000000000L;
    printf(", bad timeout %s\n", err(mq_timedsend(q, "x", 1, 0, &t)));
    printf("receive:");
    printf(" short buffer %s", err(mq_receive(q, buf, SMALL_SIZE - 1, NULL)));
    for (int i = 0; i < 4; i++) {
        unsigned p = 99;
        long n = mq_receive(q, buf, sizeof buf, &p);
        printf(" %ld:%s@%u", n, n > 0 ? buf : err(n), p);
    }
    show_poll(q);
    t = soon(30);
    printf(", timed %s", err(mq_timedreceive(q, buf, sizeof buf, NULL, &t)));
    mq_setattr(q, &(struct mq_attr){ .mq_flags = O_NONBLOCK }, NULL);
    printf(", nonblocking %s\n", err(mq_receive(q, buf, sizeof buf, NULL)));
    mq_setattr(q, &(struct mq_attr){ .mq_flags = 0 }, NULL);
    printf("send: too long %s", err(mq_send(q, buf, SMALL_SIZE + 1, 0)));
    printf(", priority 32768 %s", err(mq_send(q, "x", 1, 32768)));
    printf(", empty %s", err(mq_send(q, "", 0, 7)));
    unsigned p = 0;
    long n = mq_receive(q, buf, sizeof buf, &p);
    printf(", back %ld@%u\n", n, p);
    mq_close(w);
}

/* read(2) shows the status line (its pid field left out: the hosts' pids differ). */
static void status(mqd_t q)
{
    mq_send(q, "hello", 5, 2);
    mq_send(q, "hi", 2, 2);
    char line[128] = { 0 };
    long n = read(q, line, sizeof line - 1);
    char *pid = strstr(line, "NOTIFY_PID:");
    if (pid)
        *pid = 0;
    printf("status: read %ld [%s]", n, line);
    struct stat st;
    fstat(q, &st);
    printf(" regular %d mode %o\n", S_ISREG(st.st_mode), (unsigned)(st.st_mode & 0777));
    char buf[SMALL_SIZE];
    while (mq_timedreceive(q, buf, sizeof buf, NULL, &(struct timespec){ 0, 0 }) >= 0)
        ;
}

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
    (void)sig, (void)uc;
    notified++;
    notified_code = si->si_code;
    notified_value = si->si_value.sival_int;
}

static void notify(mqd_t q)
{
    struct sigaction sa = { 0 };
    sa.sa_sigaction = on_usr1;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR1, &sa, NULL);
    struct sigevent ev = { 0 };
    ev.sigev_notify = SIGEV_SIGNAL;
    ev.sigev_signo = SIGUSR1;
    ev.sigev_value.sival_int = 42;
    printf("notify: register %s", err(mq_notify(q, &ev)));
    printf(", again %s", err(mq_notify(q, &ev)));
    ev.sigev_signo = 65;
    printf(", signal 65 %s", err(mq_notify(q, &ev)));
    mq_send(q, "n", 1, 0);
    for (int i = 0; i < 200 && !notified; i++)
        usleep(1000);
    printf(", signals %d code %s value %d", notified, notified_code == SI_MESGQ ? "SI_MESGQ" : "other", notified_value);
    ev.sigev_signo = SIGUSR1;
    printf(", register after %s", err(mq_notify(q, &ev)));
    printf(", remove %s", err(mq_notify(q, NULL)));
    mq_notify(q, &ev);
    close(dup(q)); /* any close of the queue by the registering process removes it (Linux's flush) */
    printf(", after a close %s", err(mq_notify(q, &ev)));
    mq_notify(q, NULL);
    mq_send(q, "m", 1, 0); /* the queue was not empty: no signal either way */
    usleep(20000);
    printf(", signals %d\n", notified);
    char buf[SMALL_SIZE];
    while (mq_timedreceive(q, buf, sizeof buf, NULL, &(struct timespec){ 0, 0 }) >= 0)
        ;
}

/* The byte i of message k. */
static unsigned char pattern(int k, int i) { return (unsigned char)(k * 31 + i * 7 + (i >> 8)); }

/* Messages of 1 to 8192 bytes: longer than one file call (4096) cross in pieces. */
static const int big_sizes[] = { 1, 4092, 4093, 4096, 4097, 8191, 8192 };
#define BIG_COUNT (int)(sizeof big_sizes / sizeof big_sizes[0])

static void *big_sender(void *arg)
{
    mqd_t q = mq_open(bigname, O_WRONLY);
    static unsigned char msg[8192];
    long fails = 0;
    for (int k = 0; k < BIG_COUNT; k++) {
        for (int i = 0; i < big_sizes[k]; i++)
            msg[i] = pattern(k, i);
        fails += mq_send(q, (char *)msg, big_sizes[k], (unsigned)k) != 0;
    }
    mq_close(q);
    return (void *)fails;
}

static void big(void)
{
    mqd_t q = mq_open(bigname, O_CREAT | O_EXCL | O_RDWR, 0600, NULL);
    show_attr("default", q);
    pthread_t t;
    pthread_create(&t, NULL, big_sender, NULL);
    void *fails;
    pthread_join(t, &fails); /* all queued: they come back by priority */
    static unsigned char msg[8192];
    printf("long messages:");
    for (int k = BIG_COUNT - 1; k >= 0; k--) {
        unsigned p = 99;
        long n = mq_receive(q, (char *)msg, sizeof msg, &p);
        int good = n == big_sizes[p < BIG_COUNT ? p : 0];
        for (int i = 0; good && i < n; i++)
            good = msg[i] == pattern((int)p, i);
        (void)k;
        printf(" %ld@%u%s", n, p, good ? "" : " bad");
    }
    printf(", sender failures %ld\n", (long)fails);
    mq_close(q);
    mq_unlink(bigname);
}

/* A producer thread and the main thread as consumer through a queue of SMALL_MAX: each
 * blocks in turn. */
static void *producer(void *arg)
{
    (void)arg;
    mqd_t q = mq_open(flowname, O_WRONLY);
    long sent = 0;
    for (int k = 0; k < FLOW_MESSAGES; k++) {
        char msg[SMALL_SIZE];
        int len = 1 + k % (SMALL_SIZE - 1);
        for (int i = 0; i < len; i++)
            msg[i] = (char)pattern(k, i);
        sent += mq_send(q, msg, (size_t)len, (unsigned)(k % 3)) == 0;
    }
    mq_close(q);
    return (void *)sent;
}

static void flow(void)
{
    mqd_t q = make(flowname, SMALL_MAX, SMALL_SIZE);
    pthread_t t;
    pthread_create(&t, NULL, producer, NULL);
    long got = 0, bytes = 0, sum = 0;
    char msg[SMALL_SIZE];
    for (int k = 0; k < FLOW_MESSAGES; k++) {
        long n = mq_receive(q, msg, sizeof msg, NULL);
        if (n < 0)
            break;
        got++;
        bytes += n;
        for (int i = 0; i < n; i++)
            sum += (unsigned char)msg[i];
    }
    void *sent;
    pthread_join(t, &sent);
    printf("flow: sent %ld received %ld bytes %ld sum %ld\n", (long)sent, got, bytes, sum);
    mq_close(q);
    mq_unlink(flowname);
}

/* RLIMIT_MSGQUEUE (819200 bytes) holds nine queues of the default size. */
static void limit(void)
{
    mqd_t made[16];
    int n = 0;
    char name[96];
    long r = 0;
    while (n < 16) {
        snprintf(name, sizeof name, "%s-%d", qname, n);
        if ((r = mq_open(name, O_CREAT | O_EXCL | O_RDWR, 0600, NULL)) < 0)
            break;
        made[n++] = (mqd_t)r;
    }
    printf("limit: %d queues, then %s\n", n, err(r));
    for (int i = 0; i < n; i++) {
        snprintf(name, sizeof name, "%s-%d", qname, i);
        mq_close(made[i]);
        mq_unlink(name);
    }
}

/* A long message sent and received back by this thread (on another node than main's). */
static void long_here(void)
{
    mqd_t q = mq_open(bigname, O_CREAT | O_EXCL | O_RDWR, 0600, NULL);
    static unsigned char msg[8192];
    for (int i = 0; i < 6000; i++)
        msg[i] = pattern(9, i);
    long s = mq_send(q, (char *)msg, 6000, 9);
    memset(msg, 0, sizeof msg);
    unsigned p = 0;
    long n = mq_receive(q, (char *)msg, sizeof msg, &p);
    int good = n == 6000;
    for (int i = 0; good && i < n; i++)
        good = msg[i] == pattern(9, i);
    printf("long here: send %s receive %ld@%u %s\n", err(s), n, p, good ? "equal" : "differs");
    mq_close(q);
    mq_unlink(bigname);
}

static void *checks(void *arg)
{
    (void)arg;
    names();
    mqd_t q = make(qname, SMALL_MAX, SMALL_SIZE);
    printf("create %s, again %s", err(q), err(make(qname, SMALL_MAX, SMALL_SIZE)));
    printf(", access mode 3 %s\n", err(mq_open(qname, 3)));
    show_attr("new", q);
    order(q);
    status(q);
    long_here();
    printf("unlink %s", err(mq_unlink(qname)));
    printf(", open after %s", err(mq_open(qname, O_RDWR)));
    printf(", send after %s\n", err(mq_send(q, "z", 1, 0)));
    mq_close(q);
    return NULL;
}

int main(void)
{
    umask(022);
    named(qname, "q");
    named(flowname, "flow");
    named(bigname, "big");
    pthread_t t;
    pthread_create(&t, NULL, checks, NULL);
    pthread_join(t, NULL);
    mqd_t q = make(qname, SMALL_MAX, SMALL_SIZE);
    notify(q);
    mq_close(q);
    mq_unlink(qname);
    big();
    flow();
    limit();
    return 0;
}
"""


def test_mqueue_matches_native(tmp_path):
    out = check_source_matches_native(tmp_path, "mqueue", SOURCE, nodes=(1, 2, 4))
    assert "receive: short buffer Message too large 3:b5@5 3:d5@5 3:c3@3 3:a1@1" in out, out
    assert "signals 1 code SI_MESGQ value 42" in out and "limit: 9 queues, then" in out, out
    assert "long messages: 8192@6 8191@5 4097@4 4096@3 4093@2 4092@1 1@0, sender failures 0" in out, out
    assert "flow: sent 300 received 300" in out, out
