# SPDX-License-Identifier: MIT
"""AF_INET SOCK_STREAM sockets over loopback (kernel/sys_socket.c, kernel/files_socket.c),
splice(2) (kernel/files_splice.c) and epoll on a listening socket, each against the native
run on 1 and 2 nodes.
- Loopback TCP: an unbound socket's name (0.0.0.0 port 0) and SO_PROTOCOL, bind to
  127.0.0.1:port and to port 0 (an ephemeral one), EADDRINUSE for a
  port taken, EADDRNOTAVAIL for an address that is not this host's, listen, SO_DOMAIN,
  TCP_NODELAY, a server thread (on node 1 with 2 nodes) echoing a client's bytes, the names
  both ends see, ECONNREFUSED with no listener, EINVAL for a short address. Before, socket
  (AF_INET) was EAFNOSUPPORT. (No connect leaves for another address here: natively it would
  reach the host's network.)
- splice between a socket and a pipe both ways, EAGAIN with SPLICE_F_NONBLOCK, EINVAL without
  a pipe or with unknown flags, ESPIPE for a pipe's offset, 0 at end of file (Go's io.Copy
  between TCP connections uses it; it was ENOSYS).
- An AF_UNIX listening socket in an edge-triggered epoll: nothing while none connects, then
  the connection once. This crashed the kernel (a NULL ring in files_epoll_ready).
- "localhost" through musl's getaddrinfo (the kernel's /etc/hosts), for a server and a client."""
from dsmkpy.testing import check_source_matches_native

INET_SOURCE = r"""
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const char *err(int r)
{
    return r >= 0 ? "ok" : strerror(errno);
}

static void show(const char *what, int fd, int peer)
{
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    int r = peer ? getpeername(fd, (struct sockaddr *)&a, &len) : getsockname(fd, (struct sockaddr *)&a, &len);
    if (r < 0) {
        printf("%s: %s\n", what, err(r));
        return;
    }
    char ip[32];
    inet_ntop(AF_INET, &a.sin_addr, ip, sizeof ip);
    int port = ntohs(a.sin_port);
    printf("%s: family %d len %u %s port %s\n", what, a.sin_family, (unsigned)len, ip,
           port == 0 ? "0" : port == 47801 ? "47801" : port >= 32768 && port <= 60999 ? "ephemeral" : "other");
}

static int listener;

static void *server(void *arg)
{
    (void)arg;
    struct sockaddr_in peer;
    socklen_t len = sizeof peer;
    int c = accept(listener, (struct sockaddr *)&peer, &len);
    if (c < 0) {
        printf("accept %s\n", err(c));
        return 0;
    }
    char buf[64];
    long total = 0;
    ssize_t n;
    while ((n = read(c, buf, sizeof buf)) > 0) {
        total += n;
        for (ssize_t i = 0; i < n; i++)
            if ((buf[i] | 0x20) >= 'a' && (buf[i] | 0x20) <= 'z')
                buf[i] ^= 0x20; /* swap the letters' case */
        write(c, buf, (size_t)n);
    }
    close(c);
    return (void *)total;
}

int main(void)
{
    listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    printf("socket %s\n", err(listener));
    int one = 1;
    printf("reuseaddr %s\n", err(setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one)));
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(47801), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    printf("bind %s\n", err(bind(listener, (struct sockaddr *)&a, sizeof a)));
    show("listener name", listener, 0);
    printf("listen %s\n", err(listen(listener, 8)));
    int domain = 0;
    socklen_t dl = sizeof domain;
    getsockopt(listener, SOL_SOCKET, SO_DOMAIN, &domain, &dl);
    printf("domain inet %d\n", domain == AF_INET);

    int second = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    show("unbound name", second, 0);
    int proto = 0;
    socklen_t pl = sizeof proto;
    getsockopt(second, SOL_SOCKET, SO_PROTOCOL, &proto, &pl);
    printf("protocol tcp %d\n", proto == IPPROTO_TCP);
    printf("bind taken port %s\n", err(bind(second, (struct sockaddr *)&a, sizeof a)));
    struct sockaddr_in remote = { .sin_family = AF_INET, .sin_port = htons(80), .sin_addr.s_addr = htonl(0x0a000001) };
    printf("bind elsewhere %s\n", err(bind(second, (struct sockaddr *)&remote, sizeof remote)));
    struct sockaddr_in eph = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_ANY) };
    printf("bind port 0 %s\n", err(bind(second, (struct sockaddr *)&eph, sizeof eph)));
    show("port 0 name", second, 0);
    close(second);

    pthread_t t;
    pthread_create(&t, 0, server, 0);
    int c = socket(AF_INET, SOCK_STREAM, 0);
    printf("nodelay %s\n", err(setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one)));
    printf("connect %s\n", err(connect(c, (struct sockaddr *)&a, sizeof a)));
    show("client name", c, 0);
    show("client peer", c, 1);
    const char *msg = "Hello Over Loopback";
    write(c, msg, strlen(msg));
    char back[64] = { 0 };
    size_t got = 0;
    while (got < strlen(msg)) {
        ssize_t n = read(c, back + got, sizeof back - 1 - got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    printf("echo \"%s\"\n", back);
    shutdown(c, SHUT_WR);
    void *total;
    pthread_join(t, &total);
    printf("server saw %ld bytes\n", (long)total);
    close(c);

    int r = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in closed = { .sin_family = AF_INET, .sin_port = htons(47802), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    printf("connect refused %s\n", err(connect(r, (struct sockaddr *)&closed, sizeof closed)));
    printf("connect short %s\n", err(connect(r, (struct sockaddr *)&a, 8)));
    close(listener);
    printf("connect after close %s\n", err(connect(r, (struct sockaddr *)&a, sizeof a)));
    return 0;
}
"""

SPLICE_SOURCE = r"""
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static const char *err(long r)
{
    return r >= 0 ? "ok" : strerror(errno);
}

static int listener;
static void *connector(void *arg)
{
    (void)arg;
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    strcpy(a.sun_path + 1, "splice-test");
    connect(s, (struct sockaddr *)&a, sizeof(sa_family_t) + 1 + strlen("splice-test"));
    return (void *)(long)s;
}

int main(void)
{
    /* epoll on a listening socket: nothing, then the connection */
    listener = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    strcpy(a.sun_path + 1, "splice-test");
    bind(listener, (struct sockaddr *)&a, sizeof(sa_family_t) + 1 + strlen("splice-test"));
    listen(listener, 4);
    int ep = epoll_create1(0);
    struct epoll_event ev = { .events = EPOLLIN | EPOLLET, .data.u32 = 7 };
    printf("epoll add listener %s\n", err(epoll_ctl(ep, EPOLL_CTL_ADD, listener, &ev)));
    struct epoll_event got[4];
    printf("wait idle %d\n", epoll_wait(ep, got, 4, 10));
    pthread_t t;
    pthread_create(&t, 0, connector, 0);
    void *client;
    pthread_join(t, &client);
    int n = epoll_wait(ep, got, 4, 1000);
    printf("wait connection %d data %u in %d\n", n, n > 0 ? got[0].data.u32 : 0, n > 0 && (got[0].events & EPOLLIN));
    printf("edge again %d\n", epoll_wait(ep, got, 4, 10));
    int server = accept4(listener, 0, 0, 0);
    printf("accept %s\n", err(server));

    /* splice: socket -> pipe -> socket */
    int p[2];
    pipe(p);
    const char *msg = "spliced through a pipe";
    write((int)(long)client, msg, strlen(msg));
    ssize_t in = splice(server, 0, p[1], 0, 4096, SPLICE_F_MOVE);
    printf("splice socket to pipe %zd\n", in);
    ssize_t out = splice(p[0], 0, server, 0, (size_t)in, 0);
    printf("splice pipe to socket %zd\n", out);
    char buf[64] = { 0 };
    read((int)(long)client, buf, sizeof buf - 1);
    printf("back \"%s\"\n", buf);
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    printf("splice empty nonblocking %s\n", err(splice(p[0], 0, server, 0, 16, SPLICE_F_NONBLOCK)));
    printf("splice no pipe %s\n", err(splice(server, 0, (int)(long)client, 0, 16, 0)));
    loff_t off = 0;
    printf("splice pipe offset %s\n", err(splice(p[0], &off, server, 0, 16, 0)));
    printf("splice bad flags %s\n", err(splice(p[0], 0, server, 0, 16, 0x100)));
    close((int)(long)client);
    printf("splice at end of file %zd\n", splice(server, 0, p[1], 0, 16, 0));
    return 0;
}
"""


LOCALHOST_SOURCE = r"""
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
static int srv;
static void *server(void *a) { (void)a; int c = accept(srv, 0, 0); write(c, "hi from localhost", 17); close(c); return 0; }
int main(void)
{
    struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM }, *res;
    int r = getaddrinfo("localhost", "0", &hints, &res);
    if (r) { printf("getaddrinfo: %s\n", gai_strerror(r)); return 1; }
    char ip[32];
    inet_ntop(AF_INET, &((struct sockaddr_in *)res->ai_addr)->sin_addr, ip, sizeof ip);
    printf("localhost is %s\n", ip);
    srv = socket(AF_INET, SOCK_STREAM, 0);
    bind(srv, res->ai_addr, res->ai_addrlen);
    listen(srv, 1);
    struct sockaddr_in a; socklen_t l = sizeof a;
    getsockname(srv, (struct sockaddr *)&a, &l);
    pthread_t t; pthread_create(&t, 0, server, 0);
    char port[16]; snprintf(port, sizeof port, "%d", ntohs(a.sin_port));
    struct addrinfo *to;
    getaddrinfo("localhost", port, &hints, &to);
    int c = socket(AF_INET, SOCK_STREAM, 0);
    printf("connect %d\n", connect(c, to->ai_addr, to->ai_addrlen));
    char buf[32] = { 0 }; read(c, buf, sizeof buf - 1);
    printf("read \"%s\"\n", buf);
    pthread_join(t, 0);
    return 0;
}
"""


def test_inet_loopback_matches_native(tmp_path):
    out = check_source_matches_native(tmp_path, "inet-loopback", INET_SOURCE)
    assert 'echo "hELLO oVER lOOPBACK"' in out and "server saw 19 bytes" in out, out


def test_splice_and_epoll_on_a_listener_match_native(tmp_path):
    out = check_source_matches_native(tmp_path, "splice-epoll", SPLICE_SOURCE)
    assert "wait connection 1 data 7 in 1" in out and 'back "spliced through a pipe"' in out, out


def test_localhost_resolves_matches_native(tmp_path):
    out = check_source_matches_native(tmp_path, "localhost", LOCALHOST_SOURCE)
    assert "localhost is 127.0.0.1" in out and 'read "hi from localhost"' in out, out
