/* SPDX-License-Identifier: MIT */
/* splice(2)'s move on the table's node: bytes read from one descriptor and written to the
 * other in one step, so none is lost between them. One end must be a pipe (Linux's rule);
 * the other may be a pipe, a socket or a regular file. A move takes at most PIPE_ATOMIC_MAX
 * bytes, the room a writable pipe or stream socket is sure to have, and is refused (EAGAIN
 * or a wait) while the written end has not that room, so the write takes every byte read. */
#include "kernel/files_internal.h"
#include "kernel/linux_abi.h"
#include "kernel/pipe.h"

static uint8_t files_splice_scratch[PIPE_ATOMIC_MAX]; /* one move at a time (IF=0, one CPU) */

/* What a move that cannot go on now answers: EAGAIN when it must not wait. */
static int64_t files_splice_blocked(const struct files_call *c, const struct file_desc *d)
{
    return (c->flags & FILES_CALL_NONBLOCK) || (d->status & LINUX_O_NONBLOCK) ? -LINUX_EAGAIN : FILES_WOULD_BLOCK;
}

int64_t files_splice(const struct files_call *c)
{
    if (c->fd < 0 || c->fd >= FILES_MAX_FDS || c->arg >= FILES_MAX_FDS)
        return -LINUX_EBADF;
    struct file_desc *in = files_fds[c->fd].desc, *out = files_fds[c->arg].desc;
    if (!in || !out)
        return -LINUX_EBADF;
    if ((!files_is_pipe(in) && !files_is_pipe(out)) || in == out || (in->pipe && in->pipe == out->pipe))
        return -LINUX_EINVAL; /* no pipe, or a pipe into itself */
    if (((c->arg2 & FILES_SPLICE_OFF_IN) && files_is_pipe(in)) || ((c->arg2 & FILES_SPLICE_OFF_OUT) && files_is_pipe(out)))
        return -LINUX_ESPIPE;
    if (c->arg2) /* a file's offset: not done */
        return -LINUX_EINVAL;
    if (c->len == 0)
        return 0;
    if (files_is_pipe(out) && out->pipe->readers == 0)
        return -LINUX_EPIPE;
    if (!(files_poll_mask(out) & LINUX_POLLOUT))
        return files_splice_blocked(c, out);
    struct files_call rd = { .op = FILES_OP_READ, .fd = c->fd, .len = c->len < PIPE_ATOMIC_MAX ? c->len : PIPE_ATOMIC_MAX };
    size_t got = 0;
    int64_t n = files_read_desc(in, &rd, files_splice_scratch, &got);
    if (n == FILES_WOULD_BLOCK)
        return files_splice_blocked(c, in);
    if (n <= 0)
        return n;
    struct files_call wr = { .op = FILES_OP_WRITE, .fd = (int32_t)c->arg, .len = (uint32_t)got,
                             .in = files_splice_scratch };
    return files_write_desc(out, &wr);
}
