/* SPDX-License-Identifier: MIT */
/* socketpair(AF_UNIX, SOCK_STREAM): two connected stream sockets, each direction a pipe
 * ring (kernel/pipe.h) that one end sends into and the other receives from. Each end is a
 * description of the table (kernel/files_internal.h), so threads on any node share it, and
 * a receive or send that must wait queues like a pipe's. shutdown(SHUT_WR) or the last
 * close of an end is its pipe's last writer going (the peer reads end of file);
 * shutdown(SHUT_RD) or that close is the other pipe's last reader going (the peer's sends
 * get EPIPE). Not done: SOCK_DGRAM and SOCK_SEQPACKET pairs (message boundaries), named
 * sockets (socket, bind, connect), and passing descriptors (SCM_RIGHTS). */
#include "kernel/files_internal.h"
#include "kernel/libc.h"
#include "kernel/linux_abi.h"
#include "kernel/mm.h"
#include "kernel/pipe.h"

#define FILES_SOCKETPAIR_FLAGS (LINUX_O_CLOEXEC | LINUX_O_NONBLOCK) /* SOCK_CLOEXEC, SOCK_NONBLOCK */
#define FILES_SHUT_RD 0 /* shutdown(2) */
#define FILES_SHUT_WR 1
#define FILES_SHUT_RDWR 2

/* A pipe with one reader and one writer, or NULL. */
static struct pipe *files_socket_pipe_new(void)
{
    struct pipe *p = kmalloc(sizeof *p);
    uint8_t *ring = p ? kmalloc(PIPE_CAPACITY) : NULL;
    if (!ring) {
        kfree(p);
        return NULL;
    }
    pipe_init(p, ring);
    return p;
}

int64_t files_socketpair(uint64_t flags, void *data, size_t *data_len)
{
    if (flags & ~(uint64_t)FILES_SOCKETPAIR_FLAGS)
        return -LINUX_EINVAL;
    int fd0 = files_lowest_free(0);
    if (fd0 < 0)
        return fd0;
    int fd1 = files_lowest_free(fd0 + 1);
    if (fd1 < 0)
        return fd1;
    uint32_t status = LINUX_O_RDWR | ((uint32_t)flags & LINUX_O_NONBLOCK);
    struct file_desc *a = files_desc_new(FILE_KIND_SOCKET, status);
    struct file_desc *b = a ? files_desc_new(FILE_KIND_SOCKET, status) : NULL;
    struct pipe *ab = b ? files_socket_pipe_new() : NULL;
    struct pipe *ba = ab ? files_socket_pipe_new() : NULL;
    if (!ba) {
        if (ab) {
            kfree(ab->ring);
            kfree(ab);
        }
        if (a)
            a->refs = 0;
        if (b)
            b->refs = 0;
        return b ? -LINUX_ENOMEM : -LINUX_ENFILE;
    }
    a->pipe_out = b->pipe = ab;
    b->pipe_out = a->pipe = ba;
    bool cloexec = (flags & LINUX_O_CLOEXEC) != 0;
    files_fd_install(fd0, a, cloexec);
    files_fd_install(fd1, b, cloexec);
    int32_t fds[2] = { fd0, fd1 };
    memcpy(data, fds, sizeof fds);
    *data_len = sizeof fds;
    return 0;
}

/* A receive of up to c->len bytes: what is there; 0 at end of file (the peer shut sending or
 * closed, or this end shut receiving); else EAGAIN, 0 (FILES_CALL_NO_WAIT) or a wait. */
int64_t files_socket_recv(struct file_desc *d, const struct files_call *c, void *data, size_t *data_len)
{
    struct pipe *in = d->pipe;
    if (c->len == 0)
        return 0;
    if (in->count == 0) {
        if (in->writers == 0 || d->shut_rd)
            return 0;
        if ((d->status & LINUX_O_NONBLOCK) || (c->flags & FILES_CALL_NONBLOCK))
            return -LINUX_EAGAIN;
        return (c->flags & FILES_CALL_NO_WAIT) ? 0 : FILES_WOULD_BLOCK;
    }
    if (c->flags & FILES_CALL_PEEK) {
        *data_len = pipe_peek(in, data, c->len);
        return (int64_t)*data_len;
    }
    *data_len = pipe_take(in, data, c->len);
    files_changed = true; /* a sender waiting for room may go on */
    return (int64_t)*data_len;
}

/* A send of c->len (<= FILES_XFER_MAX) bytes: EPIPE once this end shut sending or the
 * peer shut receiving or closed. A blocking one waits for room for all of them (a blocking
 * stream send returns only when everything went); a non-blocking one sends what fits
 * (EAGAIN when nothing does), as Linux's does. */
int64_t files_socket_send(struct file_desc *d, const struct files_call *c)
{
    struct pipe *out = d->pipe_out;
    if (c->len == 0)
        return 0;
    if (d->shut_wr || out->readers == 0)
        return -LINUX_EPIPE;
    bool nonblock = (d->status & LINUX_O_NONBLOCK) || (c->flags & FILES_CALL_NONBLOCK);
    if (pipe_free(out) < (nonblock ? 1 : c->len))
        return nonblock ? -LINUX_EAGAIN : FILES_WOULD_BLOCK;
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

int16_t files_socket_poll(const struct file_desc *d)
{
    const struct pipe *in = d->pipe, *out = d->pipe_out;
    bool rcv_shut = d->shut_rd || in->writers == 0, snd_shut = d->shut_wr || out->readers == 0;
    uint32_t mask = 0;
    if (rcv_shut && snd_shut)
        mask |= LINUX_POLLHUP;
    if (rcv_shut)
        mask |= LINUX_POLLRDHUP | LINUX_POLLIN | LINUX_POLLRDNORM;
    if (in->count)
        mask |= LINUX_POLLIN | LINUX_POLLRDNORM;
    /* A send that would not wait: room, or EPIPE at once. */
    if (snd_shut || pipe_free(out) >= PIPE_ATOMIC_MAX)
        mask |= LINUX_POLLOUT | LINUX_POLLWRNORM | LINUX_POLLWRBAND;
    return (int16_t)mask;
}
