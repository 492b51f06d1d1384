/* SPDX-License-Identifier: MIT */
/* The simulator's struct dsm_env: one simulated memory per node (frames with a
 * protection), the simulated network and clock. Calls that could not happen with a
 * correct core (e.g. reading a page that is not present) are reported as violations. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/sim/sim.h"

static struct sim_frame *env_frame(struct sim_node *sn, uint64_t page, const char *what)
{
    uint64_t i = page - SIM_PAGE_BASE;
    if (i >= sn->w->cfg.pages) {
        sim_violation(sn->w, "node %u: %s of page %llx outside the simulated range", sn->id, what,
                      (unsigned long long)page);
        return NULL;
    }
    return &sn->frames[i];
}

static void env_send(void *ctx, unsigned to, const void *bytes, size_t len)
{
    struct sim_node *sn = ctx;
    if (to >= sn->w->cfg.nodes || to == sn->id) {
        sim_violation(sn->w, "node %u: send to %u", sn->id, to);
        return;
    }
    sim_net_send(sn->w, sn->id, to, bytes, len);
}

static void env_page_install(void *ctx, uint64_t page, const void *data, enum dsm_prot prot)
{
    struct sim_node *sn = ctx;
    struct sim_frame *f = env_frame(sn, page, "install");
    if (!f)
        return;
    if (!f->data) {
        f->data = malloc(DSM_PAGE_SIZE);
        if (!f->data)
            abort();
    }
    if (data)
        memcpy(f->data, data, DSM_PAGE_SIZE);
    else
        memset(f->data, 0, DSM_PAGE_SIZE);
    f->prot = (uint8_t)prot;
}

static void env_page_protect(void *ctx, uint64_t page, enum dsm_prot prot)
{
    struct sim_node *sn = ctx;
    struct sim_frame *f = env_frame(sn, page, "protect");
    if (f && !f->data)
        sim_violation(sn->w, "node %u: protect of absent page %llx", sn->id, (unsigned long long)page);
    else if (f) {
        f->prot = (uint8_t)prot;
        if (prot == DSM_PROT_READ && sim_wu_page(sn->w, (unsigned)(page - SIM_PAGE_BASE)))
            sim_work_wu_release(sn->w, sn->id, (unsigned)(page - SIM_PAGE_BASE));
    }
}

static void env_page_read(void *ctx, uint64_t page, void *buf)
{
    struct sim_node *sn = ctx;
    struct sim_frame *f = env_frame(sn, page, "read");
    if (f && f->data) {
        memcpy(buf, f->data, DSM_PAGE_SIZE);
        return;
    }
    memset(buf, 0xee, DSM_PAGE_SIZE);
    sim_violation(sn->w, "node %u: read of absent page %llx", sn->id, (unsigned long long)page);
}

static void env_page_drop(void *ctx, uint64_t page)
{
    struct sim_node *sn = ctx;
    struct sim_frame *f = env_frame(sn, page, "drop");
    if (!f)
        return;
    if (!f->data)
        sim_violation(sn->w, "node %u: drop of absent page %llx", sn->id, (unsigned long long)page);
    free(f->data);
    f->data = NULL;
    f->prot = DSM_PROT_NONE;
}

static uint32_t env_read_u32(void *ctx, uint64_t addr)
{
    struct sim_node *sn = ctx;
    struct sim_frame *f = env_frame(sn, addr >> DSM_PAGE_SHIFT, "read_u32");
    if (!f || !f->data || f->prot == DSM_PROT_NONE) {
        sim_violation(sn->w, "node %u: futex read of inaccessible %llx", sn->id, (unsigned long long)addr);
        return 0;
    }
    uint32_t v;
    memcpy(&v, f->data + (addr & (DSM_PAGE_SIZE - 1)), sizeof v);
    return v;
}

static void env_wake(void *ctx, uint64_t token, int64_t result)
{
    struct sim_node *sn = ctx;
    struct sim_world *w = sn->w;
    if (token >= (uint64_t)w->cfg.nodes * w->cfg.threads || w->threads[token].node != sn->id) {
        sim_violation(w, "node %u: wake of foreign token %llu", sn->id, (unsigned long long)token);
        return;
    }
    sim_work_wake(w, (unsigned)token, result);
}

static uint64_t env_now(void *ctx)
{
    struct sim_node *sn = ctx;
    return sn->w->now;
}

static void env_timer_arm(void *ctx, uint64_t deadline)
{
    struct sim_node *sn = ctx;
    sn->timer_deadline = deadline;
    if (deadline) {
        uint64_t at = deadline > sn->w->now ? deadline : sn->w->now;
        sim_event_push(sn->w, at, SIM_EV_TIMER, sn->id, sn->id, 0, NULL);
    }
}

static void *env_alloc(void *ctx, size_t size)
{
    (void)ctx;
    return malloc(size);
}

static void env_free(void *ctx, void *p)
{
    (void)ctx;
    free(p);
}

static void env_log(void *ctx, const char *line)
{
    struct sim_node *sn = ctx;
    if (sn->w->cfg.verbose)
        printf("[%llu] %s\n", (unsigned long long)sn->w->now, line);
}

void sim_env_fill(struct sim_node *sn, struct dsm_env *env)
{
    *env = (struct dsm_env){
        .ctx = sn,
        .send = env_send,
        .page_install = env_page_install,
        .page_protect = env_page_protect,
        .page_read = env_page_read,
        .page_drop = env_page_drop,
        .read_u32 = env_read_u32,
        .wake = env_wake,
        .now_ns = env_now,
        .timer_arm = env_timer_arm,
        .alloc = env_alloc,
        .free = env_free,
        .log = env_log,
    };
}
