/* SPDX-License-Identifier: MIT */
/* The thread table: creation with a prepared kernel stack, lookup by tid, exit with
 * Linux's CLONE_CHILD_CLEARTID contract (clone(2): zero the word, futex-wake one waiter;
 * musl's pthread_join waits on it). The last thread's exit ends the program. */
#include "kernel/thread.h"

#include <arch/context.h>
#include <arch/cpu.h>
#include <arch/gdt.h>
#include <stddef.h>

#include "kernel/dsm_glue.h"
#include "kernel/futex.h"
#include "kernel/libc.h"
#include "kernel/log.h"
#include "kernel/mm.h"
#include "kernel/panic.h"
#include "kernel/program.h"
#include "kernel/sched.h"
#include "kernel/shared_maps.h"
#include "kernel/usercopy.h"
#include "kernel/uvm.h"

/* What context_switch pops on a new stack: r15 r14 r13 r12 rbx rbp, then the return address. */
#define THREAD_SWITCH_SLOTS 7

/* Kernel stacks of exited threads, kept for the next thread: create/join cycles then cost
 * no page-table work (kstack_alloc maps pages and a guard, kstack_free unmaps them). */
#define THREAD_KSTACK_CACHE 16

#define THREAD_USED_WORDS ((THREAD_MAX + 63) / 64)

static struct thread thread_table[THREAD_MAX];
/* Bit i set: slot i is not FREE. Scans visit only these slots, so their cost follows the
 * threads a node has, not the table's size (a slot is 2.3 KiB: a scan of all 1024 would
 * touch 580 pages, each a TLB miss under TCG). */
static uint64_t thread_used[THREAD_USED_WORDS];
static uint64_t thread_kstack_cache[THREAD_KSTACK_CACHE];
static int thread_kstack_cached;
static int thread_next_tid = THREAD_FIRST_TID;
static uint64_t thread_created_total;

struct thread *thread_slot(int index)
{
    return &thread_table[index];
}

int thread_index(const struct thread *t)
{
    return (int)(t - thread_table);
}

int thread_next_used(int from)
{
    if (from < 0)
        from = 0;
    for (int w = from / 64; w < THREAD_USED_WORDS; w++) {
        uint64_t bits = thread_used[w];
        if (w == from / 64)
            bits &= ~0ull << (from % 64);
        if (bits)
            return w * 64 + __builtin_ctzll(bits);
    }
    return THREAD_MAX;
}

bool thread_is_live(const struct thread *t)
{
    return t->state != THREAD_FREE && t->state != THREAD_DEAD;
}

struct thread *thread_find(int tid)
{
    for (int i = thread_next_used(0); i < THREAD_MAX; i = thread_next_used(i + 1)) {
        struct thread *t = &thread_table[i];
        if (t->tid == tid && thread_is_live(t))
            return t;
    }
    return NULL;
}

int thread_tid_next(void)
{
    return thread_next_tid;
}

uint64_t thread_created_count(void)
{
    return thread_created_total;
}

int thread_live_count(void)
{
    int n = 0;
    for (int i = thread_next_used(0); i < THREAD_MAX; i = thread_next_used(i + 1))
        n += thread_is_live(&thread_table[i]);
    return n;
}

struct trap_frame *thread_user_frame(struct thread *t)
{
    return (struct trap_frame *)(uintptr_t)(t->kstack_top - sizeof(struct trap_frame));
}

void thread_capture(struct thread *t, struct user_context *ctx)
{
    user_context_capture(ctx, thread_user_frame(t), t->fs_base, &t->fpu);
}

void thread_restore(struct thread *t, const struct user_context *ctx)
{
    KASSERT(t->state != THREAD_RUNNING);
    user_context_to_frame(ctx, thread_user_frame(t));
    t->fs_base = ctx->fs_base;
    memcpy(&t->fpu, &ctx->fpu, sizeof t->fpu);
}

struct thread *thread_create_user(const struct user_context *ctx)
{
    int slot = THREAD_MAX;
    for (int w = 0; w < THREAD_USED_WORDS && slot == THREAD_MAX; w++)
        if (~thread_used[w])
            slot = w * 64 + __builtin_ctzll(~thread_used[w]);
    if (slot >= THREAD_MAX)
        return NULL;
    struct thread *t = &thread_table[slot];
    uint64_t top = thread_kstack_cached ? thread_kstack_cache[--thread_kstack_cached]
                                        : kstack_alloc(THREAD_KSTACK_PAGES);
    if (!top)
        return NULL;
    memset(t, 0, sizeof *t);
    thread_used[slot / 64] |= 1ull << (slot % 64);
    t->tid = thread_next_tid++;
    t->kstack_top = top;
    t->prctl.timerslack_ns = THREAD_TIMERSLACK_DEFAULT_NS; /* a creator's settings replace these (clone) */
    thread_restore(t, ctx);
    uint64_t *slots = (uint64_t *)thread_user_frame(t) - THREAD_SWITCH_SLOTS;
    memset(slots, 0, THREAD_SWITCH_SLOTS * sizeof *slots);
    slots[THREAD_SWITCH_SLOTS - 1] = (uint64_t)(uintptr_t)context_first_entry;
    t->kernel_rsp = (uint64_t)(uintptr_t)slots;
    thread_created_total++;
    sched_enqueue(t);
    return t;
}

void thread_release(struct thread *t)
{
    KASSERT(t->state == THREAD_DEAD);
    if (thread_kstack_cached < THREAD_KSTACK_CACHE)
        thread_kstack_cache[thread_kstack_cached++] = t->kstack_top;
    else
        kstack_free(t->kstack_top);
    t->state = THREAD_FREE;
    int slot = thread_index(t);
    thread_used[slot / 64] &= ~(1ull << (slot % 64));
}

void thread_exit(int status)
{
    struct thread *t = thread_current();
    futex_exit_robust_list(t->robust_list, (uint32_t)t->tid); /* before the tid word: as Linux's mm_release */
    if (t->clear_child_tid) {
        uint32_t zero = 0;
        /* A bad address is the program's problem: Linux ignores the failure too. */
        if (copy_to_user(t->clear_child_tid, &zero, sizeof zero) == 0)
            futex_wake_address(t->clear_child_tid, 1);
    }
    if (thread_live_count() == 1 && !dsm_active()) { /* nodes>1: others may still run elsewhere */
        shared_maps_write_back(0, UVM_USER_END);
        program_exit(status);
    }
    sched_exit_current();
}

/* ---- in-kernel tests ---- */

#include "kernel/ktest.h"

#define THREAD_TEST_RFLAGS_IOPL3 (3ull << 12) /* must never reach user mode */
#define THREAD_TEST_RFLAGS_CF 1ull
#define THREAD_TEST_GPRS 15 /* r15 .. rax, consecutive at the start of struct user_context */

KTEST(thread_snapshot_round_trip)
{
    static struct user_context in, out;
    memset(&in, 0, sizeof in);
    uint64_t *regs = &in.r15;
    for (int i = 0; i < THREAD_TEST_GPRS; i++)
        regs[i] = 0x1111111111111111ull * (uint64_t)(i + 1);
    in.rip = 0x401000;
    in.rsp = 0x7ffffffee000;
    in.rflags = THREAD_TEST_RFLAGS_CF | THREAD_TEST_RFLAGS_IOPL3;
    in.fs_base = 0x4321000;
    for (size_t i = 0; i < sizeof in.fpu.area; i++)
        in.fpu.area[i] = (uint8_t)(i * 7);
    struct thread *t = thread_create_user(&in);
    if (!KT_EXPECT(t != NULL))
        return;
    thread_capture(t, &out);
    KT_EXPECT(memcmp(&in, &out, offsetof(struct user_context, rflags)) == 0);
    KT_EXPECT_EQ(out.rflags, THREAD_TEST_RFLAGS_CF | RFLAGS_IF | RFLAGS_RESERVED1);
    KT_EXPECT_EQ(out.fs_base, in.fs_base);
    KT_EXPECT(memcmp(&in.fpu, &out.fpu, sizeof in.fpu) == 0);
    KT_EXPECT_EQ(thread_user_frame(t)->cs, GDT_USER_CODE);
    KT_EXPECT_EQ(thread_user_frame(t)->ss, GDT_USER_DATA);
    /* Take it back off the run queue: it must never run. */
    KT_EXPECT(sched_remove(t));
    t->state = THREAD_DEAD;
    thread_release(t);
}
