# SPDX-License-Identifier: MIT
"""socketpair(AF_UNIX, ...) (kernel/files_socket.c, kernel/sys_socket.c): a thread
that clone() puts on node 1 (with two nodes) echoes lines back in upper case and takes a
transfer larger than the ring (the sender waits for room, woken from the other node);
send/recv flags (MSG_DONTWAIT, MSG_PEEK, MSG_WAITALL, MSG_NOSIGNAL), sendmsg/recvmsg with
iovecs, shutdown (end of file, POLLRDHUP, EPIPE), SIGPIPE on write to a closed peer, poll
and epoll, getsockopt, getsockname/getpeername, fstat and the error cases must answer as
on Linux. SOCK_SEQPACKET and SOCK_DGRAM pairs keep message boundaries (a short buffer
drops the rest of its message; sendmsg/recvmsg gather and scatter one message), SEQPACKET
ends with end of file and DGRAM with ECONNREFUSED then ENOTCONN. Every answer must equal
the native run's. Before, every socket call was ENOSYS."""
from dsmkpy.testing import check_source_matches_native

SOURCE = r"""
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define BIG (300 * 1024)

static int sv[2];
static volatile sig_atomic_t sigpipes;
static void on_pipe(int sig) { (void)sig; sigpipes++; }
static void say(const char *name, long rc) { printf(" %s %s", name, rc < 0 ? strerror(errno) : "ok"); }
static void nap(long ms) { struct timespec t = { 0, ms * 1000000L }; nanosleep(&t, 0); }

/* On node 1 with two nodes: echoes each line in upper case until "quit" (acked), then
 * takes BIG bytes and answers with their sum. */
static void *echo(void *arg)
{
    (void)arg;
    char line[64];
    for (;;) {
        ssize_t n = recv(sv[1], line, sizeof line, 0);
        if (n <= 0)
            return (void *)-1;
        for (ssize_t i = 0; i < n; i++)
            line[i] = (char)toupper((unsigned char)line[i]);
        if (n == 4 && !memcmp(line, "QUIT", 4)) {
            send(sv[1], "ok", 2, 0); /* main sends nothing more until this: a stream would
                                     * run its next bytes into "quit" */
            break;
        }
        send(sv[1], line, (size_t)n, 0);
    }
    static unsigned char buf[8192];
    uint64_t got = 0, sum = 0;
    while (got < BIG) {
        ssize_t n = read(sv[1], buf, sizeof buf);
        if (n <= 0)
            return (void *)-2;
        for (ssize_t i = 0; i < n; i++)
            sum += buf[i];
        got += (uint64_t)n;
    }
    write(sv[1], &sum, sizeof sum);
    /* Two halves a little apart, for MSG_WAITALL. */
    send(sv[1], "01234", 5, 0);
    nap(50);
    send(sv[1], "56789", 5, 0);
    return 0;
}

/* On node 1 with two nodes: sends messages a, bb, ccc, hello, a peeked and a scattered
 * one, then closes its end. */
static void *messages(void *arg)
{
    int fd = (int)(intptr_t)arg;
    send(fd, "a", 1, 0);
    send(fd, "bb", 2, 0);
    send(fd, "ccc", 3, 0);
    send(fd, "hello", 5, 0);
    send(fd, "scattered", 9, 0);
    close(fd);
    return 0;
}

int main(void)
{
    signal(SIGPIPE, on_pipe);
    printf("pair:");
    say("socketpair", socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
    printf(" cloexec %d", (fcntl(sv[0], F_GETFD) & FD_CLOEXEC) != 0);
    struct stat st;
    fstat(sv[0], &st);
    printf(" S_ISSOCK %d", S_ISSOCK(st.st_mode));
    struct pollfd p = { .fd = sv[0], .events = POLLIN | POLLOUT };
    poll(&p, 1, 0);
    printf(" fresh poll %s", p.revents == POLLOUT ? "POLLOUT" : "OTHER");
    int type = 0, domain = 0, err = -1;
    socklen_t len = sizeof type;
    getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &type, &len);
    len = sizeof domain;
    getsockopt(sv[0], SOL_SOCKET, SO_DOMAIN, &domain, &len);
    len = sizeof err;
    getsockopt(sv[0], SOL_SOCKET, SO_ERROR, &err, &len);
    printf(" type %s domain %s error %d", type == SOCK_STREAM ? "STREAM" : "OTHER", domain == AF_UNIX ? "UNIX" : "OTHER", err);
    struct sockaddr_un addr;
    socklen_t alen = sizeof addr;
    memset(&addr, 0xff, sizeof addr);
    getsockname(sv[0], (struct sockaddr *)&addr, &alen);
    printf(" name len %u family %s", (unsigned)alen, addr.sun_family == AF_UNIX ? "UNIX" : "OTHER");
    alen = sizeof addr;
    getpeername(sv[0], (struct sockaddr *)&addr, &alen);
    printf(" peer len %u\n", (unsigned)alen);

    pthread_t t;
    pthread_create(&t, 0, echo, 0);
    printf("echo:");
    char reply[64] = { 0 };
    send(sv[0], "hello", 5, 0);
    ssize_t n = recv(sv[0], reply, sizeof reply, 0);
    printf(" %.*s", (int)n, reply);
    struct iovec out[2] = { { "vec", 3 }, { "tor", 3 } };
    struct msghdr m = { .msg_iov = out, .msg_iovlen = 2 };
    printf(" sendmsg %zd", sendmsg(sv[0], &m, 0));
    nap(100);
    char peek[16] = { 0 }, first[3], rest[16] = { 0 };
    n = recv(sv[0], peek, sizeof peek, MSG_PEEK);
    printf(" peek %.*s", (int)n, peek);
    struct iovec in[2] = { { first, sizeof first }, { rest, sizeof rest } };
    struct sockaddr_un from;
    struct msghdr r = { .msg_name = &from, .msg_namelen = sizeof from, .msg_iov = in, .msg_iovlen = 2 };
    n = recvmsg(sv[0], &r, 0);
    printf(" recvmsg %zd %.3s|%.*s namelen %u flags %d", n, first, (int)(n - 3), rest, (unsigned)r.msg_namelen, r.msg_flags);
    errno = 0;
    printf(" empty dontwait %s", recv(sv[0], reply, sizeof reply, MSG_DONTWAIT) < 0 ? strerror(errno) : "DATA");
    send(sv[0], "quit", 4, 0);
    printf(" quit %s", recv(sv[0], reply, 2, MSG_WAITALL) == 2 && !memcmp(reply, "ok", 2) ? "acked" : "NOT ACKED");

    static unsigned char big[BIG];
    uint64_t sum = 0, echoed = 0;
    for (int i = 0; i < BIG; i++) {
        big[i] = (unsigned char)(i * 31 + 7);
        sum += big[i];
    }
    printf(" big write %zd", write(sv[0], big, BIG));
    read(sv[0], &echoed, sizeof echoed);
    printf(" sum %s", echoed == sum ? "matches" : "DIFFERS");
    char ten[10];
    n = recv(sv[0], ten, sizeof ten, MSG_WAITALL);
    printf(" waitall %zd %.10s\n", n, ten);
    pthread_join(t, 0);

    printf("full:");
    static char chunk[4096];
    long sent = 0;
    for (;;) {
        ssize_t k = send(sv[0], chunk, sizeof chunk, MSG_DONTWAIT);
        if (k < 0)
            break;
        sent += k;
    }
    printf(" filled then %s", strerror(errno));
    p = (struct pollfd){ .fd = sv[0], .events = POLLOUT };
    printf(" poll-out %d", poll(&p, 1, 0));
    int ep = epoll_create1(0);
    struct epoll_event ev = { .events = EPOLLIN, .data.u32 = 5 };
    epoll_ctl(ep, EPOLL_CTL_ADD, sv[1], &ev);
    printf(" epoll %d", epoll_wait(ep, &ev, 1, 1000));
    close(ep);
    printf(" sent %s\n", sent > 0 ? "some" : "NONE");

    printf("shutdown:");
    int pair[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, pair);
    say("shut-wr", shutdown(pair[0], SHUT_WR));
    printf(" peer reads %zd", read(pair[1], reply, sizeof reply));
    p = (struct pollfd){ .fd = pair[1], .events = POLLIN | POLLRDHUP };
    poll(&p, 1, 0);
    printf(" peer poll %s", p.revents == (POLLIN | POLLRDHUP) ? "IN|RDHUP" : "OTHER");
    errno = 0;
    printf(" send after %s", send(pair[0], "x", 1, MSG_NOSIGNAL) < 0 ? strerror(errno) : "ok");
    printf(" reverse still %zd", send(pair[1], "yz", 2, 0));
    printf(" got %zd", recv(pair[0], reply, sizeof reply, 0));
    close(pair[1]);
    p = (struct pollfd){ .fd = pair[0], .events = POLLIN | POLLOUT };
    poll(&p, 1, 0);
    printf(" after close poll %s", (p.revents & POLLHUP) ? "HUP" : "OTHER");
    errno = 0;
    printf(" write %s sigpipes %d", write(pair[0], "x", 1) < 0 ? strerror(errno) : "ok", (int)sigpipes);
    errno = 0;
    printf(" nosignal %s sigpipes %d\n", send(pair[0], "x", 1, MSG_NOSIGNAL) < 0 ? strerror(errno) : "ok", (int)sigpipes);
    close(pair[0]);

    printf("seqpacket:");
    int sq[2];
    say("pair", socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sq));
    pthread_create(&t, 0, messages, (void *)(intptr_t)sq[1]);
    char msg[64];
    for (int i = 0; i < 3; i++) {
        n = recv(sq[0], msg, sizeof msg, 0);
        printf(" %zd:%.*s", n, (int)n, msg);
    }
    n = recv(sq[0], msg, 2, 0);
    printf(" short %zd:%.2s", n, msg);
    n = recv(sq[0], msg, sizeof msg, MSG_PEEK);
    printf(" peek %zd", n);
    char one[4], two[8];
    struct iovec sc[2] = { { one, sizeof one }, { two, sizeof two } };
    struct msghdr sm = { .msg_iov = sc, .msg_iovlen = 2 };
    n = recvmsg(sq[0], &sm, 0);
    printf(" scattered %zd %.4s|%.*s", n, one, (int)(n - 4), two);
    pthread_join(t, 0);
    printf(" eof %zd", recv(sq[0], msg, sizeof msg, 0));
    len = sizeof type;
    getsockopt(sq[0], SOL_SOCKET, SO_TYPE, &type, &len);
    printf(" type %s\n", type == SOCK_SEQPACKET ? "SEQPACKET" : "OTHER");
    close(sq[0]);

    printf("dgram:");
    int dg[2];
    say("pair", socketpair(AF_UNIX, SOCK_DGRAM, 0, dg));
    struct iovec parts[3] = { { "ga", 2 }, { "th", 2 }, { "er", 2 } };
    struct msghdr gm = { .msg_iov = parts, .msg_iovlen = 3 };
    printf(" sendmsg %zd", sendmsg(dg[0], &gm, 0));
    printf(" send %zd", send(dg[0], "", 0, 0));
    n = recv(dg[1], msg, sizeof msg, 0);
    printf(" got %zd:%.*s", n, (int)n, msg);
    printf(" empty message %zd", recv(dg[1], msg, sizeof msg, 0));
    static char longest[4095], whole[8192]; /* longer than one answer after recvfrom's head */
    memset(longest, 'L', sizeof longest);
    send(dg[0], longest, sizeof longest, 0);
    n = recv(dg[1], whole, sizeof whole, 0);
    printf(" longest %zd %s", n, n == 4095 && !memcmp(whole, longest, 4095) ? "whole" : "DIFFERS");
    len = sizeof type;
    getsockopt(dg[0], SOL_SOCKET, SO_TYPE, &type, &len);
    printf(" type %s", type == SOCK_DGRAM ? "DGRAM" : "OTHER");
    close(dg[1]);
    errno = 0;
    printf(" to closed %s", send(dg[0], "x", 1, 0) < 0 ? strerror(errno) : "ok");
    errno = 0;
    printf(" again %s", send(dg[0], "x", 1, 0) < 0 ? strerror(errno) : "ok");
    errno = 0;
    printf(" recv %s\n", recv(dg[0], msg, sizeof msg, MSG_DONTWAIT) < 0 ? strerror(errno) : "DATA");
    close(dg[0]);

    printf("ioctl:");
    int io[2], avail = -1, on = 1;
    socketpair(AF_UNIX, SOCK_STREAM, 0, io);
    send(io[0], "12345", 5, 0);
    ioctl(io[1], FIONREAD, &avail);
    printf(" socket %d", avail);
    int qp[2];
    pipe(qp);
    write(qp[1], "abc", 3);
    ioctl(qp[0], FIONREAD, &avail);
    printf(" pipe %d", avail);
    say("fionbio", ioctl(qp[0], FIONBIO, &on));
    read(qp[0], msg, sizeof msg);
    errno = 0;
    printf(" then read %s", read(qp[0], msg, sizeof msg) < 0 ? strerror(errno) : "DATA");
    say("fioclex", ioctl(qp[1], FIOCLEX));
    printf(" cloexec %d", fcntl(qp[1], F_GETFD));
    int f = open("ioctl.txt", O_CREAT | O_RDWR | O_TRUNC, 0600);
    write(f, "0123456789", 10);
    lseek(f, 4, SEEK_SET);
    ioctl(f, FIONREAD, &avail);
    printf(" file %d", avail);
    errno = 0;
    printf(" tcgets %s\n", ioctl(io[0], TCGETS, msg) < 0 ? strerror(errno) : "ok");
    close(f);
    unlink("ioctl.txt");

    printf("errors:");
    int pp[2];
    pipe(pp);
    errno = 0;
    printf(" send-pipe %s", send(pp[1], "x", 1, 0) < 0 ? strerror(errno) : "ok");
    errno = 0;
    printf(" shutdown-pipe %s", shutdown(pp[0], SHUT_RD) < 0 ? strerror(errno) : "ok");
    errno = 0;
    printf(" getsockopt-pipe %s", getsockopt(pp[0], SOL_SOCKET, SO_TYPE, &type, &len) < 0 ? strerror(errno) : "ok");
    errno = 0;
    printf(" shutdown-how %s", shutdown(sv[0], 7) < 0 ? strerror(errno) : "ok");
    errno = 0;
    printf(" sendto-address %s", sendto(sv[0], "x", 1, 0, (struct sockaddr *)&addr, sizeof(sa_family_t) + 2) < 0 ? strerror(errno) : "ok");
    errno = 0;
    printf(" inet-pair %s", socketpair(AF_INET, SOCK_STREAM, 0, pair) < 0 ? strerror(errno) : "ok");
    errno = 0;
    printf(" closed-fd %s", send(60, "x", 1, 0) < 0 ? strerror(errno) : "ok");
    errno = 0;
    printf(" unknown-opt %s\n", getsockopt(sv[0], SOL_SOCKET, 12345, &type, &len) < 0 ? strerror(errno) : "ok");
    return 0;
}
"""


def test_socketpair_matches_native(tmp_path):
    out = check_source_matches_native(tmp_path, "socketpair", SOURCE)
    for bad in ("OTHER", "DIFFERS", "NONE", "DATA", "NOT ACKED"):
        assert bad not in out, out
