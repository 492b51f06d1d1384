/* SPDX-License-Identifier: MIT */
/* Invariants checked after every simulated event (docs/dsm-protocol.md, "Invariants"):
 * single writer or many readers; every accessible copy equals the shadow memory (no lost
 * or stale write); the core's page state matches the mapping it asked for; the manager's
 * owner and copyset match the holders whenever no transaction is in flight. */
#include <string.h>

#include "tests/sim/sim.h"

static void check_page(struct sim_world *w, unsigned page)
{
    const struct sim_config *c = &w->cfg;
    uint64_t pn = sim_page_number(page);
    const uint32_t *shadow = &w->shadow[page * SIM_WORDS];
    unsigned writers = 0, readers = 0, owners = 0, owner = DSM_NODE_NONE;
    uint64_t holders = 0, pending = 0;
    for (unsigned i = 0; i < c->nodes; i++) {
        const struct sim_frame *f = &w->nodes[i].frames[page];
        struct dsm_page_info info;
        dsm_page_query(w->nodes[i].dsm, pn, &info);
        if (info.state != (enum dsm_prot)f->prot || (f->prot != DSM_PROT_NONE && !f->data)) {
            sim_violation(w, "page %u node %u: core state %d, mapping %u", page, i, info.state, f->prot);
            return;
        }
        if (info.pending)
            pending |= 1ull << i;
        if (info.owner) {
            owners++;
            owner = i;
        }
        if (f->prot == DSM_PROT_NONE)
            continue;
        holders |= 1ull << i;
        if (f->prot == DSM_PROT_WRITE)
            writers++;
        else
            readers++;
        if (memcmp(f->data, shadow, SIM_WORDS * 4) != 0) {
            sim_violation(w, "page %u node %u (prot %u): copy differs from the latest writes", page, i, f->prot);
            return;
        }
    }
    if (writers > 1 || (writers == 1 && readers > 0)) {
        sim_violation(w, "page %u: %u writable and %u readable copies", page, writers, readers);
        return;
    }
    if (page < c->ro_pages)
        return; /* replicas of read-only pages are nobody's business */
    unsigned mgr = dsm_manager_of(w->nodes[0].dsm, pn);
    struct dsm_dir_info d;
    if (c->scheme == DSM_SCHEME_DYNAMIC) {
        /* The manager moves with the ownership: exactly one node manages the page, or none
         * while a grant hands the role to a node that has a request pending. */
        unsigned managers = 0;
        for (unsigned i = 0; i < c->nodes; i++) {
            struct dsm_dir_info di;
            dsm_dir_query(w->nodes[i].dsm, pn, &di);
            if (di.managed_here) {
                managers++;
                mgr = i;
            }
        }
        if (managers > 1 || (managers == 0 && !pending)) {
            sim_violation(w, "page %u: %u nodes manage it (pending %llx)", page, managers,
                          (unsigned long long)pending);
            return;
        }
        if (managers == 0)
            return;
    }
    dsm_dir_query(w->nodes[mgr].dsm, pn, &d);
    if (!d.managed_here) {
        sim_violation(w, "page %u: manager %u does not manage it", page, mgr);
        return;
    }
    if (d.busy)
        return;
    /* Not busy: the directory is exact, except that a direct grant (F_NODONE) may still be
     * on its way to a node with a request pending. */
    uint64_t expect = d.owner == DSM_NODE_NONE ? 0 : (d.copyset | (1ull << d.owner));
    /* Named nodes without a copy or a request; a read-ahead copy may be on its way to them
     * (looked up only then: it scans the network). */
    uint64_t missing = expect & ~holders & ~pending;
    const char *why = NULL;
    if (owners > 1)
        why = "several owners";
    else if (holders & ~expect)
        why = "a copy the directory does not know";
    else if (missing && (missing & ~sim_net_ahead_in_flight(w, pn)))
        why = "the directory names a node without a copy (nor a read-ahead copy on its way)";
    else if (owners == 1 && owner != d.owner)
        why = "owner differs";
    else if (owners == 0 && d.owner != DSM_NODE_NONE && !(pending >> d.owner & 1))
        why = "the directory's owner does not know it";
    else if (d.owner != DSM_NODE_NONE && (d.copyset >> d.owner & 1))
        why = "owner in its own copyset";
    else if (d.owner != DSM_NODE_NONE && d.copyset && w->nodes[d.owner].frames[page].prot == DSM_PROT_WRITE)
        why = "writable owner with readers";
    if (why)
        sim_violation(w, "page %u: %s: directory owner %u copyset %llx; nodes: owner %u holders %llx pending %llx",
                      page, why, d.owner, (unsigned long long)d.copyset, owner, (unsigned long long)holders,
                      (unsigned long long)pending);
}

void sim_check_all(struct sim_world *w)
{
    for (unsigned p = 0; p < w->cfg.pages && !w->violations; p++)
        check_page(w, p);
}

void sim_check_replicas(struct sim_world *w)
{
    const struct sim_config *c = &w->cfg;
    if (!c->replicate)
        return;
    for (unsigned page = c->ro_pages; page < c->pages && !w->violations; page++) {
        uint64_t pn = sim_page_number(page);
        unsigned mgr = dsm_manager_of(w->nodes[0].dsm, pn), succ = (mgr + 1) % c->nodes;
        struct dsm_dir_info d;
        dsm_dir_query(w->nodes[mgr].dsm, pn, &d);
        unsigned owner;
        uint64_t copyset;
        if (!dsm_replica_query(w->nodes[succ].dsm, pn, &owner, &copyset))
            sim_violation(w, "page %u: successor %u of manager %u keeps no replica", page, succ, mgr);
        else if (owner != d.owner || copyset != d.copyset)
            sim_violation(w, "page %u: replica at %u says owner %u copyset %llx, manager %u says %u %llx", page,
                          succ, owner, (unsigned long long)copyset, mgr, d.owner, (unsigned long long)d.copyset);
    }
}

void sim_check_end(struct sim_world *w)
{
    sim_check_replicas(w);
    unsigned total = w->cfg.nodes * w->cfg.threads;
    for (unsigned i = 0; i < total && !w->violations; i++) {
        const struct sim_thread *t = &w->threads[i];
        if (t->busy)
            sim_violation(w, "end: node %u thread %u still in op %u step %u (lost wake-up?)", t->node, t->index,
                          t->op, t->step);
    }
    for (unsigned i = 0; i < w->cfg.nodes && !w->violations; i++) {
        if (dsm_futex_queued(w->nodes[i].dsm))
            sim_violation(w, "end: node %u still queues %u futex waiters", i, dsm_futex_queued(w->nodes[i].dsm));
        else if (!dsm_is_idle(w->nodes[i].dsm))
            sim_violation(w, "end: node %u not idle", i);
        else if (dsm_node_stats(w->nodes[i].dsm)->bad_msgs)
            sim_violation(w, "end: node %u dropped %llu messages as bad", i,
                          (unsigned long long)dsm_node_stats(w->nodes[i].dsm)->bad_msgs);
    }
}
