/* SPDX-License-Identifier: MIT */
/* Named FIFOs (fifo(7)), on node 0 with the descriptor table. A FIFO's node in the store
 * holds a pipe while any end is open; each open makes a pipe end on it (holding the node,
 * so the node outlives the pipe), and the pipe and its bytes go with the last end. An open
 * for reading waits until a writer has opened, and one for writing until a reader has,
 * unless O_NONBLOCK (then a writer with no reader fails with ENXIO): the open makes its end
 * at once, so the other side, opening later, finds it and goes on, and the waiting side
 * learns it from the other end's count of opens (FILES_OP_FIFO_WAIT), which only grows,
 * so a peer that opened and closed again still ends the wait. O_RDWR (which POSIX leaves
 * undefined) is Linux's: one descriptor that is both ends, opened at once. */
#include "kernel/file_store.h"
#include "kernel/files_internal.h"
#include "kernel/libc.h"
#include "kernel/linux_abi.h"
#include "kernel/pipe.h"

#define FILES_FIFO_READ 0 /* index of file_store_fifo_opens: the read end's */
#define FILES_FIFO_WRITE 1

/* The kind of descriptor an open of a FIFO with access mode makes. */
static enum file_kind files_fifo_kind(uint64_t mode)
{
    return mode == LINUX_O_RDONLY ? FILE_KIND_PIPE_READ
           : mode == LINUX_O_WRONLY ? FILE_KIND_PIPE_WRITE
                                    : FILE_KIND_PIPE_RDWR;
}

int64_t files_fifo_open(struct file_node *f, uint64_t mode, uint64_t flags, void *data, size_t *data_len)
{
    struct pipe **slot = (struct pipe **)file_store_fifo_pipe(f);
    enum file_kind kind = files_fifo_kind(mode);
    bool reads = kind != FILE_KIND_PIPE_WRITE, writes = kind != FILE_KIND_PIPE_READ;
    if (!reads && (flags & LINUX_O_NONBLOCK) && !(*slot && (*slot)->readers))
        return -LINUX_ENXIO; /* fifo(7): no reader to write to */
    int fd = files_lowest_free(0);
    if (fd < 0)
        return fd;
    struct file_desc *d = files_desc_new(kind, (uint32_t)mode | ((uint32_t)flags & FILES_SETFL_MASK));
    if (!d)
        return -LINUX_ENFILE;
    if (!*slot) {
        struct pipe *p = files_pipe_new();
        if (!p) {
            d->refs = 0;
            return -LINUX_ENOMEM;
        }
        p->readers = p->writers = 0; /* the ends come with the opens */
        p->fifo = f;
        *slot = p;
    }
    struct pipe *p = *slot;
    uint64_t *opens = file_store_fifo_opens(f);
    if (reads) {
        p->readers++;
        opens[FILES_FIFO_READ]++;
    }
    if (writes) {
        p->writers++;
        opens[FILES_FIFO_WRITE]++;
    }
    p->changes++;
    files_changed = true; /* an open waiting for this end goes on */
    d->pipe = p;
    d->file = f;
    file_store_hold(f);
    files_fd_install(fd, d, (flags & LINUX_O_CLOEXEC) != 0);
    /* fifo(7): O_RDWR never waits (it is the other end itself); O_NONBLOCK never does. */
    if (kind != FILE_KIND_PIPE_RDWR && !(flags & LINUX_O_NONBLOCK) && !(reads ? p->writers : p->readers)) {
        uint64_t seen = opens[reads ? FILES_FIFO_WRITE : FILES_FIFO_READ];
        memcpy(data, &seen, sizeof seen);
        *data_len = sizeof seen;
    }
    return fd;
}

int64_t files_fifo_wait(struct file_desc *d, const struct files_call *c)
{
    if (!d->file || !d->pipe || !file_store_is_fifo(d->file))
        return -LINUX_EINVAL;
    const uint64_t *opens = file_store_fifo_opens(d->file);
    uint64_t other = opens[d->kind == FILE_KIND_PIPE_READ ? FILES_FIFO_WRITE : FILES_FIFO_READ];
    return other > c->arg ? 0 : FILES_WOULD_BLOCK;
}
