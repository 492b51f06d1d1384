# SPDX-License-Identifier: MIT
"""AF_INET SOCK_DGRAM sockets (UDP) over loopback between the program's own threads
(kernel/files_udp.c, kernel/sys_udp.c), against the native run: on 1 and 2 virtio nodes and
on 4 e1000 nodes, so the threads' sends, receives and waits cross the network. Before,
socket(AF_INET, SOCK_DGRAM) was EPROTONOSUPPORT.
- Sockets and names: the protocol numbers, SO_TYPE/SO_PROTOCOL/SO_DOMAIN/SO_ERROR, the
  options taken (buffer sizes, SO_REUSEADDR, SO_BROADCAST), bind to an address and port and
  to port 0 (an ephemeral one, printed as such), EADDRINUSE for a UDP port taken while a TCP
  socket binds it (apart spaces), EADDRNOTAVAIL, EINVAL, autobind at a send (even one that
  fails with EDESTADDRREQ), listen/accept EOPNOTSUPP, sendto's own errors (port 0, short
  address, family, EMSGSIZE past 65507 bytes), shutdown of an unconnected socket.
- An echo server thread and three client threads that each send from an unbound socket (a
  short datagram and a 20000-byte one) and check the reply and its source.
- Message boundaries: MSG_PEEK, a short buffer (the rest dropped), MSG_TRUNC from recv and in
  recvmsg's msg_flags, a zero-length datagram (FIONREAD 0, yet readable), FIONREAD of the
  next datagram, recvfrom's address cut to a short length, recvmsg over two iovecs.
- Long datagrams: 65507 bytes whole, MSG_PEEK of a long one, write/read and writev/readv on
  a connected socket (one datagram each), sendmsg over iovecs with an address, an empty
  write and an empty send (each a zero-length datagram), an empty read (takes nothing).
- connect: the peer, the name it fixes (127.0.0.1), datagrams from others filtered (one
  queued before the connect stays), sendto another address from a connected socket,
  AF_UNSPEC dissolving the peer (and the autobound port with it), 0.0.0.0 as this host.
- Unreachable ports: a datagram to a port nobody bound is dropped silently from an
  unconnected socket; from a connected one ECONNREFUSED comes back (poll's POLLERR waits for
  it natively), once, through SO_ERROR, recv or send. A datagram to 127.0.0.2 reaches a
  socket bound to 0.0.0.0 (from 127.0.0.1) and not one bound to 127.0.0.1.
- Readiness and waits: poll, select and edge-triggered epoll before and after a datagram
  that another thread sends later; a blocking recvfrom woken by another thread.
- A receiver that reads nothing: 1000 sends all succeed and some datagrams are dropped.
- Signals: a blocked recv ends with EINTR, or with SA_RESTART goes on to its datagram.
- shutdown: SHUT_RD (recv 0, MSG_DONTWAIT EAGAIN, POLLRDHUP), SHUT_WR (EPIPE from send and
  write, no SIGPIPE: its default action would end the run), SHUT_RDWR (POLLHUP)."""
from dsmkpy.testing import build_musl, check_matches_native

SOURCE = r"""
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define ECHO_PORT 27811
#define BIG 65507

static const char *err(long r)
{
    return r >= 0 ? "ok" : strerror(errno);
}

#define SAY(what, call) do { errno = 0; long r_ = (long)(call); printf("%s: %ld %s\n", what, r_, err(r_)); } while (0)

static struct sockaddr_in at(uint32_t ip, int port)
{
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(ip) };
    return a;
}

static const char *port_kind(int port, char *buf)
{
    if (port >= 32768 && port <= 60999)
        return "ephemeral ok";
    snprintf(buf, 16, "%d", port);
    return buf;
}

static void addr(const char *what, const struct sockaddr_in *a, socklen_t len)
{
    char ip[32], p[16];
    inet_ntop(AF_INET, &a->sin_addr, ip, sizeof ip);
    printf("%s: family %d len %u %s port %s\n", what, a->sin_family, (unsigned)len, ip,
           port_kind(ntohs(a->sin_port), p));
}

static void name(const char *what, int fd, int peer)
{
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    errno = 0;
    int r = peer ? getpeername(fd, (struct sockaddr *)&a, &len) : getsockname(fd, (struct sockaddr *)&a, &len);
    if (r < 0)
        printf("%s: %s\n", what, strerror(errno));
    else
        addr(what, &a, len);
}

static int udp(int flags)
{
    return socket(AF_INET, SOCK_DGRAM | flags, 0);
}

static int bound(int port, int flags)
{
    int s = udp(flags);
    struct sockaddr_in a = at(INADDR_LOOPBACK, port);
    if (bind(s, (struct sockaddr *)&a, sizeof a) < 0)
        printf("bind %d: %s\n", port, strerror(errno));
    return s;
}

static int opt(int fd, int name)
{
    int v = -1;
    socklen_t l = sizeof v;
    return getsockopt(fd, SOL_SOCKET, name, &v, &l) < 0 ? -errno : v;
}

static void fill(unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(i * 31 + seed);
}

static int same(const unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != (unsigned char)(i * 31 + seed))
            return 0;
    return 1;
}

static void sleep_ms(int ms)
{
    struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&t, 0);
}

static unsigned char big[BIG + 100], back[BIG + 100];

/* ---- sockets and names ---- */
static void basics(void)
{
    int s = udp(0);
    printf("socket: %s\n", err(s));
    int t = socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
    printf("socket udp protocol: %s\n", err(t));
    close(t);
    SAY("socket dgram tcp protocol", socket(AF_INET, SOCK_DGRAM, IPPROTO_TCP));
    SAY("socket stream udp protocol", socket(AF_INET, SOCK_STREAM, IPPROTO_UDP));
    printf("type %d protocol %d domain %d error %d\n", opt(s, SO_TYPE), opt(s, SO_PROTOCOL), opt(s, SO_DOMAIN),
           opt(s, SO_ERROR));
    int one = 1, size = 65536;
    SAY("rcvbuf", setsockopt(s, SOL_SOCKET, SO_RCVBUF, &size, sizeof size));
    SAY("sndbuf", setsockopt(s, SOL_SOCKET, SO_SNDBUF, &size, sizeof size));
    SAY("reuseaddr", setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one));
    SAY("broadcast", setsockopt(s, SOL_SOCKET, SO_BROADCAST, &one, sizeof one));
    SAY("nodelay", setsockopt(s, IPPROTO_TCP, 1, &one, sizeof one));
    name("unbound name", s, 0);
    name("unbound peer", s, 1);
    int n = -1;
    ioctl(s, FIONREAD, &n);
    printf("fionread empty %d\n", n);
    char b[16];
    SAY("recv dontwait", recv(s, b, sizeof b, MSG_DONTWAIT));
    SAY("send unconnected", send(s, "x", 1, 0));
    name("name after send", s, 0);
    SAY("listen", listen(s, 1));
    SAY("accept", accept(s, 0, 0));
    close(s);

    int srv = udp(0);
    struct sockaddr_in a = at(INADDR_LOOPBACK, 27812);
    SAY("bind", bind(srv, (struct sockaddr *)&a, sizeof a));
    name("bound name", srv, 0);
    int other = udp(0);
    SAY("bind taken", bind(other, (struct sockaddr *)&a, sizeof a));
    int tcp = socket(AF_INET, SOCK_STREAM, 0);
    SAY("tcp bind same port", bind(tcp, (struct sockaddr *)&a, sizeof a));
    close(tcp);
    SAY("bind again", bind(srv, (struct sockaddr *)&a, sizeof a));
    struct sockaddr_in far = at(0x0a000001, 27812);
    SAY("bind elsewhere", bind(other, (struct sockaddr *)&far, sizeof far));
    SAY("bind short", bind(other, (struct sockaddr *)&a, 8));
    struct sockaddr_in any = at(INADDR_ANY, 0);
    SAY("bind port 0", bind(other, (struct sockaddr *)&any, sizeof any));
    name("port 0 name", other, 0);
    struct sockaddr_in zero = at(INADDR_LOOPBACK, 0);
    SAY("sendto port 0", sendto(other, "x", 1, 0, (struct sockaddr *)&zero, sizeof zero));
    SAY("sendto short", sendto(other, "x", 1, 0, (struct sockaddr *)&a, 8));
    struct sockaddr_in fam = a;
    fam.sin_family = AF_INET6;
    SAY("sendto family", sendto(other, "x", 1, 0, (struct sockaddr *)&fam, sizeof fam));
    SAY("sendto 65508", sendto(other, big, BIG + 1, 0, (struct sockaddr *)&a, sizeof a));
    SAY("sendto 70000", sendto(other, big, 70000, 0, (struct sockaddr *)&a, sizeof a));
    SAY("shutdown bad how", shutdown(other, 7));
    SAY("shutdown unconnected", shutdown(other, SHUT_WR));
    close(other);
    close(srv);
}

/* ---- an echo server and its clients ---- */
static int echo;

static void *echo_server(void *arg)
{
    (void)arg;
    long served = 0;
    for (;;) {
        struct sockaddr_in from;
        socklen_t len = sizeof from;
        ssize_t n = recvfrom(echo, back, sizeof back, 0, (struct sockaddr *)&from, &len);
        if (n < 0) {
            printf("server recvfrom: %s\n", strerror(errno));
            break;
        }
        if (n == 4 && memcmp(back, "quit", 4) == 0)
            break;
        served++;
        if (n < 100)
            for (ssize_t i = 0; i < n; i++)
                if ((back[i] | 0x20) >= 'a' && (back[i] | 0x20) <= 'z')
                    back[i] ^= 0x20; /* swap the letters' case */
        sendto(echo, back, (size_t)n, 0, (struct sockaddr *)&from, len);
    }
    return (void *)served;
}

struct client {
    int id;
    char report[512];
};

static void *client(void *arg)
{
    struct client *c = arg;
    char *out = c->report;
    size_t room = sizeof c->report;
    int s = udp(0);
    struct sockaddr_in to = at(INADDR_LOOPBACK, ECHO_PORT), from, me;
    char msg[64], reply[128], p[16], ip[32];
    snprintf(msg, sizeof msg, "Hello From Client %d", c->id);
    ssize_t n = sendto(s, msg, strlen(msg), 0, (struct sockaddr *)&to, sizeof to);
    socklen_t len = sizeof me;
    getsockname(s, (struct sockaddr *)&me, &len);
    int w = snprintf(out, room, "client %d sent %zd, its port %s; ", c->id, n, port_kind(ntohs(me.sin_port), p));
    len = sizeof from;
    memset(reply, 0, sizeof reply);
    n = recvfrom(s, reply, sizeof reply - 1, 0, (struct sockaddr *)&from, &len);
    inet_ntop(AF_INET, &from.sin_addr, ip, sizeof ip);
    w += snprintf(out + w, room - w, "reply %zd \"%s\" from %s:%d; ", n, reply, ip, ntohs(from.sin_port));
    unsigned char *mine = malloc(20000), *got = malloc(30000);
    fill(mine, 20000, (unsigned)c->id);
    n = sendto(s, mine, 20000, 0, (struct sockaddr *)&to, sizeof to);
    ssize_t m = recv(s, got, 30000, 0);
    snprintf(out + w, room - w, "long sent %zd echoed %zd intact %d", n, m,
             m == 20000 && same(got, 20000, (unsigned)c->id));
    free(mine);
    free(got);
    close(s);
    return 0;
}

static void echo_round(void)
{
    echo = udp(0);
    struct sockaddr_in a = at(INADDR_LOOPBACK, ECHO_PORT);
    SAY("echo bind", bind(echo, (struct sockaddr *)&a, sizeof a));
    pthread_t server, clients[3];
    struct client cs[3];
    pthread_create(&server, 0, echo_server, 0);
    for (int i = 0; i < 3; i++) {
        cs[i].id = i + 1;
        pthread_create(&clients[i], 0, client, &cs[i]);
    }
    for (int i = 0; i < 3; i++) {
        pthread_join(clients[i], 0);
        printf("%s\n", cs[i].report);
    }
    int q = udp(0);
    sendto(q, "quit", 4, 0, (struct sockaddr *)&a, sizeof a);
    void *served;
    pthread_join(server, &served);
    printf("server served %ld\n", (long)served);
    close(q);
    close(echo);
}

/* ---- message boundaries ---- */
static void boundaries(void)
{
    int a = bound(27813, 0), b = bound(27814, SOCK_NONBLOCK);
    struct sockaddr_in to = at(INADDR_LOOPBACK, 27814);
    const char *msgs[] = { "one", "two two", "three three three", "" };
    for (int i = 0; i < 4; i++)
        sendto(a, msgs[i], strlen(msgs[i]), 0, (struct sockaddr *)&to, sizeof to);
    fill(big, 10000, 7);
    sendto(a, big, 10000, 0, (struct sockaddr *)&to, sizeof to);
    int n = -1;
    ioctl(b, FIONREAD, &n);
    printf("fionread %d\n", n);
    char buf[64] = { 0 };
    SAY("peek", recv(b, buf, sizeof buf, MSG_PEEK));
    printf("peeked \"%s\"\n", buf);
    struct sockaddr_in from;
    socklen_t len = sizeof from;
    memset(buf, 0, sizeof buf);
    SAY("recvfrom short buffer", recvfrom(b, buf, 2, 0, (struct sockaddr *)&from, &len));
    printf("got \"%s\"\n", buf);
    addr("from", &from, len);
    memset(buf, 0, sizeof buf);
    struct iovec iov = { buf, 4 };
    struct sockaddr_in mname;
    struct msghdr m = { .msg_name = &mname, .msg_namelen = sizeof mname, .msg_iov = &iov, .msg_iovlen = 1 };
    SAY("recvmsg short", recvmsg(b, &m, 0));
    printf("got \"%s\" truncated %d namelen %u\n", buf, (m.msg_flags & MSG_TRUNC) != 0, (unsigned)m.msg_namelen);
    addr("msg_name", &mname, m.msg_namelen);
    SAY("recv trunc", recv(b, buf, 4, MSG_TRUNC));
    ioctl(b, FIONREAD, &n);
    struct pollfd p = { b, POLLIN, 0 };
    poll(&p, 1, 0);
    printf("zero-length next: fionread %d pollin %d\n", n, (p.revents & POLLIN) != 0);
    SAY("recv zero-length", recv(b, buf, sizeof buf, 0));
    ioctl(b, FIONREAD, &n);
    printf("fionread long %d\n", n);
    struct iovec two[2] = { { back, 6000 }, { back + 6000, 6000 } };
    struct msghdr m2 = { .msg_iov = two, .msg_iovlen = 2 };
    memset(back, 0, 12000);
    SAY("recvmsg two iovecs", recvmsg(b, &m2, 0));
    printf("intact %d truncated %d\n", same(back, 10000, 7), (m2.msg_flags & MSG_TRUNC) != 0);
    SAY("recv empty", recv(b, buf, sizeof buf, 0));
    sendto(a, "abc", 3, 0, (struct sockaddr *)&to, sizeof to);
    struct sockaddr_in tiny;
    memset(&tiny, 0xff, sizeof tiny);
    len = 4;
    SAY("recvfrom short address", recvfrom(b, buf, sizeof buf, 0, (struct sockaddr *)&tiny, &len));
    printf("address len %u family %d port %d addr byte %02x\n", (unsigned)len, tiny.sin_family, ntohs(tiny.sin_port),
           ((unsigned char *)&tiny)[4]);
    close(a);
    close(b);
}

/* ---- long datagrams ---- */
static void long_datagrams(void)
{
    int a = bound(27815, 0), b = bound(27816, SOCK_NONBLOCK);
    struct sockaddr_in to = at(INADDR_LOOPBACK, 27816);
    fill(big, BIG, 3);
    SAY("sendto 65507", sendto(a, big, BIG, 0, (struct sockaddr *)&to, sizeof to));
    memset(back, 0, sizeof back);
    SAY("recv 65507", recv(b, back, sizeof back, 0));
    printf("intact %d\n", same(back, BIG, 3));
    fill(big, 30000, 4);
    sendto(a, big, 30000, 0, (struct sockaddr *)&to, sizeof to);
    memset(back, 0, sizeof back);
    SAY("peek long", recv(b, back, sizeof back, MSG_PEEK));
    printf("intact %d\n", same(back, 30000, 4));
    memset(back, 0, sizeof back);
    SAY("recv long trunc", recv(b, back, 5000, MSG_TRUNC));
    printf("intact %d after %d\n", same(back, 5000, 4), back[5000]);
    SAY("recv empty", recv(b, back, sizeof back, 0));

    struct sockaddr_in bn = at(INADDR_LOOPBACK, 27816);
    SAY("connect", connect(a, (struct sockaddr *)&bn, sizeof bn));
    fill(big, 20000, 5);
    SAY("write 20000", write(a, big, 20000));
    memset(back, 0, sizeof back);
    SAY("read", read(b, back, sizeof back));
    printf("intact %d\n", same(back, 20000, 5));
    fill(big, 8100, 6);
    struct iovec out[3] = { { big, 100 }, { big + 100, 5000 }, { big + 5100, 3000 } };
    SAY("writev", writev(a, out, 3));
    memset(back, 0, sizeof back);
    struct iovec in[2] = { { back, 4000 }, { back + 4000, 10000 } };
    SAY("readv", readv(b, in, 2));
    printf("intact %d\n", same(back, 8100, 6));
    fill(big, 9000, 8);
    struct iovec parts[3] = { { big, 3000 }, { big + 3000, 3000 }, { big + 6000, 3000 } };
    struct msghdr m = { .msg_name = &to, .msg_namelen = sizeof to, .msg_iov = parts, .msg_iovlen = 3 };
    SAY("sendmsg", sendmsg(a, &m, 0));
    memset(back, 0, sizeof back);
    SAY("recv", recv(b, back, sizeof back, 0));
    printf("intact %d\n", same(back, 9000, 8));
    SAY("empty write", write(a, big, 0));
    SAY("empty read", read(b, back, 0));
    SAY("recv after empty write", recv(b, back, sizeof back, 0));
    SAY("empty send", send(a, big, 0, 0));
    SAY("recv after empty send", recv(b, back, sizeof back, 0));
    close(a);
    close(b);
}

/* ---- connect ---- */
static void connected(void)
{
    int c = bound(27817, SOCK_NONBLOCK), s1 = bound(27818, SOCK_NONBLOCK), s2 = bound(27819, SOCK_NONBLOCK);
    struct sockaddr_in ca = at(INADDR_LOOPBACK, 27817), a1 = at(INADDR_LOOPBACK, 27818);
    struct sockaddr_in a2 = at(INADDR_LOOPBACK, 27819);
    sendto(s2, "early", 5, 0, (struct sockaddr *)&ca, sizeof ca);
    SAY("connect", connect(c, (struct sockaddr *)&a1, sizeof a1));
    name("connected name", c, 0);
    name("connected peer", c, 1);
    SAY("other sends", sendto(s2, "late", 4, 0, (struct sockaddr *)&ca, sizeof ca));
    SAY("peer sends", sendto(s1, "peer", 4, 0, (struct sockaddr *)&ca, sizeof ca));
    for (int i = 0; i < 3; i++) {
        char buf[16] = { 0 };
        struct sockaddr_in from;
        socklen_t len = sizeof from;
        errno = 0;
        long n = recvfrom(c, buf, sizeof buf, 0, (struct sockaddr *)&from, &len);
        printf("connected recv %ld %s", n, err(n));
        if (n >= 0)
            printf(" \"%s\" from port %d", buf, ntohs(from.sin_port));
        printf("\n");
    }
    SAY("send to peer", send(c, "to peer", 7, 0));
    SAY("sendto another", sendto(c, "override", 8, 0, (struct sockaddr *)&a2, sizeof a2));
    char buf[16] = { 0 };
    struct sockaddr_in from;
    socklen_t len = sizeof from;
    SAY("peer gets", recvfrom(s1, buf, sizeof buf, 0, (struct sockaddr *)&from, &len));
    printf("\"%s\" from port %d\n", buf, ntohs(from.sin_port));
    memset(buf, 0, sizeof buf);
    SAY("other gets", recvfrom(s2, buf, sizeof buf, 0, (struct sockaddr *)&from, &len));
    printf("\"%s\" from port %d\n", buf, ntohs(from.sin_port));
    struct sockaddr unspec = { .sa_family = AF_UNSPEC };
    SAY("connect unspec", connect(c, &unspec, sizeof unspec));
    name("dissolved peer", c, 1);
    name("dissolved name", c, 0);
    sendto(s2, "after", 5, 0, (struct sockaddr *)&ca, sizeof ca);
    memset(buf, 0, sizeof buf);
    SAY("other reaches again", recv(c, buf, sizeof buf, 0));
    printf("\"%s\"\n", buf);
    SAY("send dissolved", send(c, "x", 1, 0));

    int u = udp(0);
    SAY("connect unbound", connect(u, (struct sockaddr *)&a1, sizeof a1));
    name("autobound by connect", u, 0);
    SAY("connect unspec", connect(u, &unspec, 2));
    name("unbound again", u, 0);
    struct sockaddr_in any0 = at(INADDR_ANY, 0);
    bind(u, (struct sockaddr *)&any0, sizeof any0);
    name("bound port 0", u, 0);
    connect(u, (struct sockaddr *)&a1, sizeof a1);
    name("then connected", u, 0);
    connect(u, &unspec, 2);
    name("then dissolved", u, 0);
    struct sockaddr_in host = at(INADDR_ANY, 27818);
    SAY("connect 0.0.0.0", connect(u, (struct sockaddr *)&host, sizeof host));
    name("peer of 0.0.0.0", u, 1);
    SAY("connect short", connect(u, (struct sockaddr *)&a1, 8));
    SAY("connect unspec short", connect(u, &unspec, 1));
    struct sockaddr_in fam = a1;
    fam.sin_family = AF_INET6;
    SAY("connect family", connect(u, (struct sockaddr *)&fam, sizeof fam));
    close(u);
    close(c);
    close(s1);
    close(s2);
}

/* ---- ports nobody bound, and other loopback addresses ---- */
static void unreachable(void)
{
    int s = udp(SOCK_NONBLOCK);
    struct sockaddr_in nobody = at(INADDR_LOOPBACK, 27899);
    SAY("sendto nobody", sendto(s, "x", 1, 0, (struct sockaddr *)&nobody, sizeof nobody));
    struct pollfd p = { s, POLLIN, 0 };
    SAY("poll unconnected", poll(&p, 1, 100));
    printf("error %d\n", opt(s, SO_ERROR));
    char b[4];
    SAY("recv unconnected", recv(s, b, 0, 0));

    int k = udp(SOCK_NONBLOCK);
    SAY("connect nobody", connect(k, (struct sockaddr *)&nobody, sizeof nobody));
    SAY("send", send(k, "x", 1, 0));
    p.fd = k;
    p.revents = 0;
    SAY("poll", poll(&p, 1, 1000));
    printf("revents %#x\n", p.revents);
    printf("error %d\n", opt(k, SO_ERROR));
    printf("error again %d\n", opt(k, SO_ERROR));
    SAY("send", send(k, "x", 1, 0));
    poll(&p, 1, 1000);
    SAY("recv", recv(k, b, sizeof b, 0));
    SAY("recv again", recv(k, b, sizeof b, 0));
    SAY("send", send(k, "x", 1, 0));
    poll(&p, 1, 1000);
    SAY("send after", send(k, "x", 1, 0));
    SAY("send once more", send(k, "x", 1, 0));
    poll(&p, 1, 1000);
    close(k);

    int any = udp(SOCK_NONBLOCK), one = bound(27820, SOCK_NONBLOCK);
    struct sockaddr_in ba = at(INADDR_ANY, 27821);
    bind(any, (struct sockaddr *)&ba, sizeof ba);
    struct sockaddr_in second = at(0x7f000002, 27821), second_one = at(0x7f000002, 27820);
    SAY("sendto 127.0.0.2", sendto(s, "two", 3, 0, (struct sockaddr *)&second, sizeof second));
    SAY("sendto 127.0.0.2 where 127.0.0.1 is bound",
        sendto(s, "two", 3, 0, (struct sockaddr *)&second_one, sizeof second_one));
    struct sockaddr_in from;
    socklen_t len = sizeof from;
    SAY("any-bound gets", recvfrom(any, b, sizeof b, 0, (struct sockaddr *)&from, &len));
    addr("from", &from, len);
    SAY("127.0.0.1-bound gets", recv(one, b, sizeof b, 0));
    close(any);
    close(one);
    close(s);
}

/* ---- readiness and waits ---- */
struct later {
    int ms, port;
    const char *msg;
};

static void *send_later(void *arg)
{
    struct later *l = arg;
    sleep_ms(l->ms);
    int s = udp(0);
    struct sockaddr_in to = at(INADDR_LOOPBACK, l->port);
    sendto(s, l->msg, strlen(l->msg), 0, (struct sockaddr *)&to, sizeof to);
    close(s);
    return 0;
}

static void readiness(void)
{
    int r = bound(27822, 0);
    struct pollfd p = { r, POLLIN | POLLOUT, 0 };
    SAY("poll idle", poll(&p, 1, 0));
    printf("revents %#x\n", p.revents);
    fd_set rd;
    FD_ZERO(&rd);
    FD_SET(r, &rd);
    struct timeval tv = { 0, 0 };
    SAY("select idle", select(r + 1, &rd, 0, 0, &tv));
    int ep = epoll_create1(0);
    struct epoll_event ev = { .events = EPOLLIN | EPOLLET, .data.u32 = 5 }, got[2];
    SAY("epoll add", epoll_ctl(ep, EPOLL_CTL_ADD, r, &ev));
    SAY("epoll idle", epoll_wait(ep, got, 2, 0));
    struct later l = { 50, 27822, "later" };
    pthread_t t;
    pthread_create(&t, 0, send_later, &l);
    p.events = POLLIN;
    SAY("poll waits", poll(&p, 1, -1));
    printf("revents %#x\n", p.revents);
    pthread_join(t, 0);
    int n = epoll_wait(ep, got, 2, 1000);
    printf("epoll ready %d data %u in %d\n", n, n > 0 ? got[0].data.u32 : 0, n > 0 && (got[0].events & EPOLLIN));
    SAY("epoll edge again", epoll_wait(ep, got, 2, 0));
    FD_ZERO(&rd);
    FD_SET(r, &rd);
    SAY("select ready", select(r + 1, &rd, 0, 0, &tv));
    char buf[16] = { 0 };
    SAY("recv", recv(r, buf, sizeof buf, 0));
    printf("\"%s\"\n", buf);
    struct sockaddr_in self = at(INADDR_LOOPBACK, 27822);
    sendto(r, "self", 4, 0, (struct sockaddr *)&self, sizeof self);
    SAY("epoll new datagram", epoll_wait(ep, got, 2, 1000));
    recv(r, buf, sizeof buf, 0);
    struct later l2 = { 50, 27822, "wakes" };
    pthread_create(&t, 0, send_later, &l2);
    memset(buf, 0, sizeof buf);
    struct sockaddr_in from;
    socklen_t len = sizeof from;
    SAY("blocking recvfrom", recvfrom(r, buf, sizeof buf, 0, (struct sockaddr *)&from, &len));
    printf("\"%s\"\n", buf);
    addr("from", &from, len);
    pthread_join(t, 0);
    close(ep);
    close(r);
}

/* ---- a receiver that reads nothing ---- */
static void full_queue(void)
{
    int q = bound(27823, SOCK_NONBLOCK), s = udp(SOCK_NONBLOCK);
    struct sockaddr_in to = at(INADDR_LOOPBACK, 27823);
    fill(big, 1000, 9);
    int ok = 0;
    for (int i = 0; i < 1000; i++)
        ok += sendto(s, big, 1000, 0, (struct sockaddr *)&to, sizeof to) == 1000;
    printf("%d sends ok\n", ok);
    int got = 0, whole = 1;
    ssize_t n;
    while ((n = recv(q, back, sizeof back, 0)) >= 0) {
        got++;
        whole &= n == 1000 && same(back, 1000, 9);
    }
    printf("drained with %s; some dropped %d, some kept %d, all whole %d\n", strerror(errno), got < 1000, got > 0,
           whole);
    close(q);
    close(s);
}

/* ---- signals ---- */
static volatile sig_atomic_t handled;
static void on_usr1(int sig)
{
    (void)sig;
    handled++;
}

struct blocked {
    int fd;
    volatile int done;
    long result;
    int error;
    char buf[16];
};

static void *recv_blocked(void *arg)
{
    struct blocked *b = arg;
    errno = 0;
    b->result = recv(b->fd, b->buf, sizeof b->buf - 1, 0);
    b->error = errno;
    b->done = 1;
    return 0;
}

static void signals(int restart)
{
    struct sigaction sa = { .sa_handler = on_usr1, .sa_flags = restart ? SA_RESTART : 0 };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, 0);
    handled = 0;
    struct blocked b = { .fd = bound(27824, 0) };
    pthread_t t;
    pthread_create(&t, 0, recv_blocked, &b);
    for (int i = 0; !b.done && i < 100; i++) { /* until the recv ends, or has been signalled a while */
        sleep_ms(100);
        if (!b.done)
            pthread_kill(t, SIGUSR1);
        if (restart && handled && i >= 3 && !b.done) {
            int s = udp(0);
            struct sockaddr_in to = at(INADDR_LOOPBACK, 27824);
            sendto(s, "restarted", 9, 0, (struct sockaddr *)&to, sizeof to);
            close(s);
            break;
        }
    }
    pthread_join(t, 0);
    printf("%s: recv %ld %s \"%s\" handler ran %d\n", restart ? "SA_RESTART" : "no SA_RESTART", b.result,
           b.result < 0 ? strerror(b.error) : "ok", b.result > 0 ? b.buf : "", handled > 0);
    close(b.fd);
}

/* ---- shutdown ---- */
static void shutdowns(void)
{
    int u = udp(0);
    SAY("shutdown rd unconnected", shutdown(u, SHUT_RD));
    char b[8];
    SAY("recv after", recv(u, b, sizeof b, 0));
    SAY("recv dontwait after", recv(u, b, sizeof b, MSG_DONTWAIT));
    struct pollfd p = { u, POLLIN | POLLOUT | POLLRDHUP, 0 };
    poll(&p, 1, 0);
    printf("revents %#x\n", p.revents);
    close(u);
    int s = bound(27825, SOCK_NONBLOCK), c = udp(0);
    struct sockaddr_in to = at(INADDR_LOOPBACK, 27825);
    connect(c, (struct sockaddr *)&to, sizeof to);
    SAY("shutdown wr", shutdown(c, SHUT_WR));
    SAY("send after", send(c, "x", 1, 0));
    SAY("write after", write(c, "x", 1));
    SAY("sendto after", sendto(c, "x", 1, 0, (struct sockaddr *)&to, sizeof to));
    SAY("peer got", recv(s, b, sizeof b, 0));
    SAY("shutdown rd", shutdown(c, SHUT_RD));
    p.fd = c;
    p.events = POLLIN | POLLOUT;
    poll(&p, 1, 0);
    printf("revents %#x\n", p.revents);
    close(c);
    close(s);
}

int main(void)
{
    setvbuf(stdout, 0, _IOLBF, 0);
    basics();
    echo_round();
    boundaries();
    long_datagrams();
    connected();
    unreachable();
    readiness();
    full_queue();
    signals(0);
    signals(1);
    shutdowns();
    printf("done\n");
    return 0;
}
"""


def test_inet_udp_matches_native(tmp_path):
    exe = build_musl(tmp_path, "inet-udp", SOURCE)
    work = tmp_path / "native"
    work.mkdir()
    out = check_matches_native(tmp_path, "inet-udp", exe, cwd=work, nodes=(1, 2)).decode()
    assert 'reply 19 "hELLO fROM cLIENT 2" from 127.0.0.1:27811' in out, out
    assert "long sent 20000 echoed 20000 intact 1" in out and "server served 6" in out, out
    assert "recv 65507: 65507 ok" in out and "1000 sends ok" in out, out
    assert "revents 0x8" in out and "error 111" in out, out
    assert "no SA_RESTART: recv -1 Interrupted system call" in out, out
    assert 'SA_RESTART: recv 9 ok "restarted" handler ran 1' in out, out
    check_matches_native(tmp_path, "inet-udp", exe, cwd=work, nodes=(4,), options=("--nic", "e1000"))
