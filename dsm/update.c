/* SPDX-License-Identifier: MIT */
/* Write-update regions (docs/dsm-protocol.md 4c, issue 6): a write to such a page goes to
 * the page's manager, the sequencer, which applies it on every copy in two phases (update
 * + ack with the copy inaccessible, then release), so each write is atomic and sequential
 * consistency holds. The store trap is the kernel glue's job; `fixed`/`central` only. */
#include "dsm/internal.h"
#include "kernel/libc.h"

#define WU_MAX_LEN 8u /* one x86 store of at most 8 bytes; the glue splits longer ones */

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
        m.a = q->wu_off;
        m.b = q->wu_len;
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

int dsm_write(struct dsm_node *n, uint64_t addr, unsigned len, uint64_t value, uint64_t token)
{
    uint64_t page = addr >> DSM_PAGE_SHIFT;
    uint32_t off = (uint32_t)(addr & (DSM_PAGE_SIZE - 1));
    if (page >= DSM_PAGE_LIMIT || len == 0 || len > WU_MAX_LEN || off + len > DSM_PAGE_SIZE ||
        !dsm_update_region(n, page))
        return -DSM_EINVAL;
    struct dsm_wu_call *c = dsm_alloc(n, sizeof *c);
    if (!c)
        return -DSM_ENOMEM;
    c->id = n->next_call_id++;
    c->token = token;
    c->msg = (struct dsm_msg){ .type = DSM_MSG_WU_WRITE, .node = n->self, .page = page, .a = off, .b = len,
                               .addr2 = value, .c = c->id };
    c->next = n->wu_calls;
    n->wu_calls = c;
    n->stats.write_faults++;
    n->stats.wu_writes++;
    wu_send_call(n, c);
    dsm_node_drain(n);
    return DSM_PENDING;
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
    for (unsigned i = 0; i < n->nnodes; i++)
        if (holders & (1ull << i))
            wu_send(n, i, DSM_MSG_WU_UPDATE, d->page, q, create && i == d->owner);
    dsm_mgr_backup(n, d);
    return true;
}

static void wu_request(struct dsm_node *n, unsigned from, const struct dsm_msg *m)
{
    if (dsm_manager_of(n, m->page) != n->self || m->node != from || !dsm_update_region(n, m->page) ||
        m->b == 0 || m->b > WU_MAX_LEN || m->a + m->b > DSM_PAGE_SIZE) {
        dsm_bad(n, from, m, "write-update write not for this manager");
        return;
    }
    struct dsm_dir *d = dsm_dir_get(n, m->page, true);
    if (!d) {
        dsm_log(n, "no memory for directory entry %llx", (unsigned long long)m->page);
        return;
    }
    struct dsm_req q = { .from = (uint16_t)from, .wu = true, .wu_off = m->a, .wu_len = m->b, .wu_id = m->c,
                         .wu_val = m->addr2 };
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

/* Holder: applies the bytes and keeps the copy inaccessible until the release. */
static void wu_update(struct dsm_node *n, unsigned from, const struct dsm_msg *m)
{
    struct dsm_page *p = dsm_page_get(n, m->page, true);
    bool create = m->c == 1;
    if (!p || from != dsm_manager_of(n, m->page) || !dsm_update_region(n, m->page) || m->c > 1 ||
        p->wu_blocked || (create ? p->state != DSM_PROT_NONE : p->state != DSM_PROT_READ) || m->b == 0 ||
        m->b > WU_MAX_LEN || m->a + m->b > DSM_PAGE_SIZE) {
        dsm_bad(n, from, m, "update of a page not held");
        return;
    }
    if (create)
        memset(n->page_buf, 0, DSM_PAGE_SIZE);
    else
        n->env.page_read(n->env.ctx, m->page, n->page_buf);
    for (unsigned i = 0; i < m->b; i++)
        n->page_buf[m->a + i] = (uint8_t)(m->addr2 >> (8 * i));
    n->env.page_install(n->env.ctx, m->page, n->page_buf, DSM_PROT_NONE);
    p->state = DSM_PROT_NONE;
    p->wu_blocked = true;
    if (create)
        p->owner = true;
    wu_send(n, from, DSM_MSG_WU_ACK, m->page, NULL, 0);
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
    wu_send(n, d->wu_writer, DSM_MSG_WU_DONE, d->page, NULL, d->wu_id);
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
