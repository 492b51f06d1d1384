/* SPDX-License-Identifier: MIT */
/* Futexes across nodes (docs/dsm-protocol.md, "Futexes"): the wait queue of a word lives
 * at the manager of the word's page. A waiter registers there first and only then reads
 * the word coherently, so a wake that follows a change of the word always finds it. A
 * wake that reaches a waiter which already left (EAGAIN, timeout) is passed on to the next
 * waiter. Does not do priority-inheritance futexes or FUTEX_WAKE_OP. */
#include "dsm/internal.h"
#include "kernel/libc.h"

static bool futex_addr_ok(uint64_t addr)
{
    return addr < DSM_USER_END && (addr & 3) == 0;
}

static unsigned futex_manager(const struct dsm_node *n, uint64_t addr)
{
    return dsm_manager_of(n, addr >> DSM_PAGE_SHIFT);
}

static void futex_send(struct dsm_node *n, unsigned to, uint8_t type, uint64_t addr, uint32_t a, uint32_t b,
                       uint32_t c, uint32_t d, uint64_t addr2)
{
    struct dsm_msg m = { .type = type, .node = n->self, .a = a, .b = b, .c = c, .d = d, .page = addr,
                         .addr2 = addr2 };
    dsm_send(n, to, &m, false);
}

static struct dsm_call *call_find(struct dsm_node *n, uint32_t id)
{
    for (struct dsm_call *c = n->calls; c; c = c->next)
        if (c->id == id)
            return c;
    return NULL;
}

/* Ends call c: unlinks and frees it and resumes its thread with result. */
static void call_finish(struct dsm_node *n, struct dsm_call *c, int64_t result)
{
    for (struct dsm_call **link = &n->calls; *link; link = &(*link)->next) {
        if (*link == c) {
            *link = c->next;
            break;
        }
    }
    uint64_t token = c->token;
    n->env.free(n->env.ctx, c);
    n->env.wake(n->env.ctx, token, result);
}

static struct dsm_call *call_new(struct dsm_node *n, uint8_t kind, uint64_t token)
{
    struct dsm_call *c = dsm_alloc(n, sizeof *c);
    if (!c)
        return NULL;
    c->kind = kind;
    c->token = token;
    c->id = n->next_call_id++;
    if (n->next_call_id == 0)
        n->next_call_id = 1;
    c->next = n->calls;
    n->calls = c;
    return c;
}

/* Reads the call's word coherently; dsm_futex_value_ready() follows (maybe right now). */
static void call_check_value(struct dsm_node *n, struct dsm_call *c)
{
    c->state = DSM_CALL_CHECKING;
    int rc = dsm_coherence_access(n, c->addr >> DSM_PAGE_SHIFT, DSM_ACCESS_READ, c->id, true);
    if (rc != DSM_PENDING)
        dsm_futex_value_ready(n, c->id, rc);
}

static void call_start(struct dsm_node *n, struct dsm_call *c)
{
    unsigned mgr = futex_manager(n, c->addr);
    switch (c->kind) {
    case DSM_CALL_WAIT:
        c->state = DSM_CALL_REGISTERING;
        futex_send(n, mgr, DSM_MSG_FUTEX_REG, c->addr, c->id, c->bitset, 0, 0, 0);
#ifdef DSM_BROKEN_CHECK_BEFORE_REGISTERED
        /* Deliberately wrong (simulator self-test): check the word before the manager has
         * queued the waiter, so a wake can slip in between. */
        call_check_value(n, c);
#endif
        break;
    case DSM_CALL_WAKE:
        c->state = DSM_CALL_REPLY;
        futex_send(n, mgr, DSM_MSG_FUTEX_WAKE, c->addr, c->id, c->bitset, c->count, 0, 0);
        break;
    case DSM_CALL_REQUEUE:
        if (c->check_val) {
            call_check_value(n, c);
        } else {
            c->state = DSM_CALL_REPLY;
            futex_send(n, mgr, DSM_MSG_FUTEX_REQUEUE, c->addr, c->id, 0, c->count, c->count2, c->addr2);
        }
        break;
    default: break;
    }
}

void dsm_futex_release_held(struct dsm_node *n)
{
    /* call_start() may finish (free) the call, so rescan from the head each time; every
     * start leaves DSM_CALL_HELD, so this ends. */
    for (;;) {
        struct dsm_call *c = n->calls;
        while (c && c->state != DSM_CALL_HELD)
            c = c->next;
        if (!c)
            return;
        call_start(n, c);
    }
}

static int futex_submit(struct dsm_node *n, struct dsm_call *c)
{
    if (n->quiesced)
        c->state = DSM_CALL_HELD;
    else
        call_start(n, c);
    dsm_timer_update(n);
    return DSM_PENDING;
}

int dsm_futex_wait(struct dsm_node *n, uint64_t addr, uint32_t val, uint32_t bitset, uint64_t deadline_ns,
                   uint64_t token)
{
    if (!futex_addr_ok(addr) || bitset == 0)
        return -DSM_EINVAL;
    struct dsm_call *c = call_new(n, DSM_CALL_WAIT, token);
    if (!c)
        return -DSM_ENOMEM;
    n->stats.futex_waits++;
    c->addr = addr;
    c->val = val;
    c->bitset = bitset;
    c->deadline = deadline_ns;
    int rc = futex_submit(n, c);
    dsm_node_drain(n);
    return rc;
}

int dsm_futex_wake(struct dsm_node *n, uint64_t addr, uint32_t count, uint32_t bitset, uint64_t token)
{
    if (!futex_addr_ok(addr) || bitset == 0)
        return -DSM_EINVAL;
    struct dsm_call *c = call_new(n, DSM_CALL_WAKE, token);
    if (!c)
        return -DSM_ENOMEM;
    n->stats.futex_wakes++;
    c->addr = addr;
    c->bitset = bitset;
    c->count = count;
    int rc = futex_submit(n, c);
    dsm_node_drain(n);
    return rc;
}

int dsm_futex_requeue(struct dsm_node *n, uint64_t addr, uint64_t addr2, uint32_t nwake, uint32_t nmove,
                      bool check_val, uint32_t val, uint64_t token)
{
    if (!futex_addr_ok(addr) || !futex_addr_ok(addr2))
        return -DSM_EINVAL;
    struct dsm_call *c = call_new(n, DSM_CALL_REQUEUE, token);
    if (!c)
        return -DSM_ENOMEM;
    n->stats.futex_wakes++;
    c->addr = addr;
    c->addr2 = addr2;
    c->count = nwake;
    c->count2 = nmove;
    c->check_val = check_val;
    c->val = val;
    int rc = futex_submit(n, c);
    dsm_node_drain(n);
    return rc;
}

void dsm_futex_value_ready(struct dsm_node *n, uint32_t id, int err)
{
    struct dsm_call *c = call_find(n, id);
    if (!c || c->state != DSM_CALL_CHECKING)
        return; /* timed out or woken meanwhile */
    uint32_t v = err < 0 ? 0 : n->env.read_u32(n->env.ctx, c->addr);
    unsigned mgr = futex_manager(n, c->addr);
    if (c->kind == DSM_CALL_WAIT) {
        if (err < 0 || v != c->val) {
            futex_send(n, mgr, DSM_MSG_FUTEX_CANCEL, c->addr, c->id, 0, 0, 0, 0);
            call_finish(n, c, err < 0 ? err : -DSM_EAGAIN);
        } else {
            c->state = DSM_CALL_SLEEPING;
        }
        return;
    }
    if (err < 0 || v != c->val) {
        call_finish(n, c, err < 0 ? err : -DSM_EAGAIN);
        return;
    }
    c->state = DSM_CALL_REPLY;
    futex_send(n, mgr, DSM_MSG_FUTEX_REQUEUE, c->addr, c->id, 0, c->count, c->count2, c->addr2);
}

void dsm_futex_timers(struct dsm_node *n, uint64_t now, uint64_t *next_deadline)
{
    uint64_t next = 0;
    struct dsm_call *c = n->calls;
    while (c) {
        struct dsm_call *cn = c->next;
        if (c->kind == DSM_CALL_WAIT && c->deadline) {
            if (now && c->deadline <= now) {
                if (c->state != DSM_CALL_HELD)
                    futex_send(n, futex_manager(n, c->addr), DSM_MSG_FUTEX_CANCEL, c->addr, c->id, 0, 0, 0, 0);
                call_finish(n, c, -DSM_ETIMEDOUT);
            } else if (!next || c->deadline < next) {
                next = c->deadline;
            }
        }
        c = cn;
    }
    *next_deadline = next;
}

bool dsm_futex_cancel(struct dsm_node *n, uint64_t token, int64_t result)
{
    struct dsm_call *c = n->calls;
    while (c && !(c->token == token && c->kind == DSM_CALL_WAIT))
        c = c->next;
    if (!c)
        return false;
    if (c->state != DSM_CALL_HELD)
        futex_send(n, futex_manager(n, c->addr), DSM_MSG_FUTEX_CANCEL, c->addr, c->id, 0, 0, 0, 0);
    call_finish(n, c, result);
    dsm_node_drain(n);
    dsm_timer_update(n);
    return true;
}

enum dsm_call_state dsm_futex_call_query(const struct dsm_node *n, uint64_t token, uint32_t *id)
{
    for (const struct dsm_call *c = n->calls; c; c = c->next) {
        if (c->token == token) {
            *id = c->id;
            return (enum dsm_call_state)c->state;
        }
    }
    return DSM_CALL_NONE;
}

bool dsm_futex_waiter_queued(const struct dsm_node *n, unsigned node, uint32_t id)
{
    for (const struct dsm_fq *q = n->fq_head; q; q = q->next)
        if (q->node == node && q->id == id)
            return true;
    return false;
}

/* ---- manager side ---- */

static void fq_remove(struct dsm_node *n, struct dsm_fq *prev, struct dsm_fq *q)
{
    if (prev)
        prev->next = q->next;
    else
        n->fq_head = q->next;
    if (n->fq_tail == q)
        n->fq_tail = prev;
}

/* Wakes up to count waiters of addr whose bitset meets bitset, oldest first. */
static uint32_t mgr_wake(struct dsm_node *n, uint64_t addr, uint32_t bitset, uint32_t count)
{
    uint32_t woken = 0;
    struct dsm_fq *prev = NULL, *q = n->fq_head;
    while (q && woken < count) {
        struct dsm_fq *qn = q->next;
        if (q->addr == addr && (q->bitset & bitset)) {
            fq_remove(n, prev, q);
            futex_send(n, q->node, DSM_MSG_FUTEX_WAKEUP, addr, q->id, q->bitset, 0, 0, 0);
            n->env.free(n->env.ctx, q);
            woken++;
        } else {
            prev = q;
        }
        q = qn;
    }
    return woken;
}

static void mgr_register(struct dsm_node *n, unsigned from, const struct dsm_msg *m)
{
    struct dsm_fq *q = dsm_alloc(n, sizeof *q);
    if (!q) {
        dsm_log(n, "no memory for a futex waiter");
        return;
    }
    q->addr = m->page;
    q->id = m->a;
    q->bitset = m->b;
    q->node = (uint16_t)from;
    if (n->fq_tail)
        n->fq_tail->next = q;
    else
        n->fq_head = q;
    n->fq_tail = q;
    futex_send(n, from, DSM_MSG_FUTEX_REG_ACK, m->page, m->a, 0, 0, 0, 0);
}

static void mgr_cancel(struct dsm_node *n, unsigned from, const struct dsm_msg *m)
{
    struct dsm_fq *prev = NULL;
    for (struct dsm_fq *q = n->fq_head; q; prev = q, q = q->next) {
        if (q->node == from && q->id == m->a) {
            fq_remove(n, prev, q);
            n->env.free(n->env.ctx, q);
            return;
        }
    }
    /* Not queued: a FUTEX_WAKEUP is on its way to the waiter, which will pass it on. */
}

static void mgr_requeue(struct dsm_node *n, unsigned from, const struct dsm_msg *m)
{
    uint32_t done = mgr_wake(n, m->page, DSM_FUTEX_BITSET_ANY, m->c);
    bool local = futex_manager(n, m->addr2) == n->self;
    uint32_t moved = 0;
    struct dsm_fq *prev = NULL, *q = n->fq_head;
    while (q && moved < m->d) {
        struct dsm_fq *qn = q->next;
        if (q->addr == m->page) {
            moved++;
            if (local) {
                q->addr = m->addr2;
                prev = q;
            } else {
                fq_remove(n, prev, q);
                futex_send(n, q->node, DSM_MSG_FUTEX_WAKEUP, m->page, q->id, q->bitset, 0, 0, 0);
                n->env.free(n->env.ctx, q);
            }
        } else {
            prev = q;
        }
        q = qn;
    }
    futex_send(n, from, DSM_MSG_FUTEX_REPLY, m->page, m->a, 0, done + moved, 0, 0);
}

/* ---- waiter / caller side ---- */

static void call_registered(struct dsm_node *n, const struct dsm_msg *m)
{
    struct dsm_call *c = call_find(n, m->a);
    if (c && c->kind == DSM_CALL_WAIT && c->state == DSM_CALL_REGISTERING)
        call_check_value(n, c);
}

static void call_wakeup(struct dsm_node *n, unsigned from, const struct dsm_msg *m)
{
    struct dsm_call *c = call_find(n, m->a);
    if (c && c->kind == DSM_CALL_WAIT && c->state != DSM_CALL_HELD) {
        call_finish(n, c, 0);
        return;
    }
    /* The waiter already returned (EAGAIN or timeout): give the wake to someone else. */
    futex_send(n, from, DSM_MSG_FUTEX_PASS, m->page, 0, m->b, 0, 0, 0);
}

static void call_reply(struct dsm_node *n, unsigned from, const struct dsm_msg *m)
{
    struct dsm_call *c = call_find(n, m->a);
    if (!c || c->state != DSM_CALL_REPLY) {
        dsm_bad(n, from, m, "reply to no call");
        return;
    }
    call_finish(n, c, m->c);
}

void dsm_futex_handle(struct dsm_node *n, unsigned from, const struct dsm_msg *m)
{
    bool to_manager = m->type == DSM_MSG_FUTEX_REG || m->type == DSM_MSG_FUTEX_CANCEL ||
                      m->type == DSM_MSG_FUTEX_WAKE || m->type == DSM_MSG_FUTEX_REQUEUE ||
                      m->type == DSM_MSG_FUTEX_PASS;
    unsigned mgr = futex_addr_ok(m->page) ? futex_manager(n, m->page) : DSM_NODE_NONE;
    if (mgr == DSM_NODE_NONE || (to_manager ? mgr != n->self : mgr != from) || m->node != from ||
        (m->type == DSM_MSG_FUTEX_REQUEUE && !futex_addr_ok(m->addr2)) ||
        ((m->type == DSM_MSG_FUTEX_REG || m->type == DSM_MSG_FUTEX_WAKE) && m->b == 0)) {
        dsm_bad(n, from, m, "futex message for the wrong node");
        return;
    }
    switch (m->type) {
    case DSM_MSG_FUTEX_REG: mgr_register(n, from, m); break;
    case DSM_MSG_FUTEX_CANCEL: mgr_cancel(n, from, m); break;
    case DSM_MSG_FUTEX_WAKE:
        futex_send(n, from, DSM_MSG_FUTEX_REPLY, m->page, m->a, 0, mgr_wake(n, m->page, m->b, m->c), 0, 0);
        break;
    case DSM_MSG_FUTEX_PASS: mgr_wake(n, m->page, m->b, 1); break;
    case DSM_MSG_FUTEX_REQUEUE: mgr_requeue(n, from, m); break;
    case DSM_MSG_FUTEX_REG_ACK: call_registered(n, m); break;
    case DSM_MSG_FUTEX_WAKEUP: call_wakeup(n, from, m); break;
    case DSM_MSG_FUTEX_REPLY: call_reply(n, from, m); break;
    default: dsm_bad(n, from, m, "unknown futex type"); break;
    }
}
