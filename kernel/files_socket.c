/* SPDX-License-Identifier: MIT */
/* socketpair(AF_UNIX, ...): two connected sockets, each direction a pipe ring
 * (kernel/pipe.h) that one end sends into and the other receives from. Each end is a
 * description of the table (kernel/files_internal.h), so threads on any node share it, and
 * a receive or send that must wait queues like a pipe's. shutdown(SHUT_WR) or the last
 * close of an end is its pipe's last writer going; shutdown(SHUT_RD) or that close is the
 * other pipe's last reader going (the peer's sends get EPIPE).
 * SOCK_STREAM moves bytes: the peer reads end of file once the sender is gone.
 * SOCK_SEQPACKET and SOCK_DGRAM move messages, each kept in the ring behind its length
 * (FILES_SOCKET_HEADER): a receive takes one message (the part past the buffer is dropped),
 * and a message is at most FILES_SOCKET_MSG_MAX bytes (EMSGSIZE; Linux's limit is the send
 * buffer). SOCK_SEQPACKET ends as a stream does; SOCK_DGRAM has no end of file (a receive
 * waits on, as Linux's does) and a send to a closed peer is ECONNREFUSED once, then
 * ENOTCONN (a peer that shut down both ways counts as closed here).
 * Named sockets (socket, bind, listen, connect, accept) are SOCK_STREAM and SOCK_SEQPACKET:
 * a name is a socket node of the store at a path (unlink removes it) or an abstract one; a
 * connect to a listener makes the pair at once and queues the listener's end, which accept
 * hands out (a connect to a full backlog waits for room, or is EAGAIN with O_NONBLOCK). A socket that binds
 * the family alone gets an abstract name of five hex digits (autobind).
 * AF_INET SOCK_STREAM sockets are the same streams between the program's own threads: a
 * name is a loopback address and a port (kernel/files.h), a port taken by either address
 * is taken (no SO_REUSEPORT), port 0 and a connect or listen of an unbound socket take a
 * free one from Linux's ephemeral range, and an accepted socket is named by the address
 * its peer connected to. There is no network beyond the program. AF_INET SOCK_DGRAM
 * sockets (UDP) are kernel/files_udp.c's: their ports are a space apart from TCP's, as on
 * Linux, and each keeps a queue of datagrams rather than rings.
 * Not done: named AF_UNIX SOCK_DGRAM sockets, passing descriptors (SCM_RIGHTS), and telling
 * an AF_UNIX receiver that its buffer cut a message short (MSG_TRUNC). */
#include "kernel/file_store.h"
#include "kernel/files_internal.h"
#include "kernel/files_stage.h"
#include "kernel/format.h"
#include "kernel/libc.h"
#include "kernel/linux_abi.h"
#include "kernel/mm.h"
#include "kernel/pipe.h"

#define FILES_SOCKETPAIR_FLAGS (LINUX_O_CLOEXEC | LINUX_O_NONBLOCK) /* SOCK_CLOEXEC, SOCK_NONBLOCK */
#define FILES_SOCK_STREAM 1 /* include/linux/net.h */
#define FILES_SOCK_DGRAM 2
#define FILES_SOCK_SEQPACKET 5
#define FILES_SOCKET_HEADER sizeof(uint32_t) /* a message's length, before its bytes */
#define FILES_SOCKET_PORT_FIRST 32768 /* ip_local_port_range's default: the ports bind(0) picks */
#define FILES_SOCKET_PORT_LAST 60999
#define FILES_SOCKET_INET_PORT_AT 4   /* the port's place in an inet name (after the address) */

/* A received or peeked message with its header (one receive at a time: IF=0, one CPU). */
static uint8_t files_socket_scratch[FILES_SOCKET_HEADER + FILES_SOCKET_MSG_MAX];
/* What a RECVFROM of a socket other than UDP received (one at a time, as the scratch). */
static uint8_t files_socket_received[FILES_XFER_MAX];
#define FILES_SHUT_RD 0 /* shutdown(2) */
#define FILES_SHUT_WR 1
#define FILES_SHUT_RDWR 2

/* Connects a and b (sockets of one type, unconnected) with a ring each way: 0, or -ENOMEM. */
static int64_t files_socket_join(struct file_desc *a, struct file_desc *b)
{
    struct pipe *ab = files_pipe_new();
    struct pipe *ba = ab ? files_pipe_new() : NULL;
    if (!ba) {
        if (ab)
            files_pipe_free(ab);
        return -LINUX_ENOMEM;
    }
    a->pipe_out = b->pipe = ab;
    b->pipe_out = a->pipe = ba;
    return 0;
}

int64_t files_socketpair(uint64_t flags, uint64_t type, void *data, size_t *data_len)
{
    if ((flags & ~(uint64_t)FILES_SOCKETPAIR_FLAGS) ||
        (type != FILES_SOCK_STREAM && type != FILES_SOCK_DGRAM && type != FILES_SOCK_SEQPACKET))
        return -LINUX_EINVAL;
    int fds[2];
    int bad = files_two_free(fds);
    if (bad)
        return bad;
    uint32_t status = LINUX_O_RDWR | ((uint32_t)flags & LINUX_O_NONBLOCK);
    struct file_desc *a = files_desc_new(FILE_KIND_SOCKET, status);
    struct file_desc *b = a ? files_desc_new(FILE_KIND_SOCKET, status) : NULL;
    int64_t joined = b ? files_socket_join(a, b) : -LINUX_ENFILE;
    if (joined) {
        if (a)
            a->refs = 0;
        if (b)
            b->refs = 0;
        return joined;
    }
    a->sock_type = b->sock_type = (uint8_t)type;
    return files_install_pair(fds, a, b, (flags & LINUX_O_CLOEXEC) != 0, data, data_len);
}

/* ---- named sockets ---- */

int64_t files_socket_create(uint64_t flags, uint64_t type)
{
    bool inet = (type & FILES_SOCKET_INET) != 0;
    type &= ~(uint64_t)FILES_SOCKET_INET;
    bool udp = inet && type == FILES_SOCK_DGRAM;
    if ((flags & ~(uint64_t)FILES_SOCKETPAIR_FLAGS) ||
        (!udp && type != FILES_SOCK_STREAM && type != FILES_SOCK_SEQPACKET) ||
        (inet && !udp && type != FILES_SOCK_STREAM))
        return -LINUX_EINVAL;
    int fd = files_lowest_free(0);
    if (fd < 0)
        return fd;
    struct file_desc *d = files_desc_new(FILE_KIND_SOCKET, LINUX_O_RDWR | ((uint32_t)flags & LINUX_O_NONBLOCK));
    if (!d)
        return -LINUX_ENFILE;
    d->sock_type = (uint8_t)type;
    d->sock_inet = inet;
    if (udp && files_udp_create(d)) {
        d->refs = 0;
        return -LINUX_ENOMEM;
    }
    files_fd_install(fd, d, (flags & LINUX_O_CLOEXEC) != 0);
    return fd;
}

/* The socket descriptor fd names, or NULL with *err. */
static struct file_desc *files_socket_of(uint64_t fd, int64_t *err)
{
    struct file_desc *d = fd < FILES_MAX_FDS ? files_fds[fd].desc : NULL;
    *err = !d ? -LINUX_EBADF : d->kind != FILE_KIND_SOCKET ? -LINUX_ENOTSOCK : 0;
    return *err ? NULL : d;
}

int64_t files_socket_bindable(uint64_t fd)
{
    int64_t err;
    struct file_desc *d = files_socket_of(fd, &err);
    return !d ? err : (d->sock_name || d->pipe) ? -LINUX_EINVAL : 0;
}

/* A name of len bytes (AF_INET's, or AF_UNIX's abstract or not) as a new struct
 * files_sock_addr; NULL: no memory. */
static struct files_sock_addr *files_socket_name_new(bool inet, bool abstract, const char *name, size_t len)
{
    struct files_sock_addr *a = kzalloc(sizeof *a);
    if (a) {
        a->inet = inet;
        a->abstract = abstract;
        a->len = (uint8_t)len;
        memcpy(a->name, name, len);
    }
    return a;
}

static struct files_sock_addr *files_socket_name_copy(const struct files_sock_addr *a)
{
    return files_socket_name_new(a->inet, a->abstract, a->name, a->len);
}

int64_t files_socket_bind_node(uint64_t fd, struct file_node *n, const char *name, size_t len)
{
    int64_t err;
    struct file_desc *d = files_socket_of(fd, &err);
    if (!d || !n)
        return d ? -LINUX_ENOENT : err;
    if (!(d->sock_name = files_socket_name_new(false, false, name, len)))
        return -LINUX_ENOMEM;
    d->sock_node = n;
    file_store_hold(n);
    return 0;
}

/* Whether d is a socket named name: an abstract AF_UNIX name of len bytes, or (inet) an
 * AF_INET name with the same port in the port space of type (SOCK_STREAM or SOCK_DGRAM). */
static bool files_socket_named(const struct file_desc *d, bool inet, uint8_t type, const char *name, size_t len)
{
    if (!d->refs || d->kind != FILE_KIND_SOCKET || !d->sock_name || d->sock_name->inet != inet)
        return false;
    const struct files_sock_addr *a = d->sock_name;
    if (inet)
        return d->sock_type == type &&
               memcmp(a->name + FILES_SOCKET_INET_PORT_AT, name + FILES_SOCKET_INET_PORT_AT, sizeof(uint16_t)) == 0;
    return a->abstract && a->len == len && memcmp(a->name, name, len) == 0;
}

static bool files_socket_name_taken(bool inet, uint8_t type, const char *name, size_t len)
{
    for (size_t i = 0; i < FILES_DESCS_MAX; i++)
        if (files_socket_named(&files_descs[i], inet, type, name, len))
            return true;
    return false;
}

static int64_t files_socket_bind_abstract(struct file_desc *d, const struct files_call *c)
{
    if (c->len >= FILES_SOCK_NAME_MAX)
        return -LINUX_EINVAL;
    if (d->sock_name || d->pipe)
        return -LINUX_EINVAL;
    if (files_socket_name_taken(false, 0, (const char *)c->in, c->len))
        return -LINUX_EADDRINUSE;
    return (d->sock_name = files_socket_name_new(false, true, (const char *)c->in, c->len)) ? 0 : -LINUX_ENOMEM;
}

/* inet_csk_get_port, udp_lib_get_port. */
int64_t files_socket_bind_inet(struct file_desc *d, const uint8_t addr[FILES_SOCK_INET_LEN])
{
    static uint32_t next;
    if (d->sock_name || d->pipe)
        return -LINUX_EINVAL;
    char name[FILES_SOCK_INET_LEN];
    memcpy(name, addr, sizeof name);
    bool pick = name[FILES_SOCKET_INET_PORT_AT] == 0 && name[FILES_SOCKET_INET_PORT_AT + 1] == 0;
    uint32_t span = FILES_SOCKET_PORT_LAST - FILES_SOCKET_PORT_FIRST + 1;
    for (uint32_t tries = 0; tries < (pick ? span : 1); tries++) {
        if (pick) {
            uint16_t port = (uint16_t)(FILES_SOCKET_PORT_FIRST + next++ % span);
            name[FILES_SOCKET_INET_PORT_AT] = (char)(port >> 8); /* network order */
            name[FILES_SOCKET_INET_PORT_AT + 1] = (char)port;
        }
        if (!files_socket_name_taken(true, d->sock_type, name, sizeof name))
            return (d->sock_name = files_socket_name_new(true, false, name, sizeof name)) ? 0 : -LINUX_ENOMEM;
    }
    return -LINUX_EADDRINUSE;
}

#define FILES_SOCKET_AUTOBIND_LEN 5          /* unix_autobind: five hex digits */
#define FILES_SOCKET_AUTOBIND_NAMES 0xfffffu /* ... so this many names */

/* unix_autobind: a socket that binds an address with no name gets a free abstract name of
 * five hex digits. 0, -EINVAL (bound or connected), -EADDRINUSE. */
static int64_t files_socket_autobind(struct file_desc *d)
{
    static uint32_t next;
    if (d->sock_name || d->pipe)
        return -LINUX_EINVAL;
    char name[FILES_SOCKET_AUTOBIND_LEN + 1];
    for (uint32_t tries = 0; tries <= FILES_SOCKET_AUTOBIND_NAMES; tries++) {
        next = (next + 1) & FILES_SOCKET_AUTOBIND_NAMES;
        fmt_snprintf(name, sizeof name, "%05x", next);
        if (!files_socket_name_taken(false, 0, name, FILES_SOCKET_AUTOBIND_LEN))
            return (d->sock_name = files_socket_name_new(false, true, name, FILES_SOCKET_AUTOBIND_LEN)) ? 0
                                                                                                  : -LINUX_ENOMEM;
    }
    return -LINUX_EADDRINUSE;
}

/* The listener bound to node n, or to name (inet: an AF_INET one): NULL when none listens. */
static struct file_desc *files_socket_listener(const struct file_node *n, bool inet, const char *name, size_t len)
{
    for (size_t i = 0; i < FILES_DESCS_MAX; i++) {
        struct file_desc *l = &files_descs[i];
        if (!l->refs || l->kind != FILE_KIND_SOCKET || !l->listening)
            continue;
        if (n ? l->sock_node == n : files_socket_named(l, inet, FILES_SOCK_STREAM, name, len))
            return l;
    }
    return NULL;
}

/* The loopback address an unbound AF_INET socket connects from (127.0.0.1, network order),
 * its port 0: a free one. */
static const uint8_t files_socket_inet_loopback[FILES_SOCK_INET_LEN] = { 127, 0, 0, 1, 0, 0 };

/* Connects socket d to the listener at node n or name (inet: AF_INET name, which the peer
 * connected to: the accepted socket's name and d's peer). */
static int64_t files_socket_connect(struct file_desc *d, const struct file_node *n, bool inet, const char *name,
                                    size_t len)
{
    if (d->pipe || d->listening)
        return d->pipe ? -LINUX_EISCONN : -LINUX_EINVAL;
    struct file_desc *l = files_socket_listener(n, inet, name, len);
    if (!l || l->sock_type != d->sock_type || l->sock_inet != d->sock_inet)
        return -LINUX_ECONNREFUSED;
    if (inet && !d->sock_name) { /* inet_autobind: the connecting end takes a free port */
        int64_t bad = files_socket_bind_inet(d, files_socket_inet_loopback);
        if (bad)
            return bad;
    }
    if (l->pending > l->backlog) /* unix_recvq_full; a blocking connect waits for an accept to make room */
        return (d->status & LINUX_O_NONBLOCK) ? -LINUX_EAGAIN : FILES_WOULD_BLOCK;
    struct file_desc *server = files_desc_new(FILE_KIND_SOCKET, LINUX_O_RDWR);
    if (!server)
        return -LINUX_ENFILE;
    server->sock_type = d->sock_type;
    server->sock_inet = d->sock_inet;
    struct files_sock_addr *peer = inet ? files_socket_name_new(true, false, name, len) : files_socket_name_copy(l->sock_name);
    struct files_sock_addr *local = inet ? files_socket_name_copy(peer) : NULL;
    int64_t joined = peer && (local || !inet) ? files_socket_join(d, server) : -LINUX_ENOMEM;
    if (joined) {
        kfree(peer);
        kfree(local);
        server->refs = 0;
        return joined;
    }
    d->sock_peer = peer;
    server->sock_name = local;
    if (d->sock_name) /* the listener's end knows who connected */
        server->sock_peer = files_socket_name_copy(d->sock_name);
    server->pending_next = NULL;
    if (l->pending_tail)
        l->pending_tail->pending_next = server;
    else
        l->pending_head = server;
    l->pending_tail = server;
    l->pending++;
    l->connects++;
    files_changed = true; /* an accept waiting on the listener goes on */
    return 0;
}

int64_t files_socket_connect_to(uint64_t fd, struct file_node *n, const char *name, size_t len)
{
    int64_t err;
    struct file_desc *d = files_socket_of(fd, &err);
    return d ? files_socket_connect(d, n, false, name, len) : err;
}

/* listen's backlog at most (a negative one too: unsigned, as Linux takes it); SOMAXCONN
 * before Linux 5.4. As unix_recvq_full, a listener holds one connection more than this. */
#define FILES_SOCKET_BACKLOG_MAX 128

int64_t files_socket_accept(struct file_desc *d, const struct files_call *c, void *data, size_t *data_len)
{
    if (!d->listening)
        return -LINUX_EINVAL;
    if ((c->arg & ~(uint64_t)FILES_SOCKETPAIR_FLAGS))
        return -LINUX_EINVAL;
    if (!d->pending_head)
        return (d->status & LINUX_O_NONBLOCK) ? -LINUX_EAGAIN : FILES_WOULD_BLOCK;
    int fd = files_lowest_free(0);
    if (fd < 0)
        return fd;
    struct file_desc *s = d->pending_head;
    d->pending_head = s->pending_next;
    if (!d->pending_head)
        d->pending_tail = NULL;
    d->pending--;
    files_changed = true; /* a connect waiting for room goes on */
    s->pending_next = NULL;
    s->status = LINUX_O_RDWR | ((uint32_t)c->arg & LINUX_O_NONBLOCK);
    struct files_sock_addr peer = { 0 };
    if (s->sock_peer)
        peer = *s->sock_peer;
    memcpy(data, &peer, sizeof peer);
    *data_len = sizeof peer;
    files_fd_install(fd, s, (c->arg & LINUX_O_CLOEXEC) != 0);
    return fd;
}

int64_t files_socket_call(struct file_desc *d, const struct files_call *c, void *data, size_t *data_len)
{
    if (d->kind != FILE_KIND_SOCKET)
        return -LINUX_ENOTSOCK;
    switch (c->op) {
    case FILES_OP_BIND_ABSTRACT:
    case FILES_OP_CONNECT_ABSTRACT: {
        if (c->arg == FILES_SOCK_INET_UNSPEC) /* a datagram socket's connect to AF_UNSPEC */
            return d->udp && c->op == FILES_OP_CONNECT_ABSTRACT ? files_udp_connect(d, NULL) : -LINUX_EINVAL;
        bool inet = c->arg == FILES_SOCK_INET_NAME;
        if (inet != d->sock_inet || (inet ? c->len != FILES_SOCK_INET_LEN : c->len >= FILES_SOCK_NAME_MAX) ||
            c->arg > FILES_SOCK_INET_NAME || (c->arg == FILES_SOCK_AUTOBIND && c->op != FILES_OP_BIND_ABSTRACT))
            return -LINUX_EINVAL;
        if (d->udp)
            return c->op == FILES_OP_CONNECT_ABSTRACT ? files_udp_connect(d, c->in) : files_udp_bind(d, c->in);
        if (c->op == FILES_OP_CONNECT_ABSTRACT)
            return files_socket_connect(d, NULL, inet, (const char *)c->in, c->len);
        return inet ? files_socket_bind_inet(d, c->in)
               : c->arg == FILES_SOCK_AUTOBIND ? files_socket_autobind(d) /* the family alone */
                                               : files_socket_bind_abstract(d, c);
    }
    case FILES_OP_LISTEN:
        if (d->udp)
            return -LINUX_EOPNOTSUPP; /* inet_dgram_ops: sock_no_listen */
        if (d->pipe)
            return -LINUX_EINVAL; /* a connected socket cannot listen */
        if (d->sock_inet && !d->sock_name) { /* inet_autobind: 0.0.0.0 and a free port */
            static const uint8_t any[FILES_SOCK_INET_LEN];
            int64_t bad = files_socket_bind_inet(d, any);
            if (bad)
                return bad;
        }
        if (!d->sock_name)
            return -LINUX_EINVAL; /* unix_listen: no listening on an unbound socket */
        d->listening = true;
        d->backlog = (uint32_t)c->arg > FILES_SOCKET_BACKLOG_MAX ? FILES_SOCKET_BACKLOG_MAX : (uint16_t)c->arg;
        return 0;
    case FILES_OP_ACCEPT:
        return d->udp ? -LINUX_EOPNOTSUPP : files_socket_accept(d, c, data, data_len);
    case FILES_OP_SOCKNAME: {
        const struct files_sock_addr *a = c->arg ? d->sock_peer : d->sock_name;
        if (c->arg && !(d->udp ? d->sock_peer != NULL : d->pipe != NULL))
            return -LINUX_ENOTCONN;
        struct files_sock_addr out = { .inet = d->sock_inet, .len = d->sock_inet ? FILES_SOCK_INET_LEN : 0 };
        if (a) /* else unnamed: AF_UNIX's family alone, AF_INET's 0.0.0.0 port 0 */
            out = *a;
        memcpy(data, &out, sizeof out);
        *data_len = sizeof out;
        return 0;
    }
    default:
        return -LINUX_EINVAL;
    }
}

/* One message into data, at most c->len bytes of it (the rest is dropped unless peeking). */
static int64_t files_socket_recv_message(struct file_desc *d, const struct files_call *c, void *data, size_t *data_len)
{
    struct pipe *in = d->pipe;
    uint32_t len;
    pipe_peek(in, &len, sizeof len);
    size_t n = len < c->len ? len : c->len;
    if (c->flags & FILES_CALL_PEEK) {
        pipe_peek(in, files_socket_scratch, FILES_SOCKET_HEADER + n);
    } else {
        pipe_take(in, files_socket_scratch, FILES_SOCKET_HEADER + len);
        files_changed = true; /* a sender waiting for room may go on */
    }
    memcpy(data, files_socket_scratch + FILES_SOCKET_HEADER, n);
    *data_len = n;
    return (int64_t)n;
}

/* A receive of up to c->len bytes (a stream's: what is there; a message socket's: one
 * message); 0 at end of file (this end shut receiving, or for a stream or SEQPACKET the
 * peer shut sending or closed); else EAGAIN, 0 (FILES_CALL_NO_WAIT) or a wait. */
int64_t files_socket_recv(struct file_desc *d, const struct files_call *c, void *data, size_t *data_len)
{
    if (d->udp)
        return files_udp_recv(d, c, data, data_len);
    struct pipe *in = d->pipe;
    if (!in) /* not connected: unix_stream_read_generic's and unix_seqpacket_recvmsg's answers */
        return d->sock_type == FILES_SOCK_STREAM ? -LINUX_EINVAL : -LINUX_ENOTCONN;
    bool stream = d->sock_type == FILES_SOCK_STREAM;
    if (c->len == 0 && stream)
        return 0;
    if (in->count == 0) {
        if (d->shut_rd || (in->writers == 0 && d->sock_type != FILES_SOCK_DGRAM))
            return 0;
        if ((d->status & LINUX_O_NONBLOCK) || (c->flags & FILES_CALL_NONBLOCK))
            return -LINUX_EAGAIN;
        return (c->flags & FILES_CALL_NO_WAIT) ? 0 : FILES_WOULD_BLOCK;
    }
    if (!stream)
        return files_socket_recv_message(d, c, data, data_len);
    if (c->flags & FILES_CALL_PEEK) {
        *data_len = pipe_peek(in, data, c->len);
        return (int64_t)*data_len;
    }
    *data_len = pipe_take(in, data, c->len);
    files_changed = true; /* a sender waiting for room may go on */
    return (int64_t)*data_len;
}

/* Why a send cannot go at all: EPIPE once this end shut sending or the peer shut receiving
 * or closed; for SOCK_DGRAM and a closed peer, ECONNREFUSED once, then ENOTCONN. 0: it can. */
static int64_t files_socket_send_refused(struct file_desc *d)
{
    if (d->shut_wr)
        return -LINUX_EPIPE;
    if (d->pipe_out->readers)
        return 0;
    if (d->sock_type != FILES_SOCK_DGRAM || d->pipe->writers)
        return -LINUX_EPIPE;
    if (d->peer_gone_told)
        return -LINUX_ENOTCONN;
    d->peer_gone_told = true;
    return -LINUX_ECONNREFUSED;
}

/* A send of c->len (<= FILES_XFER_MAX) bytes. A stream's: a blocking one waits for room for
 * all of them (a blocking stream send returns only when everything went), a non-blocking
 * one sends what fits (EAGAIN when nothing does), as Linux's do. A message socket's: the
 * whole message or nothing (EMSGSIZE past FILES_SOCKET_MSG_MAX or split over calls). */
int64_t files_socket_send(struct file_desc *d, const struct files_call *c)
{
    if (d->udp)
        return files_udp_send(d, c);
    struct pipe *out = d->pipe_out;
    if (!out)
        return -LINUX_ENOTCONN;
    bool stream = d->sock_type == FILES_SOCK_STREAM;
    if (c->len == 0 && stream)
        return 0;
    if (!stream && (c->len > FILES_SOCKET_MSG_MAX || (c->flags & FILES_CALL_MORE)))
        return -LINUX_EMSGSIZE;
    int64_t refused = files_socket_send_refused(d);
    if (refused)
        return refused;
    bool nonblock = (d->status & LINUX_O_NONBLOCK) || (c->flags & FILES_CALL_NONBLOCK);
    size_t need = stream ? (nonblock ? 1 : c->len) : FILES_SOCKET_HEADER + c->len;
    if (pipe_free(out) < need)
        return nonblock ? -LINUX_EAGAIN : FILES_WOULD_BLOCK;
    if (!stream) {
        uint32_t len = c->len;
        pipe_put(out, &len, sizeof len);
    }
    size_t n = pipe_put(out, c->in, c->len);
    files_changed = true; /* a receiver waiting for bytes may go on */
    return (int64_t)n;
}

int64_t files_socket_shutdown(struct file_desc *d, uint64_t how)
{
    if (d->kind != FILE_KIND_SOCKET)
        return -LINUX_ENOTSOCK;
    if (how > FILES_SHUT_RDWR)
        return -LINUX_EINVAL;
    if (d->udp)
        return files_udp_shutdown(d, how);
    if (!d->pipe)
        return -LINUX_ENOTCONN;
    if (how != FILES_SHUT_WR && !d->shut_rd) {
        d->shut_rd = true;
        files_pipe_drop_end(d->pipe, true);
    }
    if (how != FILES_SHUT_RD && !d->shut_wr) {
        d->shut_wr = true;
        files_pipe_drop_end(d->pipe_out, false);
    }
    return 0;
}

void files_socket_release(struct file_desc *d)
{
    if (d->udp)
        files_udp_release(d);
    while (d->pending_head) { /* connections never accepted: their peers see the end */
        struct file_desc *s = d->pending_head;
        d->pending_head = s->pending_next;
        s->pending_next = NULL;
        if (--s->refs == 0)
            files_socket_release(s);
    }
    d->pending_tail = NULL;
    d->pending = 0;
    d->listening = false;
    if (d->pipe && !d->shut_rd)
        files_pipe_drop_end(d->pipe, true);
    if (d->pipe_out && !d->shut_wr)
        files_pipe_drop_end(d->pipe_out, false);
    d->pipe = d->pipe_out = NULL;
    kfree(d->sock_name);
    kfree(d->sock_peer);
    d->sock_name = d->sock_peer = NULL;
    if (d->sock_node)
        file_store_release(d->sock_node);
    d->sock_node = NULL;
}

int64_t files_socket_pending(const struct file_desc *d)
{
    if (d->udp)
        return files_udp_pending(d);
    uint32_t len = 0;
    if (!d->pipe)
        return 0;
    if (d->sock_type == FILES_SOCK_STREAM)
        return d->pipe->count;
    if (d->pipe->count)
        pipe_peek(d->pipe, &len, sizeof len);
    return len;
}

int16_t files_socket_poll(const struct file_desc *d)
{
    if (d->udp)
        return files_udp_poll(d);
    const struct pipe *in = d->pipe, *out = d->pipe_out;
    if (d->listening) /* readable while a connection waits to be accepted */
        return d->pending_head ? (int16_t)(LINUX_POLLIN | LINUX_POLLRDNORM) : 0;
    if (!in) /* not connected: unix_poll's TCP_CLOSE */
        return (int16_t)(LINUX_POLLOUT | LINUX_POLLWRNORM | LINUX_POLLHUP);
    bool rcv_shut = d->shut_rd || (in->writers == 0 && d->sock_type != FILES_SOCK_DGRAM);
    bool snd_shut = d->shut_wr || out->readers == 0;
    size_t room = d->sock_type == FILES_SOCK_STREAM ? PIPE_ATOMIC_MAX : FILES_SOCKET_HEADER + FILES_SOCKET_MSG_MAX;
    uint32_t mask = 0;
    if (rcv_shut && snd_shut)
        mask |= LINUX_POLLHUP;
    if (rcv_shut)
        mask |= LINUX_POLLRDHUP | LINUX_POLLIN | LINUX_POLLRDNORM;
    if (in->count)
        mask |= LINUX_POLLIN | LINUX_POLLRDNORM;
    /* A send that would not wait: room, or EPIPE at once. */
    if (snd_shut || pipe_free(out) >= room)
        mask |= LINUX_POLLOUT | LINUX_POLLWRNORM | LINUX_POLLWRBAND;
    return (int16_t)mask;
}

int64_t files_socket_recvfrom(struct file_desc *d, const struct files_call *c, void *data, size_t *data_len)
{
    bool stream = d->sock_type == FILES_SOCK_STREAM;
    struct files_recv_head head = { .kind = stream ? FILES_RECV_STREAM : FILES_RECV_MESSAGE };
    if (d->kind != FILE_KIND_SOCKET)
        return -LINUX_ENOTSOCK;
    if (c->len < sizeof head)
        return -LINUX_EINVAL;
    if (d->udp)
        return files_udp_recvfrom(d, c, data, data_len);
    /* Any other socket's receive, as RECV's: a stream's first bytes after the head (the rest
     * stays for a RECV), or a whole message, whose bytes past the answer wait in the stage. */
    uint32_t room = (uint32_t)c->arg, most = c->len - (uint32_t)sizeof head;
    struct files_call plain = *c;
    plain.op = FILES_OP_RECV;
    plain.len = stream ? (room < most ? room : most) : (room < FILES_XFER_MAX ? room : FILES_XFER_MAX);
    if (!stream && plain.len > most && (uint32_t)files_socket_pending(d) > most) {
        struct files_call peek = plain; /* the long message's rest into the stage before it is taken */
        peek.flags |= FILES_CALL_PEEK;
        size_t got;
        int64_t n = files_socket_recv(d, &peek, files_socket_received, &got);
        if (n > most && files_stage_keep_rest((int32_t)(c->arg >> FILES_STAGE_TID_SHIFT), files_socket_received + most,
                                              (uint32_t)n - most))
            return -LINUX_ENOMEM;
    }
    size_t got = 0;
    int64_t n = files_socket_recv(d, &plain, files_socket_received, &got);
    if (n < 0)
        return n;
    head.len = (uint32_t)n;
    memcpy(data, &head, sizeof head);
    memcpy((uint8_t *)data + sizeof head, files_socket_received, n < most ? (size_t)n : most);
    *data_len = sizeof head + (n < most ? (size_t)n : most);
    return n;
}
