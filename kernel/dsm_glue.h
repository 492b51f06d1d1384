/* SPDX-License-Identifier: MIT */
/* The DSM layer of the kernel (DESIGN.md 4 and 5, issue 5): the protocol core (dsm/dsm.h)
 * wired to the uvm page seam, the cluster transport, the timer and the scheduler, plus
 * the hooks userk's files call when nodes>1. Everything here is inert on one node: each
 * hook is guarded by dsm_active(), which is false unless nodes= is above 1. */
#ifndef KERNEL_DSM_GLUE_H
#define KERNEL_DSM_GLUE_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/uvm.h"

struct signal_claim;
struct signal_timer_source;

/* True once this node runs its part of a multi-node program (the core exists). */
bool dsm_active(void);
/* Nodes the program spans (1 when the DSM is not active): each is one CPU to the program. */
unsigned dsm_glue_cpus(void);
/* Ends t's futex wait (it is parked in one here) with -ERESTARTSYS for a signal: the
 * manager forgets the waiter; or asks node 0 to end t's queued file call the same way.
 * False if t waits for nothing of those kinds. */
struct thread;
bool dsm_glue_interrupt_wait(struct thread *t);
/* Logs the DSM's transactions in flight and each blocked thread's DSM wait (state dumps). */
void dsm_glue_dump(void);
/* The CPU number of the calling thread in that view: its node (0 when not active). */
unsigned dsm_glue_cpu_of_caller(void);
/* tkill(tid, sig) of a thread this node does not run: asks the node it started on (the
 * tid says which), then the nodes it moved to, to make sig pending on it (sig 0: only
 * whether it lives). 0, DSM_THREADS_SIGNAL_ENDS (sig would end the program there: its
 * default action and the thread does not block it; the caller ends it), or -ESRCH (no
 * such thread, or the DSM is not active), -EAGAIN (no answer). */
#define DSM_THREADS_SIGNAL_ENDS (-4096)
long dsm_threads_signal(int32_t tid, int sig);
/* The same, with a sigqueue's siginfo (NULL: a tkill's): rt_tgsigqueueinfo. */
long dsm_threads_signal_info(int32_t tid, int sig, const struct signal_timer_source *queued);
/* kill()'s sig for the process when no thread of this node takes it: asks the other nodes
 * for a thread that does (does not block it, or waits for it in sigwait), which gets it:
 * 0, DSM_THREADS_SIGNAL_ENDS (its default action ends the program: the caller ends it), or
 * -ESRCH (no taker anywhere). Thread context. */
long dsm_threads_signal_process(int sig);
/* The same, with a sigqueue's siginfo (NULL: a kill's): rt_sigqueueinfo. */
long dsm_threads_signal_process_info(int sig, const struct signal_timer_source *queued);
/* A thread here starts a sigwait for set: claims a signal of it that another node keeps for
 * the process (kernel/signal_process.c), asking each in turn: true with *out, or false
 * (none, or the DSM is not active). Thread context. */
bool dsm_threads_claim_signal(uint64_t set, struct signal_claim *out);
/* The signals the other nodes keep for the process now (asks each; 0 on one node). */
uint64_t dsm_threads_signals_kept_elsewhere(void);
/* The program's CPU time, ns: its threads' on every node, exited ones included (the other
 * nodes' part as of at most 1 ms ago; never less than an earlier answer's). Thread context. */
uint64_t dsm_threads_process_cpu_ns(void);
/* The CPU clock of thread tid, of another node (asked where it runs, following its moves),
 * into *ns: 0, -ESRCH (no such thread) or -EAGAIN (no answer). */
long dsm_threads_thread_cpu_ns(int32_t tid, uint64_t *ns);
/* This node now keeps the signals of bits for the process: tells the other nodes, whose
 * threads claim them when they unblock them. */
void dsm_threads_signal_kept(uint64_t bits);
/* A timer's signal sig (from's, extra expirations beyond one) for thread tid, or with
 * to_process for the process (a thread that takes it, on any node, from tid's first; tid
 * when none does), from any context, a timer's interrupt included: it follows the
 * thread to the node it is on, then done(ctx, result) runs once with 0 (made pending),
 * DSM_THREADS_SIGNAL_MERGED (that timer's signal was pending there already: its overrun
 * grew), -ESRCH (no such thread) or -EAGAIN (no room to send: try again later). */
#define DSM_THREADS_SIGNAL_MERGED (-4097)
typedef void (*dsm_signal_done_fn)(void *ctx, long result);
void dsm_threads_signal_timer(int32_t tid, int sig, const struct signal_timer_source *from, uint32_t extra,
                              bool to_process, dsm_signal_done_fn done, void *ctx);
/* Moves the calling thread to node: the call returns 0 there (its copy here ends without
 * waking a joiner), or -errno here (EINVAL: no such node; EAGAIN, ENOMEM). */
long dsm_threads_migrate_self(unsigned node);
/* Node 0, after loading the image: waits for the cluster, creates the core over the
 * loaded pages and sends the region table to every node. No effect when nodes<=1. */
void dsm_glue_start_controller(void);
/* Nodes other than 0 (no program module): waits for node 0's region table, then runs the
 * threads placed here; never returns when nodes>1, returns at once otherwise. */
void dsm_glue_run_member(void);
/* uvm_handle_fault's DSM path for user address addr (in page va) after the region check
 * allowed access with the region's rights: parks the thread until the page arrives. */
enum uvm_fault dsm_glue_fault(uint64_t addr, uint64_t va, enum uvm_access access);

/* clone(): the node the placement policy starts the next child on (this one: the caller
 * creates it here). */
unsigned dsm_threads_place(void);
/* clone() of a child placed on node to (not this one) as tid (dsm_threads_new_tid(to)):
 * starts it there from ctx, the tid stores of flags done first; 0 or -EAGAIN. Returns
 * before node to answers while this node has table slots to spare: a start node to then
 * refuses runs here instead. */
struct user_context;
long dsm_threads_start(unsigned to, int32_t tid, const struct user_context *ctx, uint64_t flags, uint64_t uparent_tid,
                       uint64_t uchild_tid, uint64_t sigmask);
/* clone() of a child placed here (tid names this node) that this node has no room for:
 * starts it on the first other node that takes it, waiting for each answer; 0 or -EAGAIN
 * when none does. */
long dsm_threads_start_elsewhere(int32_t tid, const struct user_context *ctx, uint64_t flags, uint64_t uparent_tid,
                                 uint64_t uchild_tid, uint64_t sigmask);
/* A thread id no other node hands out, for a thread this node creates to run on node
 * (local clones too:
 * per-node counters collided, and musl keeps the owner's tid in recursive and
 * error-checking mutexes). Only while the DSM is active. */
int32_t dsm_threads_new_tid(unsigned node);
/* futex(2) through the word's manager: cmd without flags; returns what Linux returns. */
long dsm_futex_syscall(uint64_t uaddr, int cmd, bool realtime, uint32_t val, uint64_t timeout_or_val2,
                       uint64_t uaddr2, uint32_t val3);
/* FUTEX_WAKE of up to n waiters anywhere in the cluster (thread exit's clear_child_tid). */
int dsm_futex_wake_address(uint64_t addr, int n);


enum dsm_mm_op {
    DSM_MM_BRK = 1,
    DSM_MM_MMAP,
    DSM_MM_MUNMAP,
    DSM_MM_MPROTECT,
    DSM_MM_REGION_MODE,
    DSM_MM_SIGACTION,
    DSM_MM_SYNC, /* no change: node 0 answers at once (dsm_control_regions_sync) */
};
/* A memory syscall (man 2 brk/mmap/munmap/mprotect; arguments in Linux order; or
 * dsmk_region_mode, kernel/dsm_region_mode.c; or rt_sigaction, kernel/sys_signal.c) performed
 * at node 0 and replicated to every node. A change that takes something away (munmap,
 * mprotect that takes rights away, a MAP_FIXED mmap, a region's mode, a signal action)
 * reaches every node before the call returns; one that only adds addresses or rights (mmap,
 * a larger brk, mprotect adding rights) reaches the caller's node and node 0 before it
 * returns and the others soon after, in order, and a node that finds no region or rights at
 * an address asks node 0 first (dsm_control_regions_sync). munmap keeps the range as a
 * PROT_NONE region (never reused: the core cannot forget pages); brk never shrinks.
 * Returns what the syscall returns. */
long dsm_control_mm(enum dsm_mm_op op, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3);
/* A node other than 0 that found no region or rights at an address: waits until every
 * region change node 0 sent it before now is in place here (one round trip), so a mapping
 * or rights another node's thread just made are found. True if it waited (look again);
 * false on node 0, with one node, or when node 0 did not answer. Thread context. */
bool dsm_control_regions_sync(void);
/* program_exit's hook: on node 0 ends every node (their stats lines) and returns so the
 * exit line follows; on other nodes hands status to node 0 and never returns. */
void dsm_control_exit(int status);

#endif
