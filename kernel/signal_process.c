/* SPDX-License-Identifier: MIT */
/* The process's pending set. A signal sent to the process that no thread takes (every
 * thread blocks it and none waits for it in sigwait) waits here, on the node that sent it,
 * as Linux keeps it in the process's shared pending set until a thread takes it: a thread
 * of this node takes it when it unblocks the signal (on its way to user mode) or waits for
 * it (sigwait, sigsuspend, pause). The other nodes hear that it is kept (a hint, which may
 * be stale by the time they act on it): a thread there that unblocks it, or any that waits
 * for it in sigwait, claims it (kernel/dsm_threads.c). Interrupts and threads run one at a
 * time (IF=0, one CPU): no locking. */
#include "kernel/signal_process.h"

#include "kernel/dsm_glue.h"
#include "kernel/linux_abi.h"
#include "kernel/sched.h"
#include "kernel/signal_frame.h"

static uint64_t signal_proc_pending;
static uint64_t signal_proc_kill;   /* of those, kill()'s */
static uint64_t signal_proc_queued; /* of those, a timer's or a sigqueue's: signal_proc_info says which */
static struct thread_sigtimer signal_proc_info[THREAD_NSIG];
static uint64_t signal_proc_hint;   /* signals other nodes said they keep for the process */

static uint64_t signal_proc_bit(uint64_t sig)
{
    return 1ull << (sig - 1);
}

bool signal_process_keep(uint64_t sig, bool by_kill, const struct signal_timer_source *queued, uint32_t extra)
{
    uint64_t bit = signal_proc_bit(sig);
    struct thread_sigtimer *st = &signal_proc_info[sig - 1];
    if (queued && (signal_proc_queued & bit) && signal_code_merges(queued->code) && st->code == queued->code &&
        st->timerid == queued->timerid) {
        uint64_t overrun = (uint64_t)(uint32_t)st->overrun + extra + 1;
        st->overrun = overrun > INT32_MAX ? INT32_MAX : (int32_t)overrun; /* Linux caps it at INT_MAX */
        return true;
    }
    if (!(signal_proc_pending & bit))
        dsm_threads_signal_kept(bit);
    signal_proc_pending |= bit;
    signal_proc_kill = by_kill ? signal_proc_kill | bit : signal_proc_kill & ~bit;
    signal_proc_queued = queued ? signal_proc_queued | bit : signal_proc_queued & ~bit;
    if (queued)
        *st = (struct thread_sigtimer){ .code = queued->code, .timerid = queued->timerid,
                                        .overrun = extra > INT32_MAX ? INT32_MAX : (int32_t)extra,
                                        .value = queued->value };
    return false;
}

long signal_deliver_local(int32_t tid, int sig, const struct signal_timer_source *from, uint32_t extra,
                          bool to_process)
{
    struct thread *t = thread_find(tid);
    if (to_process && !(t = signal_process_taker(t, (uint64_t)sig))) /* no taker now: the process keeps it */
        return signal_process_keep((uint64_t)sig, false, from, extra) ? DSM_THREADS_SIGNAL_MERGED : 0;
    if (!t)
        return -LINUX_ESRCH;
    return signal_make_pending_timer(t, (uint64_t)sig, from, extra) ? DSM_THREADS_SIGNAL_MERGED : 0;
}

uint64_t signal_process_pending(void)
{
    return signal_proc_pending;
}

bool signal_process_claim(uint64_t set, struct signal_claim *out)
{
    *out = (struct signal_claim){ 0 };
    uint64_t bits = signal_proc_pending & set;
    if (!bits)
        return false;
    uint64_t sig = (uint64_t)__builtin_ctzll(bits) + 1, bit = signal_proc_bit(sig);
    out->sig = (int32_t)sig;
    out->by_kill = (signal_proc_kill & bit) != 0;
    out->queued = (signal_proc_queued & bit) != 0;
    if (out->queued)
        out->info = signal_proc_info[sig - 1];
    signal_proc_pending &= ~bit;
    signal_proc_kill &= ~bit;
    signal_proc_queued &= ~bit;
    return true;
}

void signal_claim_give(struct thread *t, const struct signal_claim *c)
{
    if (c->sig <= 0 || c->sig > THREAD_NSIG)
        return;
    if (!c->queued) {
        signal_make_pending(t, (uint64_t)c->sig, c->by_kill != 0);
        return;
    }
    struct signal_timer_source from = { .code = c->info.code, .timerid = c->info.timerid, .value = c->info.value };
    signal_make_pending_timer(t, (uint64_t)c->sig, &from, (uint32_t)c->info.overrun);
}

void signal_process_give(struct thread *t, uint64_t wanted)
{
    struct signal_claim c;
    while (signal_process_claim(wanted, &c))
        signal_claim_give(t, &c);
}

void signal_process_hint(uint64_t bits)
{
    signal_proc_hint |= bits;
    for (int i = thread_next_used(0); i < THREAD_MAX; i = thread_next_used(i + 1)) {
        struct thread *t = thread_slot(i);
        if (t->state == THREAD_BLOCKED && (t->signal_wait_set & bits))
            sched_wake(t); /* it claims the signal in signal_wait */
    }
}

uint64_t signal_process_hint_take(uint64_t wanted)
{
    uint64_t bits = signal_proc_hint & wanted;
    signal_proc_hint &= ~bits;
    return bits;
}
