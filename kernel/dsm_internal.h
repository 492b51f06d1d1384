/* SPDX-License-Identifier: MIT */
/* Shared state of the kernel's DSM files (kernel/dsm_*.c): the core, the transport
 * message types they use, and thread parking. Private to those files. */
#ifndef KERNEL_DSM_INTERNAL_H
#define KERNEL_DSM_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dsm/dsm.h"
#include "net/net_defs.h"

/* Transport message types (net/net_defs.h: user types 16..63; nettest_rpc takes the top 3). */
#define DSM_TYPE_CORE (TRANSPORT_TYPE_USER_FIRST + 32)     /* dsm/msg.h messages */
#define DSM_TYPE_START (TRANSPORT_TYPE_USER_FIRST + 33)    /* node 0 -> all: region table (request) */
#define DSM_TYPE_THREAD (TRANSPORT_TYPE_USER_FIRST + 34)   /* any -> any: start a thread from a snapshot */
#define DSM_TYPE_SIGNAL_PEEK (TRANSPORT_TYPE_USER_FIRST + 35) /* any -> any: which signals it keeps (request) */
#define DSM_TYPE_MM (TRANSPORT_TYPE_USER_FIRST + 36)       /* any -> 0: memory syscall (request) */
#define DSM_TYPE_MM_APPLY (TRANSPORT_TYPE_USER_FIRST + 37) /* 0 -> all: replicate a region change (request) */
#define DSM_TYPE_EXIT (TRANSPORT_TYPE_USER_FIRST + 38)     /* any -> 0: exit_group(status) */
#define DSM_TYPE_SHUTDOWN (TRANSPORT_TYPE_USER_FIRST + 39) /* 0 -> all: end now (request) */
/* + 40: kernel/dsm_files.c */
#define DSM_TYPE_SIGNAL (TRANSPORT_TYPE_USER_FIRST + 41)   /* any -> any: tkill of a thread there (request) */
#define DSM_TYPE_CLOCK (TRANSPORT_TYPE_USER_FIRST + 42)    /* 0 -> all: clock probe or offset (request) */
#define DSM_TYPE_SIGNAL_CLAIM (TRANSPORT_TYPE_USER_FIRST + 43) /* any -> any: a signal kept for the process (request) */
#define DSM_TYPE_SIGNAL_KEPT (TRANSPORT_TYPE_USER_FIRST + 44)  /* any -> all: signals kept for the process */
#define DSM_TYPE_CPU_PEEK (TRANSPORT_TYPE_USER_FIRST + 31)   /* any -> any: its threads' CPU time (request) */
#define DSM_TYPE_CPU_USED (TRANSPORT_TYPE_USER_FIRST + 30)   /* any -> 0: CPU time for the CPU timers (kernel/cpu_watch.c) */
#define DSM_TYPE_CPU_WATCH (TRANSPORT_TYPE_USER_FIRST + 29)  /* 0 -> all: count CPU time for them, or stop */
#define DSM_TYPE_THREAD_CPU (TRANSPORT_TYPE_USER_FIRST + 28) /* any -> any: a thread's CPU clock (request) */
/* nettest_rpc's three: they must not be taken here (a node in nettest mode would hand a
 * test message to a DSM handler). */
#define DSM_TYPE_NETTEST_FIRST (TRANSPORT_TYPE_COUNT - 3)
_Static_assert(DSM_TYPE_SIGNAL_KEPT < DSM_TYPE_NETTEST_FIRST && DSM_TYPE_CPU_PEEK < DSM_TYPE_NETTEST_FIRST,
               "DSM message types overlap nettest_rpc's (kernel/nettest_rpc.c)");

extern struct dsm_node *dsm_core;
extern unsigned dsm_self, dsm_nnodes;

/* Parking of the calling thread until dsm_park_wake(token): prepare, start the operation
 * (which may wake at once), then wait. One outstanding park per thread. */
uint64_t dsm_park_prepare(void);
int64_t dsm_park_wait(uint64_t token);
/* dsm_park_wait that also ends at deadline (monotonic ns; 0: none): *woken says which;
 * after a deadline the park stays prepared (wait again for the wake). */
int64_t dsm_park_wait_until(uint64_t token, uint64_t deadline, bool *woken);
void dsm_park_wake(uint64_t token, int64_t result);
/* transport_request from thread context, retried while the window is full; the reply
 * (its first 8 bytes as int64, or 0) wakes the parked caller. Returns that value. */
int64_t dsm_request_wait(unsigned to, uint8_t type, const void *msg, size_t len);
/* The same, for a request answered with out_len bytes: they go to out; 0, or -EIO (no
 * answer, or one of another size). */
int64_t dsm_request_wait_data(unsigned to, uint8_t type, const void *msg, size_t len, void *out, size_t out_len);
/* Re-applies the core's page states to present pages in [start, end) after a uvm rights
 * change (a READ copy must never become writable behind the core's back). */
void dsm_glue_resync(uint64_t start, uint64_t end);
/* A signal for t, parked in a file call shipped to node 0 (kernel/dsm_files.c): asks
 * node 0 to end the call with -ERESTARTSYS if it is still queued. True if asked. */
struct thread;
bool dsm_files_interrupt(const struct thread *t);
/* Moves the calling thread, in a page fault from user mode, to node for data affinity
 * (kernel/dsm_affinity.c): the faulting instruction runs again there. No return on
 * success; -errno here otherwise. */
long dsm_threads_move_by_affinity(unsigned node);
/* Logs this node's dsm-sites line (dsm/sites.h), if it had a remote fault. */
void dsm_glue_sites_log(void);
/* Registers the handlers of dsm_threads.c, dsm_control.c and dsm_region_mode.c. */
void dsm_threads_init(void);
void dsm_control_init(void);
/* Every node: answers node 0's clock probes and takes its offset (kernel/dsm_clock.c). */
void dsm_clock_init(void);
/* Node 0, before the program starts: gives every other node its clock's offset from node
 * 0's; false if one did not answer. */
bool dsm_clock_sync_members(void);
void dsm_region_mode_init(void);
/* True once node 0 has started a thread on (or moved one to) another node: from then on
 * any node may hold state for any page. */
bool dsm_threads_spread(void);
/* dsmk_region_mode at node 0: checks, then adds the region here; returns the syscall's
 * result. dsm_region_mode_apply: the same region on another node once node 0 said 0. */
long dsm_region_mode_execute(uint64_t addr, uint64_t len, uint64_t mode);
void dsm_region_mode_apply(uint64_t addr, uint64_t len, uint64_t mode);

#endif
