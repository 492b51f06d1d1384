/* SPDX-License-Identifier: MIT */
/* Records shared by the DSM core's files (not for users of dsm/dsm.h). All of it is
 * touched only from the core's entry points, which run one at a time to completion. */
#ifndef DSM_INTERNAL_H
#define DSM_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "dsm/dsm.h"
#include "dsm/locate.h"
#include "dsm/msg.h"

#define DSM_HASH_BUCKETS 1024 /* per table; records chain, so this bounds nothing */
#define DSM_MAX_REGIONS 16
#define DSM_PINGPONG_NS 1000000ull /* "soon after arriving" for ping-pong counts (or 2x window) */
#define DSM_WINDOW_ADAPT_START_NS 50000ull /* adaptive: first window after a ping-pong event */
/* Dynamic: a node that just became the owner and woke local threads keeps its queued
 * requests this long, so those threads run once before the page can leave again. */
#define DSM_DYN_HOLD_NS 20000ull
/* Resume hold (dsm_set_resume_hold): a page whose woken threads have not run yet stays
 * until they did plus DSM_DYN_HOLD_NS, and at most this long after the wake (a thread that
 * never runs again must not pin the page). */
#define DSM_RESUME_CAP_NS 2000000ull

/* A read-ahead window (READ_REQ b, FWD_READ b, struct dsm_req): pages after the faulting one
 * in the low byte, pages before it in the next, each at most DSM_READ_AHEAD_MAX. */
#define DSM_AHEAD_WINDOW(after, before) ((uint16_t)((after) | (before) << 8))
#define DSM_AHEAD_AFTER(w) ((w) & 0xffu)
#define DSM_AHEAD_BEFORE(w) ((w) >> 8)
/* A read fault in an aligned block this long where the node holds another read copy asks for
 * the rest of the block. */
#define DSM_AHEAD_BLOCK_PAGES 16u

static inline bool dsm_ahead_window_valid(uint32_t w)
{
    return w >> 16 == 0 && DSM_AHEAD_AFTER(w) <= DSM_READ_AHEAD_MAX && DSM_AHEAD_BEFORE(w) <= DSM_READ_AHEAD_MAX;
}

/* A parked access to a page on this node: a thread, or a futex call reading its word. */
struct dsm_waiter {
    struct dsm_waiter *next;
    uint64_t token;    /* thread token, or call id when internal */
    uint64_t start_ns; /* fault time, for the latency histogram */
    uint8_t access;    /* enum dsm_access */
    bool internal;
};

/* This node's view of one page. Invariants: state WRITE => owner; `pending` set while a
 * request of ours is in flight (or held by quiesce); acks_got is a subset of acks_want once granted. */
struct dsm_page {
    struct dsm_page *hnext;
    uint64_t page;
    uint8_t state;          /* enum dsm_prot: what the local copy allows */
    bool owner;
    bool ro;                /* replica of a read-only region page */
    uint8_t pending;        /* enum dsm_access requested, 0 if none */
    bool held;              /* request not sent yet (quiesced) */
    bool granted;           /* the grant arrived; waiting for invalidation acks */
    uint16_t grant_flags;
    uint64_t acks_want, acks_got; /* nodes whose INV_ACK is owed / has come, bit per node */
    uint64_t req_start_ns;
    uint64_t arrived_ns;    /* when our last request completed (ping-pong window) */
    struct dsm_waiter *waiters, *waiters_tail;
    /* A FWD_* or INVALIDATE held back until arrived_ns + window (at most one: the manager
     * runs one transaction per page and waits for it). */
    bool deferred;
    bool replaying;         /* the held message is being served now */
    uint32_t pingpong;      /* times taken away soon after arriving */
    uint16_t hint;          /* dynamic: probable owner (self while this node manages it) */
    uint16_t grant_from;    /* sender of the grant being completed */
    uint64_t window_ns;     /* adaptive window of this page (node in adaptive mode) */
    uint64_t defer_until;   /* when the held message is served */
    uint16_t deferred_from;
    struct dsm_msg deferred_msg;
    struct dsm_page *deferred_next;
    bool wu_blocked;        /* write-update: applied, inaccessible until WU_RELEASE */
    bool migratory;         /* dynamic: read then written here with no other copy (section 4a) */
    bool taken;             /* another node's request took our copy or its write right, once or more */
    uint16_t resumes_due;   /* resume hold: threads woken with the page that have not run yet */
    uint64_t resume_until;  /* resume hold: the page stays here until then */
    bool ahead_took_write;  /* owner: a read-ahead copy took our write right, not written since */
    bool ahead_refused;     /* owner: we wrote the page again after that; never send it ahead */
};

/* A request queued at the manager behind a busy transaction. */
struct dsm_req {
    struct dsm_req *next;
    uint16_t from;
    uint8_t access;
    uint16_t ahead;         /* read: the read-ahead window the requester asked for (READ_REQ b) */
    bool wu;                /* a write-update write (wu_* below) instead of a fault */
    uint32_t wu_off, wu_len, wu_id;
    uint64_t wu_val;
    uint8_t wu_op;          /* enum dsm_atomic_op, 0 for a plain write */
    uint64_t wu_cmp;        /* DSM_ATOMIC_CMPXCHG: the expected old bytes */
};

/* The manager's directory entry. Invariant (when !busy): the owner holds the page READ or
 * WRITE, every copyset node holds it READ, nobody else holds it; owner is not in copyset;
 * owner WRITE => copyset empty. */
struct dsm_dir {
    struct dsm_dir *hnext;
    uint64_t page;
    uint16_t owner;         /* DSM_NODE_NONE: untouched */
    uint64_t copyset;
    bool busy;              /* a transaction runs until DONE from busy_for */
    bool away;              /* dynamic: the manager role is elsewhere (queue only: requests
                             * held while our own write request will make us the owner) */
    bool holding;           /* dynamic: queue held until hold_until (window, new owner) */
    uint64_t hold_until;
    struct dsm_dir *held_next;
    uint16_t busy_for;
    struct dsm_req *queue, *queue_tail;
    bool wu_active;         /* a write-update write is between WU_UPDATE and the last ack */
    uint16_t wu_writer;
    uint32_t wu_id;
    uint64_t wu_want, wu_got; /* holders updated / acked, bit per node */
    uint64_t wu_old;        /* the bytes before the write, from the owner's ack */
    uint16_t backup_owner;  /* what the successor holds (replication on) */
    uint64_t backup_copyset;
};

/* A copy of another node's directory entry, kept by the manager's successor
 * (dsm_set_replication). Absent = the entry's initial value. */
struct dsm_replica {
    struct dsm_replica *hnext;
    uint64_t page;
    uint16_t owner;
    uint64_t copyset;
};

/* A dsm_write() call of a local thread awaiting WU_DONE. */
struct dsm_wu_call {
    struct dsm_wu_call *next;
    uint32_t id;
    uint64_t token;
    bool held;              /* quiesced: not sent yet */
    uint64_t *old;          /* dsm_atomic: where the old bytes go before the wake, else NULL */
    struct dsm_msg msg;
};

/* A futex waiter queued at this node as the word's manager (FIFO, all words). */
struct dsm_fq {
    struct dsm_fq *next;
    uint64_t addr;
    uint32_t id;
    uint32_t bitset;
    uint16_t node;
};

enum dsm_call_kind { DSM_CALL_WAIT, DSM_CALL_WAKE, DSM_CALL_REQUEUE };
/* A futex call of a local thread. */
struct dsm_call {
    struct dsm_call *next;
    uint32_t id;
    uint8_t kind, state;
    bool woken;           /* WAIT: a FUTEX_WAKEUP chose it */
    bool check_val;
    uint64_t token;
    uint64_t addr, addr2;
    uint32_t val, bitset, count, count2;
    uint64_t deadline;    /* WAIT: 0 = none */
};

struct dsm_region {
    uint64_t first, count;
    unsigned flags;
    uint16_t owner;
};

/* A message from this node to itself, delivered after the current handler returns. */
struct dsm_loop {
    struct dsm_loop *next;
    struct dsm_msg msg;
};

struct dsm_node {
    struct dsm_env env;
    uint16_t self, nnodes;
    const struct dsm_locator *loc;
    struct dsm_page *pages[DSM_HASH_BUCKETS];
    struct dsm_dir *dirs[DSM_HASH_BUCKETS];
    struct dsm_fq *fq_head, *fq_tail;
    struct dsm_call *calls;
    uint32_t next_call_id;
    struct dsm_region regions[DSM_MAX_REGIONS];
    unsigned nregions;
    struct dsm_loop *loop_head, *loop_tail;
    bool quiesced;
    uint64_t window_ns;           /* ping-pong window (Mirage's delta); 0 = off */
    bool window_adaptive;         /* per-page windows up to window_ns */
    struct dsm_page *deferred;    /* pages holding a deferred message */
    struct dsm_dir *held_dirs;    /* dynamic: directory entries holding their queue */
    bool replicate;               /* copy directory changes to the successor node */
    uint64_t stripe_first, stripe_count; /* dsm_set_home_stripes: pages homed by stripe (count 0: none) */
    unsigned stripe_shift;
    bool resume_hold;             /* keep a page until the threads it woke have run */
    uint8_t read_ahead;           /* dsm_set_read_ahead: pages asked for after a sequential read fault */
    struct dsm_wu_call *wu_calls;
    struct dsm_replica *replicas[DSM_HASH_BUCKETS];
    uint64_t timer_deadline;
    struct dsm_stats stats;
    uint8_t msg_buf[DSM_MSG_MAX_LEN];
    uint8_t page_buf[DSM_PAGE_SIZE];
};

/* node.c */
/* This node's record of page (created from the regions' defaults if create); NULL if
 * absent or out of memory. */
struct dsm_page *dsm_page_get(struct dsm_node *n, uint64_t page, bool create);
/* The directory entry of a page this node manages (created likewise). */
struct dsm_dir *dsm_dir_get(struct dsm_node *n, uint64_t page, bool create);
/* Dynamic scheme: the node that manages an untouched page at start (a PRELOADED
 * region's owner, else the home node). */
unsigned dsm_initial_manager(const struct dsm_node *n, uint64_t page);
/* True if this node manages page now (static schemes: dsm_manager_of() == self). */
bool dsm_manages(const struct dsm_node *n, uint64_t page);
/* The replica of page's entry this node keeps for its predecessor (created, with the
 * entry's initial value, if create); NULL if absent or out of memory. */
struct dsm_replica *dsm_replica_get(struct dsm_node *n, uint64_t page, bool create);
/* The region holding page, or NULL. */
const struct dsm_region *dsm_region_find(const struct dsm_node *n, uint64_t page);
/* Sends m to `to` (loopback when to == self); counts it; page_txn marks coherence traffic. */
void dsm_send(struct dsm_node *n, unsigned to, const struct dsm_msg *m, bool page_txn);
/* Logs one "dsmI: ..." line through env->log, if there is one. */
void dsm_log(struct dsm_node *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Counts a message that cannot be right in the current state and drops it. */
void dsm_bad(struct dsm_node *n, unsigned from, const struct dsm_msg *m, const char *why);
/* Re-arms the env timer for the earliest futex deadline (or cancels it). */
void dsm_timer_update(struct dsm_node *n);
/* Zeroed memory from env->alloc; counts stats.nomem on failure. */
void *dsm_alloc(struct dsm_node *n, size_t size);
/* Delivers queued loopback messages until none is left (end of every entry point). */
void dsm_node_drain(struct dsm_node *n);

/* coherence.c */
/* Handles a page message (types below DSM_MSG_FUTEX_REG, and DSM_MSG_DIR_BACKUP). */
void dsm_coherence_handle(struct dsm_node *n, unsigned from, const struct dsm_msg *m);
/* dsm_fault() for a thread (internal = false) or a futex call id reading its word. */
int dsm_coherence_access(struct dsm_node *n, uint64_t page, enum dsm_access access, uint64_t token,
                         bool internal);
/* Sends the requests that quiesce held. */
void dsm_coherence_release_held(struct dsm_node *n);
/* Serves deferred messages whose window ended by now (now = 0: none) and returns the
 * next window end (0 if none). */
void dsm_coherence_timers(struct dsm_node *n, uint64_t now, uint64_t *next_deadline);

/* Resumes the waiters p's state satisfies (coherence.c). */
void dsm_coherence_wake_ready(struct dsm_node *n, struct dsm_page *p);
/* Starts a manager's queued requests until one stays in flight (coherence.c). */
void dsm_mgr_run_queue(struct dsm_node *n, struct dsm_dir *d);
/* Queues a request behind the entry's transaction (coherence.c). */
struct dsm_req *dsm_mgr_enqueue(struct dsm_node *n, struct dsm_dir *d, unsigned req, uint8_t access);
/* Copies a changed entry to the successor when replication is on (coherence.c). */
void dsm_mgr_backup(struct dsm_node *n, struct dsm_dir *d);

/* update.c */
/* True if page lies in a write-update region. */
bool dsm_update_region(const struct dsm_node *n, uint64_t page);
/* Manager: starts write q on entry d (not busy); returns true (busy until the last ack). */
bool dsm_update_start(struct dsm_node *n, struct dsm_dir *d, const struct dsm_req *q);
/* Handles WU_* messages. */
void dsm_update_handle(struct dsm_node *n, unsigned from, const struct dsm_msg *m);
/* Sends the writes that quiesce held. */
void dsm_update_release_held(struct dsm_node *n);

/* futex.c */
/* Handles a futex message (types from DSM_MSG_FUTEX_REG on). */
void dsm_futex_handle(struct dsm_node *n, unsigned from, const struct dsm_msg *m);
/* The page holding the word of call id became readable (or failed with err < 0). */
void dsm_futex_value_ready(struct dsm_node *n, uint32_t id, int err);
/* Times out waits whose deadline is <= now (now = 0: none) and returns the next deadline. */
void dsm_futex_timers(struct dsm_node *n, uint64_t now, uint64_t *next_deadline);
/* Starts the futex calls that quiesce held. */
void dsm_futex_release_held(struct dsm_node *n);

#endif
