/* SPDX-License-Identifier: MIT */
/* poll, ppoll, select and pselect6 (man 2) over the descriptors of kernel/files.h, and the
 * epoll calls (epoll_create/create1, epoll_ctl, epoll_wait/pwait/pwait2). Each wait
 * becomes one FILES_OP_POLL (or FILES_OP_EPOLL_WAIT) call, run where the table lives (node 0 under the DSM), that
 * waits until a descriptor is ready, the timeout passes (timed on the calling node), or a
 * signal's handler is to run: then EINTR even under SA_RESTART (-ERESTARTNOHAND, as on
 * Linux). With no descriptor at all, poll and select just sleep (a common idiom). ppoll's
 * and pselect6's mask holds during the wait only. Not done: the time left written back to
 * the timeout; a restart after a signal with no handler starts the timeout anew. */
#include "kernel/files.h"
#include "kernel/libc.h"
#include "kernel/linux_abi.h"
#include "kernel/mm.h"
#include "kernel/signal_process.h"
#include "kernel/syscall.h"
#include "kernel/thread.h"
#include "kernel/time_conv.h"
#include "kernel/usercopy.h"

#define POLL_FDS_MAX FILES_MAX_FDS /* more entries than RLIMIT_NOFILE is EINVAL (poll(2)) */
#define POLL_MS_PER_SEC 1000
#define POLL_NS_PER_MS 1000000
#define POLL_NS_PER_USEC 1000
#define POLL_USEC_PER_SEC 1000000
/* What select counts as ready in each set (Linux fs/select.c POLLIN_SET, POLLOUT_SET, POLLEX_SET) */
#define SELECT_IN_READY (LINUX_POLLIN | LINUX_POLLRDNORM | LINUX_POLLHUP | LINUX_POLLERR)
#define SELECT_OUT_READY (LINUX_POLLOUT | LINUX_POLLWRNORM | LINUX_POLLERR)
#define SELECT_EX_READY LINUX_POLLPRI
#define SELECT_SETS 3 /* read, write, except */

/* When a wait ends: no wait at all (now), a deadline, or none (forever). */
struct poll_timeout {
    bool now;
    uint64_t deadline; /* monotonic ns; 0: none */
};

/* A wait of ts (valid) from now. */
static struct poll_timeout poll_timeout_after(const struct linux_timespec *ts)
{
    return (struct poll_timeout){ .now = ts->tv_sec == 0 && ts->tv_nsec == 0,
                                  .deadline = time_deadline_from_relative(ts) };
}

/* The user timespec at uts (0: none) as a timeout; 0, -EFAULT or -EINVAL. */
static long poll_timeout_from_user(uint64_t uts, struct poll_timeout *out)
{
    *out = (struct poll_timeout){ 0 };
    struct linux_timespec ts;
    long rc = uts ? time_timespec_from_user(uts, &ts) : 0;
    if (uts && !rc)
        *out = poll_timeout_after(&ts);
    return rc;
}

/* The calling thread's pending signals, by which node 0 judges signalfds readable. */
static uint64_t poll_signals_now(void)
{
    return thread_current()->sigpending | signal_process_pending();
}

_Static_assert(sizeof(struct linux_pollfd) == sizeof(uint64_t), "a signalfd answer covers one pollfd");
_Static_assert(sizeof(struct linux_epoll_event) >= sizeof(uint64_t), "epoll_wait's room takes a signalfd answer");

/* A poll or epoll_wait call c until deadline, into out (kernel memory, at least 8 bytes;
 * for a poll the question itself): as files_call_until,
 * but when node 0 hands back the masks of signalfds it would wait on (FILES_SIGNALFD_WATCH),
 * the thread watches those signals and asks again, and again whenever one of them ends
 * its wait (kernel/sys_signalfd.c). */
static int64_t poll_call(struct files_call *c, void *out, size_t *len, uint64_t deadline)
{
    struct thread *t = thread_current();
    uint64_t watch = 0, first; /* the answer's first bytes (poll: its question, when out is c->in) */
    int64_t r;
    memcpy(&first, out, sizeof first);
    for (;;) {
        c->arg2 = watch ? signalfd_watch(watch) | poll_signals_now() : poll_signals_now();
        r = files_call_until(c, out, len, deadline);
        if (r == FILES_SIGNALFD_WATCH && *len == sizeof watch && !watch) {
            memcpy(&watch, out, sizeof watch);
            memcpy(out, &first, sizeof first); /* the masks overwrote them */
            c->flags |= FILES_CALL_SIGNALS_WATCHED;
            continue;
        }
        /* A watched signal ended the wait, and no handler is due: look again. */
        if (r == -LINUX_ERESTARTSYS && watch && (t->sigpending & watch) && !(t->sigpending & ~t->sigmask))
            continue;
        break;
    }
    if (watch)
        signalfd_unwatch();
    return r == FILES_SIGNALFD_WATCH ? -LINUX_EIO : r; /* asked twice: node 0 answered something else */
}

/* Polls the n entries (kernel memory; revents filled in) until t: the ready count, or
 * -errno (-ERESTARTNOHAND for a signal). */
static long poll_entries(struct linux_pollfd *entries, size_t n, struct poll_timeout t)
{
    if (n == 0) {
        if (t.now)
            return 0;
        return time_sleep_until(t.deadline ? t.deadline : UINT64_MAX) ? 0 : -LINUX_ERESTARTNOHAND;
    }
    struct files_call c = { .op = FILES_OP_POLL, .len = (uint32_t)(n * sizeof *entries),
                            .in = (const uint8_t *)entries, .flags = t.now ? FILES_CALL_NO_WAIT : 0 };
    size_t len;
    int64_t r = poll_call(&c, entries, &len, t.now ? 0 : t.deadline);
    if (r == -LINUX_ERESTARTSYS)
        return -LINUX_ERESTARTNOHAND;
    if (r >= 0 && len != c.len)
        return -LINUX_EIO; /* node 0 answered something else */
    return (long)r;
}

static long poll_user(uint64_t ufds, uint64_t nfds, struct poll_timeout t)
{
    if (nfds > POLL_FDS_MAX)
        return -LINUX_EINVAL;
    struct linux_pollfd entries[POLL_FDS_MAX];
    size_t len = (size_t)nfds * sizeof entries[0];
    if (copy_from_user(entries, ufds, len) != 0)
        return -LINUX_EFAULT;
    long r = poll_entries(entries, (size_t)nfds, t);
    if (r >= 0 && copy_to_user(ufds, entries, len) != 0)
        return -LINUX_EFAULT;
    return r;
}

/* ppoll's and pselect6's mask: installed for the wait; put back at once unless a signal
 * ended it (then after its handler, so the handler runs under the wait's mask). */
static long poll_with_mask(uint64_t umask, uint64_t mask_size, long (*wait)(const void *), const void *arg)
{
    if (umask) {
        long rc = signal_wait_mask_set(umask, mask_size);
        if (rc)
            return rc;
    }
    long r = wait(arg);
    if (umask && r != -LINUX_ERESTARTNOHAND)
        signal_wait_mask_restore();
    return r;
}

long sys_poll(uint64_t ufds, uint64_t nfds, uint64_t timeout_ms, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    int32_t ms = (int32_t)timeout_ms;
    struct poll_timeout t = { 0 }; /* negative: no timeout */
    if (ms >= 0)
        t = poll_timeout_after(&(struct linux_timespec){ ms / POLL_MS_PER_SEC, ms % POLL_MS_PER_SEC * POLL_NS_PER_MS });
    return poll_user(ufds, nfds, t);
}

struct ppoll_args {
    uint64_t ufds, nfds;
    struct poll_timeout t;
};

static long ppoll_wait(const void *arg)
{
    const struct ppoll_args *a = arg;
    return poll_user(a->ufds, a->nfds, a->t);
}

long sys_ppoll(uint64_t ufds, uint64_t nfds, uint64_t uts, uint64_t umask, uint64_t mask_size, uint64_t a5)
{
    (void)a5;
    struct ppoll_args a = { .ufds = ufds, .nfds = nfds };
    long rc = poll_timeout_from_user(uts, &a.t);
    return rc ? rc : poll_with_mask(umask, mask_size, ppoll_wait, &a);
}

struct select_args {
    uint64_t n;
    uint64_t usets[SELECT_SETS]; /* read, write, except fd_set addresses (0: none) */
    struct poll_timeout t;
};

/* select over descriptors below n (fd_sets of one 64-bit word: the table has FILES_MAX_FDS
 * descriptors, and bits at or above the table's size are ignored, as Linux does). */
static long select_wait(const void *arg)
{
    _Static_assert(FILES_MAX_FDS <= 64, "one fd_set word covers the table");
    const struct select_args *a = arg;
    uint64_t n = a->n < FILES_MAX_FDS ? a->n : FILES_MAX_FDS;
    uint64_t keep = n == 64 ? UINT64_MAX : (1ull << n) - 1;
    size_t bytes = (size_t)(n + 7) / 8; /* read and written: whole bytes, never past the set */
    uint64_t sets[SELECT_SETS] = { 0 };
    for (int s = 0; s < SELECT_SETS; s++) {
        if (a->usets[s] && bytes && copy_from_user(&sets[s], a->usets[s], bytes) != 0)
            return -LINUX_EFAULT;
        sets[s] &= keep;
    }
    static const int16_t asked[SELECT_SETS] = { LINUX_POLLIN, LINUX_POLLOUT, LINUX_POLLPRI };
    static const int16_t ready_in[SELECT_SETS] = { SELECT_IN_READY, SELECT_OUT_READY, SELECT_EX_READY };
    struct linux_pollfd entries[FILES_MAX_FDS];
    size_t count = 0;
    for (uint64_t fd = 0; fd < n; fd++) {
        int16_t events = 0;
        for (int s = 0; s < SELECT_SETS; s++)
            if (sets[s] & (1ull << fd))
                events |= asked[s];
        if (events)
            entries[count++] = (struct linux_pollfd){ .fd = (int32_t)fd, .events = events };
    }
    long r = poll_entries(entries, count, a->t);
    if (r < 0)
        return r;
    uint64_t out[SELECT_SETS] = { 0 };
    long total = 0;
    for (size_t i = 0; i < count; i++) {
        if (entries[i].revents & LINUX_POLLNVAL)
            return -LINUX_EBADF; /* a set names a descriptor that is not open */
        for (int s = 0; s < SELECT_SETS; s++) {
            if ((sets[s] & (1ull << entries[i].fd)) && (entries[i].revents & ready_in[s])) {
                out[s] |= 1ull << entries[i].fd;
                total++;
            }
        }
    }
    for (int s = 0; s < SELECT_SETS; s++)
        if (a->usets[s] && bytes && copy_to_user(a->usets[s], &out[s], bytes) != 0)
            return -LINUX_EFAULT;
    return total;
}

long sys_select(uint64_t n, uint64_t uin, uint64_t uout, uint64_t uex, uint64_t utv, uint64_t a5)
{
    (void)a5;
    if ((int32_t)n < 0)
        return -LINUX_EINVAL;
    struct select_args a = { .n = (uint32_t)n, .usets = { uin, uout, uex } };
    if (utv) {
        struct linux_timeval tv;
        if (copy_from_user(&tv, utv, sizeof tv) != 0)
            return -LINUX_EFAULT;
        if (tv.tv_sec < 0 || tv.tv_usec < 0)
            return -LINUX_EINVAL;
        /* tv_usec past a second carries over, as Linux's select takes it */
        struct linux_timespec ts = { tv.tv_sec + tv.tv_usec / POLL_USEC_PER_SEC,
                                     (tv.tv_usec % POLL_USEC_PER_SEC) * (int64_t)POLL_NS_PER_USEC };
        a.t = poll_timeout_after(&ts);
    }
    return select_wait(&a);
}

long sys_pselect6(uint64_t n, uint64_t uin, uint64_t uout, uint64_t uex, uint64_t uts, uint64_t usig)
{
    if ((int32_t)n < 0)
        return -LINUX_EINVAL;
    struct select_args a = { .n = (uint32_t)n, .usets = { uin, uout, uex } };
    long rc = poll_timeout_from_user(uts, &a.t);
    if (rc)
        return rc;
    struct { uint64_t set, size; } sig = { 0, 0 }; /* pselect6's sixth argument: the mask and its size */
    if (usig && copy_from_user(&sig, usig, sizeof sig) != 0)
        return -LINUX_EFAULT;
    return poll_with_mask(sig.set, sig.size, select_wait, &a);
}

/* ---- epoll ---- */

/* Most events one epoll_wait returns: one file call's worth (the rest come next time). */
#define EPOLL_WAIT_MAX (FILES_XFER_MAX / sizeof(struct linux_epoll_event))
#define EPOLL_MAXEVENTS_LIMIT (INT32_MAX / (int32_t)sizeof(struct linux_epoll_event)) /* EP_MAX_EVENTS */

long sys_epoll_create1(uint64_t flags, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
    struct files_call c = { .op = FILES_OP_EPOLL_CREATE, .arg = (uint32_t)flags };
    size_t n;
    return (long)files_call(&c, NULL, &n);
}

long sys_epoll_create(uint64_t size, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
    if ((int32_t)size <= 0)
        return -LINUX_EINVAL; /* the size is a hint, but must be positive (epoll_create(2)) */
    return sys_epoll_create1(0, 0, 0, 0, 0, 0);
}

long sys_epoll_ctl(uint64_t epfd, uint64_t op, uint64_t fd, uint64_t uevent, uint64_t a4, uint64_t a5)
{
    (void)a4, (void)a5;
    if ((uint32_t)epfd >= FILES_MAX_FDS)
        return -LINUX_EBADF;
    struct linux_epoll_event ev;
    struct files_call c = { .op = FILES_OP_EPOLL_CTL, .fd = (int32_t)epfd, .arg = (uint32_t)op,
                            .arg2 = (uint64_t)(int64_t)(int32_t)fd };
    if ((uint32_t)op != LINUX_EPOLL_CTL_DEL) {
        if (copy_from_user(&ev, uevent, sizeof ev) != 0)
            return -LINUX_EFAULT;
        c.len = sizeof ev;
        c.in = (const uint8_t *)&ev;
    }
    size_t n;
    return (long)files_call(&c, NULL, &n);
}

struct epoll_wait_args {
    uint64_t epfd, uevents;
    int32_t maxevents;
    struct poll_timeout t;
};

static long epoll_wait_user(const void *arg)
{
    const struct epoll_wait_args *a = arg;
    if (a->maxevents <= 0 || a->maxevents > EPOLL_MAXEVENTS_LIMIT)
        return -LINUX_EINVAL;
    if (a->epfd >= FILES_MAX_FDS)
        return -LINUX_EBADF;
    size_t max = (size_t)a->maxevents < EPOLL_WAIT_MAX ? (size_t)a->maxevents : EPOLL_WAIT_MAX;
    if (!user_range_ok(a->uevents, (size_t)a->maxevents * sizeof(struct linux_epoll_event)))
        return -LINUX_EFAULT;
    struct linux_epoll_event *events = kmalloc(FILES_XFER_MAX); /* 4 KiB: not on the kernel stack */
    if (!events)
        return -LINUX_ENOMEM;
    struct files_call c = { .op = FILES_OP_EPOLL_WAIT, .fd = (int32_t)a->epfd,
                            .len = (uint32_t)(max * sizeof events[0]), .flags = a->t.now ? FILES_CALL_NO_WAIT : 0 };
    size_t len = 0;
    long r = (long)poll_call(&c, events, &len, a->t.now ? 0 : a->t.deadline);
    if (r == -LINUX_ERESTARTSYS)
        r = -LINUX_ERESTARTNOHAND; /* EINTR even under SA_RESTART, as epoll_wait(2) */
    else if (r > 0 && len != (size_t)r * sizeof events[0])
        r = -LINUX_EIO; /* node 0 answered something else */
    else if (r > 0 && copy_to_user(a->uevents, events, len) != 0)
        r = -LINUX_EFAULT;
    kfree(events);
    return r;
}

/* A millisecond timeout as epoll_wait takes it: negative waits for ever. */
static struct poll_timeout epoll_timeout_ms(int32_t ms)
{
    if (ms < 0)
        return (struct poll_timeout){ 0 };
    return poll_timeout_after(&(struct linux_timespec){ ms / POLL_MS_PER_SEC, ms % POLL_MS_PER_SEC * POLL_NS_PER_MS });
}

long sys_epoll_wait(uint64_t epfd, uint64_t uevents, uint64_t maxevents, uint64_t timeout_ms, uint64_t a4,
                    uint64_t a5)
{
    (void)a4, (void)a5;
    struct epoll_wait_args a = { (uint32_t)epfd, uevents, (int32_t)maxevents, epoll_timeout_ms((int32_t)timeout_ms) };
    return epoll_wait_user(&a);
}

long sys_epoll_pwait(uint64_t epfd, uint64_t uevents, uint64_t maxevents, uint64_t timeout_ms, uint64_t umask,
                     uint64_t mask_size)
{
    struct epoll_wait_args a = { (uint32_t)epfd, uevents, (int32_t)maxevents, epoll_timeout_ms((int32_t)timeout_ms) };
    return poll_with_mask(umask, mask_size, epoll_wait_user, &a);
}

long sys_epoll_pwait2(uint64_t epfd, uint64_t uevents, uint64_t maxevents, uint64_t uts, uint64_t umask,
                      uint64_t mask_size)
{
    struct epoll_wait_args a = { (uint32_t)epfd, uevents, (int32_t)maxevents, { 0 } };
    long rc = poll_timeout_from_user(uts, &a.t);
    return rc ? rc : poll_with_mask(umask, mask_size, epoll_wait_user, &a);
}
