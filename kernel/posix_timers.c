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
 * to another node, expirations are counted and go with the next. A timer on a CPU-time
 * clock counts the time every node reports for its thread (or for all of them: the
 * process clock) from its setting on; its signal for the process goes to the thread whose
 * time made it expire. Not done: absolute settings on a CPU-time clock (EINVAL), since
 * node 0 learns the time used only from the moment a CPU timer is armed. */
#include "kernel/posix_timers.h"

#include "kernel/clock.h"
#include "kernel/cpu_clock.h"
#include "kernel/cpu_watch.h"
#include "kernel/dsm_glue.h"
#include "kernel/interval_timer.h"
#include "kernel/libc.h"
#include "kernel/linux_abi.h"
#include "kernel/log.h"
#include "kernel/signal_frame.h"
#include "kernel/signal_process.h"
#include "kernel/syscall.h"
#include "kernel/thread.h"
#include "kernel/time_conv.h"

#define POSIX_TIMER_SIGALRM 14           /* a NULL sigevent's signal (timer_create(2)) */
#define POSIX_TIMER_SIGVTALRM 26         /* ITIMER_VIRTUAL's (signal(7), x86-64) */
#define POSIX_TIMER_SIGPROF 27           /* ITIMER_PROF's */
#define POSIX_TIMER_SLOTS (POSIX_TIMER_ITIMER_PROF + 1) /* timer_create's, then the three itimers */
#define POSIX_TIMER_RETRY_NS 1000000ull  /* a signal the transport had no room for: again in 1 ms */
#define POSIX_TIMER_GENERATION_SHIFT 8   /* a send's ctx: slot | generation above it */
_Static_assert(POSIX_TIMER_SLOTS <= (1 << POSIX_TIMER_GENERATION_SHIFT), "slot fits below the generation");

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
    struct interval_timer it; /* on a program clock */
    bool cpu;                 /* on a CPU-time clock instead: */
    int32_t cpu_tid;          /* the thread whose time counts; 0: every thread's */
    uint64_t cpu_used_ns;     /* CPU time counted since its setting */
    struct timer_count cpu_count; /* its expiries on that count */
    struct timer retry;  /* a send that found no room */
};

static struct posix_timer posix_timers[POSIX_TIMER_SLOTS];
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

/* n expirations more: they go out as one signal (unless SIGEV_NONE). */
static void posix_timer_count(struct posix_timer *pt, uint64_t n)
{
    if (pt->notify == POSIX_TIMER_SIGEV_NONE)
        return;
    uint64_t unsent = (uint64_t)pt->unsent + n;
    pt->unsent = unsent > UINT32_MAX ? UINT32_MAX : (uint32_t)unsent;
    posix_timer_send(pt);
}

static void posix_timer_expired(struct interval_timer *it, uint64_t n)
{
    uint64_t ignored;
    timer_count_take(&it->count, &ignored); /* counted in unsent instead */
    posix_timer_count(it->owner, n);
}

/* Has every node count CPU time exactly while a CPU timer is armed (kernel/cpu_watch.h). */
static void posix_timers_watch(void)
{
    bool armed = false;
    for (size_t i = 0; i < POSIX_TIMER_SLOTS; i++)
        armed |= posix_timers[i].used && posix_timers[i].cpu && posix_timers[i].cpu_count.next_ns;
    cpu_watch_set(armed);
}

void posix_timers_cpu_used(int32_t tid, uint64_t ns)
{
    bool ended = false;
    for (size_t i = 0; i < POSIX_TIMER_SLOTS; i++) {
        struct posix_timer *pt = &posix_timers[i];
        if (!pt->used || !pt->cpu || !pt->cpu_count.next_ns || (pt->cpu_tid && pt->cpu_tid != tid))
            continue;
        pt->cpu_used_ns += ns;
        uint64_t n = timer_count_expire(&pt->cpu_count, pt->cpu_used_ns), ignored;
        if (!n)
            continue;
        timer_count_take(&pt->cpu_count, &ignored); /* counted in unsent instead */
        if (pt->to_process && tid)
            pt->target = tid; /* the thread that used the time, as Linux's tick signals the running one */
        ended |= !pt->cpu_count.next_ns;
        posix_timer_count(pt, n);
    }
    if (ended)
        posix_timers_watch();
}

static struct linux_itimerspec posix_timer_cpu_get(const struct posix_timer *pt)
{
    return (struct linux_itimerspec){ timespec_from_ns(pt->cpu_count.interval_ns),
                                      timespec_from_ns(timer_count_remaining(&pt->cpu_count, pt->cpu_used_ns)) };
}

/* A CPU timer's setting, from its time now on (absolute ones only disarm: see the top). */
static long posix_timer_cpu_set(struct posix_timer *pt, const struct linux_itimerspec *set, bool absolute,
                                struct linux_itimerspec *old)
{
    if (!timespec_valid(&set->it_value) || !timespec_valid(&set->it_interval))
        return -LINUX_EINVAL;
    uint64_t value = timespec_to_ns(&set->it_value);
    if (absolute && value)
        return -LINUX_EINVAL;
    *old = posix_timer_cpu_get(pt);
    pt->cpu_used_ns = 0;
    timer_count_set(&pt->cpu_count, value, timespec_to_ns(&set->it_interval));
    posix_timers_watch();
    return 0;
}

static int64_t posix_timer_create(const struct files_call *c)
{
    int32_t cpu_id;
    enum cpu_clock_kind cpu = cpu_clock_decode(c->arg, &cpu_id);
    if (cpu == CPU_CLOCK_PROCESS && cpu_id != 0 && cpu_id != THREAD_FIRST_TID)
        return -LINUX_EINVAL; /* another process's clock */
    long bad = cpu == CPU_CLOCK_NONE ? interval_timer_clock_check(c->arg) : 0;
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
                                    .value = given ? ev.value : (uint64_t)id, .generation = generation,
                                    .cpu = cpu != CPU_CLOCK_NONE,
                                    .cpu_tid = cpu != CPU_CLOCK_THREAD ? 0 : cpu_id ? cpu_id : (int32_t)c->arg2 };
        if (!pt->cpu)
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
    bool absolute = (c->arg & LINUX_TIMER_ABSTIME) != 0;
    long rc = pt->cpu ? posix_timer_cpu_set(pt, &set, absolute, &old) : interval_timer_set(&pt->it, &set, absolute, &old);
    if (rc)
        return rc;
    pt->overrun = 0; /* a new setting starts the count again, as on Linux */
    memcpy(data, &old, sizeof old);
    *data_len = sizeof old;
    return 0;
}

static bool posix_timer_is_itimer(int32_t id)
{
    return id == POSIX_TIMER_ITIMER_REAL || id == POSIX_TIMER_ITIMER_VIRTUAL || id == POSIX_TIMER_ITIMER_PROF;
}

/* An itimer, made on first use: ITIMER_REAL a real-time SIGALRM timer, ITIMER_VIRTUAL and
 * ITIMER_PROF SIGVTALRM and SIGPROF ones on the process's CPU time, for the thread that
 * sets it. */
static struct posix_timer *posix_timer_itimer(int32_t id)
{
    struct posix_timer *pt = &posix_timers[id];
    if (!pt->used) {
        bool real = id == POSIX_TIMER_ITIMER_REAL;
        *pt = (struct posix_timer){ .used = true, .to_process = true, .code = SIGNAL_SI_KERNEL,
                                    .notify = POSIX_TIMER_SIGEV_SIGNAL,
                                    .signo = real                                 ? POSIX_TIMER_SIGALRM
                                             : id == POSIX_TIMER_ITIMER_VIRTUAL ? POSIX_TIMER_SIGVTALRM
                                                                                 : POSIX_TIMER_SIGPROF,
                                    .target = THREAD_FIRST_TID, .cpu = !real };
        if (real)
            interval_timer_init(&pt->it, LINUX_CLOCK_REALTIME, posix_timer_expired, pt);
    }
    return pt;
}

int64_t posix_timers_call(const struct files_call *c, void *data, size_t *data_len)
{
    if (c->op == FILES_OP_TIMER_CREATE)
        return posix_timer_create(c);
    bool itimer = posix_timer_is_itimer(c->fd) && (c->op == FILES_OP_TIMER_SET || c->op == FILES_OP_TIMER_GET);
    if (!itimer && (c->fd < 0 || c->fd >= POSIX_TIMERS_MAX || !posix_timers[c->fd].used))
        return -LINUX_EINVAL; /* Linux's answer for an id that names no timer */
    struct posix_timer *pt = itimer ? posix_timer_itimer(c->fd) : &posix_timers[c->fd];
    switch (c->op) {
    case FILES_OP_TIMER_SET:
        if (itimer && c->arg2)
            pt->target = (int32_t)c->arg2; /* its signal goes to the thread that set it last */
        return posix_timer_settime(pt, c, data, data_len);
    case FILES_OP_TIMER_GET: {
        struct linux_itimerspec cur = pt->cpu ? posix_timer_cpu_get(pt) : interval_timer_get(&pt->it);
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
        if (pt->cpu)
            posix_timers_watch();
        return 0;
    default:
        return -LINUX_EINVAL;
    }
}
