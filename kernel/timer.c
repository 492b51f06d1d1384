/* SPDX-License-Identifier: MIT */
/* One-shot timers over the LAPIC timer in one-shot mode (SDM vol. 3 10.5.4). Its count
 * rate is measured against the calibrated TSC at init. Lazy programming: the hardware is
 * reprogrammed only when the earliest pending deadline comes before the interrupt it is
 * already set for; a cancelled or later-moved timer leaves it, and its early interrupt
 * finds nothing due and reprograms (as a deadline beyond the 32-bit count always did).
 * Under QEMU TCG a LAPIC register write waits for QEMU's global lock, which its main loop
 * holds while it transmits our frames: nettest=rpc measured 11-28 us per re-arm, on every
 * round trip's critical path, while the transport moves its retransmission deadline on
 * every message. Runs with IF=0 only: there is one CPU and kernel code never runs with
 * interrupts on, so no locking. */
#include "kernel/timer.h"

#include <arch/apic.h>
#include <arch/cpu.h>

#include "kernel/clock.h"
#include "kernel/irq.h"
#include "kernel/ktest.h"
#include "kernel/log.h"
#include "kernel/panic.h"

#define TIMER_CALIBRATE_NS (5 * NS_PER_MS)
#define TIMER_CALIBRATE_READS 8
#define TIMER_RATE_SHIFT 24            /* lapic ticks = ns * rate >> 24 */
#define TIMER_MAX_RUNS_PER_CALL 1024   /* bounds a callback that keeps re-arming in the past */
#define TIMER_COUNT_MAX 0xffffffffull

static struct timer *timer_head;       /* pending timers, sorted by deadline */
static uint64_t timer_lapic_rate;      /* LAPIC timer ticks per ns, 40.24 fixed point */
static bool timer_ready;
/* Invariant: the LAPIC interrupts at or before this clock value (within one count), or
 * has already raised its interrupt; UINT64_MAX when it is stopped or its interrupt was
 * taken. timer_program leaves the hardware alone for any deadline at or after it. */
static uint64_t timer_hw_deadline = UINT64_MAX;
static uint64_t timer_hw_writes; /* LAPIC reprogrammings (ktest and dump) */
static struct timer timer_tick_timer;
static void (*timer_tick_fn)(void);
static uint64_t timer_tick_period;

static void timer_program(void)
{
    if (!timer_ready)
        return;
    uint64_t want = timer_head ? timer_head->deadline_ns : UINT64_MAX;
    if (want >= timer_hw_deadline)
        return;
    uint64_t now = clock_now_ns();
    uint64_t delta = want > now ? want - now : 0;
    unsigned __int128 count = ((unsigned __int128)delta * timer_lapic_rate) >> TIMER_RATE_SHIFT;
    if (count == 0)
        count = 1; /* due now: interrupt as soon as possible */
    /* A clamped count fires early; marking the hardware far off makes every nearer
     * deadline reprogram, as it must. */
    timer_hw_deadline = count > TIMER_COUNT_MAX ? UINT64_MAX - 1 : now + delta;
    if (count > TIMER_COUNT_MAX)
        count = TIMER_COUNT_MAX;
    lapic_timer_restart((uint32_t)count);
    timer_hw_writes++;
}

static void timer_unlink(struct timer *t)
{
    for (struct timer **pp = &timer_head; *pp; pp = &(*pp)->next) {
        if (*pp == t) {
            *pp = t->next;
            break;
        }
    }
    t->next = NULL;
    t->armed = false;
}

void timer_arm(struct timer *t, uint64_t deadline_ns, timer_fn fn, void *arg)
{
    if (t->armed)
        timer_unlink(t);
    t->deadline_ns = deadline_ns;
    t->fn = fn;
    t->arg = arg;
    t->armed = true;
    struct timer **pp = &timer_head;
    while (*pp && (*pp)->deadline_ns <= deadline_ns)
        pp = &(*pp)->next;
    t->next = *pp;
    *pp = t;
    if (timer_head == t)
        timer_program();
}

bool timer_cancel(struct timer *t)
{
    if (!t->armed)
        return false;
    bool was_first = timer_head == t;
    timer_unlink(t);
    if (was_first)
        timer_program();
    return true;
}

bool timer_pending(const struct timer *t)
{
    return t->armed;
}

uint64_t timer_hw_write_count(void)
{
    return timer_hw_writes;
}

uint64_t timer_next_deadline(void)
{
    return timer_head ? timer_head->deadline_ns : UINT64_MAX;
}

/* The module is consistent before every callback (t unlinked, hardware programmed for
 * the next deadline), because a callback may switch threads (the scheduler's tick) and
 * this frame may not resume for a long time; meanwhile other calls run timers as usual. */
unsigned timer_run_expired(void)
{
    uint64_t now = clock_now_ns();
    unsigned ran = 0;
    while (timer_head && timer_head->deadline_ns <= now && ran < TIMER_MAX_RUNS_PER_CALL) {
        struct timer *t = timer_head;
        timer_head = t->next;
        t->next = NULL;
        t->armed = false;
        timer_program();
        t->fn(t, t->arg);
        ran++;
    }
    timer_program();
    return ran;
}

static void timer_interrupt(void *ctx)
{
    (void)ctx;
    timer_hw_deadline = UINT64_MAX; /* one-shot: it is stopped now */
    timer_run_expired();
}

static void timer_tick(struct timer *t, void *arg)
{
    (void)arg;
    uint64_t now = clock_now_ns();
    uint64_t next = t->deadline_ns + timer_tick_period;
    if (next <= now)
        next = now + timer_tick_period; /* missed ticks are dropped, not replayed in a burst */
    timer_arm(t, next, timer_tick, NULL);
    timer_tick_fn();
}

void timer_set_tick(uint64_t period_ns, void (*fn)(void))
{
    timer_cancel(&timer_tick_timer);
    timer_tick_fn = fn;
    timer_tick_period = period_ns;
    if (period_ns && fn)
        timer_arm(&timer_tick_timer, clock_now_ns() + period_ns, timer_tick, NULL);
}

/* One LAPIC count read between two TSC reads; returns the bracket width in TSC ticks. */
static uint64_t timer_read_lapic(uint32_t *count, uint64_t *tsc_mid)
{
    uint64_t t0 = cpu_rdtsc();
    *count = lapic_timer_remaining();
    uint64_t t1 = cpu_rdtsc();
    *tsc_mid = t0 + (t1 - t0) / 2;
    return t1 - t0;
}

/* The tightest-bracketed of a few reads: a preempted read is not believed. */
static void timer_read_lapic_best(uint32_t *count, uint64_t *tsc_mid)
{
    uint64_t best = timer_read_lapic(count, tsc_mid);
    for (int i = 1; i < TIMER_CALIBRATE_READS; i++) {
        uint32_t c;
        uint64_t t;
        uint64_t width = timer_read_lapic(&c, &t);
        if (width < best) {
            best = width;
            *count = c;
            *tsc_mid = t;
        }
    }
}

void timer_init(void)
{
    uint32_t c0, c1;
    uint64_t t0, t1;
    lapic_timer_free_run();
    timer_read_lapic_best(&c0, &t0);
    clock_delay_ns(TIMER_CALIBRATE_NS);
    timer_read_lapic_best(&c1, &t1);
    lapic_timer_oneshot(IRQ_VECTOR_TIMER, 0);
    uint64_t ticks = c0 - c1;
    uint64_t elapsed = clock_tsc_to_ns(t1 - t0);
    if (c1 >= c0 || elapsed == 0)
        panic("timer: the LAPIC timer does not count");
    timer_lapic_rate = (ticks << TIMER_RATE_SHIFT) / elapsed;
    irq_set_fixed_handler(IRQ_VECTOR_TIMER, timer_interrupt, NULL);
    timer_ready = true;
    timer_program();
    log_info("timer: LAPIC timer %llu kHz (one-shot)", (unsigned long long)(ticks * NS_PER_SEC / elapsed / 1000));
}

void timer_dump(void)
{
    uint64_t now = clock_now_ns();
    long long head_us = timer_head ? ((long long)timer_head->deadline_ns - (long long)now) / (long long)NS_PER_US : 0;
    long long hw_us = timer_hw_deadline < UINT64_MAX - 1
                          ? ((long long)timer_hw_deadline - (long long)now) / (long long)NS_PER_US : 0;
    unsigned pending = 0;
    for (const struct timer *t = timer_head; t; t = t->next)
        pending++;
    log_info("dump: timers %u pending, first %s%lld us, hardware %s%lld us, %llu hardware writes, %llu interrupts",
             pending, timer_head ? "in " : "none ", head_us,
             timer_hw_deadline == UINT64_MAX ? "stopped " : timer_hw_deadline == UINT64_MAX - 1 ? "far " : "in ", hw_us,
             (unsigned long long)timer_hw_writes, (unsigned long long)irq_count(IRQ_VECTOR_TIMER));
    lapic_dump();
}

/* ktests: waiting here halts with interrupts on, so the LAPIC interrupt path is exercised. */

#define TIMER_KTEST_COUNT 5

struct timer_ktest_log {
    int fired;
    uint64_t deadline[TIMER_KTEST_COUNT]; /* deadlines in firing order */
    bool early;                           /* some callback ran before its deadline */
};

static void timer_ktest_record(struct timer *t, void *arg)
{
    struct timer_ktest_log *log = arg;
    if (clock_now_ns() < t->deadline_ns)
        log->early = true;
    if (log->fired < TIMER_KTEST_COUNT)
        log->deadline[log->fired] = t->deadline_ns;
    log->fired++;
}

static void timer_ktest_wait_until(const int *counter, int target, uint64_t limit_ns)
{
    uint64_t end = clock_now_ns() + limit_ns;
    while (*counter < target && clock_now_ns() < end)
        cpu_wait_for_interrupt();
}

KTEST(timer_fires_in_deadline_order)
{
    static struct timer timers[TIMER_KTEST_COUNT];
    static struct timer_ktest_log log;
    static const unsigned delay_ms[TIMER_KTEST_COUNT] = { 5, 1, 3, 2, 4 };
    log = (struct timer_ktest_log){ 0 };
    uint64_t irqs_before = irq_count(IRQ_VECTOR_TIMER);
    uint64_t base = clock_now_ns();
    for (int i = 0; i < TIMER_KTEST_COUNT; i++)
        timer_arm(&timers[i], base + delay_ms[i] * NS_PER_MS, timer_ktest_record, &log);
    timer_ktest_wait_until(&log.fired, TIMER_KTEST_COUNT, NS_PER_SEC);
    KT_EXPECT_EQ(log.fired, TIMER_KTEST_COUNT);
    KT_EXPECT(!log.early);
    for (int i = 0; i < TIMER_KTEST_COUNT; i++) {
        KT_EXPECT_EQ(log.deadline[i], base + (uint64_t)(i + 1) * NS_PER_MS);
        KT_EXPECT(!timer_pending(&timers[i]));
    }
    KT_EXPECT(irq_count(IRQ_VECTOR_TIMER) > irqs_before);
}

KTEST(timer_cancel_prevents_firing)
{
    static struct timer keep, drop;
    static struct timer_ktest_log log;
    log = (struct timer_ktest_log){ 0 };
    uint64_t base = clock_now_ns();
    timer_arm(&drop, base + 1 * NS_PER_MS, timer_ktest_record, &log);
    timer_arm(&keep, base + 3 * NS_PER_MS, timer_ktest_record, &log);
    KT_EXPECT(timer_cancel(&drop));
    KT_EXPECT(!timer_cancel(&drop));
    timer_ktest_wait_until(&log.fired, 1, NS_PER_SEC);
    KT_EXPECT_EQ(log.fired, 1);
    KT_EXPECT_EQ(log.deadline[0], base + 3 * NS_PER_MS);
}

/* Lazy programming: a later timer or a cancel leaves the LAPIC alone (its early interrupt
 * reprograms), and every timer still fires in order and not early, a nearer one too. */
KTEST(timer_cancel_and_later_deadline_leave_the_hardware)
{
    static struct timer near, far, nearer;
    static struct timer_ktest_log log;
    log = (struct timer_ktest_log){ 0 };
    uint64_t base = clock_now_ns();
    timer_arm(&near, base + NS_PER_MS / 2, timer_ktest_record, &log);
    uint64_t writes = timer_hw_write_count();
    timer_arm(&far, base + 4 * NS_PER_MS, timer_ktest_record, &log);
    KT_EXPECT(timer_cancel(&near));
    KT_EXPECT_EQ(timer_hw_write_count(), writes);
    timer_arm(&nearer, base + NS_PER_MS / 4, timer_ktest_record, &log);
    timer_ktest_wait_until(&log.fired, 2, NS_PER_SEC);
    KT_EXPECT_EQ(log.fired, 2);
    KT_EXPECT_EQ(log.deadline[0], base + NS_PER_MS / 4);
    KT_EXPECT_EQ(log.deadline[1], base + 4 * NS_PER_MS);
    KT_EXPECT(!log.early);
}

static int timer_ktest_ticks;
static void timer_ktest_tick(void)
{
    timer_ktest_ticks++;
}

KTEST(timer_periodic_tick)
{
    timer_ktest_ticks = 0;
    uint64_t start = clock_now_ns();
    timer_set_tick(2 * NS_PER_MS, timer_ktest_tick);
    timer_ktest_wait_until(&timer_ktest_ticks, 5, NS_PER_SEC);
    uint64_t elapsed = clock_now_ns() - start;
    timer_set_tick(0, NULL);
    KT_EXPECT(timer_ktest_ticks >= 5);
    KT_EXPECT(elapsed >= 10 * NS_PER_MS);
    int after = timer_ktest_ticks;
    clock_delay_ns(5 * NS_PER_MS);
    timer_run_expired();
    KT_EXPECT_EQ(timer_ktest_ticks, after);
}

KTEST(timer_run_expired_polls_without_interrupts)
{
    static struct timer t;
    static struct timer_ktest_log log;
    log = (struct timer_ktest_log){ 0 };
    timer_arm(&t, clock_now_ns() + NS_PER_MS, timer_ktest_record, &log);
    clock_delay_ns(2 * NS_PER_MS); /* IF=0: only polling can run it */
    KT_EXPECT_EQ(log.fired, 0);
    KT_EXPECT_EQ(timer_run_expired(), 1);
    KT_EXPECT_EQ(log.fired, 1);
}

/* A callback that does not return for a while (the scheduler's tick switching threads)
 * must not stop other timers: here callback "outer" acknowledges its interrupt, as the
 * scheduler does, and opens interrupt windows until "inner" has fired. */
static struct timer timer_ktest_inner_timer;
static bool timer_ktest_inner_fired, timer_ktest_outer_done, timer_ktest_inner_within_outer;

static void timer_ktest_inner(struct timer *t, void *arg)
{
    (void)t;
    (void)arg;
    timer_ktest_inner_fired = true;
}

static void timer_ktest_outer(struct timer *t, void *arg)
{
    (void)t;
    (void)arg;
    timer_arm(&timer_ktest_inner_timer, clock_now_ns() + NS_PER_MS, timer_ktest_inner, NULL);
    lapic_eoi();
    uint64_t end = clock_now_ns() + NS_PER_SEC / 2;
    while (!timer_ktest_inner_fired && clock_now_ns() < end)
        __asm__ volatile("sti; nop; cli" ::: "memory"); /* the nop is the interrupt window */
    timer_ktest_inner_within_outer = timer_ktest_inner_fired;
    timer_ktest_outer_done = true;
}

KTEST(timer_callback_that_blocks_does_not_stop_timers)
{
    static struct timer outer;
    timer_ktest_inner_fired = timer_ktest_outer_done = timer_ktest_inner_within_outer = false;
    timer_arm(&outer, clock_now_ns() + NS_PER_MS, timer_ktest_outer, NULL);
    uint64_t end = clock_now_ns() + NS_PER_SEC;
    while (!timer_ktest_outer_done && clock_now_ns() < end)
        cpu_wait_for_interrupt();
    KT_EXPECT(timer_ktest_outer_done);
    KT_EXPECT(timer_ktest_inner_within_outer);
}
