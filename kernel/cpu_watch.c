/* SPDX-License-Identifier: MIT */
/* Every node's watch of its threads' CPU time for node 0's CPU timers (see cpu_watch.h). */
#include "kernel/cpu_watch.h"

#include "kernel/clock.h"
#include "kernel/dsm_glue.h"
#include "kernel/dsm_internal.h"
#include "kernel/libc.h"
#include "kernel/log.h"
#include "kernel/net_glue.h"
#include "kernel/posix_timers.h"
#include "kernel/sched.h"
#include "kernel/thread.h"
#include "kernel/timer.h"
#include "net/net.h"

/* How often a watching node tells node 0: the timers' resolution across nodes. Linux
 * checks its CPU timers at every tick (4 ms at its default HZ of 250). */
#define CPU_WATCH_FLUSH_NS 2000000ull
#define CPU_WATCH_REPORT_MAX 64 /* threads in one report; any more go in the next */

/* One thread's CPU time since the last report (tid 0: threads that have left this node,
 * for the process clock only). */
struct cpu_used_entry {
    int32_t tid;
    uint32_t reserved; /* 0 */
    uint64_t ns;
};

struct cpu_watch_note {
    uint32_t on; /* 1: count and report; 0: stop */
    uint32_t reserved;
};

static bool cpu_watching;
static uint64_t cpu_watch_left_ns; /* used by threads that have left, not reported yet */
static struct timer cpu_watch_timer;
static struct cpu_used_entry cpu_watch_report[CPU_WATCH_REPORT_MAX]; /* built in the timer interrupt */
static uint64_t cpu_watch_bad_msgs;

void cpu_watch_charge(struct thread *t, uint64_t ns)
{
    if (cpu_watching)
        t->cpu_unreported_ns += ns;
}

void cpu_watch_exited(const struct thread *t)
{
    if (cpu_watching)
        cpu_watch_left_ns += t->cpu_unreported_ns;
}

/* Hands each entry to the timers (node 0) or sends them there; false if the send found
 * no room (nothing was taken: the same time goes with the next report). */
static bool cpu_watch_deliver(const struct cpu_used_entry *entries, size_t count)
{
    if (!dsm_active() || dsm_self == 0) {
        for (size_t i = 0; i < count; i++)
            posix_timers_cpu_used(entries[i].tid, entries[i].ns);
        return true;
    }
    return transport_send_queued(net_glue_net(), 0, DSM_TYPE_CPU_USED, entries, count * sizeof *entries) == NET_OK;
}

/* The timer interrupt, every CPU_WATCH_FLUSH_NS while watching: reports what each thread
 * used since the last report. */
static void cpu_watch_flush(struct timer *tm, void *arg)
{
    (void)arg;
    timer_arm(tm, clock_now_ns() + CPU_WATCH_FLUSH_NS, cpu_watch_flush, NULL);
    sched_charge_running(); /* a thread alone on its CPU is charged only when it stops */
    size_t count = 0;
    if (cpu_watch_left_ns)
        cpu_watch_report[count++] = (struct cpu_used_entry){ .tid = 0, .ns = cpu_watch_left_ns };
    for (int i = thread_next_used(0); i < THREAD_MAX && count < CPU_WATCH_REPORT_MAX; i = thread_next_used(i + 1)) {
        const struct thread *t = thread_slot(i);
        if (thread_is_live(t) && t->cpu_unreported_ns)
            cpu_watch_report[count++] = (struct cpu_used_entry){ .tid = t->tid, .ns = t->cpu_unreported_ns };
    }
    if (count == 0 || !cpu_watch_deliver(cpu_watch_report, count))
        return;
    for (size_t k = 0; k < count; k++) {
        if (cpu_watch_report[k].tid == 0) {
            cpu_watch_left_ns -= cpu_watch_report[k].ns;
            continue;
        }
        struct thread *t = thread_find(cpu_watch_report[k].tid);
        if (t) /* it is still here: more may have been charged since, it stays counted */
            t->cpu_unreported_ns -= cpu_watch_report[k].ns;
    }
}

/* Starts (from zero: time used before a timer was armed never counts) or stops watching. */
static void cpu_watch_apply(bool on)
{
    if (on == cpu_watching)
        return;
    cpu_watching = on;
    if (!on) {
        timer_cancel(&cpu_watch_timer);
        return;
    }
    sched_charge_running(); /* the running thread's time so far is before the watch */
    cpu_watch_left_ns = 0;
    for (int i = thread_next_used(0); i < THREAD_MAX; i = thread_next_used(i + 1))
        thread_slot(i)->cpu_unreported_ns = 0;
    timer_arm(&cpu_watch_timer, clock_now_ns() + CPU_WATCH_FLUSH_NS, cpu_watch_flush, NULL);
}

void cpu_watch_set(bool on)
{
    if (on == cpu_watching)
        return;
    cpu_watch_apply(on);
    struct cpu_watch_note note = { .on = on };
    for (unsigned node = 1; dsm_active() && node < dsm_nnodes; node++)
        if (transport_send_queued(net_glue_net(), node, DSM_TYPE_CPU_WATCH, &note, sizeof note) != NET_OK)
            log_warn("cpu timers: node %u not told to %s counting CPU time", node, on ? "start" : "stop");
}

/* Counts a malformed message from a peer; the first is logged. */
static void cpu_watch_bad(const char *what, uint32_t from)
{
    if (cpu_watch_bad_msgs++ == 0)
        log_warn("cpu timers: malformed %s from node %u dropped (further ones only counted)", what, from);
}

/* Node 0: another node's report (struct cpu_used_entry each). */
static void cpu_watch_used_input(void *ctx, struct net *n, uint32_t from, uint8_t type, const uint8_t *msg,
                                 size_t len, uint64_t request_id)
{
    (void)ctx, (void)n, (void)type, (void)request_id;
    struct cpu_used_entry e;
    size_t count = len / sizeof e;
    if (dsm_self != 0 || len == 0 || len % sizeof e != 0 || count > CPU_WATCH_REPORT_MAX) {
        cpu_watch_bad("CPU time report", from);
        return;
    }
    for (size_t i = 0; i < count; i++) {
        memcpy(&e, msg + i * sizeof e, sizeof e);
        if (e.tid < 0 || e.reserved != 0) {
            cpu_watch_bad("CPU time report", from);
            return;
        }
    }
    for (size_t i = 0; i < count; i++) {
        memcpy(&e, msg + i * sizeof e, sizeof e);
        posix_timers_cpu_used(e.tid, e.ns);
    }
}

/* Another node: node 0 starts or stops the watch. */
static void cpu_watch_note_input(void *ctx, struct net *n, uint32_t from, uint8_t type, const uint8_t *msg,
                                 size_t len, uint64_t request_id)
{
    (void)ctx, (void)n, (void)type, (void)request_id;
    struct cpu_watch_note note;
    if (from != 0 || len != sizeof note) {
        cpu_watch_bad("watch note", from);
        return;
    }
    memcpy(&note, msg, sizeof note);
    if (note.on > 1 || note.reserved != 0) {
        cpu_watch_bad("watch note", from);
        return;
    }
    cpu_watch_apply(note.on != 0);
}

void cpu_watch_init(void)
{
    transport_register_handler(net_glue_net(), DSM_TYPE_CPU_USED, cpu_watch_used_input, NULL);
    transport_register_handler(net_glue_net(), DSM_TYPE_CPU_WATCH, cpu_watch_note_input, NULL);
}
