/* SPDX-License-Identifier: MIT */
/* The descriptions that count or wait rather than hold bytes: eventfd and timerfd counts,
 * and the calls that wait for readiness, poll and epoll (kernel/files_internal.h). A
 * timerfd's timer runs on the node with the table, on the program clock (node 0's, which
 * is this node's there), and its expiry runs the waiting calls like any other change. */
#include "kernel/epoll.h"
#include "kernel/files_internal.h"
#include "kernel/libc.h"
#include "kernel/linux_abi.h"
#include "kernel/mm.h"
#include "kernel/pipe.h"

#define FILES_EVENTFD_FLAGS (LINUX_EFD_SEMAPHORE | LINUX_O_CLOEXEC | LINUX_O_NONBLOCK) /* eventfd2(2)'s */
#define FILES_TIMERFD_FLAGS (LINUX_O_CLOEXEC | LINUX_O_NONBLOCK)                        /* timerfd_create(2)'s */
#define FILES_TIMERFD_SET_FLAGS (LINUX_TFD_TIMER_ABSTIME | LINUX_TFD_TIMER_CANCEL_ON_SET) /* timerfd_settime(2)'s */

void files_events_release(struct file_desc *d)
{
    /* No epoll list watches d any more, as Linux drops a file's registrations when it is
     * released. */
    for (size_t i = 0; i < FILES_DESCS_MAX; i++)
        if (files_descs[i].refs && files_descs[i].kind == FILE_KIND_EPOLL)
            epoll_set_forget(files_descs[i].epoll, d);
    if (d->epoll) {
        kfree(d->epoll);
        d->epoll = NULL;
    }
    if (d->kind == FILE_KIND_TIMERFD)
        interval_timer_stop(&d->timerfd);
}

/* ---- eventfd ---- */

int64_t files_eventfd_create(uint64_t initval, uint64_t flags)
{
    if ((flags & ~(uint64_t)FILES_EVENTFD_FLAGS) || initval > UINT32_MAX)
        return -LINUX_EINVAL; /* eventfd2's initval is an unsigned int */
    int fd = files_lowest_free(0);
    if (fd < 0)
        return fd;
    struct file_desc *d = files_desc_new(FILE_KIND_EVENTFD, LINUX_O_RDWR | ((uint32_t)flags & LINUX_O_NONBLOCK));
    if (!d)
        return -LINUX_ENFILE;
    d->event = (struct eventfd){ .count = initval, .semaphore = (flags & LINUX_EFD_SEMAPHORE) != 0 };
    files_fd_install(fd, d, (flags & LINUX_O_CLOEXEC) != 0);
    return fd;
}

/* read(2) of an eventfd: its 8-byte value, or EAGAIN (O_NONBLOCK), 0 (FILES_CALL_NO_WAIT)
 * or a wait while the count is 0. */
static int64_t files_eventfd_read(struct file_desc *d, const struct files_call *c, void *data, size_t *data_len)
{
    if (c->len < EVENTFD_VALUE_SIZE)
        return -LINUX_EINVAL;
    uint64_t value;
    if (eventfd_take(&d->event, &value) == EVENTFD_WAIT) {
        if (d->status & LINUX_O_NONBLOCK)
            return -LINUX_EAGAIN;
        return (c->flags & FILES_CALL_NO_WAIT) ? 0 : FILES_WOULD_BLOCK;
    }
    memcpy(data, &value, sizeof value);
    *data_len = sizeof value;
    files_changed = true; /* a writer waiting for room may go on */
    return sizeof value;
}

/* write(2) of an eventfd: the first 8 bytes are added to the count. */
static int64_t files_eventfd_write(struct file_desc *d, const struct files_call *c)
{
    uint64_t value;
    if (c->len < EVENTFD_VALUE_SIZE)
        return -LINUX_EINVAL;
    memcpy(&value, c->in, sizeof value);
    switch (eventfd_add(&d->event, value)) {
    case EVENTFD_INVALID:
        return -LINUX_EINVAL;
    case EVENTFD_WAIT:
        return (d->status & LINUX_O_NONBLOCK) ? -LINUX_EAGAIN : FILES_WOULD_BLOCK;
    default:
        files_changed = true; /* a reader waiting for a count may go on */
        return sizeof value;
    }
}

/* ---- poll ---- */

static uint32_t files_epoll_ready(const void *target, void *ctx, uint64_t *changes);

uint64_t files_poll_signals;

#define FILES_SIGNALFD_FLAGS (LINUX_O_CLOEXEC | LINUX_O_NONBLOCK) /* SFD_CLOEXEC, SFD_NONBLOCK */

int64_t files_signalfd(const struct files_call *c)
{
    if (c->arg2 & ~(uint64_t)FILES_SIGNALFD_FLAGS)
        return -LINUX_EINVAL;
    if (c->fd >= 0) { /* a new mask for one that exists */
        struct file_desc *d = c->fd < FILES_MAX_FDS ? files_fds[c->fd].desc : NULL;
        if (!d)
            return -LINUX_EBADF;
        if (d->kind != FILE_KIND_SIGNALFD)
            return -LINUX_EINVAL;
        d->sigfd_mask = c->arg;
        files_changed = true;
        return c->fd;
    }
    int fd = files_lowest_free(0);
    if (fd < 0)
        return fd;
    struct file_desc *d = files_desc_new(FILE_KIND_SIGNALFD, LINUX_O_RDWR | ((uint32_t)c->arg2 & LINUX_O_NONBLOCK));
    if (!d)
        return -LINUX_ENFILE;
    d->sigfd_mask = c->arg;
    files_fd_install(fd, d, (c->arg2 & LINUX_O_CLOEXEC) != 0);
    return fd;
}

/* epoll_ready_fn that gathers the masks of the signalfds an epoll watches into *ctx. */
static uint32_t files_signalfd_masks(const void *target, void *ctx, uint64_t *changes)
{
    const struct file_desc *d = target;
    *changes = 0;
    if (d->kind == FILE_KIND_SIGNALFD)
        *(uint64_t *)ctx |= d->sigfd_mask;
    return 0;
}

/* A POLL or EPOLL_WAIT c that found nothing ready and would wait, on signalfds of masks
 * watch (union): unless the caller watches their signals already, FILES_SIGNALFD_WATCH with
 * watch into data instead of the wait. */
static int64_t files_wait_or_watch(const struct files_call *c, uint64_t watch, void *data, size_t *data_len)
{
    if (!watch || (c->flags & FILES_CALL_SIGNALS_WATCHED))
        return FILES_WOULD_BLOCK;
    memcpy(data, &watch, sizeof watch);
    *data_len = sizeof watch;
    return FILES_SIGNALFD_WATCH;
}

/* Linux's pipe_poll for pipes: readable when not empty, end of file as POLLHUP; writable
 * when a whole PIPE_BUF fits, POLLERR with no reader. */
int16_t files_poll_mask(const struct file_desc *d)
{
    const struct pipe *p = d->pipe;
    switch (d->kind) {
    case FILE_KIND_PIPE_READ:
        return (int16_t)((p->count ? LINUX_POLLIN | LINUX_POLLRDNORM : 0) | (p->writers ? 0 : LINUX_POLLHUP));
    case FILE_KIND_PIPE_WRITE:
        return (int16_t)((pipe_free(p) >= PIPE_ATOMIC_MAX ? LINUX_POLLOUT | LINUX_POLLWRNORM : 0) |
                         (p->readers ? 0 : LINUX_POLLERR));
    case FILE_KIND_PIPE_RDWR: /* it is a reader and a writer itself: never hung up */
        return (int16_t)((p->count ? LINUX_POLLIN | LINUX_POLLRDNORM : 0) |
                         (pipe_free(p) >= PIPE_ATOMIC_MAX ? LINUX_POLLOUT | LINUX_POLLWRNORM : 0));
    case FILE_KIND_EVENTFD:
        return (int16_t)((eventfd_readable(&d->event) ? LINUX_POLLIN | LINUX_POLLRDNORM : 0) |
                         (eventfd_writable(&d->event) ? LINUX_POLLOUT | LINUX_POLLWRNORM : 0));
    case FILE_KIND_TIMERFD:
        return d->timerfd.count.ticks ? LINUX_POLLIN | LINUX_POLLRDNORM : 0;
    case FILE_KIND_SIGNALFD: /* the polling thread's own pending signals (its call's snapshot) */
        return (files_poll_signals & d->sigfd_mask) ? LINUX_POLLIN | LINUX_POLLRDNORM : 0;
    case FILE_KIND_SOCKET:
        return files_socket_poll(d);
    case FILE_KIND_MQUEUE:
        return files_mq_poll(d);
    case FILE_KIND_EPOLL: { /* readable while an epoll_wait would report something */
        struct linux_epoll_event one;
        return epoll_set_collect(d->epoll, files_epoll_ready, NULL, &one, 1, false) ? LINUX_POLLIN : 0;
    }
    default:
        return FILES_POLL_ALWAYS;
    }
}

/* epoll_ready_fn over descriptions: what target is ready for, and its changes so far. */
static uint32_t files_epoll_ready(const void *target, void *ctx, uint64_t *changes)
{
    (void)ctx;
    const struct file_desc *d = target;
    /* A socket has its rings once connected; a listening one counts its connections. */
    *changes = d->kind == FILE_KIND_SOCKET && d->udp ? files_udp_changes(d)
               : d->kind == FILE_KIND_SOCKET ? (d->pipe ? d->pipe->changes + d->pipe_out->changes : d->connects)
               : d->pipe                       ? d->pipe->changes
               : d->kind == FILE_KIND_EVENTFD ? d->event.changes
               : d->kind == FILE_KIND_TIMERFD ? d->timerfd.count.changes
               : d->kind == FILE_KIND_SIGNALFD ? files_poll_signals & d->sigfd_mask
                                              : 0;
    return (uint16_t)files_poll_mask(d);
}

/* ---- epoll ---- */

int64_t files_epoll_create(uint64_t flags)
{
    if (flags & ~(uint64_t)LINUX_EPOLL_CLOEXEC)
        return -LINUX_EINVAL;
    int fd = files_lowest_free(0);
    if (fd < 0)
        return fd;
    struct epoll_set *set = kzalloc(sizeof *set);
    if (!set)
        return -LINUX_ENOMEM;
    struct file_desc *d = files_desc_new(FILE_KIND_EPOLL, LINUX_O_RDWR);
    if (!d) {
        kfree(set);
        return -LINUX_ENFILE;
    }
    d->epoll = set;
    files_fd_install(fd, d, (flags & LINUX_EPOLL_CLOEXEC) != 0);
    return fd;
}

/* epoll_ctl(2) on epoll description ep: c->arg the op, c->arg2 the watched fd, c->in its
 * struct linux_epoll_event (ADD, MOD). Regular files and directories are EPERM, as Linux
 * answers for files without poll; an epoll inside an epoll is not done (EINVAL). */
int64_t files_epoll_ctl(struct file_desc *ep, const struct files_call *c)
{
    if (ep->kind != FILE_KIND_EPOLL)
        return -LINUX_EINVAL;
    int32_t fd = (int32_t)c->arg2;
    if (fd < 0 || fd >= FILES_MAX_FDS || !files_fds[fd].desc)
        return -LINUX_EBADF;
    struct file_desc *target = files_fds[fd].desc;
    if (target == ep || target->kind == FILE_KIND_EPOLL)
        return -LINUX_EINVAL;
    if (target->kind == FILE_KIND_FILE)
        return -LINUX_EPERM;
    struct linux_epoll_event ev = { 0 };
    if (c->arg != LINUX_EPOLL_CTL_DEL) {
        if (c->len != sizeof ev)
            return -LINUX_EINVAL;
        memcpy(&ev, c->in, sizeof ev);
    }
    int rc = epoll_set_ctl(ep->epoll, (int)c->arg, fd, target, &ev);
    files_changed = true; /* a waiting epoll_wait may have something to report now */
    return rc;
}

/* epoll_wait(2): the ready entries (c->len / 12 at most) into data; their count, or a wait
 * while there is none (0 with FILES_CALL_NO_WAIT). */
int64_t files_epoll_wait(struct file_desc *ep, const struct files_call *c, void *data, size_t *data_len)
{
    if (ep->kind != FILE_KIND_EPOLL)
        return -LINUX_EINVAL;
    size_t max = c->len / sizeof(struct linux_epoll_event);
    if (max == 0)
        return -LINUX_EINVAL;
    size_t n = epoll_set_collect(ep->epoll, files_epoll_ready, NULL, data, max, true);
    *data_len = n * sizeof(struct linux_epoll_event);
    if (n || (c->flags & FILES_CALL_NO_WAIT))
        return (int64_t)n;
    uint64_t watch = 0;
    struct linux_epoll_event none;
    epoll_set_collect(ep->epoll, files_signalfd_masks, &watch, &none, 1, false);
    return files_wait_or_watch(c, watch, data, data_len);
}

/* poll(2) over the entries at c->in: each one's revents into data; the count of entries
 * with any, or (none, and waiting allowed) a wait. */
int64_t files_poll(const struct files_call *c, void *data, size_t *data_len)
{
    size_t n = c->len / sizeof(struct linux_pollfd);
    if (c->len % sizeof(struct linux_pollfd))
        return -LINUX_EINVAL;
    struct linux_pollfd *out = data;
    memmove(out, c->in, c->len); /* a waiter's run polls in place */
    int64_t ready = 0;
    for (size_t i = 0; i < n; i++) {
        int32_t fd = out[i].fd;
        if (fd < 0)
            out[i].revents = 0; /* ignored, as poll(2) says */
        else if (fd >= FILES_MAX_FDS || !files_fds[fd].desc)
            out[i].revents = LINUX_POLLNVAL;
        else
            out[i].revents = (int16_t)(files_poll_mask(files_fds[fd].desc) & (out[i].events | FILES_POLL_UNASKED));
        ready += out[i].revents != 0;
    }
    *data_len = c->len;
    if (ready || (c->flags & FILES_CALL_NO_WAIT))
        return ready;
    uint64_t watch = 0;
    for (size_t i = 0; i < n; i++) {
        const struct file_desc *d = out[i].fd >= 0 && out[i].fd < FILES_MAX_FDS ? files_fds[out[i].fd].desc : NULL;
        if (d && d->kind == FILE_KIND_SIGNALFD && (out[i].events & (LINUX_POLLIN | LINUX_POLLRDNORM)))
            watch |= d->sigfd_mask;
    }
    return files_wait_or_watch(c, watch, data, data_len);
}

/* ---- timerfd ---- */

/* Its expirations are counted: the calls waiting for them may go on. */
static void files_timerfd_expired(struct interval_timer *it, uint64_t expirations)
{
    (void)it, (void)expirations;
    files_changed = true;
    files_run_waiters();
}

int64_t files_timerfd_create(uint64_t clock, uint64_t flags)
{
    long bad = interval_timer_clock_check(clock);
    if (bad)
        return bad;
    if (flags & ~(uint64_t)FILES_TIMERFD_FLAGS)
        return -LINUX_EINVAL;
    int fd = files_lowest_free(0);
    if (fd < 0)
        return fd;
    struct file_desc *d = files_desc_new(FILE_KIND_TIMERFD, LINUX_O_RDWR | ((uint32_t)flags & LINUX_O_NONBLOCK));
    if (!d)
        return -LINUX_ENFILE;
    interval_timer_init(&d->timerfd, clock, files_timerfd_expired, d);
    files_fd_install(fd, d, (flags & LINUX_O_CLOEXEC) != 0);
    return fd;
}

int64_t files_timerfd_gettime(struct file_desc *d, void *data, size_t *data_len)
{
    if (d->kind != FILE_KIND_TIMERFD)
        return -LINUX_EINVAL;
    struct linux_itimerspec cur = interval_timer_get(&d->timerfd);
    memcpy(data, &cur, sizeof cur);
    *data_len = sizeof cur;
    return 0;
}

int64_t files_timerfd_settime(struct file_desc *d, const struct files_call *c, void *data, size_t *data_len)
{
    struct linux_itimerspec set, old;
    if (d->kind != FILE_KIND_TIMERFD || (c->arg & ~(uint64_t)FILES_TIMERFD_SET_FLAGS) || c->len != sizeof set)
        return -LINUX_EINVAL;
    memcpy(&set, c->in, sizeof set);
    long rc = interval_timer_set(&d->timerfd, &set, (c->arg & LINUX_TFD_TIMER_ABSTIME) != 0, &old);
    if (rc)
        return rc;
    memcpy(data, &old, sizeof old);
    *data_len = sizeof old;
    files_changed = true; /* the count was dropped: a poll's answer may change */
    return 0;
}

/* read(2) of a timerfd: the expirations since the last read, or EAGAIN (O_NONBLOCK), 0
 * (FILES_CALL_NO_WAIT) or a wait while there are none. */
static int64_t files_timerfd_read(struct file_desc *d, const struct files_call *c, void *data, size_t *data_len)
{
    uint64_t ticks;
    if (c->len < sizeof ticks)
        return -LINUX_EINVAL; /* a read gives the count as one uint64 */
    if (!timer_count_take(&d->timerfd.count, &ticks)) {
        if (d->status & LINUX_O_NONBLOCK)
            return -LINUX_EAGAIN;
        return (c->flags & FILES_CALL_NO_WAIT) ? 0 : FILES_WOULD_BLOCK;
    }
    memcpy(data, &ticks, sizeof ticks);
    *data_len = sizeof ticks;
    return sizeof ticks;
}

/* ---- reads and writes ---- */

int64_t files_events_read(struct file_desc *d, const struct files_call *c, void *data, size_t *data_len)
{
    if (d->kind == FILE_KIND_EVENTFD)
        return files_eventfd_read(d, c, data, data_len);
    if (d->kind == FILE_KIND_TIMERFD)
        return files_timerfd_read(d, c, data, data_len);
    return -LINUX_EINVAL; /* epoll: no read or write method, as Linux's epoll file */
}

int64_t files_events_write(struct file_desc *d, const struct files_call *c)
{
    if (d->kind == FILE_KIND_EVENTFD)
        return files_eventfd_write(d, c);
    return -LINUX_EINVAL; /* a timerfd or an epoll has no write method */
}
