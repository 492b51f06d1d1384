/* SPDX-License-Identifier: MIT */
/* The DSM protocol core (DESIGN.md section 4, docs/dsm-protocol.md): sequentially
 * consistent, single-writer/multiple-reader, write-invalidate paging (IVY) and futexes
 * across nodes. Event-driven: every entry point runs to completion, never blocks, and
 * reaches the machine only through struct dsm_env. Not thread-safe: one CPU per node. */
#ifndef DSM_DSM_H
#define DSM_DSM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dsm/env.h"
#include "dsm/stats.h"

#define DSM_PAGE_SHIFT 12
#define DSM_PAGE_SIZE (1u << DSM_PAGE_SHIFT)
#define DSM_MAX_NODES 64                     /* copysets are 64-bit masks */
#define DSM_USER_END 0x0000800000000000ull   /* x86-64 canonical lower half (kernel/mm.h) */
#define DSM_PAGE_LIMIT (DSM_USER_END >> DSM_PAGE_SHIFT)

/* Linux errno values, so the kernel glue can hand them to user space unchanged. */
#define DSM_EAGAIN 11
#define DSM_ENOMEM 12
#define DSM_EFAULT 14
#define DSM_EINVAL 22
#define DSM_ETIMEDOUT 110

/* dsm_fault() and the futex calls: the thread must park until env->wake(token). */
#define DSM_PENDING 1

#define DSM_FUTEX_BITSET_ANY 0xffffffffu     /* FUTEX_BITSET_MATCH_ANY */
#define DSM_FUTEX_WAKE_ALL 0xffffffffu

enum dsm_access {
    DSM_ACCESS_READ = 1,
    DSM_ACCESS_WRITE = 2,
};

/* Page location schemes (issue 6); dsm.manager= on the command line picks one. */
enum dsm_scheme {
    DSM_SCHEME_FIXED = 0,   /* manager(page) = hash(page) mod N */
    DSM_SCHEME_CENTRAL = 1, /* node 0 manages every page */
    DSM_SCHEME_DYNAMIC = 2, /* IVY dynamic distributed manager: the owner manages its page and
                             * requests follow per-node probable-owner hints */
};

/* dsm_region_add() flags. */
#define DSM_REGION_READONLY 1u  /* text/rodata: replicated from the region owner, never invalidated */
#define DSM_REGION_PRELOADED 2u /* the region owner holds the initial data (a loaded image) */
#define DSM_REGION_WRITE_UPDATE 4u /* writes go to every copy through dsm_write (fixed/central;
                                    * alone, the pages start untouched; with PRELOADED the
                                    * region owner holds the data, mapped READ) */

struct dsm_node;

/* Creates this node's core (memory from env->alloc); NULL on bad arguments or no memory.
 * Every node of the cluster must use the same nnodes, scheme and regions. */
struct dsm_node *dsm_node_create(const struct dsm_env *env, unsigned self, unsigned nnodes,
                                 enum dsm_scheme scheme);
/* Frees the node and every record it holds (not the pages: the env owns them). */
void dsm_node_destroy(struct dsm_node *n);
/* Declares pages [first, first+count) with DSM_REGION_* flags and their initial owner. On
 * the owner, the env must already hold the data of PRELOADED/READONLY pages (mapped RW or
 * R as the flags say). 0, or -DSM_EINVAL (bad range, overlap, table full). */
int dsm_region_add(struct dsm_node *n, uint64_t first, uint64_t count, unsigned flags, unsigned owner);

/* A thread touched `page` without the needed access. Returns 0 if the access is already
 * allowed (no wake follows), DSM_PENDING (env->wake(token, 0 or -error) follows once the
 * page is mapped with at least `access`; the thread then retries), or -DSM_EFAULT (write
 * to a read-only region, page outside user space) / -DSM_ENOMEM. */
int dsm_fault(struct dsm_node *n, uint64_t page, enum dsm_access access, uint64_t token);
/* Write-update region page (docs/dsm-protocol.md 4c): the glue keeps such pages mapped
 * read-only, traps each store, and calls this to apply len (1..8) bytes of value (little
 * endian) at user address addr (not crossing a page). DSM_PENDING: env->wake(token, 0)
 * follows once every copy holds the write; -DSM_EINVAL for a bad length or a page outside
 * a write-update region. Writes to one page are ordered by its manager. A write fault
 * (dsm_fault WRITE) on such a page returns -DSM_EFAULT. */
int dsm_write(struct dsm_node *n, uint64_t addr, unsigned len, uint64_t value, uint64_t token);

/* Atomic read-modify-write operations of dsm_atomic (what the x86 lock-prefixed forms and
 * xchg need; sub, inc, dec, not are an ADD or XOR of the right operand). */
enum dsm_atomic_op {
    DSM_ATOMIC_XCHG = 1,    /* new = operand */
    DSM_ATOMIC_CMPXCHG = 2, /* new = operand if old == compare, else old (unchanged) */
    DSM_ATOMIC_ADD = 3,     /* new = old + operand (modulo 2^(8 len)) */
    DSM_ATOMIC_AND = 4,
    DSM_ATOMIC_OR = 5,
    DSM_ATOMIC_XOR = 6,
};
/* Write-update region page: applies op to the len (1, 2, 4, 8) bytes at user address addr
 * (aligned or not, not crossing a page) at the page's sequencer, in its total order with
 * every other write, on every copy, like dsm_write. DSM_PENDING: *old (the bytes before,
 * zero-extended) is filled and then env->wake(token, 0) follows once every copy holds the
 * result; -DSM_EINVAL for a bad op/length or a page outside a write-update region. */
int dsm_atomic(struct dsm_node *n, uint64_t addr, unsigned len, enum dsm_atomic_op op, uint64_t operand,
               uint64_t compare, uint64_t *old, uint64_t token);
/* The len bytes (zero-extended) op leaves given the bytes old before it: what every copy
 * applies (op 0: a plain write of operand). */
uint64_t dsm_atomic_apply(unsigned op, unsigned len, uint64_t old, uint64_t operand, uint64_t compare);
/* A message from node `from` arrived (exactly once, FIFO per pair). Malformed or
 * impossible messages are counted in stats.bad_msgs and dropped. */
void dsm_receive(struct dsm_node *n, unsigned from, const void *bytes, size_t len);
/* The deadline requested through env->timer_arm() has passed. */
void dsm_timer_expired(struct dsm_node *n);

/* FUTEX_WAIT(_BITSET): parks until woken (result 0), the word at addr (4-aligned) is not
 * val at the coherent check (-DSM_EAGAIN), or deadline_ns (absolute, env->now_ns clock;
 * 0 = none) passes (-DSM_ETIMEDOUT). Returns DSM_PENDING or -DSM_EINVAL/-DSM_ENOMEM. */
int dsm_futex_wait(struct dsm_node *n, uint64_t addr, uint32_t val, uint32_t bitset, uint64_t deadline_ns,
                   uint64_t token);
/* FUTEX_WAKE(_BITSET): wakes up to count waiters on addr; the result is the number woken. */
int dsm_futex_wake(struct dsm_node *n, uint64_t addr, uint32_t count, uint32_t bitset, uint64_t token);
/* FUTEX_(CMP_)REQUEUE: if check_val, first -DSM_EAGAIN unless *addr == val (coherent read);
 * wakes nwake waiters of addr and moves up to nmove others to addr2 (waiters whose addr2
 * has another manager are woken instead: a spurious wake-up, allowed by futex(2)). The
 * result is the number woken plus moved. */
int dsm_futex_requeue(struct dsm_node *n, uint64_t addr, uint64_t addr2, uint32_t nwake, uint32_t nmove,
                      bool check_val, uint32_t val, uint64_t token);

/* Ends the futex wait of the thread parked with token now (thread killed or interrupted):
 * env->wake(token, result) follows at once and the manager forgets the waiter. A wake
 * already on its way to it is passed on. Returns false if no wait has that token. */
bool dsm_futex_cancel(struct dsm_node *n, uint64_t token, int64_t result);

/* Ping-pong damping (issue 6, Mirage's delta): a page this node just obtained is not
 * taken away (forwarded or invalidated) before window_ns have passed; 0 (default) = off.
 * adaptive: each page's window starts at 0, doubles (from 50 us, up to window_ns) on each
 * ping-pong event and halves when the page stayed longer. */
void dsm_set_window(struct dsm_node *n, uint64_t window_ns, bool adaptive);

/* Directory replication (issue 6, `fixed` and `central` only): on, the manager of a page
 * copies every change of its entry (owner, copyset) to its successor node
 * ((manager + 1) mod nnodes) in a 40-byte DIR_BACKUP message after the change, off the
 * fault's critical path, so no single node holds the only copy of a page's location.
 * Cost: one message per directory change (a read that adds a copy, a write, a zero fill).
 * Must be the same on every node; 0, or -DSM_EINVAL under `dynamic` or with one node. */
int dsm_set_replication(struct dsm_node *n, bool on);
/* Home stripes (`fixed` and `dynamic`): pages [first, first + count) are managed (fixed) or
 * homed (dynamic: untouched pages are granted there, hints start there, futex queues live
 * there) by node ((page - first) >> stripe_shift) mod nnodes instead of the hash. A kernel
 * that places the memory a node's threads map in that node's stripes makes their first
 * touches local: no message when the first toucher is the home. count 0 clears. Must be the
 * same on every node and set before the first fault; 0, or -DSM_EINVAL under `central`
 * (node 0 manages every page), for a range past DSM_PAGE_LIMIT or a shift of 48 or more. */
int dsm_set_home_stripes(struct dsm_node *n, uint64_t first, uint64_t count, unsigned stripe_shift);
/* Read-ahead (docs/dsm-protocol.md 4e): a read fault on page p while p - 1 is a read copy
 * here (a sequential scan) asks for up to `pages` more; one in an aligned 16-page block where
 * this node holds another read copy asks for the rest of the block (up to `pages` on each
 * side). A node that manages and owns p (the owner under `dynamic`) sends, each as its own
 * AHEAD message after the grant, the pages p + 1, p + 2, ... (then p - 1, p - 2, ...) of the
 * same region that it also manages and owns and could serve a read of at once, stopping at
 * the first it cannot in each direction, and adds the reader to their copysets. A page
 * the owner writes again after giving it ahead is never sent ahead again by that owner.
 * 0 (default) = off. 0, or -DSM_EINVAL above DSM_READ_AHEAD_MAX. */
#define DSM_READ_AHEAD_MAX 32
int dsm_set_read_ahead(struct dsm_node *n, unsigned pages);
/* The replica of page's directory entry this node keeps as its manager's successor
 * (the initial value if no change came yet); false if it keeps none. Equals the
 * manager's entry whenever the cluster is drained. */
bool dsm_replica_query(const struct dsm_node *n, uint64_t page, unsigned *owner, uint64_t *copyset);

/* The pages of this node with the most ping-pong events (taken away by a write or an
 * invalidation within 1 ms, or twice the window, of arriving), most first: fills up to
 * max entries of pages/counts and returns how many pages had any. */
unsigned dsm_hot_pages(const struct dsm_node *n, uint64_t *pages, uint32_t *counts, unsigned max);

/* Quiesce on: new faults and futex calls are held locally (not sent); incoming messages
 * are still served so other nodes' transactions finish. Off: held calls proceed. */
void dsm_quiesce(struct dsm_node *n, bool on);
/* True when this node has no transaction in flight: no request of its own outstanding, no
 * managed page busy, no message held back by the window, no futex call awaiting a reply
 * (parked futex waiters are state, not traffic). A cluster is drained when every node is
 * quiesced and idle and the transport has nothing unacknowledged. */
bool dsm_is_idle(const struct dsm_node *n);

/* This node's view of a page and, when it manages the page, the directory (for checkers
 * and state dumps). */
struct dsm_page_info {
    enum dsm_prot state;  /* DSM_PROT_NONE = invalid */
    bool owner;
    bool pending;         /* a request of this node (or a write-update release) is in flight */
    bool taken;           /* another node's request took this node's copy or its write right,
                           * once or more: a fault on it now is a sharing miss, not a first touch */
};
void dsm_page_query(const struct dsm_node *n, uint64_t page, struct dsm_page_info *out);
struct dsm_dir_info {
    bool managed_here;    /* dynamic: this node is the page's owner-manager right now */
    unsigned owner;       /* DSM_NODE_NONE: untouched, nobody holds it */
    uint64_t copyset;     /* read holders other than the owner, bit per node */
    bool busy;            /* a transaction is in flight */
};
#define DSM_NODE_NONE 0xffffu
void dsm_dir_query(const struct dsm_node *n, uint64_t page, struct dsm_dir_info *out);
/* Node that manages page (the location scheme, or its home stripe). Under
 * DSM_SCHEME_DYNAMIC: the page's home node (hash or stripe, as `fixed`), which holds the
 * page's futex queues and starts as the manager of an untouched page; the coherence manager
 * then moves with the ownership. */
unsigned dsm_manager_of(const struct dsm_node *n, uint64_t page);
/* Number of futex waiters queued at this node as manager. */
unsigned dsm_futex_queued(const struct dsm_node *n);

/* Progress of a local futex call (for checkers and state dumps). */
enum dsm_call_state {
    DSM_CALL_NONE,        /* no such call */
    DSM_CALL_HELD,        /* quiesced: not started */
    DSM_CALL_REGISTERING, /* WAIT: FUTEX_REG sent, ack awaited */
    DSM_CALL_CHECKING,    /* WAIT / REQUEUE: coherent read of the word in progress */
    DSM_CALL_SLEEPING,    /* WAIT: registered and the value matched */
    DSM_CALL_REPLY,       /* WAKE / REQUEUE: sent, reply awaited */
};
/* State and id of the futex call parked with token on this node. */
enum dsm_call_state dsm_futex_call_query(const struct dsm_node *n, uint64_t token, uint32_t *id);
/* True if this node, as manager, queues waiter id of node `node`. */
bool dsm_futex_waiter_queued(const struct dsm_node *n, unsigned node, uint32_t id);

/* Logs this node's transactions in flight through env->log (a state dump for debugging):
 * pages with a request or waiters, busy directory entries, futex calls and queue length. */
void dsm_dump(const struct dsm_node *n);

/* Resume hold (docs/dsm-protocol.md 4, off by default): a page that woke threads of this
 * node stays, as under the ping-pong window, until each of them ran again (dsm_resumed) and
 * DSM_DYN_HOLD_NS more, at most 2 ms. For environments where a woken thread runs long after
 * its wake (a scheduler): without it the page can leave before its thread used it once. */
void dsm_set_resume_hold(struct dsm_node *n, bool on);
/* The thread woken (result 0) for a fault on page runs again (resume hold only). */
void dsm_resumed(struct dsm_node *n, uint64_t page);

/* Name of the node's location scheme ("fixed", "central", "dynamic"), for stats tables. */
const char *dsm_scheme_name(const struct dsm_node *n);
/* The node's counters. */
const struct dsm_stats *dsm_node_stats(const struct dsm_node *n);

#endif
