/* SPDX-License-Identifier: MIT */
/* `dsm_sim --count-read-faults`: exact messages and forwards per read fault of the dsm/
 * core under each manager (issue 6 bench item, docs/dsm-protocol.md 4 and 4a), owner
 * unknown and known. Four nodes on a lossless FIFO network with no delays: node 0 writes
 * SIM_COUNT_PAGES untouched pages, node 1 reads them (its first look: owner unknown), node 0
 * writes them again (node 1's copies invalidated), node 1 reads them again (dynamic: its hint
 * names the owner now). Directory replication as the kernel's default (on under
 * fixed/central); backups are counted in the messages and also on their own. Not a load
 * test: the random workload of sim_main.c checks correctness. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsm/dsm.h"
#include "dsm/msg.h"
#include "dsm/stats.h"
#include "tests/sim/sim.h"

#define SIM_COUNT_NODES 4
#define SIM_COUNT_PAGES 64
#define SIM_COUNT_BASE 0x400ull   /* first page number: any user page */
#define SIM_COUNT_QUEUE 4096      /* messages in flight at most (one fault's worth is < 16) */

struct sim_count_msg {
    unsigned from, to;
    size_t len;
    uint8_t bytes[DSM_MSG_MAX_LEN];
};

static struct {
    struct dsm_node *dsm[SIM_COUNT_NODES];
    unsigned ids[SIM_COUNT_NODES];
    uint8_t *mem[SIM_COUNT_NODES][SIM_COUNT_PAGES];
    struct sim_count_msg *q;
    unsigned head, tail;
    unsigned wakes;
    bool failed;
} sc;

static uint8_t **sc_frame(void *ctx, uint64_t page)
{
    unsigned node = *(unsigned *)ctx;
    if (page - SIM_COUNT_BASE >= SIM_COUNT_PAGES)
        abort();
    return &sc.mem[node][page - SIM_COUNT_BASE];
}

static void sc_send(void *ctx, unsigned to, const void *bytes, size_t len)
{
    if (sc.tail - sc.head >= SIM_COUNT_QUEUE || len > DSM_MSG_MAX_LEN)
        abort();
    struct sim_count_msg *m = &sc.q[sc.tail++ % SIM_COUNT_QUEUE];
    m->from = *(unsigned *)ctx;
    m->to = to;
    m->len = len;
    memcpy(m->bytes, bytes, len);
}

static void sc_install(void *ctx, uint64_t page, const void *data, enum dsm_prot prot)
{
    (void)prot;
    uint8_t **f = sc_frame(ctx, page);
    if (!*f)
        *f = malloc(DSM_PAGE_SIZE);
    if (data)
        memcpy(*f, data, DSM_PAGE_SIZE);
    else
        memset(*f, 0, DSM_PAGE_SIZE);
}

static void sc_protect(void *ctx, uint64_t page, enum dsm_prot prot)
{
    (void)ctx, (void)page, (void)prot;
}

static void sc_read(void *ctx, uint64_t page, void *buf)
{
    memcpy(buf, *sc_frame(ctx, page), DSM_PAGE_SIZE);
}

static void sc_drop(void *ctx, uint64_t page)
{
    uint8_t **f = sc_frame(ctx, page);
    free(*f);
    *f = NULL;
}

static uint32_t sc_read_u32(void *ctx, uint64_t addr)
{
    (void)ctx, (void)addr;
    return 0;
}

static void sc_wake(void *ctx, uint64_t token, int64_t result)
{
    (void)ctx, (void)token;
    if (result != 0)
        sc.failed = true;
    sc.wakes++;
}

static uint64_t sc_now(void *ctx)
{
    (void)ctx;
    return 0; /* no windows, no timeouts: time never matters here */
}

static void sc_timer(void *ctx, uint64_t deadline)
{
    (void)ctx, (void)deadline;
}

static void *sc_alloc(void *ctx, size_t size)
{
    (void)ctx;
    return calloc(1, size);
}

static void sc_free(void *ctx, void *p)
{
    (void)ctx;
    free(p);
}

/* Faults page on node and delivers every message it causes, in order. */
static void sc_fault(unsigned node, unsigned page, enum dsm_access access)
{
    unsigned before = sc.wakes;
    int rc = dsm_fault(sc.dsm[node], SIM_COUNT_BASE + page, access, page);
    while (sc.head != sc.tail) {
        struct sim_count_msg *m = &sc.q[sc.head++ % SIM_COUNT_QUEUE];
        dsm_receive(sc.dsm[m->to], m->from, m->bytes, m->len);
    }
    if (rc != 0 && (rc != DSM_PENDING || sc.wakes != before + 1))
        sc.failed = true;
}

static void sc_sum(struct dsm_stats *sum)
{
    memset(sum, 0, sizeof *sum);
    for (unsigned i = 0; i < SIM_COUNT_NODES; i++)
        dsm_stats_add(sum, dsm_node_stats(sc.dsm[i]));
}

/* Node 1 reads every page; prints the messages, forwards and backups per read fault. */
static void sc_read_phase(const char *scheme, const char *owner)
{
    struct dsm_stats before, after;
    sc_sum(&before);
    for (unsigned p = 0; p < SIM_COUNT_PAGES; p++)
        sc_fault(1, p, DSM_ACCESS_READ);
    sc_sum(&after);
    uint64_t faults = after.read_faults - before.read_faults;
    uint64_t msgs = after.fault_msgs - before.fault_msgs, fwd = after.forwards - before.forwards;
    uint64_t backups = after.backups - before.backups;
    if (faults != SIM_COUNT_PAGES)
        sc.failed = true;
    printf("read-faults manager=%s owner=%s faults=%llu msgs/fault=%.2f fwd/fault=%.2f backups/fault=%.2f\n", scheme,
           owner, (unsigned long long)faults, (double)msgs / (double)faults, (double)fwd / (double)faults,
           (double)backups / (double)faults);
}

static bool sc_scheme(enum dsm_scheme scheme)
{
    memset(&sc, 0, sizeof sc);
    sc.q = calloc(SIM_COUNT_QUEUE, sizeof *sc.q);
    if (!sc.q)
        return false;
    for (unsigned i = 0; i < SIM_COUNT_NODES; i++) {
        sc.ids[i] = i;
        struct dsm_env env = { .ctx = &sc.ids[i], .send = sc_send, .page_install = sc_install,
                               .page_protect = sc_protect, .page_read = sc_read, .page_drop = sc_drop,
                               .read_u32 = sc_read_u32, .wake = sc_wake, .now_ns = sc_now, .timer_arm = sc_timer,
                               .alloc = sc_alloc, .free = sc_free };
        sc.dsm[i] = dsm_node_create(&env, i, SIM_COUNT_NODES, scheme);
        if (!sc.dsm[i])
            return false;
        if (scheme != DSM_SCHEME_DYNAMIC)
            dsm_set_replication(sc.dsm[i], true);
    }
    const char *name = dsm_scheme_name(sc.dsm[0]);
    for (unsigned p = 0; p < SIM_COUNT_PAGES; p++)
        sc_fault(0, p, DSM_ACCESS_WRITE);
    sc_read_phase(name, "unknown");
    for (unsigned p = 0; p < SIM_COUNT_PAGES; p++)
        sc_fault(0, p, DSM_ACCESS_WRITE);
    sc_read_phase(name, "known");
    bool ok = !sc.failed;
    for (unsigned i = 0; i < SIM_COUNT_NODES; i++) {
        ok = ok && dsm_is_idle(sc.dsm[i]) && dsm_node_stats(sc.dsm[i])->bad_msgs == 0;
        dsm_node_destroy(sc.dsm[i]);
        for (unsigned p = 0; p < SIM_COUNT_PAGES; p++)
            free(sc.mem[i][p]);
    }
    free(sc.q);
    return ok;
}

int sim_count_read_faults(void)
{
    static const enum dsm_scheme schemes[] = { DSM_SCHEME_FIXED, DSM_SCHEME_CENTRAL, DSM_SCHEME_DYNAMIC };
    int rc = 0;
    for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++)
        if (!sc_scheme(schemes[i])) {
            printf("read-faults: FAILED under scheme %zu\n", i);
            rc = 1;
        }
    return rc;
}
