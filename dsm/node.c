/* SPDX-License-Identifier: MIT */
/* DSM node: creation, record tables, regions, message dispatch with loopback, timers,
 * quiesce and queries (docs/dsm-protocol.md). The protocol rules themselves live in
 * coherence.c and futex.c; this file only routes. */
#include <stdarg.h>

#include "dsm/internal.h"
#include "kernel/format.h"
#include "kernel/libc.h"

#define DSM_LOG_LINE 160
#define DSM_DUMP_LINE 120        /* the copies of a dump line (dsm_log adds its prefix) */
#define DSM_DUMP_ENTRY_MAX 48    /* one " page:oN/cCOPYSET" entry at most */
#define DSM_DUMP_MAX_COPIES 256  /* a state dump lists at most this many copies and entries */
#define DSM_HASH_MULT 0x9e3779b97f4a7c15ull /* 2^64 / golden ratio (Knuth, TAOCP 6.4) */
#define DSM_HASH_SHIFT 54                   /* top 10 bits: 1024 buckets */
#define DSM_STRIPE_SHIFT_LIMIT 48 /* a stripe of 2^48 pages is past the whole user space */

_Static_assert(DSM_HASH_BUCKETS == 1u << (64 - DSM_HASH_SHIFT), "bucket count matches the hash width");

static unsigned hash_bucket(uint64_t key)
{
    return (unsigned)((key * DSM_HASH_MULT) >> DSM_HASH_SHIFT);
}

void *dsm_alloc(struct dsm_node *n, size_t size)
{
    void *p = n->env.alloc(n->env.ctx, size);
    if (p)
        memset(p, 0, size);
    else
        n->stats.nomem++;
    return p;
}

void dsm_log(struct dsm_node *n, const char *fmt, ...)
{
    if (!n->env.log)
        return;
    char line[DSM_LOG_LINE];
    int len = fmt_snprintf(line, sizeof line, "dsm%u: ", n->self);
    va_list ap;
    va_start(ap, fmt);
    if (len >= 0 && (size_t)len < sizeof line)
        fmt_vsnprintf(line + len, sizeof line - (size_t)len, fmt, ap);
    va_end(ap);
    n->env.log(n->env.ctx, line);
}

struct dsm_node *dsm_node_create(const struct dsm_env *env, unsigned self, unsigned nnodes,
                                 enum dsm_scheme scheme)
{
    if (!env || nnodes == 0 || nnodes > DSM_MAX_NODES || self >= nnodes || !env->send || !env->alloc ||
        !env->free || !env->page_install || !env->page_protect || !env->page_read || !env->page_drop ||
        !env->read_u32 || !env->wake || !env->now_ns || !env->timer_arm)
        return NULL;
    const struct dsm_locator *loc;
    switch (scheme) {
    case DSM_SCHEME_FIXED: loc = &dsm_locator_fixed; break;
    case DSM_SCHEME_CENTRAL: loc = &dsm_locator_central; break;
    case DSM_SCHEME_DYNAMIC: loc = &dsm_locator_dynamic; break;
    default: return NULL;
    }
    struct dsm_node *n = env->alloc(env->ctx, sizeof *n);
    if (!n)
        return NULL;
    memset(n, 0, sizeof *n);
    n->env = *env;
    n->self = (uint16_t)self;
    n->nnodes = (uint16_t)nnodes;
    n->loc = loc;
    n->next_call_id = 1;
    return n;
}

void dsm_node_destroy(struct dsm_node *n)
{
    if (!n)
        return;
    void (*fr)(void *, void *) = n->env.free;
    void *ctx = n->env.ctx;
    for (unsigned b = 0; b < DSM_HASH_BUCKETS; b++) {
        for (struct dsm_page *p = n->pages[b], *next; p; p = next) {
            next = p->hnext;
            for (struct dsm_waiter *w = p->waiters, *wn; w; w = wn) {
                wn = w->next;
                fr(ctx, w);
            }
            fr(ctx, p);
        }
        for (struct dsm_dir *d = n->dirs[b], *next; d; d = next) {
            next = d->hnext;
            for (struct dsm_req *r = d->queue, *rn; r; r = rn) {
                rn = r->next;
                fr(ctx, r);
            }
            fr(ctx, d);
        }
        for (struct dsm_replica *r = n->replicas[b], *rn; r; r = rn) {
            rn = r->hnext;
            fr(ctx, r);
        }
    }
    for (struct dsm_wu_call *c = n->wu_calls, *cn; c; c = cn) {
        cn = c->next;
        fr(ctx, c);
    }
    for (struct dsm_fq *q = n->fq_head, *qn; q; q = qn) {
        qn = q->next;
        fr(ctx, q);
    }
    for (struct dsm_call *c = n->calls, *cn; c; c = cn) {
        cn = c->next;
        fr(ctx, c);
    }
    for (struct dsm_loop *l = n->loop_head, *ln; l; l = ln) {
        ln = l->next;
        fr(ctx, l);
    }
    fr(ctx, n);
}

const struct dsm_region *dsm_region_find(const struct dsm_node *n, uint64_t page)
{
    for (unsigned i = 0; i < n->nregions; i++)
        if (page - n->regions[i].first < n->regions[i].count)
            return &n->regions[i];
    return NULL;
}

int dsm_region_add(struct dsm_node *n, uint64_t first, uint64_t count, unsigned flags, unsigned owner)
{
    if (count == 0 || first >= DSM_PAGE_LIMIT || count > DSM_PAGE_LIMIT - first || owner >= n->nnodes ||
        (flags & ~(DSM_REGION_READONLY | DSM_REGION_PRELOADED | DSM_REGION_WRITE_UPDATE)) ||
        ((flags & DSM_REGION_WRITE_UPDATE) && ((flags & DSM_REGION_READONLY) || n->loc->probable_owner)) ||
        n->nregions == DSM_MAX_REGIONS)
        return -DSM_EINVAL;
    for (unsigned i = 0; i < n->nregions; i++) {
        const struct dsm_region *r = &n->regions[i];
        if (first < r->first + r->count && r->first < first + count)
            return -DSM_EINVAL;
    }
    n->regions[n->nregions++] = (struct dsm_region){ first, count, flags, (uint16_t)owner };
    return 0;
}

/* A page record starts from what the regions say: the region owner holds preloaded and
 * read-only pages (READ for read-only, WRITE otherwise); everyone else holds nothing. */
struct dsm_page *dsm_page_get(struct dsm_node *n, uint64_t page, bool create)
{
    unsigned b = hash_bucket(page);
    for (struct dsm_page *p = n->pages[b]; p; p = p->hnext)
        if (p->page == page)
            return p;
    if (!create)
        return NULL;
    struct dsm_page *p = dsm_alloc(n, sizeof *p);
    if (!p)
        return NULL;
    p->page = page;
    const struct dsm_region *r = dsm_region_find(n, page);
    if (r && r->owner == n->self && (r->flags & (DSM_REGION_READONLY | DSM_REGION_PRELOADED))) {
        p->owner = true;
        p->ro = (r->flags & DSM_REGION_READONLY) != 0;
        /* Write-update pages are only ever mapped READ (docs/dsm-protocol.md 4c). */
        p->state = p->ro || (r->flags & DSM_REGION_WRITE_UPDATE) ? DSM_PROT_READ : DSM_PROT_WRITE;
    }
    p->hint = (uint16_t)dsm_initial_manager(n, page);
    p->hnext = n->pages[b];
    n->pages[b] = p;
    return p;
}

struct dsm_dir *dsm_dir_get(struct dsm_node *n, uint64_t page, bool create)
{
    unsigned b = hash_bucket(page);
    for (struct dsm_dir *d = n->dirs[b]; d; d = d->hnext)
        if (d->page == page)
            return d;
    if (!create)
        return NULL;
    struct dsm_dir *d = dsm_alloc(n, sizeof *d);
    if (!d)
        return NULL;
    d->page = page;
    const struct dsm_region *r = dsm_region_find(n, page);
    d->owner = (r && (r->flags & DSM_REGION_PRELOADED)) ? r->owner : DSM_NODE_NONE;
    d->away = n->loc->probable_owner && dsm_initial_manager(n, page) != n->self;
    d->backup_owner = d->owner;
    d->hnext = n->dirs[b];
    n->dirs[b] = d;
    return d;
}

struct dsm_replica *dsm_replica_get(struct dsm_node *n, uint64_t page, bool create)
{
    unsigned b = hash_bucket(page);
    for (struct dsm_replica *r = n->replicas[b]; r; r = r->hnext)
        if (r->page == page)
            return r;
    if (!create)
        return NULL;
    struct dsm_replica *r = dsm_alloc(n, sizeof *r);
    if (!r)
        return NULL;
    r->page = page;
    const struct dsm_region *reg = dsm_region_find(n, page);
    r->owner = (reg && (reg->flags & DSM_REGION_PRELOADED)) ? reg->owner : DSM_NODE_NONE;
    r->hnext = n->replicas[b];
    n->replicas[b] = r;
    return r;
}

int dsm_set_replication(struct dsm_node *n, bool on)
{
    if (on && (n->loc->probable_owner || n->nnodes < 2))
        return -DSM_EINVAL;
    n->replicate = on;
    return 0;
}

bool dsm_replica_query(const struct dsm_node *n, uint64_t page, unsigned *owner, uint64_t *copyset)
{
    if (!n->replicate || (dsm_manager_of(n, page) + 1u) % n->nnodes != n->self)
        return false;
    const struct dsm_replica *r = dsm_replica_get((struct dsm_node *)n, page, false);
    if (r) {
        *owner = r->owner;
        *copyset = r->copyset;
        return true;
    }
    const struct dsm_region *reg = dsm_region_find(n, page);
    *owner = (reg && (reg->flags & DSM_REGION_PRELOADED)) ? reg->owner : DSM_NODE_NONE;
    *copyset = 0;
    return true;
}

void dsm_send(struct dsm_node *n, unsigned to, const struct dsm_msg *m, bool page_txn)
{
    if (to == n->self) {
        struct dsm_loop *l = dsm_alloc(n, sizeof *l);
        if (!l) {
            dsm_log(n, "loopback %s dropped: no memory", dsm_msg_type_name(m->type));
            return;
        }
        l->msg = *m;
        l->msg.data = NULL; /* nothing is ever sent to self with data (see coherence.c) */
        if (n->loop_tail)
            n->loop_tail->next = l;
        else
            n->loop_head = l;
        n->loop_tail = l;
        return;
    }
    size_t len = dsm_msg_encode(m, n->msg_buf, sizeof n->msg_buf);
    if (!len) {
        dsm_log(n, "cannot encode %s", dsm_msg_type_name(m->type));
        return;
    }
    n->stats.msgs_sent++;
    n->stats.bytes_sent += len;
    if (page_txn)
        n->stats.fault_msgs++;
    else
        n->stats.futex_remote++;
    n->env.send(n->env.ctx, to, n->msg_buf, len);
}

void dsm_bad(struct dsm_node *n, unsigned from, const struct dsm_msg *m, const char *why)
{
    n->stats.bad_msgs++;
    dsm_log(n, "dropped %s from %u page %llx: %s", dsm_msg_type_name(m->type), from,
            (unsigned long long)m->page, why);
}

static void node_dispatch(struct dsm_node *n, unsigned from, const struct dsm_msg *m)
{
    if (m->type >= DSM_MSG_FUTEX_REG && m->type <= DSM_MSG_FUTEX_PASS)
        dsm_futex_handle(n, from, m);
    else
        dsm_coherence_handle(n, from, m);
}

/* Delivers loopback messages until none is left; handlers may add more. */
void dsm_node_drain(struct dsm_node *n)
{
    while (n->loop_head) {
        struct dsm_loop *l = n->loop_head;
        n->loop_head = l->next;
        if (!n->loop_head)
            n->loop_tail = NULL;
        struct dsm_msg m = l->msg;
        n->env.free(n->env.ctx, l);
        node_dispatch(n, n->self, &m);
    }
}

void dsm_receive(struct dsm_node *n, unsigned from, const void *bytes, size_t len)
{
    struct dsm_msg m;
    if (from >= n->nnodes || from == n->self || !dsm_msg_decode(bytes, len, &m)) {
        n->stats.bad_msgs++;
        dsm_log(n, "malformed message (%zu bytes) from %u", len, from);
        return;
    }
    n->stats.msgs_recv++;
    n->stats.bytes_recv += len;
    node_dispatch(n, from, &m);
    dsm_node_drain(n);
}

int dsm_fault(struct dsm_node *n, uint64_t page, enum dsm_access access, uint64_t token)
{
    int rc = dsm_coherence_access(n, page, access, token, false);
    dsm_node_drain(n);
    return rc;
}

static uint64_t earliest(uint64_t a, uint64_t b)
{
    return !a ? b : !b ? a : a < b ? a : b;
}

void dsm_timer_update(struct dsm_node *n)
{
    uint64_t next = 0, next_window = 0;
    dsm_futex_timers(n, 0, &next);
    dsm_coherence_timers(n, 0, &next_window);
    next = earliest(next, next_window);
    if (next != n->timer_deadline) {
        n->timer_deadline = next;
        n->env.timer_arm(n->env.ctx, next);
    }
}

void dsm_timer_expired(struct dsm_node *n)
{
    uint64_t next = 0;
    n->timer_deadline = 0;
    uint64_t now = n->env.now_ns(n->env.ctx);
    dsm_futex_timers(n, now, &next);
    dsm_coherence_timers(n, now, &next);
    dsm_node_drain(n);
    dsm_timer_update(n);
}

void dsm_set_window(struct dsm_node *n, uint64_t window_ns, bool adaptive)
{
    n->window_ns = window_ns;
    n->window_adaptive = adaptive;
}

int dsm_set_read_ahead(struct dsm_node *n, unsigned pages)
{
    if (pages > DSM_READ_AHEAD_MAX)
        return -DSM_EINVAL;
    n->read_ahead = (uint8_t)pages;
    return 0;
}

void dsm_set_resume_hold(struct dsm_node *n, bool on)
{
    n->resume_hold = on;
}

void dsm_quiesce(struct dsm_node *n, bool on)
{
    bool was = n->quiesced;
    n->quiesced = on;
    if (was && !on) {
        dsm_coherence_release_held(n);
        dsm_futex_release_held(n);
        dsm_update_release_held(n);
        dsm_node_drain(n);
    }
}

bool dsm_is_idle(const struct dsm_node *n)
{
    if (n->loop_head || n->deferred || n->held_dirs)
        return false;
    for (const struct dsm_wu_call *c = n->wu_calls; c; c = c->next)
        if (!c->held)
            return false;
    for (unsigned b = 0; b < DSM_HASH_BUCKETS; b++) {
        for (const struct dsm_page *p = n->pages[b]; p; p = p->hnext)
            if (p->pending && !p->held)
                return false;
        for (const struct dsm_dir *d = n->dirs[b]; d; d = d->hnext)
            if (d->busy || d->queue)
                return false;
    }
    /* A CHECKING call waits on a page request, which the loop above already judged. */
    for (const struct dsm_call *c = n->calls; c; c = c->next)
        if (c->state == DSM_CALL_REGISTERING || c->state == DSM_CALL_REPLY)
            return false;
    return true;
}

void dsm_page_query(const struct dsm_node *n, uint64_t page, struct dsm_page_info *out)
{
    const struct dsm_page *p = dsm_page_get((struct dsm_node *)n, page, false);
    memset(out, 0, sizeof *out);
    if (p) {
        out->state = (enum dsm_prot)p->state;
        out->owner = p->owner;
        out->pending = p->pending != 0 || p->wu_blocked;
        out->taken = p->taken;
        return;
    }
    const struct dsm_region *r = dsm_region_find(n, page);
    if (r && r->owner == n->self && (r->flags & (DSM_REGION_READONLY | DSM_REGION_PRELOADED))) {
        out->owner = true;
        out->state = (r->flags & (DSM_REGION_READONLY | DSM_REGION_WRITE_UPDATE)) ? DSM_PROT_READ : DSM_PROT_WRITE;
    }
}

unsigned dsm_initial_manager(const struct dsm_node *n, uint64_t page)
{
    const struct dsm_region *r = dsm_region_find(n, page);
    if (r && (r->flags & DSM_REGION_PRELOADED))
        return r->owner;
    return dsm_manager_of(n, page);
}

bool dsm_manages(const struct dsm_node *n, uint64_t page)
{
    if (!n->loc->probable_owner)
        return dsm_manager_of(n, page) == n->self;
    const struct dsm_dir *d = dsm_dir_get((struct dsm_node *)n, page, false);
    return d ? !d->away : dsm_initial_manager(n, page) == n->self;
}

void dsm_dir_query(const struct dsm_node *n, uint64_t page, struct dsm_dir_info *out)
{
    memset(out, 0, sizeof *out);
    out->owner = DSM_NODE_NONE;
    if (!dsm_manages(n, page))
        return;
    out->managed_here = true;
    const struct dsm_dir *d = dsm_dir_get((struct dsm_node *)n, page, false);
    if (d) {
        out->owner = d->owner;
        out->copyset = d->copyset;
        out->busy = d->busy;
        return;
    }
    const struct dsm_region *r = dsm_region_find(n, page);
    if (r && (r->flags & DSM_REGION_PRELOADED))
        out->owner = r->owner;
}

/* Every copy this node holds and every directory entry it keeps, a few to a line:
 * "page:state" with o (owner) or hN (dynamic hint) and "=first word" of a readable copy,
 * and "page:oN/cCOPYSET". */
static void dsm_dump_copies(const struct dsm_node *n)
{
    struct dsm_node *m = (struct dsm_node *)n;
    char line[DSM_DUMP_LINE];
    size_t used = 0;
    unsigned shown = 0, total = 0;
    for (int dirs = 0; dirs < 2; dirs++) {
        for (unsigned b = 0; b < DSM_HASH_BUCKETS; b++) {
            const struct dsm_page *p = dirs ? NULL : n->pages[b];
            const struct dsm_dir *d = dirs ? n->dirs[b] : NULL;
            for (; p || d; p = p ? p->hnext : NULL, d = d ? d->hnext : NULL) {
                if (p ? p->state == DSM_PROT_NONE && !p->owner : d->owner == DSM_NODE_NONE)
                    continue;
                if (total++ >= DSM_DUMP_MAX_COPIES)
                    continue;
                if (used > sizeof line - DSM_DUMP_ENTRY_MAX) {
                    dsm_log(m, "%s:%s", dirs ? "dirs" : "copies", line);
                    used = 0;
                }
                /* A held copy's first word tells copies of one page apart (a stale one differs). */
                uint32_t first = p && p->state != DSM_PROT_NONE ? n->env.read_u32(n->env.ctx, p->page << DSM_PAGE_SHIFT) : 0;
                if (p && p->owner)
                    used += (size_t)fmt_snprintf(line + used, sizeof line - used, " %llx:%co=%x",
                                                 (unsigned long long)p->page, "-rw"[p->state % 3], first);
                else if (p)
                    used += (size_t)fmt_snprintf(line + used, sizeof line - used, " %llx:%ch%u=%x",
                                                 (unsigned long long)p->page, "-rw"[p->state % 3], p->hint, first);
                else
                    used += (size_t)fmt_snprintf(line + used, sizeof line - used, " %llx:o%u/c%llx",
                                                 (unsigned long long)d->page, d->owner, (unsigned long long)d->copyset);
                shown++;
            }
        }
        if (used)
            dsm_log(m, "%s:%s", dirs ? "dirs" : "copies", line);
        used = 0;
    }
    if (total > shown)
        dsm_log(m, "copies and dirs: %u more not shown", total - shown);
}

void dsm_dump(const struct dsm_node *n)
{
    struct dsm_node *m = (struct dsm_node *)n; /* dsm_log only formats */
    for (unsigned b = 0; b < DSM_HASH_BUCKETS; b++) {
        for (const struct dsm_page *p = n->pages[b]; p; p = p->hnext) {
            if (!p->pending && !p->waiters)
                continue;
            unsigned waiters = 0;
            for (const struct dsm_waiter *w = p->waiters; w; w = w->next)
                waiters++;
            dsm_log(m, "page %llx state %u owner %d pending %u held %d granted %d acks %llx/%llx waiters %u",
                    (unsigned long long)p->page, p->state, p->owner, p->pending, p->held, p->granted,
                    (unsigned long long)p->acks_got, (unsigned long long)p->acks_want, waiters);
        }
        for (const struct dsm_dir *d = n->dirs[b]; d; d = d->hnext) {
            if (!d->busy && !d->queue)
                continue;
            unsigned queued = 0;
            for (const struct dsm_req *r = d->queue; r; r = r->next)
                queued++;
            dsm_log(m, "dir %llx owner %u copyset %llx busy %d for %u queued %u away %d holding %d",
                    (unsigned long long)d->page, d->owner, (unsigned long long)d->copyset, d->busy, d->busy_for,
                    queued, d->away, d->holding);
        }
    }
    for (const struct dsm_call *c = n->calls; c; c = c->next)
        dsm_log(m, "futex call %u kind %u state %u addr %llx", c->id, c->kind, c->state,
                (unsigned long long)c->addr);
    dsm_dump_copies(n);
    dsm_log(m, "futex waiters queued here %u quiesced %d idle %d", dsm_futex_queued(n), n->quiesced,
            dsm_is_idle(n));
}

unsigned dsm_manager_of(const struct dsm_node *n, uint64_t page)
{
    if (page - n->stripe_first < n->stripe_count)
        return (unsigned)(((page - n->stripe_first) >> n->stripe_shift) % n->nnodes);
    return n->loc->manager_of(page, n->nnodes);
}

int dsm_set_home_stripes(struct dsm_node *n, uint64_t first, uint64_t count, unsigned stripe_shift)
{
    if (n->loc == &dsm_locator_central || first >= DSM_PAGE_LIMIT || count > DSM_PAGE_LIMIT - first ||
        stripe_shift >= DSM_STRIPE_SHIFT_LIMIT)
        return -DSM_EINVAL;
    n->stripe_first = first;
    n->stripe_count = count;
    n->stripe_shift = stripe_shift;
    return 0;
}

unsigned dsm_futex_queued(const struct dsm_node *n)
{
    unsigned count = 0;
    for (const struct dsm_fq *q = n->fq_head; q; q = q->next)
        count++;
    return count;
}

const char *dsm_scheme_name(const struct dsm_node *n)
{
    return n->loc->name;
}

const struct dsm_stats *dsm_node_stats(const struct dsm_node *n)
{
    return &n->stats;
}
