/* SPDX-License-Identifier: MIT */
/* AF_INET SOCK_DGRAM sockets: UDP between the program's own threads, over loopback
 * (127.0.0.0/8), with Linux's semantics as such a program sees them (udp(7), net/ipv4/udp.c).
 * A socket is a description of the table (kernel/files_internal.h) with a queue of
 * datagrams, each kept with its sender's name; a send looks up the one socket bound to the
 * destination port (__udp4_lib_lookup: its address is the destination's or 0.0.0.0, and a
 * connected one takes only its peer's datagrams) and queues a copy there, or drops it: a
 * send never waits. Ports are their own space, apart from TCP's; a port has one socket
 * (SO_REUSEADDR and SO_REUSEPORT are taken and ignored), whichever address it is bound to.
 * - A datagram is at most FILES_UDP_DGRAM_MAX (65507) bytes, as on Linux's loopback; one
 *   longer than a file call crosses in pieces through the thread's stage (kernel/files_stage.h).
 * - A queue holds FILES_UDP_RCVBUF bytes (Linux's default SO_RCVBUF), each datagram counted
 *   with its bookkeeping; a datagram that finds more queued is dropped, as Linux drops one
 *   for a full receive buffer (SO_RCVBUF changes nothing here).
 * - A send from a connected socket to its peer that no socket takes is dropped and leaves
 *   ECONNREFUSED pending on the sender (Linux's ICMP port unreachable, which loopback
 *   delivers before the send returns): its next send or receive answers it, SO_ERROR reads
 *   and clears it, poll shows POLLERR. From an unconnected socket the datagram just goes.
 * - The sender's name is its bound one, 0.0.0.0 read as 127.0.0.1 (the loopback route's
 *   source); an unbound socket takes a free ephemeral port at its first send or connect.
 * Not done: broadcast and multicast (no such address is reachable), IP and UDP level
 * options, corking (MSG_MORE sends each call's datagram), the error queue (IP_RECVERR). */
#include "kernel/files_internal.h"
#include "kernel/files_stage.h"
#include "kernel/libc.h"
#include "kernel/linux_abi.h"
#include "kernel/mm.h"

#define FILES_UDP_RCVBUF 212992 /* net.core.rmem_default: SO_RCVBUF of a new socket */
#define FILES_UDP_PORT_AT 4     /* the port's place in an inet name (after the address) */
#define FILES_UDP_SHUT_RD 0     /* shutdown(2) */
#define FILES_UDP_SHUT_WR 1
_Static_assert(sizeof(struct files_sendto_head) + FILES_UDP_DGRAM_MAX <= FILES_STAGE_MAX, "a datagram fits a stage");

struct files_udp_dgram {
    struct files_udp_dgram *next;
    uint32_t len;
    uint8_t from[FILES_SOCK_INET_LEN]; /* the sender's address and port, network order */
    uint8_t bytes[];
};

/* One socket's state; the table's, on its node (IF=0). */
struct files_udp {
    struct files_udp_dgram *head, *tail; /* the receive queue, oldest first */
    uint64_t charged;   /* the queue's bytes with their bookkeeping, against FILES_UDP_RCVBUF */
    uint64_t changes;   /* datagrams queued and taken, errors set and cleared, shutdowns */
    uint64_t dropped;   /* datagrams that found the queue full (or no memory) */
    int32_t error;      /* pending SO_ERROR (ECONNREFUSED), or 0 */
    bool port_locked;   /* bind gave the port (SOCK_BINDPORT_LOCK): AF_UNSPEC keeps it */
    bool addr_locked;   /* bind gave the address (SOCK_BINDADDR_LOCK) */
};

static const uint8_t files_udp_any[FILES_SOCK_INET_LEN];

int64_t files_udp_create(struct file_desc *d)
{
    d->udp = kzalloc(sizeof *d->udp);
    return d->udp ? 0 : -LINUX_ENOMEM;
}

/* Something a waiting receive, poll or epoll may see changed. */
static void files_udp_changed(struct files_udp *u)
{
    u->changes++;
    files_changed = true;
}

static void files_udp_dequeue(struct file_desc *d)
{
    struct files_udp *u = d->udp;
    struct files_udp_dgram *g = u->head;
    u->head = g->next;
    if (!u->head)
        u->tail = NULL;
    u->charged -= sizeof *g + g->len;
    kfree(g);
    files_udp_changed(u);
}

void files_udp_release(struct file_desc *d)
{
    while (d->udp->head)
        files_udp_dequeue(d);
    kfree(d->udp);
    d->udp = NULL;
}

static bool files_udp_addr_is_any(const struct files_sock_addr *a)
{
    return memcmp(a->name, files_udp_any, FILES_UDP_PORT_AT) == 0;
}

int64_t files_udp_bind(struct file_desc *d, const uint8_t addr[FILES_SOCK_INET_LEN])
{
    int64_t bad = files_socket_bind_inet(d, addr);
    if (bad)
        return bad;
    d->udp->port_locked = addr[FILES_UDP_PORT_AT] || addr[FILES_UDP_PORT_AT + 1];
    d->udp->addr_locked = !files_udp_addr_is_any(d->sock_name);
    return 0;
}

/* inet_autobind: an unbound socket takes 0.0.0.0 and a free port; -EAGAIN with none free. */
static int64_t files_udp_autobind(struct file_desc *d)
{
    if (d->sock_name)
        return 0;
    return files_socket_bind_inet(d, files_udp_any) ? -LINUX_EAGAIN : 0;
}

/* The loopback route's source address, which an unbound address sends from. */
static void files_udp_route_source(struct files_sock_addr *a)
{
    if (files_udp_addr_is_any(a)) {
        a->name[0] = 127;
        a->name[3] = 1;
    }
}

int64_t files_udp_connect(struct file_desc *d, const uint8_t *addr)
{
    struct files_udp *u = d->udp;
    if (!addr) { /* __udp_disconnect: what bind did not fix goes with the peer */
        kfree(d->sock_peer);
        d->sock_peer = NULL;
        if (d->sock_name && !u->addr_locked)
            memset(d->sock_name->name, 0, FILES_UDP_PORT_AT);
        if (d->sock_name && !u->port_locked) {
            kfree(d->sock_name);
            d->sock_name = NULL;
        }
        return 0;
    }
    int64_t bad = files_udp_autobind(d); /* inet_dgram_connect, then ip4_datagram_connect */
    if (bad)
        return bad;
    struct files_sock_addr *peer = kzalloc(sizeof *peer);
    if (!peer)
        return -LINUX_ENOMEM;
    peer->inet = true;
    peer->len = FILES_SOCK_INET_LEN;
    memcpy(peer->name, addr, FILES_SOCK_INET_LEN);
    kfree(d->sock_peer);
    d->sock_peer = peer;
    files_udp_route_source(d->sock_name);
    return 0;
}

/* __udp4_lib_lookup: the socket a datagram from src to dest reaches, or NULL. */
static struct file_desc *files_udp_lookup(const uint8_t src[FILES_SOCK_INET_LEN],
                                          const uint8_t dest[FILES_SOCK_INET_LEN])
{
    for (size_t i = 0; i < FILES_DESCS_MAX; i++) {
        struct file_desc *t = &files_descs[i];
        if (!t->refs || t->kind != FILE_KIND_SOCKET || !t->udp || !t->sock_name)
            continue;
        const struct files_sock_addr *a = t->sock_name;
        if (memcmp(a->name + FILES_UDP_PORT_AT, dest + FILES_UDP_PORT_AT, sizeof(uint16_t)) != 0)
            continue;
        if (!files_udp_addr_is_any(a) && memcmp(a->name, dest, FILES_UDP_PORT_AT) != 0)
            return NULL; /* the port's one socket is bound to another address */
        if (t->sock_peer && memcmp(t->sock_peer->name, src, FILES_SOCK_INET_LEN) != 0)
            return NULL; /* connected to another peer */
        return t;
    }
    return NULL;
}

/* A pending error, answered once by the call that meets it (sock_error). */
static int64_t files_udp_error(struct files_udp *u)
{
    int32_t e = u->error;
    if (e) {
        u->error = 0;
        files_udp_changed(u);
    }
    return -e;
}

/* What udp_sendmsg checks of a send of len bytes from d, to h's destination (NULL or none
 * given: the peer), after inet_send_prepare's autobind; 0 with the destination in dest. */
static int64_t files_udp_send_check(struct file_desc *d, const struct files_sendto_head *h, uint64_t len,
                                    uint8_t dest[FILES_SOCK_INET_LEN])
{
    int64_t bad = files_udp_autobind(d);
    if (bad)
        return bad;
    if (len > FILES_UDP_LEN_MAX) /* udp_sendmsg's first check */
        return -LINUX_EMSGSIZE;
    if (h && h->has_to) {
        if (h->to_error)
            return -h->to_error;
        memcpy(dest, h->to, FILES_SOCK_INET_LEN);
    } else if (d->sock_peer) {
        memcpy(dest, d->sock_peer->name, FILES_SOCK_INET_LEN);
    } else {
        return -LINUX_EDESTADDRREQ;
    }
    if (len > FILES_UDP_DGRAM_MAX) /* __ip_append_data's, after the route */
        return -LINUX_EMSGSIZE;
    if (d->udp->error) /* sock_alloc_send_pskb: the pending error, then SEND_SHUTDOWN */
        return files_udp_error(d->udp);
    return d->shut_wr ? -LINUX_EPIPE : 0;
}

/* A datagram of len bytes from d to dest: the socket it reaches takes it if its queue has
 * room. The bytes are c->in (c a plain send), or from c's stage after its head (a SENDTO). */
static int64_t files_udp_deliver(struct file_desc *d, const uint8_t dest[FILES_SOCK_INET_LEN],
                                 const struct files_call *c, uint32_t len)
{
    bool staged = c->op == FILES_OP_SENDTO;
    struct files_sock_addr src = *d->sock_name;
    files_udp_route_source(&src);
    struct file_desc *t = files_udp_lookup((const uint8_t *)src.name, dest);
    if (!t) { /* port unreachable: only a connected socket hears of it, for its peer */
        if (d->sock_peer && memcmp(d->sock_peer->name, dest, FILES_SOCK_INET_LEN) == 0) {
            d->udp->error = LINUX_ECONNREFUSED;
            files_udp_changed(d->udp);
        }
        if (staged)
            files_stage_discard(c);
        return len;
    }
    struct files_udp *u = t->udp;
    size_t head = staged ? sizeof(struct files_sendto_head) : 0;
    struct files_udp_dgram *g = u->charged <= FILES_UDP_RCVBUF ? kmalloc(sizeof *g + head + len) : NULL;
    if (!g) { /* __udp_enqueue_schedule_skb: the receive buffer is full */
        u->dropped++;
        if (staged)
            files_stage_discard(c);
        return len;
    }
    if (staged) {
        files_stage_take(c, g->bytes);
        memmove(g->bytes, g->bytes + head, len);
    } else {
        memcpy(g->bytes, c->in, len);
    }
    g->next = NULL;
    g->len = len;
    memcpy(g->from, src.name, FILES_SOCK_INET_LEN);
    if (u->tail)
        u->tail->next = g;
    else
        u->head = g;
    u->tail = g;
    u->charged += sizeof *g + len;
    files_udp_changed(u);
    return len;
}

int64_t files_udp_sendto(struct file_desc *d, const struct files_call *c)
{
    uint64_t total = c->arg2 & FILES_STAGE_LOW_MASK;
    struct files_sendto_head h;
    if (total < sizeof h)
        return -LINUX_EINVAL;
    int64_t piece = files_stage_piece(c);
    if (piece || (c->flags & FILES_CALL_MORE))
        return piece;
    files_stage_peek(c, &h, sizeof h);
    uint8_t dest[FILES_SOCK_INET_LEN];
    bool whole = total == sizeof h + (h.len <= FILES_UDP_DGRAM_MAX ? h.len : 0); /* as the head says */
    int64_t bad = whole ? files_udp_send_check(d, &h, h.len, dest) : -LINUX_EINVAL;
    if (bad) {
        files_stage_discard(c);
        return bad;
    }
    return files_udp_deliver(d, dest, c, h.len);
}

int64_t files_udp_send(struct file_desc *d, const struct files_call *c)
{
    if (c->flags & FILES_CALL_DGRAM_VECTOR)
        return FILES_DGRAM_CALL;
    if (c->flags & FILES_CALL_MORE) /* a datagram longer than one call */
        return (c->flags & FILES_CALL_DGRAM_WHOLE) ? FILES_DGRAM_CALL : -LINUX_EMSGSIZE;
    if (d->shut_wr && (c->flags & FILES_CALL_DGRAM_WHOLE))
        return FILES_DGRAM_CALL; /* its EPIPE must raise no SIGPIPE, as udp_sendmsg's does not */
    uint8_t dest[FILES_SOCK_INET_LEN];
    int64_t bad = files_udp_send_check(d, NULL, c->len, dest);
    return bad ? bad : files_udp_deliver(d, dest, c, c->len);
}

/* The datagram a receive c on d takes, or NULL with what it answers instead: a pending
 * error, -EAGAIN (not waiting), 0 (shut for receiving), or a wait. */
static struct files_udp_dgram *files_udp_next(struct file_desc *d, const struct files_call *c, int64_t *answer)
{
    struct files_udp *u = d->udp;
    if (u->error) {
        *answer = files_udp_error(u);
        return NULL;
    }
    if (u->head)
        return u->head;
    /* __skb_recv_datagram: no wait (O_NONBLOCK, MSG_DONTWAIT) is EAGAIN even once shut */
    if ((d->status & LINUX_O_NONBLOCK) || (c->flags & (FILES_CALL_NONBLOCK | FILES_CALL_NO_WAIT)))
        *answer = -LINUX_EAGAIN;
    else
        *answer = d->shut_rd ? 0 : FILES_WOULD_BLOCK;
    return NULL;
}

int64_t files_udp_recv(struct file_desc *d, const struct files_call *c, void *data, size_t *data_len)
{
    if (c->flags & FILES_CALL_DGRAM_VECTOR)
        return FILES_DGRAM_CALL;
    if (c->op == FILES_OP_READ && c->len == 0)
        return 0; /* sock_read_iter: an empty read takes nothing */
    int64_t answer;
    struct files_udp_dgram *g = files_udp_next(d, c, &answer);
    if (!g)
        return answer;
    if ((c->flags & FILES_CALL_DGRAM_WHOLE) && c->len == FILES_XFER_MAX && g->len >= FILES_XFER_MAX)
        return FILES_DGRAM_CALL; /* the reader may have room for more than one call carries */
    uint32_t n = g->len < c->len ? g->len : c->len; /* the rest is dropped, as on Linux */
    memcpy(data, g->bytes, n);
    *data_len = n;
    if (!(c->flags & FILES_CALL_PEEK))
        files_udp_dequeue(d);
    return n;
}

int64_t files_udp_recvfrom(struct file_desc *d, const struct files_call *c, void *data, size_t *data_len)
{
    int32_t tid = (int32_t)(c->arg >> FILES_STAGE_TID_SHIFT);
    uint32_t room = (uint32_t)c->arg;
    int64_t answer;
    struct files_udp_dgram *g = files_udp_next(d, c, &answer);
    if (!g && answer == 0) { /* shut for receiving: no datagram, no sender */
        struct files_recv_head shut = { .kind = FILES_RECV_SHUT };
        memcpy(data, &shut, sizeof shut);
        *data_len = sizeof shut;
    }
    if (!g)
        return answer;
    struct files_recv_head head = { .len = g->len, .kind = FILES_RECV_DGRAM };
    memcpy(head.from, g->from, sizeof head.from);
    uint32_t take = g->len < room ? g->len : room; /* the rest is dropped (MSG_TRUNC tells) */
    uint32_t first = take < c->len - sizeof head ? take : c->len - (uint32_t)sizeof head;
    if (take > first && files_stage_keep_rest(tid, g->bytes + first, take - first))
        return -LINUX_ENOMEM; /* before the datagram leaves the queue */
    memcpy(data, &head, sizeof head);
    memcpy((uint8_t *)data + sizeof head, g->bytes, first);
    *data_len = sizeof head + first;
    if (!(c->flags & FILES_CALL_PEEK))
        files_udp_dequeue(d);
    return take;
}

/* inet_shutdown: an unconnected socket answers ENOTCONN, yet is shut all the same. */
int64_t files_udp_shutdown(struct file_desc *d, uint64_t how)
{
    if (how != FILES_UDP_SHUT_WR)
        d->shut_rd = true;
    if (how != FILES_UDP_SHUT_RD)
        d->shut_wr = true;
    files_udp_changed(d->udp); /* a waiting receive ends */
    return d->sock_peer ? 0 : -LINUX_ENOTCONN;
}

int64_t files_udp_take_error(struct file_desc *d)
{
    return -files_udp_error(d->udp);
}

int64_t files_udp_pending(const struct file_desc *d)
{
    return d->udp->head ? d->udp->head->len : 0;
}

int16_t files_udp_poll(const struct file_desc *d)
{
    const struct files_udp *u = d->udp;
    uint32_t mask = LINUX_POLLOUT | LINUX_POLLWRNORM | LINUX_POLLWRBAND; /* a send never waits */
    if (u->error)
        mask |= LINUX_POLLERR;
    if (d->shut_rd)
        mask |= LINUX_POLLRDHUP | LINUX_POLLIN | LINUX_POLLRDNORM;
    if (d->shut_rd && d->shut_wr)
        mask |= LINUX_POLLHUP;
    if (u->head)
        mask |= LINUX_POLLIN | LINUX_POLLRDNORM;
    return (int16_t)mask;
}

uint64_t files_udp_changes(const struct file_desc *d)
{
    return d->udp->changes;
}
