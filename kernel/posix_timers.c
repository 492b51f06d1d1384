/* SPDX-License-Identifier: MIT */
/* POSIX timers (see posix_timers.h). A timer's signal goes to one thread: SIGEV_THREAD_ID's,
 * or for SIGEV_SIGNAL (and ITIMER_REAL) the process's: a thread that takes it (does not
 * block it, or waits for it in sigwait), looked for at the creator (the setter), then on
 * its node, then on the others; with no taker anywhere, the creator, where it waits pending
 * (Linux keeps such a signal for whichever thread takes it first), or the first thread once
 * the creator has exited. While a signal is still pending at its thread, later expirations
 * only add to its si_overrun (as on Linux, where a timer has at most one signal queued);
 * timer_getoverrun answers from the table with the overrun of the signal last sent, unless
 * the caller took the timer's signal itself (kernel/sys_timers.c). While one is on its way
 * to another node, expirations are counted and go with the next. Not done: timers on the
 * CPU clocks (EINVAL). */
#include "kernel/posix_timers.h"

#include "kernel/clock.h"
#include "kernel/dsm_glue.h"
#include "kernel/interval_timer.h"
#include "kernel/libc.h"
#include "kernel/linux_abi.h"
#include "kernel/log.h"
#include "kernel/signal_frame.h"
#include "kernel/signal_process.h"
#include "kernel/syscall.h"
#include "kernel/thread.h"

#define POSIX_TIMER_SIGALRM 14           /* a NULL sigevent's signal (timer_create(2)) */
#define POSIX_TIMER_RETRY_NS 1000000ull  /* a signal the transport had no room for: again in 1 ms */
#define POSIX_TIMER_GENERATION_SHIFT 8   /* a send's ctx: slot | generation above it */
_Static_assert(POSIX_TIMER_ITIMER_REAL < (1 << POSIX_TIMER_GENERATION_SHIFT), "slot fits below the generation");

struct posix_timer {
    bool used;
    bool to_process;     /* SIGEV_SIGNAL: falls back to the first thread when its target exited */
    bool sending;        /* a signal is on its way (its answer comes back in posix_timer_sent) */
    int32_t code;        /* its signal's si_code: SI_TIMER, or SI_KERNEL for ITIMER_REAL */
    int32_t notify, signo, target;
    uint64_t value;
    uint32_t generation; /* bumped by every create: an answer for a deleted timer is dropped */
    uint32_t unsent;     /* expirations not yet sent */
    uint32_t in_flight;  /* expirations the signal on its way carries */
    int32_t overrun;     /* of the signal last sent: timer_getoverrun */
    struct interval_timer it;
    struct timer retry;  /* a send that found no room */
};

static struct posix_timer posix_timers[POSIX_TIMER_ITIMER_REAL + 1];
static uint64_t posix_timer_dropped; /* signals for threads that exist no more */

static void posix_timer_send(struct posix_timer *pt);
static void posix_timer_retry(struct timer *t, void *arg);

static int32_t posix_timer_saturate(uint64_t n)
{
    return n > INT32_MAX ? INT32_MAX : (int32_t)n;
}

/* The answer for a signal sent: what its thread made of it. */
static void posix_timer_sent(void *ctx, long result)
{
    uintptr_t key = (uintptr_t)ctx;
    struct posix_timer *pt = &posix_timers[key & ((1u << POSIX_TIMER_GENERATION_SHIFT) - 1)];
    if (!pt->used || pt->generation != (uint32_t)(key >> POSIX_TIMER_GENERATION_SHIFT))
        return;
    pt->sending = false;
    uint32_t carried = pt->in_flight;
    pt->in_flight = 0;
    if (result == 0) {
        pt->overrun = posix_timer_saturate(carried - 1);
    } else if (result == DSM_THREADS_SIGNAL_MERGED) {
        pt->overrun = posix_timer_saturate((uint64_t)(uint32_t)pt->overrun + carried);
    } else if (result == -LINUX_ESRCH && pt->to_process && pt->target != THREAD_FIRST_TID) {
        pt->target = THREAD_FIRST_TID;
        pt->unsent += carried;
    } else if (result == -LINUX_ESRCH) {
        if (posix_timer_dropped++ == 0)
            log_warn("posix timer %u: its thread has exited; its signals are dropped (further ones only counted)",
                     (unsigned)(pt - posix_timers));
    } else {
        pt->unsent += carried;
        timer_arm(&pt->retry, clock_now_ns() + POSIX_TIMER_RETRY_NS, posix_timer_retry, pt);
    }
    posix_timer_send(pt);
}

static void posix_timer_retry(struct timer *t, void *arg)
{
    (void)t;
    posix_timer_send(arg);
}

/* Sends the expirations not yet sent as one signal, unless one is on its way. */
static void posix_timer_send(struct posix_timer *pt)
{
    if (pt->sending || !pt->unsent || timer_pending(&pt->retry))
        return;
    pt->sending = true;
    pt->in_flight = pt->unsent;
    pt->unsent = 0;
    int32_t id = (int32_t)(pt - posix_timers);
    void *key = (void *)(uintptr_t)((uint32_t)id | pt->generation << POSIX_TIMER_GENERATION_SHIFT);
    struct signal_timer_source from = { .code = pt->code, .timerid = id, .value = pt->value };
    if (dsm_active()) {
        dsm_threads_signal_timer(pt->target, pt->signo, &from, pt->in_flight - 1, pt->to_process, posix_timer_sent,
                                 key);
        return;
    }
    posix_timer_sent(key, signal_deliver_local(pt->target, pt->signo, &from, pt->in_flight - 1, pt->to_process));
}

/* Expirations counted: they go out as one signal (unless SIGEV_NONE). */
static void posix_timer_expired(struct interval_timer *it, uint64_t n)
{
    struct posix_timer *pt = it->owner;
    uint64_t ignored;
    timer_count_take(&it->count, &ignored); /* counted here, in unsent */
    if (pt->notify == POSIX_TIMER_SIGEV_NONE)
        return;
    uint64_t unsent = (uint64_t)pt->unsent + n;
    pt->unsent = unsent > UINT32_MAX ? UINT32_MAX : (uint32_t)unsent;
    posix_timer_send(pt);
}

static int64_t posix_timer_create(const struct files_call *c)
{
    long bad = interval_timer_clock_check(c->arg);
    if (bad)
        return bad;
    struct posix_timer_event ev = { .signo = POSIX_TIMER_SIGALRM, .notify = POSIX_TIMER_SIGEV_SIGNAL };
    bool given = c->len != 0;
    if (given) {
        if (c->len != sizeof ev)
            return -LINUX_EINVAL;
        memcpy(&ev, c->in, sizeof ev);
    }
    if (ev.notify != POSIX_TIMER_SIGEV_SIGNAL && ev.notify != POSIX_TIMER_SIGEV_NONE &&
        ev.notify != POSIX_TIMER_SIGEV_THREAD_ID)
        return -LINUX_EINVAL;
    if (ev.notify != POSIX_TIMER_SIGEV_NONE && (ev.signo <= 0 || ev.signo > LINUX_NSIG))
        return -LINUX_EINVAL;
    for (int32_t id = 0; id < POSIX_TIMERS_MAX; id++) {
        struct posix_timer *pt = &posix_timers[id];
        if (pt->used)
            continue;
        uint32_t generation = pt->generation + 1;
        *pt = (struct posix_timer){ .used = true, .code = SIGNAL_SI_TIMER,
                                    .to_process = ev.notify == POSIX_TIMER_SIGEV_SIGNAL, .notify = ev.notify,
                                    .signo = ev.signo,
                                    .target = ev.notify == POSIX_TIMER_SIGEV_THREAD_ID ? ev.tid : (int32_t)c->arg2,
                                    .value = given ? ev.value : (uint64_t)id, .generation = generation };
        interval_timer_init(&pt->it, c->arg, posix_timer_expired, pt);
        return id;
    }
    return -LINUX_EAGAIN; /* Linux's answer when the timers are used up */
}

/* timer_settime(2): c->arg TIMER_ABSTIME (other bits are ignored, as Linux ignores them). */
static int64_t posix_timer_settime(struct posix_timer *pt, const struct files_call *c, void *data, size_t *data_len)
{
    struct linux_itimerspec set, old;
    if (c->len != sizeof set)
        return -LINUX_EINVAL;
    memcpy(&set, c->in, sizeof set);
    long rc = interval_timer_set(&pt->it, &set, (c->arg & LINUX_TIMER_ABSTIME) != 0, &old);
    if (rc)
        return rc;
    pt->overrun = 0; /* a new setting starts the count again, as on Linux */
    memcpy(data, &old, sizeof old);
    *data_len = sizeof old;
    return 0;
}

/* ITIMER_REAL, made on first use: a real-time SIGALRM timer for the thread that sets it. */
static struct posix_timer *posix_timer_itimer(void)
{
    struct posix_timer *pt = &posix_timers[POSIX_TIMER_ITIMER_REAL];
    if (!pt->used) {
        *pt = (struct posix_timer){ .used = true, .to_process = true, .code = SIGNAL_SI_KERNEL,
                                    .notify = POSIX_TIMER_SIGEV_SIGNAL, .signo = POSIX_TIMER_SIGALRM,
                                    .target = THREAD_FIRST_TID };
        interval_timer_init(&pt->it, LINUX_CLOCK_REALTIME, posix_timer_expired, pt);
    }
    return pt;
}

int64_t posix_timers_call(const struct files_call *c, void *data, size_t *data_len)
{
    if (c->op == FILES_OP_TIMER_CREATE)
        return posix_timer_create(c);
    bool itimer = c->fd == POSIX_TIMER_ITIMER_REAL && (c->op == FILES_OP_TIMER_SET || c->op == FILES_OP_TIMER_GET);
    if (!itimer && (c->fd < 0 || c->fd >= POSIX_TIMERS_MAX || !posix_timers[c->fd].used))
        return -LINUX_EINVAL; /* Linux's answer for an id that names no timer */
    struct posix_timer *pt = itimer ? posix_timer_itimer() : &posix_timers[c->fd];
    switch (c->op) {
    case FILES_OP_TIMER_SET:
        if (itimer && c->arg2)
            pt->target = (int32_t)c->arg2; /* SIGALRM goes to the thread that set it last */
        return posix_timer_settime(pt, c, data, data_len);
    case FILES_OP_TIMER_GET: {
        struct linux_itimerspec cur = interval_timer_get(&pt->it);
        memcpy(data, &cur, sizeof cur);
        *data_len = sizeof cur;
        return 0;
    }
    case FILES_OP_TIMER_OVERRUN:
        return pt->overrun;
    case FILES_OP_TIMER_DELETE:
        interval_timer_stop(&pt->it);
        timer_cancel(&pt->retry);
        pt->used = false; /* a signal on its way still arrives; its answer is dropped */
        return 0;
    default:
        return -LINUX_EINVAL;
    }
}
