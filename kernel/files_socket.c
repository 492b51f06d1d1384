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
 * Not done: named sockets (socket, bind, connect), passing descriptors (SCM_RIGHTS), and
 * telling a receiver that its buffer cut a message short (MSG_TRUNC). */
#include "kernel/files_internal.h"
#include "kernel/libc.h"
#include "kernel/linux_abi.h"
#include "kernel/pipe.h"

#define FILES_SOCKETPAIR_FLAGS (LINUX_O_CLOEXEC | LINUX_O_NONBLOCK) /* SOCK_CLOEXEC, SOCK_NONBLOCK */
#define FILES_SOCK_STREAM 1 /* include/linux/net.h */
#define FILES_SOCK_DGRAM 2
#define FILES_SOCK_SEQPACKET 5
#define FILES_SOCKET_HEADER sizeof(uint32_t) /* a message's length, before its bytes */

/* A received or peeked message with its header (one receive at a time: IF=0, one CPU). */
static uint8_t files_socket_scratch[FILES_SOCKET_HEADER + FILES_SOCKET_MSG_MAX];
#define FILES_SHUT_RD 0 /* shutdown(2) */
#define FILES_SHUT_WR 1
#define FILES_SHUT_RDWR 2

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
    struct pipe *ab = b ? files_pipe_new() : NULL;
    struct pipe *ba = ab ? files_pipe_new() : NULL;
    if (!ba) {
        if (ab)
            files_pipe_free(ab);
        if (a)
            a->refs = 0;
        if (b)
            b->refs = 0;
        return b ? -LINUX_ENOMEM : -LINUX_ENFILE;
    }
    a->pipe_out = b->pipe = ab;
    b->pipe_out = a->pipe = ba;
    a->sock_type = b->sock_type = (uint8_t)type;
    return files_install_pair(fds, a, b, (flags & LINUX_O_CLOEXEC) != 0, data, data_len);
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
    struct pipe *in = d->pipe;
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
    struct pipe *out = d->pipe_out;
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
    if (!d->shut_rd)
        files_pipe_drop_end(d->pipe, true);
    if (!d->shut_wr)
        files_pipe_drop_end(d->pipe_out, false);
    d->pipe = d->pipe_out = NULL;
}

int64_t files_socket_pending(const struct file_desc *d)
{
    uint32_t len = 0;
    if (d->sock_type == FILES_SOCK_STREAM)
        return d->pipe->count;
    if (d->pipe->count)
        pipe_peek(d->pipe, &len, sizeof len);
    return len;
}

int16_t files_socket_poll(const struct file_desc *d)
{
    const struct pipe *in = d->pipe, *out = d->pipe_out;
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
