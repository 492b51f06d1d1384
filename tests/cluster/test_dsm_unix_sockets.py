# SPDX-License-Identifier: MIT
"""Named AF_UNIX sockets (kernel/files_socket.c, kernel/sys_socket.c): a server thread binds a
path, listens and accepts three client threads (on other nodes than its own when there are
several), each sending a request and reading the answer; getsockname, getpeername and
accept's address; SO_ACCEPTCONN and poll on the listener; the path as a socket node (stat,
open's ENXIO, unlink); an abstract name with SOCK_SEQPACKET (message boundaries kept); and
the errors: ENOENT (no such path), ECONNREFUSED (a name nobody listens on, a regular file),
EADDRINUSE, EINVAL (bound twice, accept on a socket that does not listen, a receive on an
unconnected stream), ENOTCONN, EOPNOTSUPP (a sendto with an address), EAGAIN (a
non-blocking accept with nobody waiting, a non-blocking connect to a full backlog), EISCONN;
a blocking connect to a full backlog waits for an accept; and autobind (a socket that binds the
family alone gets an abstract name of five hex digits; listening unbound is EINVAL). Every line must equal the native run's
(made in an empty directory), on 1, 2 and 4 nodes. Before, socket() was ENOSYS."""
from dsmkpy.testing import check_source_matches_native

SOURCE = r"""
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define CLIENTS 3
#define PATH "srv.sock"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ready_cv = PTHREAD_COND_INITIALIZER;
static int ready;
static char answers[CLIENTS][256];
static char server_notes[512];

static const char *err(long r) { return r < 0 ? strerror(errno) : "ok"; }

static socklen_t path_address(struct sockaddr_un *a, const char *path)
{
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    strcpy(a->sun_path, path);
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1);
}

static void *server(void *arg)
{
    (void)arg;
    struct sockaddr_un a;
    socklen_t len = path_address(&a, PATH);
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    int b = bind(s, (struct sockaddr *)&a, len);
    int again = bind(s, (struct sockaddr *)&a, len);
    int errno_again = errno;
    int l = listen(s, 8);
    int on = -1;
    socklen_t onlen = sizeof on;
    getsockopt(s, SOL_SOCKET, SO_ACCEPTCONN, &on, &onlen);
    struct sockaddr_un got;
    socklen_t gotlen = sizeof got;
    getsockname(s, (struct sockaddr *)&got, &gotlen);
    int n = snprintf(server_notes, sizeof server_notes,
                     "server: bind %s, again %s, listen %s, acceptconn %d, name %s len %d", err(b),
                     again ? strerror(errno_again) : "ok", err(l), on, got.sun_path, (int)gotlen);
    pthread_mutex_lock(&lock);
    ready = 1;
    pthread_cond_broadcast(&ready_cv);
    pthread_mutex_unlock(&lock);
    int served = 0;
    for (int i = 0; i < CLIENTS; i++) {
        struct sockaddr_un peer;
        socklen_t peerlen = sizeof peer;
        int c = accept(s, (struct sockaddr *)&peer, &peerlen);
        if (c < 0)
            break;
        char req[64] = { 0 };
        ssize_t r = read(c, req, sizeof req - 1);
        for (ssize_t k = 0; k < r; k++)
            req[k] = req[k] >= 'a' && req[k] <= 'z' ? (char)(req[k] - 32) : req[k];
        write(c, req, (size_t)r);
        served += peerlen == sizeof(sa_family_t);
        close(c);
    }
    snprintf(server_notes + n, sizeof server_notes - (size_t)n, ", unnamed peers %d", served);
    close(s);
    return NULL;
}

static void *client(void *arg)
{
    long i = (long)arg;
    pthread_mutex_lock(&lock);
    while (!ready)
        pthread_cond_wait(&ready_cv, &lock);
    pthread_mutex_unlock(&lock);
    struct sockaddr_un a, peer, self;
    socklen_t len = path_address(&a, PATH), peerlen = sizeof peer, selflen = sizeof self;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int c = connect(fd, (struct sockaddr *)&a, len);
    int twice = connect(fd, (struct sockaddr *)&a, len);
    int errno_twice = errno;
    getpeername(fd, (struct sockaddr *)&peer, &peerlen);
    getsockname(fd, (struct sockaddr *)&self, &selflen);
    char msg[32], back[32] = { 0 };
    int m = snprintf(msg, sizeof msg, "hello %ld", i);
    write(fd, msg, (size_t)m);
    ssize_t r = read(fd, back, sizeof back - 1);
    snprintf(answers[i], sizeof answers[i], "connect %s twice %s peer %s self len %d: %zd %s", err(c),
             twice ? strerror(errno_twice) : "ok", peer.sun_path, (int)selflen, r, back);
    close(fd);
    return NULL;
}

static void errors(void)
{
    struct sockaddr_un a;
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    socklen_t len = path_address(&a, "nobody.sock");
    printf("errors: missing %s", err(connect(fd, (struct sockaddr *)&a, len)));
    close(open("plain", O_CREAT | O_WRONLY, 0644));
    len = path_address(&a, "plain");
    printf(", regular file %s", err(connect(fd, (struct sockaddr *)&a, len)));
    printf(", bind taken %s", err(bind(fd, (struct sockaddr *)&a, len)));
    printf(", accept unlistened %s", err(accept(fd, NULL, NULL)));
    printf(", send unconnected %s", err(send(fd, "x", 1, MSG_NOSIGNAL)));
    char byte;
    printf(", recv unconnected %s", err(recv(fd, &byte, 1, MSG_DONTWAIT)));
    printf(", sendto unconnected %s", err(sendto(fd, "x", 1, MSG_NOSIGNAL, (struct sockaddr *)&a, len)));
    unlink("plain");
    close(fd);

    int l = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    len = path_address(&a, "lone.sock");
    bind(l, (struct sockaddr *)&a, len);
    listen(l, 1);
    printf(", lone accept %s", err(accept(l, NULL, NULL)));
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    connect(c, (struct sockaddr *)&a, len);
    struct pollfd p = { l, POLLIN, 0 };
    int ready_count = poll(&p, 1, 0);
    int got = accept4(l, NULL, NULL, SOCK_CLOEXEC);
    printf(", poll %d%s, accept4 %s\n", ready_count, (p.revents & POLLIN) ? " in" : "", err(got));
    close(got);
    close(c);
    close(l);
    unlink("lone.sock");

    /* Autobind: binding the family alone names the socket; listening unbound is EINVAL. */
    int v = socket(AF_UNIX, SOCK_STREAM, 0);
    int unbound = listen(v, 1);
    const char *unbound_err = err(unbound);
    struct sockaddr_un fam = { .sun_family = AF_UNIX };
    int vb = bind(v, (struct sockaddr *)&fam, sizeof(sa_family_t));
    struct sockaddr_un got_b;
    socklen_t got_blen = sizeof got_b;
    getsockname(v, (struct sockaddr *)&got_b, &got_blen);
    int vl = listen(v, 1);
    int w = socket(AF_UNIX, SOCK_STREAM, 0);
    int wc = connect(w, (struct sockaddr *)&got_b, got_blen); /* the autobound name reaches the listener */
    printf("autobind: listen unbound %s, bind %s len %d abstract %d, listen %s, connect %s\n", unbound_err, err(vb),
           (int)got_blen, got_b.sun_path[0] == 0, err(vl), err(wc));
    close(w);
    close(v);
}

static void node(void)
{
    struct stat st;
    int s = stat(PATH, &st);
    printf("node: stat %s socket %d mode %o", err(s), s == 0 && S_ISSOCK(st.st_mode), (unsigned)(st.st_mode & 0777));
    printf(", open %s", err(open(PATH, O_RDONLY)));
    printf(", unlink %s", err(unlink(PATH)));
    struct sockaddr_un a;
    socklen_t len = path_address(&a, PATH);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    printf(", connect after %s\n", err(connect(fd, (struct sockaddr *)&a, len)));
    close(fd);
}

static struct sockaddr_un backlog_address;
static socklen_t backlog_len;

static void *late_client(void *arg)
{
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    *(int *)arg = connect(fd, (struct sockaddr *)&backlog_address, backlog_len); /* waits for room */
    close(fd);
    return NULL;
}

/* A listener with backlog 0 holds one connection (unix_recvq_full): a second non-blocking
 * connect is EAGAIN, a blocking one (from another thread) waits until an accept. */
static void backlog(void)
{
    backlog_len = path_address(&backlog_address, "full.sock");
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    bind(l, (struct sockaddr *)&backlog_address, backlog_len);
    listen(l, 0);
    int a = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0), b = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int ca = connect(a, (struct sockaddr *)&backlog_address, backlog_len);
    const char *first = err(ca);
    int cb = connect(b, (struct sockaddr *)&backlog_address, backlog_len);
    printf("backlog 0: first %s, second %s", first, err(cb));
    int late = 99;
    pthread_t t;
    pthread_create(&t, NULL, late_client, &late);
    struct timespec nap = { 0, 50 * 1000000L };
    nanosleep(&nap, NULL);
    int waited = late;
    int s1 = accept(l, NULL, NULL);
    pthread_join(t, NULL);
    int s2 = accept(l, NULL, NULL);
    printf(", blocking one still waiting %d, then %s, accepts %s %s\n", waited == 99, late ? strerror(errno) : "ok",
           s1 >= 0 ? "ok" : strerror(errno), s2 >= 0 ? "ok" : strerror(errno));
    close(s1);
    close(s2);
    close(a);
    close(b);
    close(l);
    unlink("full.sock");
}

/* An abstract name (sun_path[0] is NUL) and SOCK_SEQPACKET: two messages stay two. */
static void abstract(void)
{
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    int name_len = snprintf(a.sun_path + 1, sizeof a.sun_path - 1, "dsmk-test-abstract-%d", (int)getpid());
    socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + name_len);
    int l = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    int b = bind(l, (struct sockaddr *)&a, len);
    listen(l, 4);
    int c = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    int k = connect(c, (struct sockaddr *)&a, len);
    int s = accept(l, NULL, NULL);
    send(c, "one", 3, 0);
    send(c, "three", 5, 0);
    char buf[16];
    ssize_t first = recv(s, buf, sizeof buf, 0), second = recv(s, buf, sizeof buf, 0);
    struct sockaddr_un got;
    socklen_t gotlen = sizeof got;
    getsockname(l, (struct sockaddr *)&got, &gotlen);
    printf("abstract: bind %s connect %s messages %zd %zd, name len as bound %d\n", err(b), err(k), first, second,
           gotlen == len && memcmp(&got, &a, len) == 0);
    close(s);
    close(c);
    close(l);
}

int main(void)
{
    umask(022);
    pthread_t srv, cl[CLIENTS];
    pthread_create(&srv, NULL, server, NULL);
    for (long i = 0; i < CLIENTS; i++)
        pthread_create(&cl[i], NULL, client, (void *)i);
    for (int i = 0; i < CLIENTS; i++)
        pthread_join(cl[i], NULL);
    pthread_join(srv, NULL);
    printf("%s\n", server_notes);
    for (int i = 0; i < CLIENTS; i++)
        printf("client %d: %s\n", i, answers[i]);
    node();
    errors();
    backlog();
    abstract();
    return 0;
}
"""


def test_unix_sockets_match_native(tmp_path):
    out = check_source_matches_native(tmp_path, "unix-sockets", SOURCE, nodes=(1, 2, 4))
    assert "client 2: connect ok twice Socket is connected peer srv.sock self len 2: 7 HELLO 2" in out, out
    assert "abstract: bind ok connect ok messages 3 5, name len as bound 1" in out, out
