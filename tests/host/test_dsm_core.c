/* SPDX-License-Identifier: MIT */
/* Host tests of the DSM core (dsm/) on a few in-process nodes joined by an instant FIFO
 * network: each protocol path once, message counts, refusals of bad input, futexes,
 * quiesce. The randomized, lossy, many-node checking is tests/sim's job. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsm/dsm.h"
#include "dsm/msg.h"
#include "dsm/stats.h"
#include "tests/host/check.h"

#define H_NODES 4
#define H_PAGES 16
#define H_BASE 0x100ull
#define H_MAX_MSGS 256
#define H_MAX_WAKES 64

struct h_frame {
    uint8_t *data;
    enum dsm_prot prot;
};

struct h_msg {
    unsigned from, to;
    size_t len;
    uint8_t bytes[DSM_MSG_MAX_LEN];
};

static struct {
    struct dsm_node *dsm[H_NODES];
    struct h_frame mem[H_NODES][H_PAGES];
    unsigned ids[H_NODES];
    struct h_msg *q;
    unsigned q_head, q_tail;
    uint64_t wake_token[H_MAX_WAKES];
    int64_t wake_result[H_MAX_WAKES];
    unsigned wakes;
    uint64_t now, timer[H_NODES];
    uint64_t sent;
} h;

static struct h_frame *h_frame(void *ctx, uint64_t page)
{
    unsigned node = *(unsigned *)ctx;
    if (page - H_BASE >= H_PAGES)
        abort();
    return &h.mem[node][page - H_BASE];
}

static void h_send(void *ctx, unsigned to, const void *bytes, size_t len)
{
    if (h.q_tail - h.q_head >= H_MAX_MSGS || len > DSM_MSG_MAX_LEN)
        abort();
    struct h_msg *m = &h.q[h.q_tail++ % H_MAX_MSGS];
    m->from = *(unsigned *)ctx;
    m->to = to;
    m->len = len;
    memcpy(m->bytes, bytes, len);
    h.sent++;
}

static void h_install(void *ctx, uint64_t page, const void *data, enum dsm_prot prot)
{
    struct h_frame *f = h_frame(ctx, page);
    if (!f->data)
        f->data = malloc(DSM_PAGE_SIZE);
    if (data)
        memcpy(f->data, data, DSM_PAGE_SIZE);
    else
        memset(f->data, 0, DSM_PAGE_SIZE);
    f->prot = prot;
}

static void h_protect(void *ctx, uint64_t page, enum dsm_prot prot)
{
    h_frame(ctx, page)->prot = prot;
}

static void h_read(void *ctx, uint64_t page, void *buf)
{
    memcpy(buf, h_frame(ctx, page)->data, DSM_PAGE_SIZE);
}

static void h_drop(void *ctx, uint64_t page)
{
    struct h_frame *f = h_frame(ctx, page);
    free(f->data);
    f->data = NULL;
    f->prot = DSM_PROT_NONE;
}

static uint32_t h_read_u32(void *ctx, uint64_t addr)
{
    uint32_t v;
    memcpy(&v, h_frame(ctx, addr >> DSM_PAGE_SHIFT)->data + (addr & (DSM_PAGE_SIZE - 1)), 4);
    return v;
}

static void h_wake(void *ctx, uint64_t token, int64_t result)
{
    (void)ctx;
    if (h.wakes < H_MAX_WAKES) {
        h.wake_token[h.wakes] = token;
        h.wake_result[h.wakes] = result;
    }
    h.wakes++;
}

static uint64_t h_now(void *ctx)
{
    (void)ctx;
    return h.now;
}

static void h_timer(void *ctx, uint64_t deadline)
{
    h.timer[*(unsigned *)ctx] = deadline;
}

static void *h_alloc(void *ctx, size_t size)
{
    (void)ctx;
    return malloc(size);
}

static void h_free(void *ctx, void *p)
{
    (void)ctx;
    free(p);
}

static void h_setup(enum dsm_scheme scheme)
{
    memset(&h, 0, sizeof h);
    h.q = calloc(H_MAX_MSGS, sizeof *h.q);
    for (unsigned i = 0; i < H_NODES; i++) {
        h.ids[i] = i;
        struct dsm_env env = { .ctx = &h.ids[i], .send = h_send, .page_install = h_install,
                               .page_protect = h_protect, .page_read = h_read, .page_drop = h_drop,
                               .read_u32 = h_read_u32, .wake = h_wake, .now_ns = h_now, .timer_arm = h_timer,
                               .alloc = h_alloc, .free = h_free };
        h.dsm[i] = dsm_node_create(&env, i, H_NODES, scheme);
    }
}

static void h_teardown(void)
{
    for (unsigned i = 0; i < H_NODES; i++) {
        dsm_node_destroy(h.dsm[i]);
        for (unsigned p = 0; p < H_PAGES; p++)
            free(h.mem[i][p].data);
    }
    free(h.q);
}

/* Delivers every queued message in order (and what they cause). */
static void h_run(void)
{
    while (h.q_head != h.q_tail) {
        struct h_msg *m = &h.q[h.q_head++ % H_MAX_MSGS];
        dsm_receive(h.dsm[m->to], m->from, m->bytes, m->len);
    }
}

static uint32_t h_word(unsigned node, unsigned page, unsigned word)
{
    uint32_t v;
    memcpy(&v, h.mem[node][page].data + 4 * word, 4);
    return v;
}

static void h_set_word(unsigned node, unsigned page, unsigned word, uint32_t v)
{
    memcpy(h.mem[node][page].data + 4 * word, &v, 4);
}

/* Fault and run the network; returns the number of messages it took. */
static uint64_t h_fault(unsigned node, unsigned page, enum dsm_access a, uint64_t token)
{
    uint64_t before = h.sent;
    unsigned wakes = h.wakes;
    int rc = dsm_fault(h.dsm[node], H_BASE + page, a, token);
    CHECK(rc == DSM_PENDING || rc == 0);
    h_run();
    if (rc == DSM_PENDING && CHECK_EQ(h.wakes, wakes + 1)) {
        CHECK_EQ(h.wake_token[wakes], token);
        CHECK_EQ(h.wake_result[wakes], 0);
    }
    CHECK(h.mem[node][page].prot >= (enum dsm_prot)a);
    return h.sent - before;
}

/* Every node idle, no message counted bad. */
static void h_expect_idle(void)
{
    for (unsigned i = 0; i < H_NODES; i++) {
        CHECK(dsm_is_idle(h.dsm[i]));
        CHECK_EQ(dsm_node_stats(h.dsm[i])->bad_msgs, 0);
    }
}

/* A page whose manager is `mgr` (fixed scheme). */
static unsigned h_page_managed_by(unsigned mgr)
{
    for (unsigned p = 0; p < H_PAGES; p++)
        if (dsm_manager_of(h.dsm[0], H_BASE + p) == mgr)
            return p;
    abort();
}

TEST(dsm_zero_fill_then_remote_read_and_write)
{
    h_setup(DSM_SCHEME_FIXED);
    unsigned p = h_page_managed_by(3);
    /* Untouched page: request + grant(zero) from the manager, no page data anywhere. */
    CHECK_EQ(h_fault(1, p, DSM_ACCESS_WRITE, 11), 2);
    CHECK_EQ(dsm_node_stats(h.dsm[1])->zero_fills, 1);
    CHECK_EQ(h_word(1, p, 0), 0);
    h_set_word(1, p, 0, 0xabcd);
    /* Remote read: request, forward, grant with data, done = 4 (manager is a third node). */
    CHECK_EQ(h_fault(2, p, DSM_ACCESS_READ, 12), 4);
    CHECK_EQ(h_word(2, p, 0), 0xabcd);
    CHECK_EQ(h.mem[1][p].prot, DSM_PROT_READ); /* owner downgraded */
    CHECK_EQ(h.mem[2][p].prot, DSM_PROT_READ);
    CHECK_EQ(dsm_node_stats(h.dsm[2])->fetches, 1);
    struct dsm_dir_info d;
    dsm_dir_query(h.dsm[3], H_BASE + p, &d);
    CHECK(d.managed_here && !d.busy);
    CHECK_EQ(d.owner, 1);
    CHECK_EQ(d.copyset, 1u << 2);
    /* Node 0 writes: the owner hands over the data, node 2 is invalidated. */
    h_fault(0, p, DSM_ACCESS_WRITE, 13);
    CHECK_EQ(h_word(0, p, 0), 0xabcd);
    CHECK_EQ(h.mem[1][p].prot, DSM_PROT_NONE);
    CHECK_EQ(h.mem[2][p].prot, DSM_PROT_NONE);
    CHECK(h.mem[1][p].data == NULL && h.mem[2][p].data == NULL);
    CHECK_EQ(dsm_node_stats(h.dsm[3])->inv_sent, 1);
    CHECK_EQ(dsm_node_stats(h.dsm[2])->inv_recv, 1);
    dsm_dir_query(h.dsm[3], H_BASE + p, &d);
    CHECK_EQ(d.owner, 0);
    CHECK_EQ(d.copyset, 0);
    for (unsigned i = 0; i < H_NODES; i++) {
        CHECK(dsm_is_idle(h.dsm[i]));
        CHECK_EQ(dsm_node_stats(h.dsm[i])->bad_msgs, 0);
    }
    h_teardown();
}

TEST(dsm_two_messages_when_the_manager_owns_the_page)
{
    h_setup(DSM_SCHEME_FIXED);
    unsigned p = h_page_managed_by(1);
    h_fault(1, p, DSM_ACCESS_WRITE, 1); /* the manager owns it now */
    h_set_word(1, p, 0, 5);
    CHECK_EQ(h_fault(2, p, DSM_ACCESS_READ, 2), 2); /* request, grant with data */
    CHECK_EQ(h_fault(3, p, DSM_ACCESS_READ, 3), 2);
    CHECK_EQ(h_word(3, p, 0), 5);
    /* Node 2 writes: the grant now waits for node 3's ack, so DONE comes back. */
    CHECK_EQ(h_fault(2, p, DSM_ACCESS_WRITE, 4), 5); /* request, grant, invalidate, ack, done */
    struct dsm_dir_info d;
    dsm_dir_query(h.dsm[1], H_BASE + p, &d);
    CHECK(!d.busy);
    CHECK_EQ(d.owner, 2);
    CHECK_EQ(h.mem[1][p].prot, DSM_PROT_NONE);
    CHECK_EQ(h.mem[3][p].prot, DSM_PROT_NONE);
    for (unsigned i = 0; i < H_NODES; i++)
        CHECK_EQ(dsm_node_stats(h.dsm[i])->bad_msgs, 0);
    h_teardown();
}

/* Delivers one queued message; false if none. */
static bool h_step(void)
{
    if (h.q_head == h.q_tail)
        return false;
    struct h_msg *m = &h.q[h.q_head++ % H_MAX_MSGS];
    dsm_receive(h.dsm[m->to], m->from, m->bytes, m->len);
    return true;
}

static void h_inject(unsigned to, unsigned from, uint8_t type, uint64_t page)
{
    uint8_t buf[DSM_MSG_MAX_LEN];
    struct dsm_msg m = { .type = type, .page = page, .node = (uint16_t)from };
    dsm_receive(h.dsm[to], from, buf, dsm_msg_encode(&m, buf, sizeof buf));
}

TEST(dsm_forged_invalidation_ack_does_not_complete_a_write)
{
    h_setup(DSM_SCHEME_FIXED);
    unsigned p = h_page_managed_by(0);
    h_fault(1, p, DSM_ACCESS_WRITE, 1);
    h_fault(2, p, DSM_ACCESS_READ, 2);
    /* Node 3 writes; node 2 owes it an ack. A forged early ack from node 1 is forgotten
     * when the grant names only node 2. */
    CHECK_EQ(dsm_fault(h.dsm[3], H_BASE + p, DSM_ACCESS_WRITE, 3), DSM_PENDING);
    h_inject(3, 1, DSM_MSG_INV_ACK, H_BASE + p);
    CHECK_EQ(dsm_node_stats(h.dsm[3])->bad_msgs, 0);
    h_inject(3, 1, DSM_MSG_INV_ACK, H_BASE + p); /* twice from the same node */
    CHECK_EQ(dsm_node_stats(h.dsm[3])->bad_msgs, 1);
    unsigned steps = 0;
    while (h.mem[3][p].data == NULL && h_step())
        steps++;
    CHECK(steps > 0);
    CHECK_EQ(dsm_node_stats(h.dsm[3])->bad_msgs, 2); /* the early ack was not owed */
    CHECK_EQ(h.mem[3][p].prot, DSM_PROT_NONE);      /* granted, waiting for node 2 */
    h_inject(3, 0, DSM_MSG_INV_ACK, H_BASE + p);     /* not owed either */
    CHECK_EQ(dsm_node_stats(h.dsm[3])->bad_msgs, 3);
    CHECK_EQ(h.mem[3][p].prot, DSM_PROT_NONE);
    h_run();
    CHECK_EQ(h.mem[3][p].prot, DSM_PROT_WRITE);
    CHECK_EQ(h.mem[2][p].prot, DSM_PROT_NONE);
    h_inject(3, 2, DSM_MSG_INV_ACK, H_BASE + p);     /* after the fact */
    CHECK_EQ(dsm_node_stats(h.dsm[3])->bad_msgs, 4);
    h_teardown();
}

TEST(dsm_window_holds_a_fresh_page)
{
    h_setup(DSM_SCHEME_FIXED);
    unsigned p = h_page_managed_by(0);
    for (unsigned i = 0; i < H_NODES; i++)
        dsm_set_window(h.dsm[i], 1000, false);
    h.now = 5000;
    h_fault(1, p, DSM_ACCESS_WRITE, 1);
    /* Node 2 asks at once: node 1 holds the forward back until 5000 + 1000. */
    CHECK_EQ(dsm_fault(h.dsm[2], H_BASE + p, DSM_ACCESS_READ, 2), DSM_PENDING);
    h_run();
    CHECK_EQ(h.mem[2][p].prot, DSM_PROT_NONE);
    CHECK_EQ(h.mem[1][p].prot, DSM_PROT_WRITE);
    CHECK_EQ(dsm_node_stats(h.dsm[1])->damped, 1);
    CHECK_EQ(h.timer[1], 6000);
    CHECK(!dsm_is_idle(h.dsm[0])); /* the manager still waits */
    CHECK(!dsm_is_idle(h.dsm[1])); /* and node 1 holds the forward */
    h.now = 6000;
    dsm_timer_expired(h.dsm[1]);
    h_run();
    CHECK_EQ(h.mem[2][p].prot, DSM_PROT_READ);
    CHECK_EQ(h.mem[1][p].prot, DSM_PROT_READ);
    /* Past the window nothing is held back. */
    h.now = 9000;
    h_fault(3, p, DSM_ACCESS_WRITE, 3);
    CHECK_EQ(dsm_node_stats(h.dsm[1])->damped, 1);
    CHECK_EQ(dsm_node_stats(h.dsm[2])->damped, 0);
    CHECK(dsm_is_idle(h.dsm[0]));
    h_teardown();
}

/* Resume hold: the page that woke node 1's thread stays at node 1 until that thread ran
 * (dsm_resumed) and DSM_DYN_HOLD_NS (20 us) more; without the hold node 2 took it at once,
 * before the woken thread had touched it (the fault then repeated: TCG resumes take 100 us). */
TEST(dsm_resume_hold_keeps_a_page_until_its_thread_ran)
{
    enum dsm_scheme schemes[] = { DSM_SCHEME_FIXED, DSM_SCHEME_DYNAMIC };
    for (unsigned s = 0; s < 2; s++) {
        h_setup(schemes[s]);
        unsigned p = h_page_managed_by(0);
        for (unsigned i = 0; i < H_NODES; i++)
            dsm_set_resume_hold(h.dsm[i], true);
        h.now = 5000;
        h_fault(1, p, DSM_ACCESS_WRITE, 1);
        h_set_word(1, p, 0, 7);
        CHECK_EQ(dsm_fault(h.dsm[2], H_BASE + p, DSM_ACCESS_WRITE, 2), DSM_PENDING);
        h_run();
        CHECK_EQ(h.mem[1][p].prot, DSM_PROT_WRITE); /* held: thread 1 has not run yet */
        CHECK_EQ(h.mem[2][p].prot, DSM_PROT_NONE);
        CHECK_EQ(h.timer[1], 5000 + 2000000);       /* at most the cap */
        h.now = 8000;
        dsm_resumed(h.dsm[1], H_BASE + p);
        CHECK_EQ(h.timer[1], 8000 + 20000);         /* now only the grace */
        h.now = 28000;
        dsm_timer_expired(h.dsm[1]);
        h_run();
        CHECK_EQ(h.mem[2][p].prot, DSM_PROT_WRITE);
        CHECK_EQ(h_word(2, p, 0), 7);
        /* Node 2's woken thread never reports that it ran: the page stays for the cap only. */
        CHECK_EQ(dsm_fault(h.dsm[3], H_BASE + p, DSM_ACCESS_WRITE, 4), DSM_PENDING);
        h_run();
        CHECK_EQ(h.mem[3][p].prot, DSM_PROT_NONE);
        CHECK_EQ(h.timer[2], 28000 + 2000000);
        h.now = 28000 + 2000000;
        dsm_timer_expired(h.dsm[2]);
        h_run();
        CHECK_EQ(h.mem[3][p].prot, DSM_PROT_WRITE);
        for (unsigned i = 0; i < H_NODES; i++)
            CHECK_EQ(dsm_node_stats(h.dsm[i])->bad_msgs, 0);
        h_teardown();
    }
}

TEST(dsm_pingpong_counts_and_hot_pages)
{
    h_setup(DSM_SCHEME_FIXED);
    h.now = 1000;
    for (int round = 0; round < 2; round++) {
        h_fault(1, 4, DSM_ACCESS_WRITE, 1);
        h_fault(2, 4, DSM_ACCESS_WRITE, 2);
    }
    h_fault(1, 6, DSM_ACCESS_WRITE, 3);
    h_fault(2, 6, DSM_ACCESS_WRITE, 4);
    h.now += 10 * 1000000; /* long after: not ping-pong */
    h_fault(1, 7, DSM_ACCESS_WRITE, 5);
    h.now += 10 * 1000000;
    h_fault(2, 7, DSM_ACCESS_WRITE, 6);
    uint64_t pages[4];
    uint32_t counts[4];
    CHECK_EQ(dsm_hot_pages(h.dsm[1], pages, counts, 4), 2);
    CHECK_EQ(pages[0], H_BASE + 4);
    CHECK_EQ(counts[0], 2);
    CHECK_EQ(pages[1], H_BASE + 6);
    CHECK_EQ(counts[1], 1);
    CHECK_EQ(dsm_hot_pages(h.dsm[1], pages, counts, 1), 2); /* only the top one filled */
    CHECK_EQ(pages[0], H_BASE + 4);
    CHECK_EQ(dsm_node_stats(h.dsm[1])->pingpong, 3);
    CHECK_EQ(dsm_node_stats(h.dsm[2])->pingpong, 1);
    h_teardown();
}

TEST(dsm_adaptive_window_grows_with_pingpong)
{
    h_setup(DSM_SCHEME_FIXED);
    for (unsigned i = 0; i < H_NODES; i++)
        dsm_set_window(h.dsm[i], 400000, true);
    h.now = 1000;
    h_fault(1, 4, DSM_ACCESS_WRITE, 1);
    /* Taken at once: a ping-pong event; node 1's window for the page becomes 50 us and
     * already holds this request back. */
    CHECK_EQ(dsm_fault(h.dsm[2], H_BASE + 4, DSM_ACCESS_WRITE, 2), DSM_PENDING);
    h_run();
    CHECK_EQ(dsm_node_stats(h.dsm[1])->damped, 1);
    CHECK_EQ(h.timer[1], 1000 + 50000);
    CHECK_EQ(h.mem[2][4].prot, DSM_PROT_NONE);
    h.now = 51000;
    dsm_timer_expired(h.dsm[1]);
    h_run();
    CHECK_EQ(h.mem[2][4].prot, DSM_PROT_WRITE);
    /* Back to node 1: node 2's first event, 50 us. */
    CHECK_EQ(dsm_fault(h.dsm[1], H_BASE + 4, DSM_ACCESS_WRITE, 3), DSM_PENDING);
    h_run();
    CHECK_EQ(h.timer[2], 51000 + 50000);
    h.now = 101000;
    dsm_timer_expired(h.dsm[2]);
    h_run();
    CHECK_EQ(h.mem[1][4].prot, DSM_PROT_WRITE);
    /* Node 1's second event doubles its window to 100 us. */
    CHECK_EQ(dsm_fault(h.dsm[2], H_BASE + 4, DSM_ACCESS_WRITE, 4), DSM_PENDING);
    h_run();
    CHECK_EQ(dsm_node_stats(h.dsm[1])->damped, 2);
    CHECK_EQ(h.timer[1], 101000 + 100000);
    h.now = 201000;
    dsm_timer_expired(h.dsm[1]);
    h_run();
    CHECK_EQ(h.mem[2][4].prot, DSM_PROT_WRITE);
    /* A calm page shrinks its window (50 us -> off) and nothing is held. */
    h.now += 100 * 1000000ull;
    h_fault(1, 4, DSM_ACCESS_WRITE, 5);
    CHECK_EQ(dsm_node_stats(h.dsm[2])->damped, 1);
    CHECK_EQ(dsm_node_stats(h.dsm[2])->pingpong, 1);
    h_teardown();
}

TEST(dsm_upgrade_sends_no_data)
{
    h_setup(DSM_SCHEME_FIXED);
    unsigned p = h_page_managed_by(0);
    h_fault(1, p, DSM_ACCESS_WRITE, 1);
    h_set_word(1, p, 3, 77);
    h_fault(2, p, DSM_ACCESS_READ, 2);
    uint64_t bytes = dsm_node_stats(h.dsm[1])->bytes_sent;
    h_fault(2, p, DSM_ACCESS_WRITE, 3); /* node 2's copy is current */
    CHECK_EQ(dsm_node_stats(h.dsm[2])->upgrades, 1);
    CHECK_EQ(dsm_node_stats(h.dsm[2])->fetches, 1);
    CHECK_EQ(dsm_node_stats(h.dsm[1])->bytes_sent - bytes, DSM_MSG_HDR_LEN);
    CHECK_EQ(h_word(2, p, 3), 77);
    CHECK_EQ(h.mem[1][p].prot, DSM_PROT_NONE);
    /* The owner upgrading itself with a reader around: one invalidation, no data. */
    h_fault(3, p, DSM_ACCESS_READ, 4);
    CHECK_EQ(h.mem[2][p].prot, DSM_PROT_READ);
    h_fault(2, p, DSM_ACCESS_WRITE, 5);
    CHECK_EQ(dsm_node_stats(h.dsm[2])->upgrades, 2);
    CHECK_EQ(h.mem[3][p].prot, DSM_PROT_NONE);
    h_teardown();
}

TEST(dsm_fault_already_allowed_and_local_manager)
{
    h_setup(DSM_SCHEME_CENTRAL);
    /* Node 0 manages everything: its own zero fill takes no message at all. */
    CHECK_EQ(h_fault(0, 5, DSM_ACCESS_READ, 1), 0);
    CHECK_EQ(dsm_fault(h.dsm[0], H_BASE + 5, DSM_ACCESS_READ, 2), 0);
    CHECK_EQ(dsm_fault(h.dsm[0], DSM_PAGE_LIMIT, DSM_ACCESS_READ, 3), -DSM_EFAULT);
    h_teardown();
}

TEST(dsm_readonly_region_replicates_and_refuses_writes)
{
    h_setup(DSM_SCHEME_FIXED);
    h_install(&h.ids[0], H_BASE + 2, NULL, DSM_PROT_READ);
    h_set_word(0, 2, 0, 0x1234);
    for (unsigned i = 0; i < H_NODES; i++)
        CHECK_EQ(dsm_region_add(h.dsm[i], H_BASE + 2, 2, DSM_REGION_READONLY | DSM_REGION_PRELOADED, 0), 0);
    CHECK_EQ(dsm_region_add(h.dsm[0], H_BASE + 3, 1, 0, 0), -DSM_EINVAL); /* overlap */
    CHECK_EQ(dsm_fault(h.dsm[1], H_BASE + 2, DSM_ACCESS_WRITE, 1), -DSM_EFAULT);
    CHECK_EQ(h_fault(1, 2, DSM_ACCESS_READ, 2), 2); /* straight to the region owner and back */
    CHECK_EQ(h_word(1, 2, 0), 0x1234);
    h_fault(3, 2, DSM_ACCESS_READ, 3);
    CHECK_EQ(h.mem[1][2].prot, DSM_PROT_READ);
    CHECK_EQ(h.mem[0][2].prot, DSM_PROT_READ);
    h_teardown();
}

TEST(dsm_bad_messages_are_counted_and_dropped)
{
    h_setup(DSM_SCHEME_FIXED);
    uint8_t junk[DSM_MSG_HDR_LEN] = { 9, 9, 9 };
    dsm_receive(h.dsm[1], 0, junk, sizeof junk);
    dsm_receive(h.dsm[1], 0, junk, 3);
    CHECK_EQ(dsm_node_stats(h.dsm[1])->bad_msgs, 2);
    /* Well-formed but impossible in the current state. */
    uint8_t buf[DSM_MSG_MAX_LEN];
    unsigned p = h_page_managed_by(2);
    struct dsm_msg m = { .type = DSM_MSG_INVALIDATE, .page = H_BASE + p, .node = 3 };
    size_t len = dsm_msg_encode(&m, buf, sizeof buf);
    dsm_receive(h.dsm[1], 2, buf, len);          /* nothing held */
    dsm_receive(h.dsm[1], 1, buf, len);          /* from itself */
    dsm_receive(h.dsm[1], H_NODES, buf, len);    /* from nobody */
    m = (struct dsm_msg){ .type = DSM_MSG_GRANT, .page = H_BASE + p, .flags = DSM_MSG_F_WRITE };
    len = dsm_msg_encode(&m, buf, sizeof buf);
    dsm_receive(h.dsm[1], 2, buf, len);          /* grant nobody asked for */
    m = (struct dsm_msg){ .type = DSM_MSG_DONE, .page = H_BASE + p, .node = 1 };
    len = dsm_msg_encode(&m, buf, sizeof buf);
    dsm_receive(h.dsm[2], 1, buf, len);          /* DONE without a transaction */
    m = (struct dsm_msg){ .type = DSM_MSG_READ_REQ, .page = H_BASE + p, .node = 3 };
    len = dsm_msg_encode(&m, buf, sizeof buf);
    dsm_receive(h.dsm[2], 1, buf, len);          /* request in someone else's name */
    m = (struct dsm_msg){ .type = DSM_MSG_READ_REQ, .page = DSM_PAGE_LIMIT, .node = 1 };
    len = dsm_msg_encode(&m, buf, sizeof buf);
    dsm_receive(h.dsm[2], 1, buf, len);          /* outside user space */
    m = (struct dsm_msg){ .type = DSM_MSG_FUTEX_REPLY, .page = 0x1000, .node = 0, .a = 99 };
    len = dsm_msg_encode(&m, buf, sizeof buf);
    dsm_receive(h.dsm[1], dsm_manager_of(h.dsm[1], 1), buf, len); /* reply to no call */
    CHECK_EQ(dsm_node_stats(h.dsm[1])->bad_msgs, 7);
    CHECK_EQ(dsm_node_stats(h.dsm[2])->bad_msgs, 3);
    CHECK_EQ(h.sent, 0);
    /* The page still works. */
    h_fault(1, p, DSM_ACCESS_WRITE, 1);
    h_teardown();
}

static uint64_t h_futex_addr(unsigned page, unsigned word)
{
    return ((H_BASE + page) << DSM_PAGE_SHIFT) + 4 * word;
}

TEST(dsm_futex_wait_wake_across_nodes)
{
    h_setup(DSM_SCHEME_FIXED);
    unsigned p = h_page_managed_by(3);
    h_fault(0, p, DSM_ACCESS_WRITE, 100);
    h.wakes = 0;
    uint64_t addr = h_futex_addr(p, 1);
    CHECK_EQ(dsm_futex_wait(h.dsm[1], addr, 0, DSM_FUTEX_BITSET_ANY, 0, 1), DSM_PENDING);
    CHECK_EQ(dsm_futex_wait(h.dsm[2], addr, 0, 2, 0, 2), DSM_PENDING);
    h_run();
    CHECK_EQ(h.wakes, 0);
    CHECK_EQ(dsm_futex_queued(h.dsm[3]), 2);
    /* A bitset that matches only the first waiter. */
    CHECK_EQ(dsm_futex_wake(h.dsm[0], addr, DSM_FUTEX_WAKE_ALL, 1, 10), DSM_PENDING);
    h_run();
    CHECK_EQ(h.wakes, 2);
    CHECK_EQ(h.wake_token[0], 1);
    CHECK_EQ(h.wake_result[0], 0);
    CHECK_EQ(h.wake_token[1], 10);
    CHECK_EQ(h.wake_result[1], 1);
    CHECK_EQ(dsm_futex_queued(h.dsm[3]), 1);
    /* A changed word: EAGAIN, and the waiter leaves the queue. */
    h_set_word(2, p, 1, 5);
    CHECK(h.mem[2][p].prot == DSM_PROT_READ);
    CHECK_EQ(dsm_futex_wait(h.dsm[1], addr, 4, DSM_FUTEX_BITSET_ANY, 0, 3), DSM_PENDING);
    h_run();
    CHECK_EQ(h.wake_token[2], 3);
    CHECK_EQ(h.wake_result[2], -DSM_EAGAIN);
    CHECK_EQ(dsm_futex_queued(h.dsm[3]), 1);
    CHECK_EQ(dsm_futex_wake(h.dsm[1], addr, 1, DSM_FUTEX_BITSET_ANY, 11), DSM_PENDING);
    h_run();
    CHECK_EQ(h.wakes, 5);
    CHECK_EQ(dsm_futex_queued(h.dsm[3]), 0);
    CHECK_EQ(dsm_futex_wait(h.dsm[1], addr + 1, 0, 1, 0, 4), -DSM_EINVAL);
    CHECK(dsm_node_stats(h.dsm[1])->futex_remote > 0);
    h_teardown();
}

TEST(dsm_futex_timeout_and_passed_on_wake)
{
    h_setup(DSM_SCHEME_FIXED);
    unsigned p = h_page_managed_by(2);
    uint64_t addr = h_futex_addr(p, 0);
    h_fault(2, p, DSM_ACCESS_WRITE, 100);
    h.wakes = 0;
    h.now = 1000;
    CHECK_EQ(dsm_futex_wait(h.dsm[1], addr, 0, DSM_FUTEX_BITSET_ANY, 5000, 1), DSM_PENDING);
    CHECK_EQ(dsm_futex_wait(h.dsm[3], addr, 0, DSM_FUTEX_BITSET_ANY, 0, 2), DSM_PENDING);
    h_run();
    CHECK_EQ(h.timer[1], 5000);
    /* The manager picks node 1's waiter; before the wake-up arrives, node 1 times out.
     * Its refusal passes the wake on to node 3. */
    CHECK_EQ(dsm_futex_wake(h.dsm[0], addr, 1, DSM_FUTEX_BITSET_ANY, 10), DSM_PENDING);
    struct h_msg *wake = &h.q[h.q_head % H_MAX_MSGS];
    CHECK_EQ(wake->to, 2);
    dsm_receive(h.dsm[2], wake->from, wake->bytes, wake->len);
    h.q_head++;
    h.now = 6000;
    dsm_timer_expired(h.dsm[1]);
    CHECK_EQ(h.wakes, 1);
    CHECK_EQ(h.wake_token[0], 1);
    CHECK_EQ(h.wake_result[0], -DSM_ETIMEDOUT);
    h_run();
    CHECK_EQ(h.wakes, 3);
    CHECK_EQ(h.wake_token[2], 2); /* node 3's waiter got the wake */
    CHECK_EQ(h.wake_result[2], 0);
    CHECK_EQ(dsm_futex_queued(h.dsm[2]), 0);
    h_teardown();
}

/* Result of the wake of token (order between nodes is not fixed); -1000 if none. */
static int64_t h_result_of(uint64_t token)
{
    for (unsigned i = 0; i < h.wakes && i < H_MAX_WAKES; i++)
        if (h.wake_token[i] == token)
            return h.wake_result[i];
    return -1000;
}

static unsigned h_log_lines;

static void h_log(void *ctx, const char *line)
{
    (void)ctx;
    (void)line;
    h_log_lines++;
}

TEST(dsm_futex_cancel_and_dump)
{
    h_setup(DSM_SCHEME_FIXED);
    unsigned p = h_page_managed_by(2);
    uint64_t addr = h_futex_addr(p, 0);
    h_fault(2, p, DSM_ACCESS_WRITE, 100);
    h.wakes = 0;
    CHECK_EQ(dsm_futex_wait(h.dsm[1], addr, 0, DSM_FUTEX_BITSET_ANY, 0, 7), DSM_PENDING);
    h_run();
    CHECK_EQ(dsm_futex_queued(h.dsm[2]), 1);
    CHECK(!dsm_futex_cancel(h.dsm[1], 8, -4));
    CHECK(dsm_futex_cancel(h.dsm[1], 7, -4));
    CHECK_EQ(h.wakes, 1);
    CHECK_EQ(h.wake_result[0], -4);
    h_run();
    CHECK_EQ(dsm_futex_queued(h.dsm[2]), 0);
    /* The dump says something for a node with work in flight and never crashes. */
    dsm_node_destroy(h.dsm[3]);
    struct dsm_env env = { .ctx = &h.ids[3], .send = h_send, .page_install = h_install, .page_protect = h_protect,
                           .page_read = h_read, .page_drop = h_drop, .read_u32 = h_read_u32, .wake = h_wake,
                           .now_ns = h_now, .timer_arm = h_timer, .alloc = h_alloc, .free = h_free,
                           .log = h_log };
    h.dsm[3] = dsm_node_create(&env, 3, H_NODES, DSM_SCHEME_FIXED);
    CHECK_EQ(dsm_fault(h.dsm[3], H_BASE + p, DSM_ACCESS_READ, 9), DSM_PENDING);
    h_log_lines = 0;
    dsm_dump(h.dsm[3]);
    CHECK(h_log_lines >= 2);
    h_run();
    h_teardown();
}

TEST(dsm_futex_requeue_moves_or_wakes)
{
    h_setup(DSM_SCHEME_CENTRAL); /* one manager, so requeue moves in place */
    uint64_t a1 = h_futex_addr(4, 0), a2 = h_futex_addr(4, 1);
    h_fault(0, 4, DSM_ACCESS_WRITE, 100);
    h.wakes = 0;
    for (unsigned i = 1; i < H_NODES; i++)
        CHECK_EQ(dsm_futex_wait(h.dsm[i], a1, 0, DSM_FUTEX_BITSET_ANY, 0, i), DSM_PENDING);
    h_run();
    CHECK_EQ(dsm_futex_requeue(h.dsm[0], a1, a2, 1, 1, true, 7, 50), DSM_PENDING);
    h_run();
    CHECK_EQ(h.wake_token[0], 50);
    CHECK_EQ(h.wake_result[0], -DSM_EAGAIN); /* *a1 is 0, not 7 */
    CHECK_EQ(dsm_futex_requeue(h.dsm[0], a1, a2, 1, 1, true, 0, 51), DSM_PENDING);
    h_run();
    CHECK_EQ(h.wakes, 3);
    CHECK_EQ(h_result_of(1), 0);
    CHECK_EQ(h_result_of(51), 2); /* one woken, one moved */
    CHECK_EQ(dsm_futex_wake(h.dsm[0], a2, DSM_FUTEX_WAKE_ALL, DSM_FUTEX_BITSET_ANY, 52), DSM_PENDING);
    h_run();
    CHECK_EQ(h.wakes, 5);
    CHECK_EQ(h_result_of(2), 0); /* the moved waiter */
    CHECK_EQ(h_result_of(52), 1);
    CHECK_EQ(dsm_futex_queued(h.dsm[0]), 1);
    h_teardown();
}

TEST(dsm_quiesce_holds_and_releases)
{
    h_setup(DSM_SCHEME_FIXED);
    unsigned p = h_page_managed_by(2);
    dsm_quiesce(h.dsm[1], true);
    CHECK_EQ(dsm_fault(h.dsm[1], H_BASE + p, DSM_ACCESS_WRITE, 1), DSM_PENDING);
    CHECK_EQ(dsm_futex_wake(h.dsm[1], h_futex_addr(p, 0), 1, DSM_FUTEX_BITSET_ANY, 2), DSM_PENDING);
    CHECK_EQ(h.sent, 0);
    CHECK(dsm_is_idle(h.dsm[1]));
    dsm_quiesce(h.dsm[1], false);
    CHECK(!dsm_is_idle(h.dsm[1]));
    h_run();
    CHECK_EQ(h.wakes, 2);
    CHECK(dsm_is_idle(h.dsm[1]) && dsm_is_idle(h.dsm[2]));
    h_teardown();
}

/* Regression: a held requeue whose value check completes at once (page local, value
 * differs) finished and freed the call while the release loop still walked the list. */
TEST(dsm_quiesce_release_survives_calls_finishing)
{
    h_setup(DSM_SCHEME_FIXED);
    h_fault(1, 3, DSM_ACCESS_WRITE, 100);
    h.wakes = 0;
    dsm_quiesce(h.dsm[1], true);
    for (unsigned i = 0; i < 3; i++)
        CHECK_EQ(dsm_futex_requeue(h.dsm[1], h_futex_addr(3, 0), h_futex_addr(3, 1), 1, 1, true, 9, i),
                 DSM_PENDING);
    dsm_quiesce(h.dsm[1], false);
    h_run();
    CHECK_EQ(h.wakes, 3);
    for (unsigned i = 0; i < 3; i++)
        CHECK_EQ(h.wake_result[i], -DSM_EAGAIN);
    h_teardown();
}

TEST(dsm_stats_line_and_percentiles)
{
    struct dsm_stats s;
    memset(&s, 0, sizeof s);
    CHECK_EQ(dsm_stats_percentile(&s, 50), 0);
    for (int i = 0; i < 99; i++)
        dsm_stats_record_latency(&s, 1000);
    dsm_stats_record_latency(&s, 1000000);
    CHECK_EQ(dsm_stats_percentile(&s, 50), 1023);
    CHECK_EQ(dsm_stats_percentile(&s, 99), 1023);
    CHECK_EQ(dsm_stats_percentile(&s, 100), 1048575);
    /* Within an eighth of the true value (a log2 histogram said 524287 for 300 us). */
    memset(&s, 0, sizeof s);
    dsm_stats_record_latency(&s, 300000);
    CHECK_EQ(dsm_stats_percentile(&s, 50), 327679);
    dsm_stats_record_latency(&s, 5);
    CHECK_EQ(dsm_stats_percentile(&s, 1), 5); /* small values are exact */
    memset(&s, 0, sizeof s);
    dsm_stats_record_latency(&s, UINT64_MAX);
    CHECK_EQ(dsm_stats_percentile(&s, 50), UINT64_MAX);
    for (uint64_t v = 8; v < (1ull << 40); v = v * 3 + 1) { /* every bound is within 1/8 */
        memset(&s, 0, sizeof s);
        dsm_stats_record_latency(&s, v);
        uint64_t top = dsm_stats_percentile(&s, 100);
        CHECK(top >= v && top - v <= v / DSM_STATS_SUB_BUCKETS);
    }
    memset(&s, 0, sizeof s);
    for (int i = 0; i < 99; i++)
        dsm_stats_record_latency(&s, 1000);
    dsm_stats_record_latency(&s, 1000000);
    s.read_faults = 5;
    char line[600];
    int n = dsm_stats_format(&s, 3, line, sizeof line);
    CHECK(n > 0 && (size_t)n < sizeof line);
    CHECK(strncmp(line, "dsm-stats node=3 rfaults=5 ", 27) == 0);
    CHECK(strstr(line, " lat_p99_ns=1023") != NULL);
    CHECK(strchr(line, '\n') == NULL);
}

/* Dynamic manager (IVY): requests follow probable-owner hints, the owner manages its page.
 * Exact message counts: a stale hint costs one forward per hop; a right hint makes a read
 * fault 2 messages (request, grant with data). */
TEST(dsm_dynamic_hints_forward_and_compress)
{
    h_setup(DSM_SCHEME_DYNAMIC);
    unsigned p = h_page_managed_by(3); /* home node 3: every hint starts there */
    struct dsm_dir_info d;
    /* Untouched: node 1 asks home 3, which grants it zero-filled and hands the role over. */
    CHECK_EQ(h_fault(1, p, DSM_ACCESS_WRITE, 1), 2);
    dsm_dir_query(h.dsm[3], H_BASE + p, &d);
    CHECK(!d.managed_here);
    dsm_dir_query(h.dsm[1], H_BASE + p, &d);
    CHECK(d.managed_here && d.owner == 1 && d.copyset == 0);
    h_set_word(1, p, 0, 7);
    /* Node 2's hint is the home: request, one forward (3 -> 1), grant = 3. */
    CHECK_EQ(h_fault(2, p, DSM_ACCESS_READ, 2), 3);
    CHECK_EQ(dsm_node_stats(h.dsm[3])->forwards, 1);
    CHECK_EQ(h_word(2, p, 0), 7);
    dsm_dir_query(h.dsm[1], H_BASE + p, &d);
    CHECK_EQ(d.copyset, 1u << 2);
    /* The owner upgrades locally: invalidate + ack, and node 2's hint becomes node 1. */
    CHECK_EQ(h_fault(1, p, DSM_ACCESS_WRITE, 3), 2);
    CHECK_EQ(h.mem[2][p].prot, DSM_PROT_NONE);
    h_set_word(1, p, 0, 8);
    /* Known owner: 2 messages per read fault. */
    CHECK_EQ(h_fault(2, p, DSM_ACCESS_READ, 4), 2);
    CHECK_EQ(h_word(2, p, 0), 8);
    /* Node 2 upgrades its current copy: request, grant without data (no DONE); it owns
     * and manages the page now and node 1 points at it. */
    CHECK_EQ(h_fault(2, p, DSM_ACCESS_WRITE, 5), 2);
    CHECK_EQ(dsm_node_stats(h.dsm[2])->upgrades, 1);
    CHECK_EQ(h.mem[1][p].prot, DSM_PROT_NONE);
    dsm_dir_query(h.dsm[2], H_BASE + p, &d);
    CHECK(d.managed_here && d.owner == 2);
    /* Node 0 (hint: home 3) follows 3 -> 1 -> 2: request, two forwards, grant. Node 2 read
     * and then wrote alone, so the page is migratory: node 0 takes the ownership with a
     * READ mapping and node 2 drops its copy. */
    CHECK_EQ(h_fault(0, p, DSM_ACCESS_READ, 6), 4);
    CHECK_EQ(h_word(0, p, 0), 8);
    CHECK_EQ(dsm_node_stats(h.dsm[2])->migrations, 1);
    CHECK_EQ(h.mem[2][p].prot, DSM_PROT_NONE);
    dsm_dir_query(h.dsm[0], H_BASE + p, &d);
    CHECK(d.managed_here && d.owner == 0 && d.copyset == 0);
    /* Node 3 writes with a stale hint (node 1): request, forwards 1 -> 2 -> 0, grant with
     * data = 4; node 0 held the only copy, so no invalidation; no DONE. */
    CHECK_EQ(h_fault(3, p, DSM_ACCESS_WRITE, 7), 4);
    CHECK_EQ(h_word(3, p, 0), 8);
    CHECK_EQ(h.mem[0][p].prot, DSM_PROT_NONE);
    CHECK_EQ(h.mem[2][p].prot, DSM_PROT_NONE);
    dsm_dir_query(h.dsm[3], H_BASE + p, &d);
    CHECK(d.managed_here && d.owner == 3 && d.copyset == 0);
    /* Compressed: nodes 0 (invalidated by 2 for 3), 1 (forwarded 3's write) and 2 (gave
     * the page to 3) all point at node 3 now, so each reads in 2 messages. */
    for (unsigned i = 0; i < 3; i++)
        CHECK_EQ(h_fault(i, p, DSM_ACCESS_READ, 10 + i), 2);
    for (unsigned i = 0; i < H_NODES; i++) {
        CHECK(dsm_is_idle(h.dsm[i]));
        CHECK_EQ(dsm_node_stats(h.dsm[i])->bad_msgs, 0);
    }
    h_teardown();
}

/* Dynamic: two writers race for a page while its owner is elsewhere; the second request
 * waits at the first writer (its own write will make it the owner) and both complete. */
TEST(dsm_dynamic_request_queued_at_the_next_owner)
{
    h_setup(DSM_SCHEME_DYNAMIC);
    unsigned p = h_page_managed_by(3);
    CHECK_EQ(h_fault(1, p, DSM_ACCESS_WRITE, 1), 2);
    h_set_word(1, p, 0, 5);
    CHECK_EQ(dsm_fault(h.dsm[2], H_BASE + p, DSM_ACCESS_WRITE, 2), DSM_PENDING);
    CHECK_EQ(dsm_fault(h.dsm[0], H_BASE + p, DSM_ACCESS_WRITE, 3), DSM_PENDING);
    h_run();
    /* Node 2 has it; node 0's request waits at node 2 (the new owner). */
    CHECK_EQ(h.wakes, 2);
    CHECK_EQ(h.wake_token[1], 2);
    CHECK_EQ(h.mem[2][p].prot, DSM_PROT_WRITE);
    CHECK(!dsm_is_idle(h.dsm[2]));
    CHECK(h.timer[2] != 0);
    h.now += 1000000; /* past the hold that lets node 2's thread use the page once */
    dsm_timer_expired(h.dsm[2]);
    h_run();
    CHECK_EQ(h.wakes, 3);
    CHECK_EQ(h.mem[2][p].prot, DSM_PROT_NONE);
    CHECK_EQ(h.mem[0][p].prot, DSM_PROT_WRITE);
    CHECK_EQ(h_word(0, p, 0), 5);
    for (unsigned i = 0; i < H_NODES; i++) {
        CHECK(dsm_is_idle(h.dsm[i]));
        CHECK_EQ(dsm_node_stats(h.dsm[i])->bad_msgs, 0);
    }
    h_teardown();
}

/* Dynamic, migratory data (a counter taken by one node at a time: read, then write): once a
 * node read and then wrote the page alone, the next reader takes the ownership with its
 * read, so its write is a local upgrade. A round costs 2 messages instead of 4 (read 2, then
 * upgrade: request and grant). Readers only: the first takes the page, the others share it. */
TEST(dsm_dynamic_migratory_read_takes_ownership)
{
    h_setup(DSM_SCHEME_DYNAMIC);
    unsigned p = h_page_managed_by(0);
    CHECK_EQ(h_fault(0, p, DSM_ACCESS_WRITE, 1), 0);  /* zero fill at the home node */
    CHECK_EQ(h_fault(1, p, DSM_ACCESS_READ, 2), 2);   /* written, but not read first: shared */
    CHECK_EQ(h_fault(1, p, DSM_ACCESS_WRITE, 3), 2);  /* upgrade: request, grant; node 0 drops */
    CHECK_EQ(h.mem[0][p].prot, DSM_PROT_NONE);
    for (unsigned round = 0; round < 6; round++) {
        unsigned node = round % 2 == 0 ? 0 : 1;
        CHECK_EQ(h_fault(node, p, DSM_ACCESS_READ, 10 + 2 * round), 2);
        CHECK_EQ(h.mem[node][p].prot, DSM_PROT_READ);
        CHECK_EQ(h.mem[1 - node][p].prot, DSM_PROT_NONE);
        h_set_word(node, p, 0, h_word(node, p, 0) + 1);
        CHECK_EQ(h_fault(node, p, DSM_ACCESS_WRITE, 11 + 2 * round), 0);
        CHECK_EQ(h.mem[node][p].prot, DSM_PROT_WRITE);
    }
    CHECK_EQ(h_word(1, p, 0), 6);
    CHECK_EQ(dsm_node_stats(h.dsm[0])->migrations + dsm_node_stats(h.dsm[1])->migrations, 6);
    /* Readers only: node 2 (hint: home 0, forwarded to 1) still takes it over, since node 1
     * wrote last; node 2 does not write, so node 3 and node 1 get shared copies from it. */
    CHECK_EQ(h_fault(2, p, DSM_ACCESS_READ, 30), 3);
    CHECK_EQ(h.mem[1][p].prot, DSM_PROT_NONE);
    CHECK_EQ(h_fault(3, p, DSM_ACCESS_READ, 31), 4); /* 0 -> 1 -> 2 */
    CHECK_EQ(h_fault(1, p, DSM_ACCESS_READ, 32), 2);
    CHECK_EQ(h.mem[1][p].prot, DSM_PROT_READ);
    CHECK_EQ(h.mem[2][p].prot, DSM_PROT_READ);
    CHECK_EQ(h.mem[3][p].prot, DSM_PROT_READ);
    CHECK_EQ(dsm_node_stats(h.dsm[1])->migrations, 4);
    for (unsigned i = 0; i < H_NODES; i++) {
        CHECK(dsm_is_idle(h.dsm[i]));
        CHECK_EQ(dsm_node_stats(h.dsm[i])->bad_msgs, 0);
    }
    h_teardown();
}

/* Runs every node's expired timers (time jumps 1 ms) and the network, rounds times. */
static void h_run_timers(unsigned rounds)
{
    for (unsigned r = 0; r < rounds; r++) {
        h.now += 1000000;
        for (unsigned i = 0; i < H_NODES; i++)
            if (h.timer[i] && h.timer[i] <= h.now)
                dsm_timer_expired(h.dsm[i]);
        h_run();
    }
}

/* Dynamic: the owner's queue (held by the window) holds a remote write, then the owner's
 * own write, then another node's write. The role leaves with the first; the owner's own
 * request follows it and must not make the owner its own hint, or the third request is
 * dropped ("hint points here") and that node never completes. */
TEST(dsm_dynamic_own_request_forwarded_keeps_the_hint)
{
    h_setup(DSM_SCHEME_DYNAMIC);
    unsigned p = h_page_managed_by(3);
    CHECK_EQ(h_fault(1, p, DSM_ACCESS_READ, 1), 2); /* zero fill: node 1 owns and manages */
    CHECK_EQ(h_fault(0, p, DSM_ACCESS_READ, 2), 3); /* node 0's hint is node 1 now */
    dsm_set_window(h.dsm[1], 1000, false);
    CHECK_EQ(dsm_fault(h.dsm[2], H_BASE + p, DSM_ACCESS_WRITE, 3), DSM_PENDING);
    h_run(); /* held at node 1 by the window */
    CHECK_EQ(dsm_fault(h.dsm[1], H_BASE + p, DSM_ACCESS_WRITE, 4), DSM_PENDING);
    CHECK_EQ(dsm_fault(h.dsm[0], H_BASE + p, DSM_ACCESS_WRITE, 5), DSM_PENDING);
    h_run();
    CHECK_EQ(h.wakes, 2);
    h_run_timers(4);
    CHECK_EQ(h.wakes, 5);
    for (unsigned i = 0; i < H_NODES; i++) {
        CHECK(dsm_is_idle(h.dsm[i]));
        CHECK_EQ(dsm_node_stats(h.dsm[i])->bad_msgs, 0);
    }
    h_teardown();
}

/* Replication (fixed manager): each directory change costs one DIR_BACKUP to the
 * manager's successor, and the replica follows the entry; a backup from a node that is
 * not the predecessor manager is refused and counted. */
TEST(dsm_replication_copies_each_directory_change)
{
    h_setup(DSM_SCHEME_FIXED);
    for (unsigned i = 0; i < H_NODES; i++)
        CHECK_EQ(dsm_set_replication(h.dsm[i], true), 0);
    unsigned p = h_page_managed_by(3); /* successor: node 0 */
    unsigned owner;
    uint64_t copyset;
    CHECK(!dsm_replica_query(h.dsm[1], H_BASE + p, &owner, &copyset));
    CHECK(dsm_replica_query(h.dsm[0], H_BASE + p, &owner, &copyset));
    CHECK_EQ(owner, DSM_NODE_NONE);
    CHECK_EQ(h_fault(1, p, DSM_ACCESS_WRITE, 1), 3); /* request, grant(zero), backup */
    CHECK(dsm_replica_query(h.dsm[0], H_BASE + p, &owner, &copyset));
    CHECK_EQ(owner, 1);
    CHECK_EQ(h_fault(2, p, DSM_ACCESS_READ, 2), 5); /* 4 as without, + backup */
    CHECK(dsm_replica_query(h.dsm[0], H_BASE + p, &owner, &copyset));
    CHECK_EQ(owner, 1);
    CHECK_EQ(copyset, 1u << 2);
    CHECK_EQ(dsm_node_stats(h.dsm[3])->backups, 2);
    /* Node 2 is not the predecessor of node 0 for this page. */
    struct dsm_msg m = { .type = DSM_MSG_DIR_BACKUP, .page = H_BASE + p, .a = 2 };
    uint8_t buf[DSM_MSG_MAX_LEN];
    size_t len = dsm_msg_encode(&m, buf, sizeof buf);
    dsm_receive(h.dsm[0], 2, buf, len);
    CHECK_EQ(dsm_node_stats(h.dsm[0])->bad_msgs, 1);
    CHECK(dsm_replica_query(h.dsm[0], H_BASE + p, &owner, &copyset));
    CHECK_EQ(owner, 1);
    h_teardown();
    h_setup(DSM_SCHEME_DYNAMIC);
    CHECK_EQ(dsm_set_replication(h.dsm[0], true), -DSM_EINVAL);
    h_teardown();
}

/* Cluster sums and per-fault figures for the compare table (issue 6). */
TEST(dsm_stats_sum_and_per_fault)
{
    struct dsm_stats a, b, sum;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    memset(&sum, 0, sizeof sum);
    a.read_faults = 2;
    a.fault_msgs = 5;
    a.forwards = 1;
    a.lat_hist[3] = 1;
    b.write_faults = 1;
    b.fault_msgs = 2;
    b.backups = 4;
    b.lat_hist[3] = 2;
    dsm_stats_add(&sum, &a);
    dsm_stats_add(&sum, &b);
    CHECK_EQ(sum.read_faults + sum.write_faults, 3);
    CHECK_EQ(sum.backups, 4);
    CHECK_EQ(sum.lat_hist[3], 3);
    uint64_t msgs, fwd;
    dsm_stats_per_fault(&sum, &msgs, &fwd);
    CHECK_EQ(msgs, 233); /* 7 messages / 3 faults */
    CHECK_EQ(fwd, 33);
    memset(&sum, 0, sizeof sum);
    dsm_stats_per_fault(&sum, &msgs, &fwd);
    CHECK_EQ(msgs, 0);
    h_setup(DSM_SCHEME_DYNAMIC);
    CHECK(strcmp(dsm_scheme_name(h.dsm[0]), "dynamic") == 0);
    h_teardown();
}

/* Dynamic, issue 6 goal: a rotating writer and three readers per round; the readers'
 * hints follow the invalidations, so a read fault averages at most 2.3 messages (exactly 2
 * with a fixed writer, checked in the first rounds). */
TEST(dsm_dynamic_read_fault_messages_average)
{
    h_setup(DSM_SCHEME_DYNAMIC);
    unsigned p = h_page_managed_by(2);
    uint64_t read_msgs = 0, reads = 0, token = 1;
    for (unsigned round = 0; round < 40; round++) {
        unsigned writer = round < 8 ? 1 : round % H_NODES;
        h.wakes = 0; /* the wake log holds H_MAX_WAKES entries */
        h_fault(writer, p, DSM_ACCESS_WRITE, token++);
        h_set_word(writer, p, 0, round);
        for (unsigned i = 0; i < H_NODES; i++) {
            if (i == writer)
                continue;
            uint64_t msgs = h_fault(i, p, DSM_ACCESS_READ, token++);
            CHECK_EQ(h_word(i, p, 0), round);
            if (round >= 1 && round < 8)
                CHECK_EQ(msgs, 2);
            read_msgs += msgs;
            reads++;
        }
    }
    CHECK(read_msgs * 10 <= reads * 23);
    for (unsigned i = 0; i < H_NODES; i++)
        CHECK_EQ(dsm_node_stats(h.dsm[i])->bad_msgs, 0);
    h_teardown();
}

/* Write-update region: the manager sequences each write to every copy in two phases;
 * 2 + 3k messages for k copies, every copy readable with the new value afterwards. */
TEST(dsm_write_update_reaches_every_copy)
{
    h_setup(DSM_SCHEME_FIXED);
    unsigned p = h_page_managed_by(3);
    for (unsigned i = 0; i < H_NODES; i++)
        CHECK_EQ(dsm_region_add(h.dsm[i], H_BASE + p, 1, DSM_REGION_WRITE_UPDATE, 0), 0);
    uint64_t addr = ((H_BASE + p) << DSM_PAGE_SHIFT) + 8;
    CHECK_EQ(dsm_fault(h.dsm[1], H_BASE + p, DSM_ACCESS_WRITE, 1), -DSM_EFAULT);
    CHECK_EQ(dsm_write(h.dsm[1], addr, 9, 0, 1), -DSM_EINVAL);
    CHECK_EQ(dsm_write(h.dsm[1], addr - DSM_PAGE_SIZE, 4, 0, 1), -DSM_EINVAL);
    /* Untouched: the writer creates it (write, update, ack, release, done). */
    uint64_t before = h.sent;
    CHECK_EQ(dsm_write(h.dsm[1], addr, 4, 0x11223344, 2), DSM_PENDING);
    h_run();
    CHECK_EQ(h.sent - before, 5);
    CHECK_EQ(h.wakes, 1);
    CHECK_EQ(h.mem[1][p].prot, DSM_PROT_READ);
    CHECK_EQ(h_word(1, p, 2), 0x11223344);
    CHECK_EQ(h_fault(2, p, DSM_ACCESS_READ, 3), 4);
    CHECK_EQ(h_fault(0, p, DSM_ACCESS_READ, 4), 4);
    /* Three copies: 2 + 3 * 3 messages; the writer (a holder) reads it locally. */
    before = h.sent;
    CHECK_EQ(dsm_write(h.dsm[2], addr, 2, 0xbeef, 5), DSM_PENDING);
    h_run();
    CHECK_EQ(h.sent - before, 11);
    CHECK_EQ(h.wakes, 4);
    for (unsigned i = 0; i < 3; i++) {
        CHECK_EQ(h.mem[i][p].prot, DSM_PROT_READ);
        CHECK_EQ(h_word(i, p, 2), 0x1122beef);
    }
    for (unsigned i = 0; i < H_NODES; i++) {
        CHECK(dsm_is_idle(h.dsm[i]));
        CHECK_EQ(dsm_node_stats(h.dsm[i])->bad_msgs, 0);
    }
    h_teardown();
    h_setup(DSM_SCHEME_DYNAMIC);
    CHECK_EQ(dsm_region_add(h.dsm[0], H_BASE, 1, DSM_REGION_WRITE_UPDATE, 0), -DSM_EINVAL);
    CHECK_EQ(dsm_region_add(h.dsm[0], H_BASE, 1, DSM_REGION_WRITE_UPDATE | DSM_REGION_PRELOADED, 0), -DSM_EINVAL);
    h_teardown();
}

/* Loaded data on write-update pages (PRELOADED | WRITE_UPDATE): the region owner holds it
 * mapped READ; another node reads its copy as usual (4 messages under fixed); a write updates
 * the owner's copy and the reader's (2 + 3 * 2), no zero fill. */
TEST(dsm_write_update_over_loaded_data)
{
    h_setup(DSM_SCHEME_FIXED);
    unsigned p = h_page_managed_by(1);
    for (unsigned i = 0; i < H_NODES; i++) {
        CHECK_EQ(dsm_region_add(h.dsm[i], H_BASE + p, 1, DSM_REGION_WRITE_UPDATE | DSM_REGION_READONLY, 0),
                 -DSM_EINVAL);
        CHECK_EQ(dsm_region_add(h.dsm[i], H_BASE + p, 1, DSM_REGION_WRITE_UPDATE | DSM_REGION_PRELOADED, 0), 0);
    }
    h_install(&h.ids[0], H_BASE + p, NULL, DSM_PROT_READ);
    h_set_word(0, p, 3, 0x600d);
    struct dsm_page_info info;
    dsm_page_query(h.dsm[0], H_BASE + p, &info);
    CHECK(info.owner && info.state == DSM_PROT_READ);
    CHECK_EQ(dsm_fault(h.dsm[0], H_BASE + p, DSM_ACCESS_WRITE, 1), -DSM_EFAULT);
    CHECK_EQ(h_fault(2, p, DSM_ACCESS_READ, 2), 4);
    CHECK_EQ(h_word(2, p, 3), 0x600d);
    uint64_t before = h.sent, old = 0;
    CHECK_EQ(dsm_atomic(h.dsm[2], ((H_BASE + p) << DSM_PAGE_SHIFT) + 12, 4, DSM_ATOMIC_ADD, 1, 0, &old, 3),
             DSM_PENDING);
    h_run();
    CHECK_EQ(h.sent - before, 8);
    CHECK_EQ(old, 0x600d);
    CHECK_EQ(h_word(0, p, 3), 0x600e);
    CHECK_EQ(h_word(2, p, 3), 0x600e);
    CHECK_EQ(h.mem[0][p].prot, DSM_PROT_READ);
    h_expect_idle();
    h_teardown();
}

/* Atomic read-modify-write on a write-update page: the same messages as a write (5 to
 * create, 2 + 3k for k copies), the old bytes back to the caller, and concurrent atomics
 * of several nodes serialized by the sequencer (no increment lost). */
TEST(dsm_atomic_on_write_update_pages)
{
    h_setup(DSM_SCHEME_FIXED);
    unsigned p = h_page_managed_by(2);
    for (unsigned i = 0; i < H_NODES; i++)
        CHECK_EQ(dsm_region_add(h.dsm[i], H_BASE + p, 1, DSM_REGION_WRITE_UPDATE, 0), 0);
    uint64_t addr = ((H_BASE + p) << DSM_PAGE_SHIFT) + 16, old = 99;
    CHECK_EQ(dsm_atomic(h.dsm[1], addr, 3, DSM_ATOMIC_ADD, 1, 0, &old, 1), -DSM_EINVAL);
    CHECK_EQ(dsm_atomic(h.dsm[1], addr, 4, (enum dsm_atomic_op)0, 1, 0, &old, 1), -DSM_EINVAL);
    CHECK_EQ(dsm_atomic(h.dsm[1], addr, 4, (enum dsm_atomic_op)7, 1, 0, &old, 1), -DSM_EINVAL);
    CHECK_EQ(dsm_atomic(h.dsm[1], addr, 4, DSM_ATOMIC_ADD, 1, 0, NULL, 1), -DSM_EINVAL);
    CHECK_EQ(dsm_atomic(h.dsm[1], addr - DSM_PAGE_SIZE, 4, DSM_ATOMIC_ADD, 1, 0, &old, 1), -DSM_EINVAL);
    /* Untouched: created zeroed at the caller, old 0. */
    uint64_t before = h.sent;
    CHECK_EQ(dsm_atomic(h.dsm[1], addr, 4, DSM_ATOMIC_ADD, 5, 0, &old, 2), DSM_PENDING);
    h_run();
    CHECK_EQ(h.sent - before, 5);
    CHECK_EQ(h.wakes, 1);
    CHECK_EQ(old, 0);
    CHECK_EQ(h_word(1, p, 4), 5);
    CHECK_EQ(h_fault(3, p, DSM_ACCESS_READ, 3), 4);
    /* Two copies (1 owner, 3): 2 + 3 * 2 messages; the manager holds none. */
    before = h.sent;
    CHECK_EQ(dsm_atomic(h.dsm[3], addr, 4, DSM_ATOMIC_XCHG, 0x70, 0, &old, 4), DSM_PENDING);
    h_run();
    CHECK_EQ(h.sent - before, 8);
    CHECK_EQ(old, 5);
    CHECK_EQ(h_word(1, p, 4), 0x70);
    /* CMPXCHG: a mismatch leaves the bytes; a match on all 8 bytes (compare's high half). */
    CHECK_EQ(dsm_atomic(h.dsm[1], addr, 4, DSM_ATOMIC_CMPXCHG, 1, 0x71, &old, 5), DSM_PENDING);
    h_run();
    CHECK_EQ(old, 0x70);
    CHECK_EQ(h_word(3, p, 4), 0x70);
    CHECK_EQ(dsm_atomic(h.dsm[3], addr, 8, DSM_ATOMIC_CMPXCHG, 0x123456789ull, 0x100000070ull, &old, 6),
             DSM_PENDING);
    h_run();
    CHECK_EQ(old, 0x70);
    CHECK_EQ(h_word(3, p, 4), 0x70);
    CHECK_EQ(dsm_atomic(h.dsm[3], addr, 8, DSM_ATOMIC_CMPXCHG, 0x123456789ull, 0x70, &old, 7), DSM_PENDING);
    h_run();
    CHECK_EQ(old, 0x70);
    CHECK_EQ(h_word(1, p, 4), 0x23456789);
    CHECK_EQ(h_word(3, p, 5), 1);
    /* AND / OR / XOR on one byte. */
    uint64_t olds[3];
    CHECK_EQ(dsm_atomic(h.dsm[0], addr, 1, DSM_ATOMIC_AND, 0x0f, 0, &olds[0], 8), DSM_PENDING);
    CHECK_EQ(dsm_atomic(h.dsm[0], addr, 1, DSM_ATOMIC_OR, 0xa0, 0, &olds[1], 9), DSM_PENDING);
    CHECK_EQ(dsm_atomic(h.dsm[0], addr, 1, DSM_ATOMIC_XOR, 0xff, 0, &olds[2], 10), DSM_PENDING);
    h_run();
    CHECK_EQ(olds[0], 0x89);
    CHECK_EQ(olds[1], 0x09);
    CHECK_EQ(olds[2], 0xa9);
    CHECK_EQ(h_word(1, p, 4) & 0xff, 0x56);
    /* Every node adds at once: the sequencer orders them, each sees a distinct old value. */
    unsigned wakes = h.wakes;
    uint64_t got[H_NODES * 4], seen = 0;
    for (unsigned r = 0; r < 4; r++)
        for (unsigned i = 0; i < H_NODES; i++)
            CHECK_EQ(dsm_atomic(h.dsm[i], addr + 8, 2, DSM_ATOMIC_ADD, 1, 0, &got[r * H_NODES + i], 20 + r),
                     DSM_PENDING);
    h_run();
    CHECK_EQ(h.wakes, wakes + H_NODES * 4);
    for (unsigned k = 0; k < H_NODES * 4; k++)
        if (CHECK(got[k] < H_NODES * 4))
            seen |= 1ull << got[k];
    CHECK_EQ(seen, (1ull << (H_NODES * 4)) - 1);
    for (unsigned i = 0; i < H_NODES; i++)
        if (h.mem[i][p].data)
            CHECK_EQ(h_word(i, p, 6), H_NODES * 4);
    h_expect_idle();
    h_teardown();
}

/* Node 1 reads every page; prints (for `make bench`, tools/bench/dsm_bench.py) and returns
 * the messages, forwards and directory backups of those read faults, in hundredths. */
static void h_read_fault_counts(const char *owner, uint64_t *msgs_x100, uint64_t *fwd_x100)
{
    struct dsm_stats before, after;
    memset(&before, 0, sizeof before);
    memset(&after, 0, sizeof after);
    for (unsigned i = 0; i < H_NODES; i++)
        dsm_stats_add(&before, dsm_node_stats(h.dsm[i]));
    for (unsigned p = 0; p < H_PAGES; p++) {
        h.wakes = 0;
        h_fault(1, p, DSM_ACCESS_READ, 100 + p);
    }
    for (unsigned i = 0; i < H_NODES; i++)
        dsm_stats_add(&after, dsm_node_stats(h.dsm[i]));
    uint64_t faults = after.read_faults - before.read_faults;
    CHECK_EQ(faults, H_PAGES);
    *msgs_x100 = (after.fault_msgs - before.fault_msgs) * 100 / H_PAGES;
    *fwd_x100 = (after.forwards - before.forwards) * 100 / H_PAGES;
    uint64_t backups_x100 = (after.backups - before.backups) * 100 / H_PAGES;
    printf("read-faults manager=%s owner=%s faults=%llu msgs/fault=%llu.%02llu fwd/fault=%llu.%02llu "
           "backups/fault=%llu.%02llu\n", dsm_scheme_name(h.dsm[0]), owner, (unsigned long long)faults,
           (unsigned long long)(*msgs_x100 / 100), (unsigned long long)(*msgs_x100 % 100),
           (unsigned long long)(*fwd_x100 / 100), (unsigned long long)(*fwd_x100 % 100),
           (unsigned long long)(backups_x100 / 100), (unsigned long long)(backups_x100 % 100));
}

/* Issue 6 bench item: messages per read fault under each manager, owner unknown (node 1's
 * first read of pages node 0 wrote) and known (the same after node 0 wrote them again, which
 * invalidated node 1's copies). Replication as the kernel's default: on under fixed/central.
 * Goal: 2 when the owner is known (dynamic), at most 3 otherwise; fixed/central pay the
 * manager's forward (and DONE) plus one backup. */
TEST(dsm_read_fault_counts_per_manager)
{
    static const enum dsm_scheme schemes[] = { DSM_SCHEME_FIXED, DSM_SCHEME_CENTRAL, DSM_SCHEME_DYNAMIC };
    for (unsigned s = 0; s < 3; s++) {
        h_setup(schemes[s]);
        if (schemes[s] != DSM_SCHEME_DYNAMIC)
            for (unsigned i = 0; i < H_NODES; i++)
                CHECK_EQ(dsm_set_replication(h.dsm[i], true), 0);
        uint64_t unknown, known, fwd_unknown, fwd_known;
        for (unsigned p = 0; p < H_PAGES; p++) {
            h.wakes = 0;
            h_fault(0, p, DSM_ACCESS_WRITE, 1);
        }
        h_read_fault_counts("unknown", &unknown, &fwd_unknown);
        for (unsigned p = 0; p < H_PAGES; p++) {
            h.wakes = 0;
            h_fault(0, p, DSM_ACCESS_WRITE, 2);
        }
        h_read_fault_counts("known", &known, &fwd_known);
        if (schemes[s] == DSM_SCHEME_DYNAMIC) {
            CHECK_EQ(known, 200);
            CHECK_EQ(fwd_known, 0);
            CHECK(unknown > 200 && unknown <= 300);
        } else {
            CHECK(known >= 200 && known <= 500 && unknown >= 200 && unknown <= 500);
        }
        for (unsigned i = 0; i < H_NODES; i++)
            CHECK_EQ(dsm_node_stats(h.dsm[i])->bad_msgs, 0);
        h_teardown();
    }
}

/* A page's `taken` mark (what thread affinity counts as a sharing miss): set on the node
 * whose copy another node's write took, and on a writer a reader downgraded; never on a
 * node that only ever took the page, under every scheme. */
TEST(dsm_page_taken_marks_sharing_misses)
{
    static const enum dsm_scheme schemes[] = { DSM_SCHEME_FIXED, DSM_SCHEME_CENTRAL, DSM_SCHEME_DYNAMIC };
    for (unsigned s = 0; s < sizeof schemes / sizeof schemes[0]; s++) {
        h_setup(schemes[s]);
        unsigned p = h_page_managed_by(0);
        struct dsm_page_info info;
        h_fault(1, p, DSM_ACCESS_WRITE, 1);
        dsm_page_query(h.dsm[1], H_BASE + p, &info);
        CHECK(!info.taken);
        h_fault(2, p, DSM_ACCESS_READ, 2); /* downgrades node 1's write right */
        dsm_page_query(h.dsm[1], H_BASE + p, &info);
        CHECK(info.taken);
        dsm_page_query(h.dsm[2], H_BASE + p, &info);
        CHECK(!info.taken);
        h_fault(3, p, DSM_ACCESS_WRITE, 3); /* invalidates node 2's copy, takes node 1's */
        dsm_page_query(h.dsm[2], H_BASE + p, &info);
        CHECK(info.taken);
        CHECK_EQ(info.state, DSM_PROT_NONE);
        dsm_page_query(h.dsm[3], H_BASE + p, &info);
        CHECK(!info.taken);
        h_fault(2, p, DSM_ACCESS_WRITE, 4); /* and back: the mark stays on the page */
        dsm_page_query(h.dsm[2], H_BASE + p, &info);
        CHECK(info.taken);
        dsm_page_query(h.dsm[3], H_BASE + p, &info);
        CHECK(info.taken);
        h_expect_idle();
        h_teardown();
    }
}

/* Home stripes: a page in node k's stripe is managed (fixed) or homed (dynamic) there, so
 * k's first touch of it takes no message and another node's first touch asks k directly;
 * futex words there queue at k. Pages past the stripes keep the hash. central refuses. */
TEST(dsm_home_stripes_make_the_homes_first_touch_local)
{
    enum { STRIPE_SHIFT = 1, STRIPED = 12 }; /* 2 pages a stripe; pages 12-15 stay hashed */
    static const enum dsm_scheme schemes[] = { DSM_SCHEME_FIXED, DSM_SCHEME_DYNAMIC };
    for (unsigned s = 0; s < sizeof schemes / sizeof schemes[0]; s++) {
        h_setup(schemes[s]);
        unsigned hashed[H_PAGES];
        for (unsigned p = 0; p < H_PAGES; p++)
            hashed[p] = dsm_manager_of(h.dsm[0], H_BASE + p);
        for (unsigned i = 0; i < H_NODES; i++)
            CHECK_EQ(dsm_set_home_stripes(h.dsm[i], H_BASE, STRIPED, STRIPE_SHIFT), 0);
        for (unsigned p = 0; p < H_PAGES; p++)
            CHECK_EQ(dsm_manager_of(h.dsm[0], H_BASE + p), p < STRIPED ? (p >> STRIPE_SHIFT) % H_NODES : hashed[p]);
        for (unsigned k = 0; k < H_NODES; k++) {
            unsigned p = k << STRIPE_SHIFT, other = (k + 1) % H_NODES;
            CHECK_EQ(h_fault(k, p, DSM_ACCESS_WRITE, 1), 0); /* the home zero-fills it alone */
            h_set_word(k, p, 0, 100 + k);
            CHECK_EQ(h_fault(other, p, DSM_ACCESS_READ, 2), 2); /* request to the home, grant */
            CHECK_EQ(h_word(other, p, 0), 100 + k);
            CHECK_EQ(h_fault(other, p + 1, DSM_ACCESS_WRITE, 3), 2); /* a zero fill granted by the home */
        }
        CHECK_EQ(dsm_set_home_stripes(h.dsm[0], H_BASE, 1, 48), -DSM_EINVAL);
        CHECK_EQ(dsm_set_home_stripes(h.dsm[0], DSM_PAGE_LIMIT - 1, 2, 0), -DSM_EINVAL);
        h_expect_idle();
        h_teardown();
    }
    h_setup(DSM_SCHEME_CENTRAL);
    CHECK_EQ(dsm_set_home_stripes(h.dsm[1], H_BASE, STRIPED, STRIPE_SHIFT), -DSM_EINVAL);
    CHECK_EQ(dsm_manager_of(h.dsm[1], H_BASE + 2), 0);
    h_teardown();
}

/* Every page managed (or, dynamic, homed) at node 0, so node 0's writes are local and
 * every request goes there; read-ahead of `ahead` pages on every node; node 0 writes pages
 * 0..count-1 with word 0 = 1000 + page. */
static void h_setup_read_ahead(enum dsm_scheme scheme, unsigned ahead, unsigned count)
{
    h_setup(scheme);
    for (unsigned i = 0; i < H_NODES; i++) {
        if (scheme != DSM_SCHEME_CENTRAL) /* central: node 0 manages every page anyway */
            CHECK_EQ(dsm_set_home_stripes(h.dsm[i], H_BASE, H_PAGES, 8), 0);
        CHECK_EQ(dsm_set_read_ahead(h.dsm[i], ahead), 0);
    }
    for (unsigned p = 0; p < count; p++) {
        CHECK_EQ(h_fault(0, p, DSM_ACCESS_WRITE, 100 + p), 0);
        h_set_word(0, p, 0, 1000 + p);
    }
}

static const enum dsm_scheme h_all_schemes[] = { DSM_SCHEME_DYNAMIC, DSM_SCHEME_FIXED, DSM_SCHEME_CENTRAL };

TEST(dsm_read_ahead_follows_a_scan_and_skips_pages_the_owner_writes)
{
    for (unsigned s = 0; s < sizeof h_all_schemes / sizeof h_all_schemes[0]; s++) {
    h_setup_read_ahead(h_all_schemes[s], 4, 10);
    CHECK_EQ(dsm_set_read_ahead(h.dsm[0], DSM_READ_AHEAD_MAX + 1), -DSM_EINVAL);
    /* A first read is no scan: request and grant. The next one is: 4 more pages follow. */
    CHECK_EQ(h_fault(1, 0, DSM_ACCESS_READ, 1), 2);
    CHECK_EQ(h_fault(1, 1, DSM_ACCESS_READ, 2), 2 + 4);
    CHECK_EQ(dsm_node_stats(h.dsm[0])->ahead_sent, 4);
    CHECK_EQ(dsm_node_stats(h.dsm[1])->ahead_recv, 4);
    for (unsigned p = 2; p <= 5; p++) {
        CHECK_EQ(dsm_fault(h.dsm[1], H_BASE + p, DSM_ACCESS_READ, 3), 0); /* no fault left */
        CHECK_EQ(h_word(1, p, 0), 1000 + p);
        CHECK_EQ(h.mem[0][p].prot, DSM_PROT_READ); /* the owner gave up its write right */
        struct dsm_dir_info d;
        dsm_dir_query(h.dsm[0], H_BASE + p, &d);
        CHECK_EQ(d.copyset, 1u << 1);
    }
    CHECK_EQ(h.mem[1][6].prot, DSM_PROT_NONE);
    /* The owner writes page 3 again: the reader's copy goes, and page 3 is never sent
     * ahead again (node 2's scan stops before it; it would get pages 3-6 otherwise). */
    CHECK_EQ(h_fault(0, 3, DSM_ACCESS_WRITE, 4), 2); /* invalidate, ack */
    h_set_word(0, 3, 0, 5555);
    CHECK_EQ(dsm_node_stats(h.dsm[0])->ahead_undone, 1);
    CHECK_EQ(h.mem[1][3].prot, DSM_PROT_NONE);
    CHECK_EQ(h_fault(2, 1, DSM_ACCESS_READ, 5), 2);
    CHECK_EQ(h_fault(2, 2, DSM_ACCESS_READ, 6), 2);
    CHECK_EQ(dsm_node_stats(h.dsm[0])->ahead_sent, 4);
    CHECK_EQ(h_fault(1, 3, DSM_ACCESS_READ, 7), 2);
    CHECK_EQ(h_word(1, 3, 0), 5555);
    h_expect_idle();
    h_teardown();
    }
}

/* Dynamic: node 1 computes pages in place (reads, then writes each alone, so they are
 * migratory there), then node 0 reads them all (a program's main thread summing its
 * workers' results). The first read takes page 0 over, as migratory data goes; that copy is
 * scan evidence for the next read, which asks for a window: node 1 then serves page 1 as a
 * shared copy and sends the next pages ahead, migratory or not. Before, each page moved
 * on its own read (10 faults, 20 messages). */
TEST(dsm_read_ahead_scans_pages_another_node_computed_in_place)
{
    h_setup_read_ahead(DSM_SCHEME_DYNAMIC, 4, 10);
    for (unsigned p = 0; p < 10; p++) {
        CHECK_EQ(h_fault(1, p, DSM_ACCESS_READ, 200 + 2 * p), 2);
        CHECK_EQ(h_fault(1, p, DSM_ACCESS_WRITE, 201 + 2 * p), 2);
        h_set_word(1, p, 0, 2000 + p);
    }
    CHECK_EQ(h_fault(0, 0, DSM_ACCESS_READ, 1), 2); /* migratory: node 0 takes page 0 over */
    CHECK_EQ(h.mem[1][0].prot, DSM_PROT_NONE);
    CHECK_EQ(h_fault(0, 1, DSM_ACCESS_READ, 2), 2 + 4); /* a scan: pages 2-5 come ahead */
    CHECK_EQ(h.mem[1][1].prot, DSM_PROT_READ);          /* shared, not moved */
    for (unsigned p = 2; p <= 5; p++)
        if (CHECK_EQ(dsm_fault(h.dsm[0], H_BASE + p, DSM_ACCESS_READ, 3), 0))
            CHECK_EQ(h.mem[1][p].prot, DSM_PROT_READ);
    h_run(); /* a fault a broken build left pending */
    CHECK_EQ(h_fault(0, 6, DSM_ACCESS_READ, 4), 2 + 3); /* 7-9: the rest */
    for (unsigned p = 0; p < 10; p++)
        if (CHECK_EQ(dsm_fault(h.dsm[0], H_BASE + p, DSM_ACCESS_READ, 5), 0))
            CHECK_EQ(h_word(0, p, 0), 2000 + p);
    h_run();
    CHECK_EQ(dsm_node_stats(h.dsm[1])->ahead_sent, 7);
    /* Node 1 writes page 3 again: an upgrade that invalidates node 0's copy, and page 3
     * is never sent ahead again. */
    CHECK_EQ(h_fault(1, 3, DSM_ACCESS_WRITE, 6), 2);
    CHECK_EQ(h.mem[0][3].prot, DSM_PROT_NONE);
    CHECK_EQ(dsm_node_stats(h.dsm[1])->ahead_undone, 1);
    h_expect_idle();
    h_teardown();
}

TEST(dsm_read_ahead_copy_meets_the_readers_own_request)
{
    for (unsigned run = 0; run < 2 * sizeof h_all_schemes / sizeof h_all_schemes[0]; run++) {
        unsigned write = run & 1;
        h_setup_read_ahead(h_all_schemes[run / 2], 4, 8);
        CHECK_EQ(h_fault(1, 0, DSM_ACCESS_READ, 1), 2);
        /* Node 1 asks for page 1 (a scan: 2-5 will follow) and, before any answer, for
         * page 3 itself. The copy of page 3 arrives first; the answer to its request then
         * carries no data (node 1 is in the copyset), read or write alike. */
        CHECK_EQ(dsm_fault(h.dsm[1], H_BASE + 1, DSM_ACCESS_READ, 2), DSM_PENDING);
        CHECK_EQ(dsm_fault(h.dsm[1], H_BASE + 3, write ? DSM_ACCESS_WRITE : DSM_ACCESS_READ, 3), DSM_PENDING);
        unsigned wakes = h.wakes;
        h_run();
        CHECK_EQ(h.wakes, wakes + 2);
        CHECK_EQ(h_word(1, 3, 0), 1003);
        CHECK_EQ(h.mem[1][3].prot, write ? DSM_PROT_WRITE : DSM_PROT_READ);
        CHECK_EQ(h.mem[0][3].prot, write ? DSM_PROT_NONE : DSM_PROT_READ);
        CHECK_EQ(dsm_node_stats(h.dsm[1])->ahead_recv, 4);
        h_expect_idle();
        h_teardown();
    }
}

TEST(dsm_read_ahead_refuses_bad_input)
{
    h_setup_read_ahead(DSM_SCHEME_DYNAMIC, 4, 2);
    uint8_t page[DSM_PAGE_SIZE] = { 0 }, buf[DSM_MSG_MAX_LEN];
    /* A copy of a page the receiver owns, and one from a node that does not manage the page
     * under a fixed manager, are refused. */
    struct dsm_msg m = { .type = DSM_MSG_AHEAD, .flags = DSM_MSG_F_DATA, .page = H_BASE, .data = page };
    dsm_receive(h.dsm[0], 1, buf, dsm_msg_encode(&m, buf, sizeof buf));
    CHECK_EQ(dsm_node_stats(h.dsm[0])->bad_msgs, 1);
    CHECK_EQ(h_word(0, 0, 0), 1000);
    /* A read request for more pages than the limit, and a write request asking any. */
    struct dsm_msg req = { .type = DSM_MSG_READ_REQ, .page = H_BASE, .node = 1, .b = DSM_READ_AHEAD_MAX + 1 };
    dsm_receive(h.dsm[0], 1, buf, dsm_msg_encode(&req, buf, sizeof buf));
    req.b = (DSM_READ_AHEAD_MAX + 1) << 8; /* pages before it */
    dsm_receive(h.dsm[0], 1, buf, dsm_msg_encode(&req, buf, sizeof buf));
    req.b = 1u << 16;
    dsm_receive(h.dsm[0], 1, buf, dsm_msg_encode(&req, buf, sizeof buf));
    req.type = DSM_MSG_WRITE_REQ;
    req.b = 1;
    dsm_receive(h.dsm[0], 1, buf, dsm_msg_encode(&req, buf, sizeof buf));
    CHECK_EQ(dsm_node_stats(h.dsm[0])->bad_msgs, 5);
    CHECK_EQ(h.q_head, h.q_tail); /* nothing answered */
    /* An AHEAD without its page, or with other flags, does not even decode. */
    struct dsm_msg out;
    CHECK_EQ(dsm_msg_encode(&m, buf, sizeof buf), DSM_MSG_MAX_LEN);
    CHECK(!dsm_msg_decode(buf, DSM_MSG_HDR_LEN, &out));
    buf[2] = 0; /* flags 0 */
    CHECK(!dsm_msg_decode(buf, DSM_MSG_HDR_LEN, &out));
    m.flags = DSM_MSG_F_DATA | DSM_MSG_F_WRITE;
    CHECK(!dsm_msg_encode(&m, buf, sizeof buf));
    h_teardown();
    h_setup(DSM_SCHEME_FIXED);
    m.flags = DSM_MSG_F_DATA;
    unsigned sender = 0;
    while (sender == 1 || sender == dsm_manager_of(h.dsm[0], H_BASE))
        sender++;
    dsm_receive(h.dsm[1], sender, buf, dsm_msg_encode(&m, buf, sizeof buf));
    CHECK_EQ(dsm_node_stats(h.dsm[1])->bad_msgs, 1);
    CHECK_EQ(h.mem[1][0].prot, DSM_PROT_NONE);
    h_teardown();
}

TEST(dsm_read_ahead_fills_a_block_read_at_random)
{
    for (unsigned s = 0; s < sizeof h_all_schemes / sizeof h_all_schemes[0]; s++) {
        h_setup_read_ahead(h_all_schemes[s], 4, H_PAGES); /* H_BASE starts an aligned 16-page block */
        /* Page 5, then page 9 of the same block: not a scan, but a second read copy in the
         * block asks for 4 pages after 9 (10-13) and 4 before it, which stop at page 5 (held). */
        CHECK_EQ(h_fault(1, 5, DSM_ACCESS_READ, 1), 2);
        CHECK_EQ(h_fault(1, 9, DSM_ACCESS_READ, 2), 2 + 4 + 3);
        for (unsigned p = 5; p <= 13; p++) {
            CHECK_EQ(h.mem[1][p].prot, DSM_PROT_READ);
            CHECK_EQ(h_word(1, p, 0), 1000 + p);
        }
        CHECK_EQ(h.mem[1][4].prot, DSM_PROT_NONE);
        CHECK_EQ(h.mem[1][14].prot, DSM_PROT_NONE);
        CHECK_EQ(dsm_node_stats(h.dsm[1])->ahead_recv, 7);
        h_expect_idle();
        h_teardown();
    }
}
