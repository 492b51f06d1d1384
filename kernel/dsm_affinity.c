/* SPDX-License-Identifier: MIT */
/* Data affinity (DESIGN.md section 4), the kernel's side: one judge (dsm/affinity.h) per
 * thread of this node. dsm_glue_fault reports each remote fault's sharing miss; after a
 * page fault from user mode, or an interrupt that returns to user mode, the judge may move
 * the thread (to the node its misses come from, or home), by the same snapshot as
 * dsmk_migrate (the interrupted or faulting instruction runs again there).
 * A thread the program placed itself (dsmk_migrate, or sched_setaffinity naming fewer than
 * all nodes) is pinned and never moved. A node that just received a thread from node X
 * sends none to X for DSM_AFFINITY_QUIET_NS, so two threads drawn to each other's node do
 * not swap places. dsm.affinity=on|off (default on). */
#include "kernel/dsm_affinity.h"

#include "dsm/affinity.h"
#include "kernel/clock.h"
#include "kernel/cmdline.h"
#include "kernel/dsm_glue.h"
#include "kernel/dsm_internal.h"
#include "kernel/log.h"
#include "kernel/sched.h"
#include "kernel/thread.h"
#include "kernel/time_conv.h"
#include "kernel/uvm_page.h"

#define DSM_AFFINITY_ON 0
static unsigned dsm_affinity_choice = DSM_AFFINITY_ON;
static const char *const dsm_affinity_names[] = { "on", "off", NULL };
CMDLINE_PARAM_CHOICE(dsm_affinity_choice, "dsm.affinity", dsm_affinity_names,
                     "move a thread that mostly waits for pages one node took to that node: on or off");

struct dsm_affinity_thread {
    int32_t tid; /* the thread this record is for; another tid in the slot: a fresh record */
    bool pinned;
    struct dsm_affinity judge;
};
static struct dsm_affinity_thread dsm_affinity_threads[THREAD_MAX];
static uint64_t dsm_affinity_arrived_ns[DSM_MAX_NODES]; /* last thread that came by affinity from each node */
static uint64_t dsm_affinity_moved_out, dsm_affinity_moved_in, dsm_affinity_held;
static struct dsm_affinity_seen dsm_affinity_seen; /* the hot pages' use on this node, for every judge */

/* The clocks the judge of t reads, now. */
static struct dsm_affinity_clocks dsm_affinity_clocks_of(const struct thread *t)
{
    return (struct dsm_affinity_clocks){ clock_now_ns(), sched_idle_ns(), t->ready_ns };
}

/* The record of thread t, started afresh (t's home is here) if the slot last held another
 * thread. */
static struct dsm_affinity_thread *dsm_affinity_of(const struct thread *t)
{
    struct dsm_affinity_thread *a = &dsm_affinity_threads[thread_index(t)];
    if (a->tid != t->tid) {
        a->tid = t->tid;
        a->pinned = false;
        struct dsm_affinity_clocks c = dsm_affinity_clocks_of(t);
        struct dsm_affinity_history h = { .home = (uint16_t)dsm_self };
        dsm_affinity_start(&a->judge, &c, &h);
    }
    return a;
}

void dsm_affinity_fault(bool sharing_miss, unsigned from, uint64_t wait_ns, uint64_t page)
{
    if (dsm_affinity_choice != DSM_AFFINITY_ON || !sharing_miss)
        return;
    dsm_affinity_miss(&dsm_affinity_of(thread_current())->judge, from, wait_ns, page);
}

/* Whether a page of judge a's h.hot was used on this node during its period (seen by any
 * judge: reading a page's accessed bit clears it). */
static bool dsm_affinity_hot_used(const struct dsm_affinity *a, uint64_t now)
{
    bool used = false;
    for (unsigned i = 0; i < DSM_AFFINITY_HOT_PAGES; i++) {
        uint64_t page = a->h.hot[i];
        if (page && page < DSM_PAGE_LIMIT)
            used |= dsm_affinity_seen_used(&dsm_affinity_seen, page, uvm_page_test_clear_used(page << DSM_PAGE_SHIFT),
                                           now, a->period_start_ns);
    }
    return used;
}

void dsm_affinity_check(void)
{
    if (dsm_affinity_choice != DSM_AFFINITY_ON || !dsm_active())
        return;
    struct dsm_affinity_thread *a = dsm_affinity_of(thread_current());
    if (a->pinned)
        return;
    struct dsm_affinity_clocks c = dsm_affinity_clocks_of(thread_current());
    uint64_t now = c.now_ns;
    struct dsm_affinity_verdict why;
    if (!dsm_affinity_due(&a->judge, now, dsm_self))
        return;
    bool hot_used = dsm_affinity_hot_used(&a->judge, now);
    unsigned to = dsm_affinity_judge(&a->judge, &c, dsm_self, dsm_nnodes, hot_used, &why);
    if (to == DSM_NODE_NONE)
        return;
    if (dsm_affinity_arrived_ns[to] && now - dsm_affinity_arrived_ns[to] < DSM_AFFINITY_QUIET_NS) {
        dsm_affinity_held++;
        return;
    }
    log_info("dsm: thread %d moves to node %u%s: of %llu ms, %llu waiting on %u sharing misses (%u ended by it), "
             "%llu with the CPU idle, %llu ready for it",
             thread_current()->tid, to, why.home ? " (home)" : "", (unsigned long long)(why.period_ns / NS_PER_MS),
             (unsigned long long)(why.wait_ns / NS_PER_MS), why.misses, why.from_target,
             (unsigned long long)(why.idle_ns / NS_PER_MS), (unsigned long long)(why.ready_ns / NS_PER_MS));
    dsm_affinity_moving(&a->judge, now, to); /* before the snapshot: the history travels with it */
    dsm_affinity_moved_out++;
    if (dsm_threads_move_by_affinity(to) < 0)
        dsm_affinity_moved_out--; /* it stays; its quiet time keeps it from trying again at once */
}

void dsm_affinity_init(void)
{
    sched_set_user_return_hook(dsm_affinity_check);
}

void dsm_affinity_pin(const struct thread *t)
{
    dsm_affinity_of(t)->pinned = true;
}

void dsm_affinity_leaving(const struct thread *t, bool *pinned, struct dsm_affinity_history *h)
{
    const struct dsm_affinity_thread *a = dsm_affinity_of(t);
    *pinned = a->pinned;
    *h = a->judge.h;
}

void dsm_affinity_arrived(const struct thread *t, unsigned from, bool pinned, const struct dsm_affinity_history *h,
                          bool by_affinity)
{
    struct dsm_affinity_thread *a = &dsm_affinity_threads[thread_index(t)];
    struct dsm_affinity_clocks c = dsm_affinity_clocks_of(t);
    a->tid = t->tid;
    a->pinned = pinned;
    dsm_affinity_start(&a->judge, &c, h);
    if (by_affinity && from < DSM_MAX_NODES) {
        dsm_affinity_arrived_ns[from] = c.now_ns;
        dsm_affinity_moved_in++;
    }
}

void dsm_affinity_log(unsigned node)
{
    log_info("dsm-affinity node=%u %s moved_out=%llu moved_in=%llu held=%llu", node,
             dsm_affinity_names[dsm_affinity_choice], (unsigned long long)dsm_affinity_moved_out,
             (unsigned long long)dsm_affinity_moved_in, (unsigned long long)dsm_affinity_held);
}
