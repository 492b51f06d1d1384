/* SPDX-License-Identifier: MIT */
/* Write-update regions (docs/dsm-protocol.md 4c, issue 6): a write to such a page goes to
 * the page's manager, the sequencer, which applies it on every copy in two phases (update
 * + ack with the copy inaccessible, then release), so each write is atomic and sequential
 * consistency holds. Atomic read-modify-writes (dsm_atomic) take the same path: each copy
 * applies the operation to its identical bytes, the owner's ack returns the old ones.
 * The store trap is the kernel glue's job; `fixed`/`central` only. */
#include "dsm/internal.h"
#include "kernel/libc.h"

#define WU_MAX_LEN 8u /* one x86 store of at most 8 bytes; the glue splits longer ones */
/* WU_WRITE / WU_UPDATE field a (docs/dsm-protocol.md 4c): offset, length and operation
 * packed, so b and d can carry the 64-bit compare value of a CMPXCHG. */
#define WU_A_LEN_SHIFT 12
#define WU_A_OP_SHIFT 16
#define WU_A_FIELD_MASK 0xfu
#define WU_A_USED_MASK 0xfffffu

static uint32_t wu_pack_a(uint32_t off, uint32_t len, uint32_t op)
{
    return off | len << WU_A_LEN_SHIFT | op << WU_A_OP_SHIFT;
}

/* Unpacks a WU_WRITE / WU_UPDATE into q's wu_* fields; false if malformed. */
static bool wu_unpack(const struct dsm_msg *m, struct dsm_req *q)
{
    q->wu_off = m->a & (DSM_PAGE_SIZE - 1);
    q->wu_len = (m->a >> WU_A_LEN_SHIFT) & WU_A_FIELD_MASK;
    q->wu_op = (uint8_t)((m->a >> WU_A_OP_SHIFT) & WU_A_FIELD_MASK);
    q->wu_cmp = (uint64_t)m->d << 32 | m->b;
    q->wu_val = m->addr2;
    return (m->a & ~WU_A_USED_MASK) == 0 && q->wu_len != 0 && q->wu_len <= WU_MAX_LEN &&
           q->wu_off + q->wu_len <= DSM_PAGE_SIZE && q->wu_op <= DSM_ATOMIC_XOR;
}

static uint64_t wu_mask(unsigned len)
{
    return len >= 8 ? ~0ull : (1ull << (8 * len)) - 1;
}

uint64_t dsm_atomic_apply(unsigned op, unsigned len, uint64_t old, uint64_t operand, uint64_t compare)
{
    uint64_t v = operand, mask = wu_mask(len);
    old &= mask;
    switch (op) {
    case DSM_ATOMIC_CMPXCHG: v = old == (compare & mask) ? v : old; break;
    case DSM_ATOMIC_ADD: v = old + v; break;
    case DSM_ATOMIC_AND: v = old & v; break;
    case DSM_ATOMIC_OR: v = old | v; break;
    case DSM_ATOMIC_XOR: v = old ^ v; break;
    default: break; /* a plain write or XCHG: the operand */
    }
    return v & mask;
}

bool dsm_update_region(const struct dsm_node *n, uint64_t page)
{
    const struct dsm_region *r = dsm_region_find(n, page);
    return r && (r->flags & DSM_REGION_WRITE_UPDATE);
}

static void wu_send(struct dsm_node *n, unsigned to, uint8_t type, uint64_t page, const struct dsm_req *q,
                    uint32_t c)
{
    struct dsm_msg m = { .type = type, .node = n->self, .page = page, .c = c };
    if (q) {
        m.a = wu_pack_a(q->wu_off, q->wu_len, q->wu_op);
        m.b = (uint32_t)q->wu_cmp;
        m.d = (uint32_t)(q->wu_cmp >> 32);
        m.addr2 = q->wu_val;
    }
    dsm_send(n, to, &m, true);
}

static void wu_send_call(struct dsm_node *n, struct dsm_wu_call *c)
{
    c->held = n->quiesced;
    if (!c->held)
        dsm_send(n, dsm_manager_of(n, c->msg.page), &c->msg, true);
}

/* dsm_write (op 0) and dsm_atomic: one call to the page's sequencer. */
static int wu_call(struct dsm_node *n, uint64_t addr, unsigned len, unsigned op, uint64_t value, uint64_t compare,
                   uint64_t *old, uint64_t token)
{
    uint64_t page = addr >> DSM_PAGE_SHIFT;
    uint32_t off = (uint32_t)(addr & (DSM_PAGE_SIZE - 1));
    if (page >= DSM_PAGE_LIMIT || len == 0 || len > WU_MAX_LEN || off + len > DSM_PAGE_SIZE ||
        op > DSM_ATOMIC_XOR || !dsm_update_region(n, page))
        return -DSM_EINVAL;
    struct dsm_wu_call *c = dsm_alloc(n, sizeof *c);
    if (!c)
        return -DSM_ENOMEM;
    c->id = n->next_call_id++;
    c->token = token;
    c->old = old;
    c->msg = (struct dsm_msg){ .type = DSM_MSG_WU_WRITE, .node = n->self, .page = page,
                               .a = wu_pack_a(off, len, op), .b = (uint32_t)compare,
                               .d = (uint32_t)(compare >> 32), .addr2 = value, .c = c->id };
    c->next = n->wu_calls;
    n->wu_calls = c;
    n->stats.write_faults++;
    n->stats.wu_writes++;
    wu_send_call(n, c);
    dsm_node_drain(n);
    return DSM_PENDING;
}

int dsm_write(struct dsm_node *n, uint64_t addr, unsigned len, uint64_t value, uint64_t token)
{
    return wu_call(n, addr, len, 0, value, 0, NULL, token);
}

int dsm_atomic(struct dsm_node *n, uint64_t addr, unsigned len, enum dsm_atomic_op op, uint64_t operand,
               uint64_t compare, uint64_t *old, uint64_t token)
{
    if (op < DSM_ATOMIC_XCHG || !old || (len != 1 && len != 2 && len != 4 && len != 8))
        return -DSM_EINVAL;
    return wu_call(n, addr, len, op, operand, compare, old, token);
}

void dsm_update_release_held(struct dsm_node *n)
{
    for (struct dsm_wu_call *c = n->wu_calls; c; c = c->next)
        if (c->held)
            wu_send_call(n, c);
}

bool dsm_update_start(struct dsm_node *n, struct dsm_dir *d, const struct dsm_req *q)
{
    uint64_t holders = d->copyset;
    bool create = d->owner == DSM_NODE_NONE;
    if (create)
        d->owner = q->from; /* untouched: the writer creates the page and owns it */
    holders |= 1ull << d->owner;
    d->busy_for = DSM_NODE_NONE; /* no DONE ends this: the last ack does */
    d->wu_active = true;
    d->wu_writer = q->from;
    d->wu_id = q->wu_id;
    d->wu_want = holders;
    d->wu_got = 0;
    d->wu_old = 0;
    for (unsigned i = 0; i < n->nnodes; i++)
        if (holders & (1ull << i))
            wu_send(n, i, DSM_MSG_WU_UPDATE, d->page, q, create && i == d->owner);
    dsm_mgr_backup(n, d);
    return true;
}

static void wu_request(struct dsm_node *n, unsigned from, const struct dsm_msg *m)
{
    struct dsm_req q = { .from = (uint16_t)from, .wu = true, .wu_id = m->c };
    if (dsm_manager_of(n, m->page) != n->self || m->node != from || !dsm_update_region(n, m->page) ||
        !wu_unpack(m, &q)) {
        dsm_bad(n, from, m, "write-update write not for this manager");
        return;
    }
    struct dsm_dir *d = dsm_dir_get(n, m->page, true);
    if (!d) {
        dsm_log(n, "no memory for directory entry %llx", (unsigned long long)m->page);
        return;
    }
    if (d->busy) {
        struct dsm_req *queued = dsm_mgr_enqueue(n, d, from, DSM_ACCESS_WRITE);
        if (queued) {
            struct dsm_req *next = queued->next;
            *queued = q;
            queued->next = next;
        }
        return;
    }
    d->busy = dsm_update_start(n, d, &q);
}

/* Holder: applies the write (an atomic one to the bytes its copy holds: every copy holds
 * the same bytes, so every copy computes the same result), keeps the copy inaccessible
 * until the release and acks with the bytes before it. */
static void wu_update(struct dsm_node *n, unsigned from, const struct dsm_msg *m)
{
    struct dsm_page *p = dsm_page_get(n, m->page, true);
    bool create = m->c == 1;
    struct dsm_req q = { 0 };
    if (!p || from != dsm_manager_of(n, m->page) || !dsm_update_region(n, m->page) || m->c > 1 ||
        p->wu_blocked || (create ? p->state != DSM_PROT_NONE : p->state != DSM_PROT_READ) || !wu_unpack(m, &q)) {
        dsm_bad(n, from, m, "update of a page not held");
        return;
    }
    if (create)
        memset(n->page_buf, 0, DSM_PAGE_SIZE);
    else
        n->env.page_read(n->env.ctx, m->page, n->page_buf);
    uint64_t old = 0;
    for (unsigned i = 0; i < q.wu_len; i++)
        old |= (uint64_t)n->page_buf[q.wu_off + i] << (8 * i);
    uint64_t v = dsm_atomic_apply(q.wu_op, q.wu_len, old, q.wu_val, q.wu_cmp);
    for (unsigned i = 0; i < q.wu_len; i++)
        n->page_buf[q.wu_off + i] = (uint8_t)(v >> (8 * i));
    n->env.page_install(n->env.ctx, m->page, n->page_buf, DSM_PROT_NONE);
    p->state = DSM_PROT_NONE;
    p->wu_blocked = true;
    if (create)
        p->owner = true;
    struct dsm_msg ack = { .type = DSM_MSG_WU_ACK, .node = n->self, .page = m->page, .addr2 = old };
    dsm_send(n, from, &ack, true);
}

/* Manager: with every ack in, the write is everywhere: release the copies, tell the writer. */
static void wu_ack(struct dsm_node *n, unsigned from, const struct dsm_msg *m)
{
    struct dsm_dir *d = dsm_dir_get(n, m->page, false);
    uint64_t bit = 1ull << from;
    if (!d || !d->wu_active || !(d->wu_want & bit) || (d->wu_got & bit) || m->node != from) {
        dsm_bad(n, from, m, "unexpected update ack");
        return;
    }
    d->wu_got |= bit;
    if (from == d->owner)
        d->wu_old = m->addr2; /* the authoritative bytes before the write */
#ifdef DSM_BROKEN_WU_ONE_PHASE
    /* Deliberately wrong (simulator self-test): each copy is released as soon as it has the
     * write, before the others have it (a one-phase update). */
    wu_send(n, from, DSM_MSG_WU_RELEASE, d->page, NULL, 0);
    d->wu_want &= ~bit;
    d->wu_got &= ~bit;
    if (d->wu_want)
        return;
    d->wu_want = 0;
#else
    if (d->wu_got != d->wu_want)
        return;
#endif
    for (unsigned i = 0; i < n->nnodes; i++)
        if (d->wu_want & (1ull << i))
            wu_send(n, i, DSM_MSG_WU_RELEASE, d->page, NULL, 0);
    struct dsm_msg done = { .type = DSM_MSG_WU_DONE, .node = n->self, .page = d->page, .c = d->wu_id,
                            .addr2 = d->wu_old };
    dsm_send(n, d->wu_writer, &done, true);
    d->wu_active = false;
    d->busy = false;
    dsm_mgr_run_queue(n, d);
}

static void wu_release(struct dsm_node *n, unsigned from, const struct dsm_msg *m)
{
    struct dsm_page *p = dsm_page_get(n, m->page, false);
    if (!p || !p->wu_blocked || from != dsm_manager_of(n, m->page)) {
        dsm_bad(n, from, m, "release of a page not updated");
        return;
    }
    p->wu_blocked = false;
    p->state = DSM_PROT_READ;
    n->env.page_protect(n->env.ctx, m->page, DSM_PROT_READ);
    dsm_coherence_wake_ready(n, p);
}

static void wu_done(struct dsm_node *n, unsigned from, const struct dsm_msg *m)
{
    for (struct dsm_wu_call **link = &n->wu_calls; *link; link = &(*link)->next) {
        struct dsm_wu_call *c = *link;
        if (c->id != m->c || c->held || from != dsm_manager_of(n, c->msg.page) || m->page != c->msg.page)
            continue;
        *link = c->next;
        uint64_t token = c->token;
        if (c->old)
            *c->old = m->addr2;
        n->env.free(n->env.ctx, c);
        n->env.wake(n->env.ctx, token, 0);
        return;
    }
    dsm_bad(n, from, m, "write-update done for no call");
}

void dsm_update_handle(struct dsm_node *n, unsigned from, const struct dsm_msg *m)
{
    switch (m->type) {
    case DSM_MSG_WU_WRITE: wu_request(n, from, m); break;
    case DSM_MSG_WU_UPDATE: wu_update(n, from, m); break;
    case DSM_MSG_WU_ACK: wu_ack(n, from, m); break;
    case DSM_MSG_WU_RELEASE: wu_release(n, from, m); break;
    case DSM_MSG_WU_DONE: wu_done(n, from, m); break;
    default: dsm_bad(n, from, m, "unknown type"); break;
    }
}
