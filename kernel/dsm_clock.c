/* SPDX-License-Identifier: MIT */
/* One clock for a program that spans nodes (kernel/time_conv.h): before the program starts,
 * node 0 probes each other node's clock DSM_CLOCK_PROBES times (kernel/clock_sync.h keeps
 * the probe with the least round trip) and sends it the offset of its clock from node 0's.
 * Before, each node showed its own clock, counted from its own QEMU's start: a time one
 * thread passed to a thread on a node that booted later was ahead of that thread's clock. */
#include "kernel/clock.h"
#include "kernel/clock_sync.h"
#include "kernel/dsm_internal.h"
#include "kernel/libc.h"
#include "kernel/log.h"
#include "kernel/net_glue.h"
#include "kernel/time_conv.h"
#include "net/net.h"

#define DSM_CLOCK_PROBES 8                            /* per node; each costs one round trip */
#define DSM_CLOCK_PROBE_TIMEOUT_NS (200ull * NS_PER_MS) /* a lost probe: go on with the next */
#define DSM_CLOCK_SET_TIMEOUT_NS (5ull * NS_PER_SEC)
/* Nodes of one cluster boot within minutes of each other: an offset beyond this is no
 * measurement (and keeps the arithmetic of kernel/sys_time.c far from overflow). */
#define DSM_CLOCK_OFFSET_MAX_NS (24ull * 3600 * NS_PER_SEC)

enum dsm_clock_op {
    DSM_CLOCK_PROBE = 1, /* reply: struct dsm_clock_answer */
    DSM_CLOCK_SET = 2,   /* offset_ns: the receiver's clock minus node 0's; realtime_epoch_ns:
                          * node 0's CLOCK_REALTIME minus its clock; empty reply */
};

struct dsm_clock_msg {
    uint32_t op;
    uint32_t reserved;
    int64_t offset_ns;
    uint64_t realtime_epoch_ns;
};

struct dsm_clock_answer {
    uint64_t received_ns; /* the member's clock when the probe's handler ran */
    uint64_t answered_ns; /* ... and when it answered */
};

/* The probe node 0 waits for: a reply to an earlier one that timed out is told apart by
 * its sequence number (the request's ctx) and dropped. */
static struct {
    uint64_t seq;
    bool done;
    struct dsm_clock_answer answer;
    uint64_t reply_ns;
} dsm_clock_probe;

static uint64_t dsm_clock_bad_msgs;

static void dsm_clock_input(void *ctx, struct net *n, uint32_t from, uint8_t type, const uint8_t *msg, size_t len,
                            uint64_t request_id)
{
    (void)ctx, (void)type;
    uint64_t received = clock_now_ns();
    struct dsm_clock_msg m;
    if (from != 0 || dsm_self == 0 || len != sizeof m || !request_id)
        goto bad;
    memcpy(&m, msg, sizeof m);
    if (m.reserved)
        goto bad;
    if (m.op == DSM_CLOCK_PROBE) {
        struct dsm_clock_answer a = { .received_ns = received };
        a.answered_ns = clock_now_ns();
        transport_reply(n, from, request_id, &a, sizeof a);
        return;
    }
    if (m.op == DSM_CLOCK_SET && (m.offset_ns < 0 ? (uint64_t)0 - (uint64_t)m.offset_ns : (uint64_t)m.offset_ns) <=
                                     DSM_CLOCK_OFFSET_MAX_NS) {
        time_set_node_offset(m.offset_ns);
        int64_t own_ms = (int64_t)(time_realtime_epoch_ns() - m.realtime_epoch_ns) / (int64_t)NS_PER_MS;
        time_set_realtime_epoch(m.realtime_epoch_ns);
        log_info("dsm: wall clock from node 0 (%lld ms from this node's own)", (long long)own_ms);
        transport_reply(n, from, request_id, NULL, 0);
        return;
    }
bad:
    if (dsm_clock_bad_msgs++ == 0)
        log_warn("dsm: malformed clock message from node %u dropped (further ones only counted)", from);
}

void dsm_clock_init(void)
{
    transport_register_handler(net_glue_net(), DSM_TYPE_CLOCK, dsm_clock_input, NULL);
}

static void dsm_clock_probe_done(void *ctx, int status, const uint8_t *reply, size_t len)
{
    uint64_t now = clock_now_ns();
    if ((uint64_t)(uintptr_t)ctx != dsm_clock_probe.seq || status != NET_OK || len != sizeof dsm_clock_probe.answer)
        return;
    memcpy(&dsm_clock_probe.answer, reply, len);
    dsm_clock_probe.reply_ns = now;
    dsm_clock_probe.done = true;
}

static bool dsm_clock_probe_check(void *ctx)
{
    (void)ctx;
    return dsm_clock_probe.done;
}

/* One request to node to and its wait; true once answered (the answer in dsm_clock_probe). */
static bool dsm_clock_ask(unsigned to, const struct dsm_clock_msg *m, uint64_t timeout_ns, uint64_t *sent_ns)
{
    dsm_clock_probe.seq++;
    dsm_clock_probe.done = false;
    *sent_ns = clock_now_ns();
    if (transport_request(net_glue_net(), to, DSM_TYPE_CLOCK, m, sizeof *m, dsm_clock_probe_done,
                          (void *)(uintptr_t)dsm_clock_probe.seq) != NET_OK)
        return false;
    return net_glue_spin_until(dsm_clock_probe_check, NULL, timeout_ns);
}

static void dsm_clock_set_done(void *ctx, int status, const uint8_t *reply, size_t len)
{
    (void)reply, (void)len;
    if ((uint64_t)(uintptr_t)ctx == dsm_clock_probe.seq && status == NET_OK)
        dsm_clock_probe.done = true;
}

/* Measures node to's offset and sends it there; false if it did not answer. */
static bool dsm_clock_sync_node(unsigned to)
{
    struct clock_sync sync = { 0 };
    struct dsm_clock_msg probe = { .op = DSM_CLOCK_PROBE };
    for (int i = 0; i < DSM_CLOCK_PROBES; i++) {
        uint64_t sent;
        if (dsm_clock_ask(to, &probe, DSM_CLOCK_PROBE_TIMEOUT_NS, &sent))
            clock_sync_add(&sync, sent, dsm_clock_probe.answer.received_ns, dsm_clock_probe.answer.answered_ns,
                           dsm_clock_probe.reply_ns);
    }
    if (!sync.samples)
        return false;
    struct dsm_clock_msg set = { .op = DSM_CLOCK_SET, .offset_ns = sync.offset_ns,
                                 .realtime_epoch_ns = time_realtime_epoch_ns() };
    dsm_clock_probe.seq++;
    dsm_clock_probe.done = false;
    if (transport_request(net_glue_net(), to, DSM_TYPE_CLOCK, &set, sizeof set, dsm_clock_set_done,
                          (void *)(uintptr_t)dsm_clock_probe.seq) != NET_OK ||
        !net_glue_spin_until(dsm_clock_probe_check, NULL, DSM_CLOCK_SET_TIMEOUT_NS))
        return false;
    log_info("dsm: node %u clock %lld us from node 0's (within %llu us, %u probes)", to,
             (long long)(sync.offset_ns / (int64_t)NS_PER_US), (unsigned long long)(sync.delay_ns / 2 / NS_PER_US),
             sync.samples);
    return true;
}

bool dsm_clock_sync_members(void)
{
    for (unsigned to = 1; to < dsm_nnodes; to++)
        if (!dsm_clock_sync_node(to)) {
            log_error("dsm: node %u did not answer its clock probes", to);
            return false;
        }
    return true;
}
