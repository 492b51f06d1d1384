/* SPDX-License-Identifier: MIT */
/* Page coherence (docs/dsm-protocol.md, "Coherence"): IVY write-invalidate with the
 * manager keeping owner and copyset and serializing each page's transactions (busy flag +
 * queue until the requester's DONE). Requester, manager, owner and holder roles are the
 * handlers below; any node may play several at once (messages to self go by loopback).
 * The `dynamic` scheme (IVY's dynamic distributed manager) lets the owner manage its page:
 * requests follow probable-owner hints (dyn_* below). Does not evict pages; write-update
 * writes are update.c's (they share the manager's busy flag and queue). */
#include "dsm/internal.h"
#include "kernel/libc.h"

/* acks: the nodes whose INV_ACK the requester must collect (GRANT, FWD_WRITE: addr2). */
static void coh_send_acks(struct dsm_node *n, unsigned to, uint8_t type, uint64_t page, uint16_t node,
                          uint16_t flags, uint32_t a, uint32_t b, uint64_t acks, const void *data)
{
    struct dsm_msg m = { .type = type, .flags = flags, .node = node, .a = a, .b = b, .page = page,
                         .addr2 = acks, .data = data };
    dsm_send(n, to, &m, true);
}

static void coh_send(struct dsm_node *n, unsigned to, uint8_t type, uint64_t page, uint16_t node, uint16_t flags,
                     uint32_t a, uint32_t b, const void *data)
{
    coh_send_acks(n, to, type, page, node, flags, a, b, 0, data);
}

static unsigned popcount64(uint64_t v)
{
    unsigned c = 0;
    for (; v; v &= v - 1)
        c++;
    return c;
}

/* True if this node holds page as another node's read copy. */
static bool coh_read_copy(struct dsm_node *n, uint64_t page)
{
    const struct dsm_page *q = dsm_page_get(n, page, false);
    return q && q->state == DSM_PROT_READ && (!q->owner || q->migratory) && !q->ro;
}

/* Read-ahead (dsm_set_read_ahead): the window to ask for around p (DSM_AHEAD_WINDOW). A read
 * fault on the page after one we hold as another node's read copy (or took over from it with
 * a read, as migratory data: section 4a) looks like a scan: the next pages. One in an
 * aligned block of DSM_AHEAD_BLOCK_PAGES where we hold another such copy looks like a random
 * reader of a buffer: the rest of the block. */
static uint16_t coh_ahead_wanted(struct dsm_node *n, const struct dsm_page *p)
{
    if (!n->read_ahead || !p->page)
        return 0;
    if (coh_read_copy(n, p->page - 1))
        return DSM_AHEAD_WINDOW(n->read_ahead, 0);
    uint64_t first = p->page & ~(uint64_t)(DSM_AHEAD_BLOCK_PAGES - 1);
    for (uint64_t q = first; q < first + DSM_AHEAD_BLOCK_PAGES; q++)
        if (q != p->page && coh_read_copy(n, q)) {
            uint64_t after = first + DSM_AHEAD_BLOCK_PAGES - 1 - p->page, before = p->page - first;
            return DSM_AHEAD_WINDOW(after < n->read_ahead ? after : n->read_ahead,
                                    before < n->read_ahead ? before : n->read_ahead);
        }
    return 0;
}

/* Sends (or, when quiesced, holds) this node's request for `access` to page p. */
static void coh_request(struct dsm_node *n, struct dsm_page *p, uint8_t access)
{
    p->pending = access;
    p->granted = false;
    p->acks_want = p->acks_got = 0;
    p->req_start_ns = n->env.now_ns(n->env.ctx);
    p->held = n->quiesced;
    if (p->held)
        return;
    const struct dsm_region *r = dsm_region_find(n, p->page);
    if (r && (r->flags & DSM_REGION_READONLY))
        coh_send(n, r->owner, DSM_MSG_RO_REQ, p->page, n->self, 0, 0, 0, NULL);
    else
        coh_send(n, n->loc->probable_owner ? p->hint : dsm_manager_of(n, p->page),
                 access == DSM_ACCESS_WRITE ? DSM_MSG_WRITE_REQ : DSM_MSG_READ_REQ, p->page, n->self, 0, 0,
                 access == DSM_ACCESS_WRITE ? 0 : coh_ahead_wanted(n, p), NULL);
}

void dsm_coherence_release_held(struct dsm_node *n)
{
    for (unsigned b = 0; b < DSM_HASH_BUCKETS; b++)
        for (struct dsm_page *p = n->pages[b]; p; p = p->hnext)
            if (p->held)
                coh_request(n, p, p->pending);
}

/* Resumes every waiter the page's state now satisfies; asks for write access when some
 * waiter still needs it. */
static void coh_wake_ready(struct dsm_node *n, struct dsm_page *p)
{
    struct dsm_waiter *ready = NULL, **tail = &ready;
    struct dsm_waiter **link = &p->waiters;
    p->waiters_tail = NULL;
    while (*link) {
        struct dsm_waiter *w = *link;
        if (w->access <= p->state) {
            *link = w->next;
            w->next = NULL;
            *tail = w;
            tail = &w->next;
        } else {
            p->waiters_tail = w;
            link = &w->next;
        }
    }
    if (p->waiters && !p->pending)
        coh_request(n, p, DSM_ACCESS_WRITE);
    uint64_t now = n->env.now_ns(n->env.ctx);
    if (n->resume_hold)
        for (const struct dsm_waiter *w = ready; w; w = w->next)
            if (!w->internal) {
                p->resumes_due++;
                p->resume_until = now + DSM_RESUME_CAP_NS;
            }
    while (ready) {
        struct dsm_waiter *w = ready;
        ready = w->next;
        if (w->internal) {
            dsm_futex_value_ready(n, (uint32_t)w->token, 0);
        } else {
            dsm_stats_record_latency(&n->stats, now - w->start_ns);
            n->env.wake(n->env.ctx, w->token, 0);
        }
        n->env.free(n->env.ctx, w);
    }
}

void dsm_coherence_wake_ready(struct dsm_node *n, struct dsm_page *p)
{
    coh_wake_ready(n, p);
}

static uint64_t coh_stay_until(const struct dsm_node *n, const struct dsm_page *p, uint64_t min_ns);

void dsm_resumed(struct dsm_node *n, uint64_t page)
{
    struct dsm_page *p = dsm_page_get(n, page, false);
    if (!p || !p->resumes_due || --p->resumes_due)
        return;
    /* The last one runs: a short grace for its access, then what was held may go. */
    p->resume_until = n->env.now_ns(n->env.ctx) + DSM_DYN_HOLD_NS;
    uint64_t until = coh_stay_until(n, p, 0);
    if (p->deferred && p->defer_until > until)
        p->defer_until = until;
    struct dsm_dir *d = dsm_dir_get(n, page, false);
    if (d && d->holding && d->hold_until > until)
        d->hold_until = until;
    dsm_timer_update(n);
}

unsigned dsm_hot_pages(const struct dsm_node *n, uint64_t *pages, uint32_t *counts, unsigned max)
{
    unsigned found = 0, filled = 0;
    for (unsigned b = 0; b < DSM_HASH_BUCKETS; b++) {
        for (const struct dsm_page *p = n->pages[b]; p; p = p->hnext) {
            if (!p->pingpong)
                continue;
            found++;
            /* Insertion into the sorted top list (max is small). */
            unsigned i = filled < max ? filled++ : max;
            while (i > 0 && counts[i - 1] < p->pingpong) {
                if (i < max) {
                    counts[i] = counts[i - 1];
                    pages[i] = pages[i - 1];
                }
                i--;
            }
            if (i < max) {
                counts[i] = p->pingpong;
                pages[i] = p->page;
            }
        }
    }
    return found;
}

int dsm_coherence_access(struct dsm_node *n, uint64_t page, enum dsm_access access, uint64_t token,
                         bool internal)
{
    if (page >= DSM_PAGE_LIMIT || (access != DSM_ACCESS_READ && access != DSM_ACCESS_WRITE))
        return -DSM_EFAULT;
    const struct dsm_region *r = dsm_region_find(n, page);
    if (access == DSM_ACCESS_WRITE && r && (r->flags & (DSM_REGION_READONLY | DSM_REGION_WRITE_UPDATE)))
        return -DSM_EFAULT;
    struct dsm_page *p = dsm_page_get(n, page, true);
    if (!p)
        return -DSM_ENOMEM;
    if (p->state >= access)
        return 0;
    if (access == DSM_ACCESS_WRITE && p->ahead_took_write) {
        /* We write a page we gave away ahead: it is ours to write, not a scan's to read. */
        p->ahead_took_write = false;
        p->ahead_refused = true;
        n->stats.ahead_undone++;
    }
    struct dsm_waiter *w = dsm_alloc(n, sizeof *w);
    if (!w)
        return -DSM_ENOMEM;
    w->token = token;
    w->access = (uint8_t)access;
    w->internal = internal;
    w->start_ns = n->env.now_ns(n->env.ctx);
    if (p->waiters_tail)
        p->waiters_tail->next = w;
    else
        p->waiters = w;
    p->waiters_tail = w;
    if (access == DSM_ACCESS_WRITE)
        n->stats.write_faults++;
    else
        n->stats.read_faults++;
    /* A write-update copy between update and release comes back with WU_RELEASE. */
    if (!p->pending && !p->wu_blocked)
        coh_request(n, p, (uint8_t)access);
    return DSM_PENDING;
}

/* ---- manager ---- */

/* One page of coh_send_ahead: sends q to req if this node could serve it at once; false if not. */
static bool coh_send_ahead_page(struct dsm_node *n, const struct dsm_region *r, uint64_t q, unsigned req, uint64_t now)
{
    uint64_t bit = 1ull << req;
    if (q >= DSM_PAGE_LIMIT || dsm_region_find(n, q) != r)
        return false;
    struct dsm_page *p = dsm_page_get(n, q, false);
    struct dsm_dir *d = dsm_dir_get(n, q, false);
    if (!p || !d || !p->owner || p->state == DSM_PROT_NONE || p->pending || p->waiters || p->deferred ||
        p->wu_blocked || p->ahead_refused || !dsm_manages(n, q) || d->busy || d->holding || d->queue ||
        d->owner != n->self || (d->copyset & bit) || coh_stay_until(n, p, 0) > now)
        return false;
#ifdef DSM_BROKEN_AHEAD_NO_COPYSET
    /* Deliberately wrong (simulator self-test): the reader's copy is never invalidated. */
#else
    d->copyset |= bit;
#endif
    dsm_mgr_backup(n, d);
    p->migratory = false; /* read by another node now, as a read request would clear it */
    if (p->state == DSM_PROT_WRITE) {
        n->env.page_protect(n->env.ctx, q, DSM_PROT_READ);
        p->state = DSM_PROT_READ;
        p->taken = true;
        p->ahead_took_write = true;
    }
    n->env.page_read(n->env.ctx, q, n->page_buf);
    n->stats.ahead_sent++;
    coh_send(n, req, DSM_MSG_AHEAD, q, 0, DSM_MSG_F_DATA, 0, 0, n->page_buf);
    return true;
}

/* At a node that manages and owns `page`, after its read grant to req: sends the pages of
 * the read-ahead window (DSM_AHEAD_WINDOW) in the same region as read-ahead copies (AHEAD),
 * after the page first, then before it, each way stopping at the first page this node does not
 * both manage and own or could not serve a read of at once (busy, held, or written again
 * after an earlier read-ahead took it). A migratory page goes too: a scan reads it. Every
 * later invalidation of such a page leaves from its manager, this node, so FIFO on the pair
 * keeps each copy ahead of it (as it keeps the grant ahead). */
static void coh_send_ahead(struct dsm_node *n, uint64_t page, unsigned req, unsigned window)
{
    const struct dsm_region *r = dsm_region_find(n, page); /* NULL: ordinary pages */
    if (r && (r->flags & (DSM_REGION_READONLY | DSM_REGION_WRITE_UPDATE)))
        return;
    uint64_t now = n->env.now_ns(n->env.ctx);
    for (unsigned i = 1; i <= DSM_AHEAD_AFTER(window); i++)
        if (!coh_send_ahead_page(n, r, page + i, req, now))
            break;
    for (unsigned i = 1; i <= DSM_AHEAD_BEFORE(window) && i <= page; i++)
        if (!coh_send_ahead_page(n, r, page - i, req, now))
            break;
}

/* A grant the manager sends itself ends the transaction at once when no invalidation ack
 * is outstanding: every later message about the page to that requester comes from the
 * manager too, so FIFO on that pair keeps it behind the grant (F_NODONE: no DONE). */
#define COH_GRANT_DIRECT DSM_MSG_F_NODONE

/* ahead: the read-ahead window the requester asked for; only an owner that also manages the
 * page can serve it, so only a forward to ourselves carries it (FWD_READ b). */
static bool mgr_start(struct dsm_node *n, struct dsm_dir *d, unsigned req, uint8_t access, uint16_t ahead)
{
    uint64_t bit = 1ull << req;
    d->busy_for = (uint16_t)req;
    if (access == DSM_ACCESS_READ) {
        if (d->owner == DSM_NODE_NONE) {
            d->owner = (uint16_t)req;
            coh_send(n, req, DSM_MSG_GRANT, d->page, 0, DSM_MSG_F_OWNER | DSM_MSG_F_ZERO | COH_GRANT_DIRECT, 0, 0,
                     NULL);
            return false;
        }
        if (d->owner == req || (d->copyset & bit)) {
            /* Already a holder (its copy is current): confirm without data. */
            coh_send(n, req, DSM_MSG_GRANT, d->page, 0,
                     (d->owner == req ? DSM_MSG_F_OWNER : 0) | COH_GRANT_DIRECT, 0, 0, NULL);
            return false;
        }
        d->copyset |= bit;
        n->stats.forwards++;
        coh_send(n, d->owner, DSM_MSG_FWD_READ, d->page, (uint16_t)req, 0, 0, d->owner == n->self ? ahead : 0,
                 NULL);
        return true;
    }
    uint64_t inval = d->copyset & ~bit;
    uint32_t acks = popcount64(inval);
    bool busy = true;
    if (d->owner == DSM_NODE_NONE) {
        coh_send(n, req, DSM_MSG_GRANT, d->page, 0,
                 DSM_MSG_F_WRITE | DSM_MSG_F_OWNER | DSM_MSG_F_ZERO | COH_GRANT_DIRECT, 0, 0, NULL);
        busy = false;
    } else if (d->owner == req) {
        busy = acks != 0;
        coh_send_acks(n, req, DSM_MSG_GRANT, d->page, 0,
                      DSM_MSG_F_WRITE | DSM_MSG_F_OWNER | (busy ? 0 : COH_GRANT_DIRECT), acks, 0, inval, NULL);
    } else {
        /* b = 1: the requester's copy is not current, the owner sends the data. */
        n->stats.forwards++;
        coh_send_acks(n, d->owner, DSM_MSG_FWD_WRITE, d->page, (uint16_t)req, 0, acks,
                      (d->copyset & bit) ? 0 : 1, inval, NULL);
    }
    for (unsigned i = 0; i < n->nnodes; i++) {
        if (inval & (1ull << i)) {
            n->stats.inv_sent++;
            coh_send(n, i, DSM_MSG_INVALIDATE, d->page, (uint16_t)req, 0, 0, 0, NULL);
        }
    }
    d->owner = (uint16_t)req;
    d->copyset = 0;
    return busy;
}

static void coh_count_pingpong(struct dsm_node *n, struct dsm_page *p, const struct dsm_msg *m);

/* Dynamic scheme: this owner has granted the page to req as its new owner; drops our copy
 * and the manager role, and points the hint at req. */
static void dyn_give_away(struct dsm_node *n, struct dsm_dir *d, struct dsm_page *p, unsigned req)
{
    n->env.page_drop(n->env.ctx, d->page);
    p->state = DSM_PROT_NONE;
    p->owner = false;
    p->migratory = false;
    p->taken = true;
    p->ahead_took_write = false;
    p->ahead_refused = false;
    p->hint = (uint16_t)req;
    d->owner = (uint16_t)req;
    d->copyset = 0;
    d->away = true;
}

/* Dynamic scheme (IVY's dynamic distributed manager): this node manages the page and,
 * unless it is untouched, owns it. Every grant leaves from here, so FIFO on each pair
 * keeps it ahead of any later invalidation from here: no DONE. A grant that makes the
 * requester the owner hands over the manager role; the invalidations leave from here too
 * and the new owner completes only with every ack, so it starts with an empty copyset.
 * Busy only while this node upgrades its own copy and waits for acks. The ping-pong
 * window does not hold back requests the owner serves itself (it still counts events). */
static bool mgr_start_dynamic(struct dsm_node *n, struct dsm_dir *d, unsigned req, uint8_t access, uint16_t ahead)
{
    uint64_t bit = 1ull << req;
    struct dsm_page *p = dsm_page_get(n, d->page, true);
    if (!p)
        return false;
    if (d->owner == DSM_NODE_NONE || d->owner == req || (access == DSM_ACCESS_READ && (d->copyset & bit))) {
        /* Zero fill, a holder's re-request or our own upgrade: as with a fixed manager. */
        bool busy = mgr_start(n, d, req, access, 0);
        if (d->owner != n->self) {
            d->away = true;
            p->hint = (uint16_t)req;
        }
        return busy;
    }
    if (d->owner != n->self || !p->owner || p->state == DSM_PROT_NONE) {
        dsm_log(n, "dynamic manager of %llx without its copy", (unsigned long long)d->page);
        return false;
    }
    n->env.page_read(n->env.ctx, d->page, n->page_buf);
    if (access == DSM_ACCESS_READ && p->migratory && p->state == DSM_PROT_WRITE && !d->copyset && !ahead) {
        /* Migratory: read then written by one node at a time. The reader takes the
         * ownership with a READ mapping, so its write that follows is a local upgrade
         * without messages; if it only reads, it serves the next reader a shared copy.
         * A reader that asks for a read-ahead window is scanning, not taking a turn: it
         * gets a shared copy and the pages after (a main thread reading what its workers
         * computed in place). */
        struct dsm_msg taken = { .type = DSM_MSG_FWD_WRITE, .page = d->page };
        coh_count_pingpong(n, p, &taken);
        n->stats.migrations++;
        coh_send(n, req, DSM_MSG_GRANT, d->page, 0, DSM_MSG_F_DATA | DSM_MSG_F_OWNER | COH_GRANT_DIRECT, 0, 0,
                 n->page_buf);
        dyn_give_away(n, d, p, req);
        return false;
    }
    if (access == DSM_ACCESS_READ) {
        p->migratory = false;
        d->copyset |= bit;
        if (p->state == DSM_PROT_WRITE) {
            n->env.page_protect(n->env.ctx, d->page, DSM_PROT_READ);
            p->state = DSM_PROT_READ;
            p->taken = true;
        }
        coh_send(n, req, DSM_MSG_GRANT, d->page, 0, DSM_MSG_F_DATA | COH_GRANT_DIRECT, 0, 0, n->page_buf);
        coh_send_ahead(n, d->page, req, ahead);
        return false;
    }
    struct dsm_msg taken = { .type = DSM_MSG_FWD_WRITE, .page = d->page };
    coh_count_pingpong(n, p, &taken);
    uint64_t inval = d->copyset & ~bit;
    uint32_t acks = popcount64(inval);
    bool send_data = !(d->copyset & bit);
    coh_send_acks(n, req, DSM_MSG_GRANT, d->page, 0,
                  DSM_MSG_F_WRITE | DSM_MSG_F_OWNER | (send_data ? DSM_MSG_F_DATA : 0) |
                      (acks ? 0 : COH_GRANT_DIRECT),
                  acks, 0, inval, send_data ? n->page_buf : NULL);
    for (unsigned i = 0; i < n->nnodes; i++) {
        if (inval & (1ull << i)) {
            n->stats.inv_sent++;
            coh_send(n, i, DSM_MSG_INVALIDATE, d->page, (uint16_t)req, 0, 0, 0, NULL);
        }
    }
    dyn_give_away(n, d, p, req);
    return false;
}

/* Dynamic scheme: passes a request on along this node's hint. Another node's write
 * request makes its requester our new hint (it will be the owner), as IVY does; our own
 * (sent to ourselves while we managed the page, which has moved since) keeps the hint. */
static void dyn_forward(struct dsm_node *n, uint64_t page, unsigned req, uint8_t access, uint16_t ahead)
{
    struct dsm_page *p = dsm_page_get(n, page, true);
    if (!p) {
        dsm_log(n, "no memory to forward request for %llx", (unsigned long long)page);
        return;
    }
    unsigned to = p->hint;
    if (to == n->self) {
        dsm_log(n, "hint of %llx points here but the page is managed elsewhere", (unsigned long long)page);
        return;
    }
    n->stats.forwards++;
    if (access == DSM_ACCESS_WRITE && req != n->self)
        p->hint = (uint16_t)req;
    coh_send(n, to, access == DSM_ACCESS_WRITE ? DSM_MSG_WRITE_REQ : DSM_MSG_READ_REQ, page, (uint16_t)req, 0,
             0, ahead, NULL);
}

/* Replication: sends the successor the entry if it changed since the last copy. FIFO on
 * the manager -> successor pair keeps the copies in order. */
void dsm_mgr_backup(struct dsm_node *n, struct dsm_dir *d)
{
    if (!n->replicate || (d->owner == d->backup_owner && d->copyset == d->backup_copyset))
        return;
#ifdef DSM_BROKEN_LOSE_BACKUP
    /* Deliberately wrong (simulator self-test): changes of the copyset alone are not copied. */
    if (d->owner == d->backup_owner)
        return;
#endif
    d->backup_owner = d->owner;
    d->backup_copyset = d->copyset;
    n->stats.backups++;
    coh_send_acks(n, (n->self + 1u) % n->nnodes, DSM_MSG_DIR_BACKUP, d->page, 0, 0, d->owner, 0, d->copyset,
                  NULL);
}

static bool mgr_start_any(struct dsm_node *n, struct dsm_dir *d, unsigned req, uint8_t access, uint16_t ahead)
{
    if (n->loc->probable_owner)
        return mgr_start_dynamic(n, d, req, access, ahead);
    bool busy = mgr_start(n, d, req, access, ahead);
    dsm_mgr_backup(n, d);
    return busy;
}

/* Successor: keeps the copy of the predecessor's entry. */
static void replica_update(struct dsm_node *n, unsigned from, const struct dsm_msg *m)
{
    if (!n->replicate || from != dsm_manager_of(n, m->page) || (from + 1u) % n->nnodes != n->self ||
        (m->a != DSM_NODE_NONE && m->a >= n->nnodes) || (n->nnodes < 64 && (m->addr2 >> n->nnodes))) {
        dsm_bad(n, from, m, "directory backup from a node that is not our predecessor manager");
        return;
    }
    struct dsm_replica *r = dsm_replica_get(n, m->page, true);
    if (!r) {
        dsm_log(n, "no memory for the replica of %llx", (unsigned long long)m->page);
        return;
    }
    r->owner = (uint16_t)m->a;
    r->copyset = m->addr2;
}

/* Starts queued requests until one stays in flight; once the manager role has moved
 * away (dynamic), the rest follow it. */
static void mgr_run_queue(struct dsm_node *n, struct dsm_dir *d)
{
    while (!d->busy && !d->holding && d->queue) {
        struct dsm_req *q = d->queue;
        d->queue = q->next;
        if (!d->queue)
            d->queue_tail = NULL;
        if (q->wu) {
            d->busy = dsm_update_start(n, d, q);
            n->env.free(n->env.ctx, q);
            continue;
        }
        unsigned req = q->from;
        uint8_t access = q->access;
        uint16_t ahead = q->ahead;
        n->env.free(n->env.ctx, q);
        if (d->away)
            dyn_forward(n, d->page, req, access, ahead);
        else
            d->busy = mgr_start_any(n, d, req, access, ahead);
    }
}

void dsm_mgr_run_queue(struct dsm_node *n, struct dsm_dir *d)
{
    mgr_run_queue(n, d);
}

struct dsm_req *dsm_mgr_enqueue(struct dsm_node *n, struct dsm_dir *d, unsigned req, uint8_t access)
{
    struct dsm_req *q = dsm_alloc(n, sizeof *q);
    if (!q) {
        dsm_log(n, "no memory to queue request for %llx", (unsigned long long)d->page);
        return NULL;
    }
    q->from = (uint16_t)req;
    q->access = access;
    if (d->queue_tail)
        d->queue_tail->next = q;
    else
        d->queue = q;
    d->queue_tail = q;
    return q;
}

/* Dynamic scheme: a request reached a node that does not manage the page. A node whose
 * own write request is in flight will be the owner: it queues the request until then (IVY
 * holds it under the page lock); any other node, and our own requests, go on along the
 * hint. */
static void dyn_route(struct dsm_node *n, uint64_t page, unsigned req, uint8_t access, uint16_t ahead)
{
    struct dsm_page *p = dsm_page_get(n, page, true);
    if (p && p->pending == DSM_ACCESS_WRITE && !p->held && req != n->self) {
        struct dsm_dir *d = dsm_dir_get(n, page, true);
        struct dsm_req *q = d ? dsm_mgr_enqueue(n, d, req, access) : NULL;
        if (q) {
            q->ahead = ahead;
            return;
        }
    }
    dyn_forward(n, page, req, access, ahead);
}

/* Until when p stays here: the ping-pong window (at least min_ns) after it arrived, and
 * the resume hold; 0 if neither applies. */
static uint64_t coh_stay_until(const struct dsm_node *n, const struct dsm_page *p, uint64_t min_ns)
{
    uint64_t window = n->window_adaptive ? p->window_ns : n->window_ns;
    if (window < min_ns)
        window = min_ns;
    uint64_t until = window ? p->arrived_ns + window : 0;
    return p->resume_until > until ? p->resume_until : until;
}

/* Dynamic scheme, at the owner: holds the queue until the page has stayed the ping-pong
 * window (Mirage's delta, as a fixed-manager owner holds a forward), at least min_ns, and
 * the resume hold; true if it holds. The timer starts the queue (dsm_coherence_timers). */
static bool dyn_hold(struct dsm_node *n, struct dsm_dir *d, uint64_t min_ns)
{
    struct dsm_page *p = dsm_page_get(n, d->page, false);
    if (!p || !p->owner || p->state == DSM_PROT_NONE)
        return false;
    uint64_t until = coh_stay_until(n, p, min_ns);
    uint64_t now = n->env.now_ns(n->env.ctx);
    if (now >= until)
        return false;
    d->holding = true;
    d->hold_until = until;
    d->held_next = n->held_dirs;
    n->held_dirs = d;
    n->stats.damped++;
    dsm_timer_update(n);
    return true;
}

static void mgr_request(struct dsm_node *n, unsigned from, const struct dsm_msg *m, uint8_t access)
{
    const struct dsm_region *r = dsm_region_find(n, m->page);
    bool dyn = n->loc->probable_owner;
    /* Dynamic: a forwarded request names its requester, which differs from the sender. */
    if (m->node >= n->nnodes || (r && (r->flags & DSM_REGION_READONLY)) ||
        (access == DSM_ACCESS_WRITE && dsm_update_region(n, m->page)) ||
        (!dyn && (dsm_manager_of(n, m->page) != n->self || m->node != from))) {
        dsm_bad(n, from, m, "not a request for this manager");
        return;
    }
    if (access == DSM_ACCESS_READ ? !dsm_ahead_window_valid(m->b) : m->b != 0) {
        dsm_bad(n, from, m, "read-ahead beyond the limit, or on a write request");
        return;
    }
    uint16_t ahead = (uint16_t)m->b;
    if (dyn && !dsm_manages(n, m->page)) {
        dyn_route(n, m->page, m->node, access, ahead);
        return;
    }
    struct dsm_dir *d = dsm_dir_get(n, m->page, true);
    if (!d) {
        dsm_log(n, "no memory for directory entry %llx", (unsigned long long)m->page);
        return;
    }
    if (d->busy || d->holding || (dyn && m->node != n->self && dyn_hold(n, d, 0))) {
        struct dsm_req *q = dsm_mgr_enqueue(n, d, m->node, access);
        if (q)
            q->ahead = ahead;
        return;
    }
    d->busy = mgr_start_any(n, d, m->node, access, ahead);
}

/* Dynamic scheme: this node became the owner of p, so it manages it now (the requests
 * queued here meanwhile start once the local waiters have had the page: run_queue). */
static struct dsm_dir *dyn_take_over(struct dsm_node *n, struct dsm_page *p)
{
    p->hint = n->self;
    struct dsm_dir *d = dsm_dir_get(n, p->page, true);
    if (!d) {
        dsm_log(n, "no memory to manage %llx", (unsigned long long)p->page);
        return NULL;
    }
    d->away = false;
    d->owner = n->self;
    d->copyset = 0;
    return d;
}

static void mgr_done(struct dsm_node *n, unsigned from, const struct dsm_msg *m)
{
    struct dsm_dir *d = dsm_dir_get(n, m->page, false);
    if (!d || !d->busy || d->busy_for != from) {
        dsm_bad(n, from, m, "DONE without a transaction");
        return;
    }
    d->busy = false;
    mgr_run_queue(n, d);
}

/* ---- owner and holders ---- */

/* Counts a ping-pong event when a page is taken away soon after it arrived, and sizes the
 * page's adaptive window from it. */
static void coh_count_pingpong(struct dsm_node *n, struct dsm_page *p, const struct dsm_msg *m)
{
    if (m->type == DSM_MSG_FWD_READ || !p->arrived_ns)
        return;
    uint64_t recent = n->window_ns > DSM_PINGPONG_NS / 2 ? 2 * n->window_ns : DSM_PINGPONG_NS;
    if (n->env.now_ns(n->env.ctx) - p->arrived_ns < recent) {
        p->pingpong++;
        n->stats.pingpong++;
        uint64_t grown = p->window_ns ? 2 * p->window_ns : DSM_WINDOW_ADAPT_START_NS;
        p->window_ns = grown < n->window_ns ? grown : n->window_ns;
    } else {
        p->window_ns = p->window_ns / 2 >= DSM_WINDOW_ADAPT_START_NS ? p->window_ns / 2 : 0;
    }
}

/* Holds m back if p arrived less than the window ago; true if it did (or dropped it). A
 * message served from the timer comes back here with p->replaying set. */
static bool coh_defer(struct dsm_node *n, struct dsm_page *p, unsigned from, const struct dsm_msg *m)
{
    if (p && p->deferred) {
        dsm_bad(n, from, m, "second transaction while one is held back");
        return true;
    }
    if (p && p->replaying) {
        p->replaying = false;
        return false;
    }
    if (p)
        coh_count_pingpong(n, p, m);
    uint64_t until = p ? coh_stay_until(n, p, 0) : 0;
    if (!p || p->state == DSM_PROT_NONE || n->env.now_ns(n->env.ctx) >= until)
        return false;
    p->deferred = true;
    p->defer_until = until;
    p->deferred_from = (uint16_t)from;
    p->deferred_msg = *m;
    p->deferred_msg.data = NULL;
    p->deferred_next = n->deferred;
    n->deferred = p;
    n->stats.damped++;
    dsm_timer_update(n);
    return true;
}

static void owner_forward(struct dsm_node *n, unsigned from, const struct dsm_msg *m);
static void holder_invalidate(struct dsm_node *n, unsigned from, const struct dsm_msg *m);

void dsm_coherence_timers(struct dsm_node *n, uint64_t now, uint64_t *next_deadline)
{
    uint64_t next = 0;
    struct dsm_page **link = &n->deferred;
    while (*link) {
        struct dsm_page *p = *link;
        uint64_t due = p->defer_until;
        if (now && due <= now) {
            *link = p->deferred_next;
            p->deferred = false;
            p->replaying = true;
            struct dsm_msg m = p->deferred_msg;
            if (m.type == DSM_MSG_INVALIDATE)
                holder_invalidate(n, p->deferred_from, &m);
            else
                owner_forward(n, p->deferred_from, &m);
            link = &n->deferred; /* the handlers may have changed the list */
            continue;
        }
        if (!next || due < next)
            next = due;
        link = &p->deferred_next;
    }
    struct dsm_dir **dlink = &n->held_dirs;
    while (*dlink) {
        struct dsm_dir *d = *dlink;
        if (now && d->hold_until <= now) {
            *dlink = d->held_next;
            d->holding = false;
            mgr_run_queue(n, d);
            dlink = &n->held_dirs; /* running the queue may hold again */
            continue;
        }
        if (!next || d->hold_until < next)
            next = d->hold_until;
        dlink = &d->held_next;
    }
    *next_deadline = next;
}

static void owner_forward(struct dsm_node *n, unsigned from, const struct dsm_msg *m)
{
    struct dsm_page *p = dsm_page_get(n, m->page, false);
    if (!p)
        p = dsm_page_get(n, m->page, true);
    unsigned to = m->node;
    if (!p || !p->owner || p->state == DSM_PROT_NONE || to >= n->nnodes || to == n->self ||
        from != dsm_manager_of(n, m->page) || n->loc->probable_owner) {
        dsm_bad(n, from, m, "forward to a non-owner");
        return;
    }
    if (coh_defer(n, p, from, m))
        return;
    /* Owner and manager on this node: the grant goes from the manager's node (see
     * COH_GRANT_DIRECT), so without acks to wait for the transaction ends here. */
    struct dsm_dir *d = from == n->self ? dsm_dir_get(n, m->page, false) : NULL;
    bool direct = d && d->busy && d->busy_for == to && (m->type == DSM_MSG_FWD_READ || m->a == 0);
    uint16_t flags = direct ? COH_GRANT_DIRECT : 0;
    n->env.page_read(n->env.ctx, m->page, n->page_buf);
    if (m->type == DSM_MSG_FWD_READ) {
        if (p->state == DSM_PROT_WRITE) {
            n->env.page_protect(n->env.ctx, m->page, DSM_PROT_READ);
            p->state = DSM_PROT_READ;
            p->taken = true;
        }
        coh_send(n, to, DSM_MSG_GRANT, m->page, 0, flags | DSM_MSG_F_DATA, 0, 0, n->page_buf);
        if (direct && dsm_ahead_window_valid(m->b))
            coh_send_ahead(n, m->page, to, m->b);
    } else {
        flags |= DSM_MSG_F_WRITE | DSM_MSG_F_OWNER | (m->b ? DSM_MSG_F_DATA : 0);
        n->env.page_drop(n->env.ctx, m->page);
        p->state = DSM_PROT_NONE;
        p->owner = false;
        p->taken = true;
        coh_send_acks(n, to, DSM_MSG_GRANT, m->page, 0, flags, m->a, 0, m->addr2, m->b ? n->page_buf : NULL);
    }
    if (direct) {
        d->busy = false;
        mgr_run_queue(n, d);
    }
}

static void owner_ro_request(struct dsm_node *n, unsigned from, const struct dsm_msg *m)
{
    const struct dsm_region *r = dsm_region_find(n, m->page);
    struct dsm_page *p = dsm_page_get(n, m->page, true);
    if (!r || !(r->flags & DSM_REGION_READONLY) || r->owner != n->self || !p || p->state == DSM_PROT_NONE ||
        m->node != from) {
        dsm_bad(n, from, m, "read-only request to a non-owner");
        return;
    }
    n->env.page_read(n->env.ctx, m->page, n->page_buf);
    coh_send(n, from, DSM_MSG_GRANT, m->page, 0, DSM_MSG_F_DATA | DSM_MSG_F_RO, 0, 0, n->page_buf);
}

static void holder_invalidate(struct dsm_node *n, unsigned from, const struct dsm_msg *m)
{
    struct dsm_page *p = dsm_page_get(n, m->page, false);
    /* Dynamic: the old owner invalidates as it hands the page to m->node. */
    if (!p || p->owner || p->ro || p->state == DSM_PROT_WRITE || m->node >= n->nnodes ||
        (!n->loc->probable_owner && from != dsm_manager_of(n, m->page))) {
        dsm_bad(n, from, m, "invalidate of a page not held shared");
        return;
    }
    if (coh_defer(n, p, from, m))
        return;
    n->stats.inv_recv++;
    if (n->loc->probable_owner)
        p->hint = m->node;
    if (p->state != DSM_PROT_NONE) {
        n->env.page_drop(n->env.ctx, m->page);
        p->state = DSM_PROT_NONE;
        p->taken = true;
    }
    coh_send(n, m->node, DSM_MSG_INV_ACK, m->page, n->self, 0, 0, 0, NULL);
}

/* ---- requester ---- */

static void req_maybe_complete(struct dsm_node *n, struct dsm_page *p)
{
    if (!p->granted || (p->acks_want & ~p->acks_got))
        return;
    uint16_t f = p->grant_flags;
    uint8_t final = (f & DSM_MSG_F_WRITE) ? DSM_PROT_WRITE : DSM_PROT_READ;
    if (p->state != final)
        n->env.page_protect(n->env.ctx, p->page, (enum dsm_prot)final);
    p->state = final;
    if (f & DSM_MSG_F_OWNER)
        p->owner = true;
    p->ro = (f & DSM_MSG_F_RO) != 0;
    if (f & DSM_MSG_F_DATA)
        n->stats.fetches++;
    else if (f & DSM_MSG_F_ZERO)
        n->stats.zero_fills++;
    else if (final == DSM_PROT_WRITE)
        n->stats.upgrades++;
    p->pending = 0;
    p->granted = false;
    p->arrived_ns = n->env.now_ns(n->env.ctx);
    bool dyn = n->loc->probable_owner && !p->ro;
    /* Dynamic, migratory pattern: an upgrade of our read copy that invalidated nobody (we
     * read, then wrote, alone), or the ownership handed over with a read grant. */
    if (dyn && (f & DSM_MSG_F_OWNER) && !(f & DSM_MSG_F_ZERO))
        p->migratory = final == DSM_PROT_WRITE ? !(f & DSM_MSG_F_DATA) && !p->acks_want : (f & DSM_MSG_F_DATA) != 0;
    /* Dynamic: only our own upgrade (granted by ourselves) keeps a transaction open. */
    if (!p->ro && !(f & DSM_MSG_F_NODONE) && (!dyn || p->grant_from == n->self))
        coh_send(n, dyn ? n->self : dsm_manager_of(n, p->page), DSM_MSG_DONE, p->page, n->self, 0, 0, 0, NULL);
    struct dsm_dir *took = NULL;
    if (dyn && (f & DSM_MSG_F_OWNER))
        took = dyn_take_over(n, p);
    else if (dyn)
        p->hint = p->grant_from;
    bool woke = p->waiters != NULL;
    coh_wake_ready(n, p);
    if (took && took->queue && !took->holding && !dyn_hold(n, took, woke ? DSM_DYN_HOLD_NS : 0))
        mgr_run_queue(n, took);
}

static void req_grant(struct dsm_node *n, unsigned from, const struct dsm_msg *m)
{
    struct dsm_page *p = dsm_page_get(n, m->page, false);
    uint16_t f = m->flags;
    bool write = (f & DSM_MSG_F_WRITE) != 0;
    bool fresh = (f & (DSM_MSG_F_DATA | DSM_MSG_F_ZERO)) != 0;
    if (!p || !p->pending || p->held || p->granted || write != (p->pending == DSM_ACCESS_WRITE) ||
        ((f & DSM_MSG_F_DATA) && (f & DSM_MSG_F_ZERO)) || (!fresh && p->state == DSM_PROT_NONE) ||
        (fresh && p->state != DSM_PROT_NONE) || (m->a && !write) || m->a != popcount64(m->addr2) ||
        (n->nnodes < 64 && (m->addr2 >> n->nnodes)) || (m->addr2 & (1ull << n->self)) ||
        (m->a && (f & DSM_MSG_F_NODONE)) ||
        ((f & DSM_MSG_F_NODONE) && !n->loc->probable_owner && from != dsm_manager_of(n, m->page))) {
        dsm_bad(n, from, m, "unexpected grant");
        return;
    }
    if (p->acks_got & ~m->addr2) {
        /* Early acks from nodes this grant does not name were never owed. */
        p->acks_got &= m->addr2;
        dsm_bad(n, from, m, "invalidation acks from nodes not invalidated");
    }
    p->granted = true;
    p->grant_flags = f;
    p->grant_from = (uint16_t)from;
    p->acks_want = m->addr2;
#ifdef DSM_BROKEN_SKIP_INVALIDATE_ACK
    /* Deliberately wrong (simulator self-test): write without waiting for invalidations. */
    p->acks_want = 0;
#endif
    if (fresh) {
        /* Map the new copy inaccessible until every old copy is gone. */
        bool now = !(p->acks_want & ~p->acks_got);
        enum dsm_prot prot = !now ? DSM_PROT_NONE : write ? DSM_PROT_WRITE : DSM_PROT_READ;
        n->env.page_install(n->env.ctx, m->page, m->data, prot);
        p->state = (uint8_t)prot;
    }
    req_maybe_complete(n, p);
}

/* A read-ahead copy from the page's owner and manager (under `fixed` and `central` the
 * manager is known), which has put us in the copyset. It is installed READ if we hold nothing
 * of the page; a request of ours for it stays in flight and is confirmed without data (FIFO
 * from that node keeps the copy ahead of the answer). */
static void req_ahead(struct dsm_node *n, unsigned from, const struct dsm_msg *m)
{
    const struct dsm_region *r = dsm_region_find(n, m->page);
    if ((!n->loc->probable_owner && from != dsm_manager_of(n, m->page)) ||
        (r && (r->flags & (DSM_REGION_READONLY | DSM_REGION_WRITE_UPDATE)))) {
        dsm_bad(n, from, m, "read-ahead copy from a node not managing the page, or outside a read-write region");
        return;
    }
    struct dsm_page *p = dsm_page_get(n, m->page, true);
    if (!p) {
        dsm_log(n, "no memory for the read-ahead copy of %llx", (unsigned long long)m->page);
        return;
    }
    if (p->owner || p->ro || p->state != DSM_PROT_NONE || p->granted || p->wu_blocked) {
        dsm_bad(n, from, m, "read-ahead copy of a page held here");
        return;
    }
    n->env.page_install(n->env.ctx, m->page, m->data, DSM_PROT_READ);
    p->state = DSM_PROT_READ;
    if (n->loc->probable_owner)
        p->hint = (uint16_t)from;
    p->arrived_ns = n->env.now_ns(n->env.ctx);
    n->stats.ahead_recv++;
    coh_wake_ready(n, p);
}

static void req_inv_ack(struct dsm_node *n, unsigned from, const struct dsm_msg *m)
{
    struct dsm_page *p = dsm_page_get(n, m->page, false);
    uint64_t bit = 1ull << from;
    if (!p || p->pending != DSM_ACCESS_WRITE || p->held || m->node != from || (p->acks_got & bit) ||
        (p->granted && !(p->acks_want & bit))) {
        dsm_bad(n, from, m, "unexpected invalidation ack");
        return;
    }
    p->acks_got |= bit;
    req_maybe_complete(n, p);
}

void dsm_coherence_handle(struct dsm_node *n, unsigned from, const struct dsm_msg *m)
{
    if (m->page >= DSM_PAGE_LIMIT) {
        dsm_bad(n, from, m, "page outside user space");
        return;
    }
    switch (m->type) {
    case DSM_MSG_READ_REQ: mgr_request(n, from, m, DSM_ACCESS_READ); break;
    case DSM_MSG_WRITE_REQ: mgr_request(n, from, m, DSM_ACCESS_WRITE); break;
    case DSM_MSG_DONE: mgr_done(n, from, m); break;
    case DSM_MSG_FWD_READ:
    case DSM_MSG_FWD_WRITE: owner_forward(n, from, m); break;
    case DSM_MSG_RO_REQ: owner_ro_request(n, from, m); break;
    case DSM_MSG_INVALIDATE: holder_invalidate(n, from, m); break;
    case DSM_MSG_INV_ACK: req_inv_ack(n, from, m); break;
    case DSM_MSG_GRANT: req_grant(n, from, m); break;
    case DSM_MSG_AHEAD: req_ahead(n, from, m); break;
    case DSM_MSG_DIR_BACKUP: replica_update(n, from, m); break;
    case DSM_MSG_WU_WRITE:
    case DSM_MSG_WU_UPDATE:
    case DSM_MSG_WU_ACK:
    case DSM_MSG_WU_RELEASE:
    case DSM_MSG_WU_DONE: dsm_update_handle(n, from, m); break;
    default: dsm_bad(n, from, m, "unknown type"); break;
    }
}
