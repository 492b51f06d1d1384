/* SPDX-License-Identifier: MIT */
/* Transport round-trip and streaming test and benchmark (issue 3's bench): node 0 sends a 64-byte
 * request to each peer and waits, spinning, for its 4 KiB reply, count times, and prints
 * min/median/p99 in microseconds; the peers answer from their idle loop (woken by the NIC
 * interrupt), the arrangement PLUMBING 13 found fastest. RPC_WARMUP untimed round trips
 * come first. Then node 0 streams count one-way 4 KiB messages and reports messages per
 * second. When done, node 0 tells every peer
 * to leave and exits with the verdict. Uses one message type of its own (below).
 * Exactly-once accounting for the fault tests: every request and its reply open with the
 * call number; the server counts requests handled and distinct call numbers, the client
 * counts reply callbacks, distinct matching replies and late ones (for an abandoned call).
 * A server prints its counts and the stack counters when told to leave. */
#include <arch/cpu.h>

#include "kernel/clock.h"
#include "kernel/cmdline.h"
#include "kernel/exit_codes.h"
#include "kernel/libc.h"
#include "kernel/log.h"
#include "kernel/net_glue.h"
#include "kernel/nettest.h"
#include "kernel/panic.h"
#include "kernel/timer.h"
#include "net/net.h"

#define RPC_TYPE_REQUEST (TRANSPORT_TYPE_COUNT - 1) /* the last user type: tests only */
#define RPC_TYPE_LEAVE (TRANSPORT_TYPE_COUNT - 2)
#define RPC_TYPE_STREAM (TRANSPORT_TYPE_COUNT - 3)
#define RPC_COUNT_QUERY_LEN 8 /* a request of this size asks for the stream count */
#define RPC_STREAM_LEN 4096
#define RPC_REQUEST_LEN 64
#define RPC_REPLY_LEN 4096
#define RPC_READY_TIMEOUT_NS (30 * NS_PER_SEC)
#define RPC_REPLY_TIMEOUT_NS (30 * NS_PER_SEC) /* 20% loss: a request may need many 200 ms RTOs */
#define RPC_LEAVE_DRAIN_NS (50 * NS_PER_MS)   /* time for the leave messages to be acked */
#define RPC_LEAVE_LINGER_NS (500 * NS_PER_MS) /* a leaving server still acks the reply's retransmits */
#define RPC_PROBE_WAIT_NS (200 * NS_PER_MS)   /* unanswered probe: the peer did not serve yet, ask again */
#define RPC_PERCENT 100
#define RPC_WARMUP 20 /* untimed first round trips: ARP, first retransmit timers settle */
#define RPC_CALL_LEN 4 /* requests and replies open with the call number (u32, host order) */
#define RPC_CALLS_MAX (RPC_WARMUP + NETTEST_RPC_MAX_COUNT)
#define RPC_CALL_QUERY UINT32_MAX /* the count query's call number: not a round trip */
#define RPC_CALL_LEAVE (UINT32_MAX - 1)
#define RPC_BITS_PER_BYTE 8

struct rpc_wait {
    bool done;
    int status;
    size_t len;
    bool content_ok;
    uint64_t count; /* answer to a count query */
    uint64_t id;    /* peer << 32 | call number of the awaited reply */
    uint64_t done_ns, poll_ns; /* when the reply callback ran, and when its poll round began */
};

/* Where the time of a round trip goes (means over the timed calls; the closing note of
 * issue 3 quotes them). Client: send = transport_request (encode, tag, transmit); away =
 * until the poll round that delivers the reply begins (wire, server, wake-ups); receive =
 * that round up to the callback (driver, reassembly, tag check); after = back to the
 * caller. Server: receive = its poll round up to the handler; reply = transport_reply. */
struct rpc_phases {
    uint64_t samples;
    uint64_t send_ns, away_ns, receive_ns, after_ns; /* client */
    uint64_t reply_ns;                               /* server (with receive_ns) */
};

static bool rpc_no_stream;
CMDLINE_PARAM_FLAG(rpc_no_stream, "nettest.nostream", "rpc: skip the 4 KiB stream phase (fault tests)");

static uint8_t rpc_request[RPC_REQUEST_LEN];
static uint8_t rpc_reply[RPC_REPLY_LEN];
static uint64_t rpc_rtt_ns[NETTEST_RPC_MAX_COUNT];
static uint64_t rpc_streamed; /* server: stream messages received */
static uint8_t rpc_seen[(RPC_CALLS_MAX + RPC_BITS_PER_BYTE - 1) / RPC_BITS_PER_BYTE]; /* server: calls handled */
static uint64_t rpc_handled, rpc_distinct;   /* server: round-trip requests handled, distinct call numbers */
static struct rpc_wait rpc_awaited;          /* client: the one outstanding call */
static uint64_t rpc_replies, rpc_replies_ok, rpc_replies_late; /* client: callbacks, accepted, stale */
static struct timer rpc_leave_timer;         /* server: exit once the leave reply is out */
static uint64_t rpc_serving_peers;           /* client: bit per peer that answered a probe */
static struct rpc_phases rpc_phases;         /* client: this peer's timed calls; server: all */

static uint8_t rpc_pattern(size_t i)
{
    return (uint8_t)(i * 31u + 7u);
}

static void rpc_leave_now(struct timer *t, void *arg)
{
    (void)t;
    (void)arg;
    kernel_exit(EXIT_OK);
}

static void rpc_serve(void *ctx, struct net *n, uint32_t from, uint8_t type, const uint8_t *msg, size_t len,
                      uint64_t request_id)
{
    (void)ctx;
    uint64_t entry_ns = clock_now_ns();
    if (type == RPC_TYPE_LEAVE) {
        console_printf("nettest: rpc server: %llu requests handled, %llu distinct\n",
                       (unsigned long long)rpc_handled, (unsigned long long)rpc_distinct);
        struct rpc_phases *ph = &rpc_phases;
        if (ph->samples)
            console_printf("nettest: rpc server phases (mean of %llu): receive %llu ns, reply %llu ns\n",
                           (unsigned long long)ph->samples, (unsigned long long)(ph->receive_ns / ph->samples),
                           (unsigned long long)(ph->reply_ns / ph->samples));
        net_glue_dump();
        log_info("nettest: rpc served, leaving");
        transport_reply(n, from, request_id, NULL, 0);
        timer_arm(&rpc_leave_timer, clock_now_ns() + RPC_LEAVE_LINGER_NS, rpc_leave_now, NULL);
        return;
    }
    if (type == RPC_TYPE_STREAM) {
        rpc_streamed++;
        return;
    }
    if (request_id != 0 && len == RPC_COUNT_QUERY_LEN)
        transport_reply(n, from, request_id, &rpc_streamed, sizeof rpc_streamed);
    else if (request_id != 0 && len == RPC_REQUEST_LEN) {
        uint32_t call;
        memcpy(&call, msg, sizeof call);
        rpc_handled++;
        uint8_t bit = (uint8_t)(1u << (call % RPC_BITS_PER_BYTE));
        if (call < RPC_CALLS_MAX && !(rpc_seen[call / RPC_BITS_PER_BYTE] & bit)) {
            rpc_seen[call / RPC_BITS_PER_BYTE] |= bit;
            rpc_distinct++;
        }
        memcpy(rpc_reply, &call, sizeof call); /* the server's copy: the client skips these bytes */
        transport_reply(n, from, request_id, rpc_reply, sizeof rpc_reply);
        if (call >= RPC_WARMUP) {
            rpc_phases.samples++;
            rpc_phases.receive_ns += entry_ns - net_glue_poll_started_ns();
            rpc_phases.reply_ns += clock_now_ns() - entry_ns;
        }
    }
}

/* ctx carries the call's id, so a reply to an abandoned call is counted, never mistaken
 * for the current one. */
static void rpc_done(void *ctx, int status, const uint8_t *reply, size_t len)
{
    struct rpc_wait *w = &rpc_awaited;
    uint64_t id = (uint64_t)(uintptr_t)ctx;
    rpc_replies++;
    if (id != w->id || w->done) {
        rpc_replies_late++;
        return;
    }
    w->done = true;
    w->done_ns = clock_now_ns();
    w->poll_ns = net_glue_poll_started_ns();
    w->status = status;
    w->len = len;
    uint32_t call = (uint32_t)id;
    w->content_ok = reply && len == RPC_REPLY_LEN && memcmp(reply, &call, sizeof call) == 0 &&
                    memcmp(reply + RPC_CALL_LEN, rpc_reply + RPC_CALL_LEN, RPC_REPLY_LEN - RPC_CALL_LEN) == 0;
    rpc_replies_ok += w->content_ok;
    if (reply && len == sizeof w->count)
        memcpy(&w->count, reply, sizeof w->count);
}

/* Makes the next awaited call peer/call and returns its callback context. */
static void *rpc_await(uint32_t peer, uint32_t call)
{
    memset(&rpc_awaited, 0, sizeof rpc_awaited);
    rpc_awaited.id = (uint64_t)peer << 32 | call;
    return (void *)(uintptr_t)rpc_awaited.id;
}

static bool rpc_wait_done(void *ctx)
{
    return ((struct rpc_wait *)ctx)->done;
}

static void rpc_probe_done(void *ctx, int status, const uint8_t *reply, size_t len)
{
    (void)reply;
    (void)len;
    if (status == NET_OK)
        rpc_serving_peers |= 1ull << (uintptr_t)ctx;
}

static bool rpc_peer_serving(void *ctx)
{
    return (rpc_serving_peers >> (uintptr_t)ctx & 1) != 0;
}

/* Waits until peer answers a count query. A peer's stack joins the cluster before its
 * handlers are registered, and a request to a type without a handler is refused
 * (NET_ERR_NO_HANDLER), so the probe is repeated until one is served. Probes are not
 * round trips: the server's handled count does not see them. */
static bool rpc_wait_serving(struct net *n, uint32_t peer)
{
    uint64_t start = clock_now_ns();
    uint64_t query = 0;
    while (clock_now_ns() - start < RPC_READY_TIMEOUT_NS) {
        int r = transport_request(n, peer, RPC_TYPE_REQUEST, &query, sizeof query, rpc_probe_done,
                                  (void *)(uintptr_t)peer);
        if (r == NET_ERR_AGAIN) {
            net_glue_poll();
            continue;
        }
        if (r != NET_OK)
            return false;
        if (net_glue_spin_until(rpc_peer_serving, (void *)(uintptr_t)peer, RPC_PROBE_WAIT_NS))
            return true;
    }
    return false;
}

static bool rpc_cluster_ready(void *ctx)
{
    return net_cluster_ready(ctx);
}

static bool rpc_never(void *ctx)
{
    (void)ctx;
    return false;
}

/* Shell sort with Ciura's gaps (fine for the few thousand samples here). */
static void rpc_sort(uint64_t *a, size_t n)
{
    static const size_t gaps[] = { 701, 301, 132, 57, 23, 10, 4, 1 };
    for (size_t g = 0; g < sizeof gaps / sizeof gaps[0]; g++) {
        for (size_t i = gaps[g]; i < n; i++) {
            uint64_t v = a[i];
            size_t j = i;
            for (; j >= gaps[g] && a[j - gaps[g]] > v; j -= gaps[g])
                a[j] = a[j - gaps[g]];
            a[j] = v;
        }
    }
}

/* One round trip, call number call; returns its time in ns, or 0 on failure (logged). */
static uint64_t rpc_round_trip(struct net *n, uint32_t peer, uint32_t seq, uint32_t call)
{
    void *ctx = rpc_await(peer, call);
    struct rpc_wait *w = &rpc_awaited;
    memcpy(rpc_request, &call, sizeof call);
    uint64_t start = clock_now_ns();
    int r;
    while ((r = transport_request(n, peer, RPC_TYPE_REQUEST, rpc_request, sizeof rpc_request, rpc_done, ctx)) ==
           NET_ERR_AGAIN) {
        net_glue_poll();
        if (clock_now_ns() - start > RPC_REPLY_TIMEOUT_NS)
            break;
    }
    if (r != NET_OK) {
        log_error("nettest: rpc %u to node %u: request refused (%d)", seq, peer, r);
        return 0;
    }
    uint64_t sent = clock_now_ns();
    if (!net_glue_spin_until(rpc_wait_done, w, RPC_REPLY_TIMEOUT_NS)) {
        log_error("nettest: rpc %u to node %u: no reply in time", seq, peer);
        return 0;
    }
    uint64_t end = clock_now_ns(), rtt = end - start;
    if (w->status != NET_OK || !w->content_ok) {
        log_error("nettest: rpc %u to node %u: status %d, %zu bytes, content %s", seq, peer, w->status, w->len,
                  w->content_ok ? "ok" : "wrong");
        return 0;
    }
    if (call >= RPC_WARMUP) {
        struct rpc_phases *ph = &rpc_phases;
        ph->samples++;
        ph->send_ns += sent - start;
        ph->away_ns += w->poll_ns - sent;
        ph->receive_ns += w->done_ns - w->poll_ns;
        ph->after_ns += end - w->done_ns;
    }
    return rtt ? rtt : 1;
}

/* Streams count one-way 4 KiB messages to peer as fast as the send window allows, then
 * asks how many arrived (per-peer FIFO: the query is answered after all of them).
 * Returns true if all arrived. */
static bool rpc_stream(struct net *n, uint32_t peer, uint32_t count)
{
    uint64_t start = clock_now_ns();
    for (uint32_t i = 0; i < count; i++) {
        while (transport_send(n, peer, RPC_TYPE_STREAM, rpc_reply, RPC_STREAM_LEN) == NET_ERR_AGAIN) {
            net_glue_poll();
            timer_run_expired();
            if (clock_now_ns() - start > (uint64_t)count * RPC_REPLY_TIMEOUT_NS)
                return false;
        }
    }
    void *ctx = rpc_await(peer, RPC_CALL_QUERY);
    struct rpc_wait *w = &rpc_awaited;
    uint64_t query = 0;
    int r;
    while ((r = transport_request(n, peer, RPC_TYPE_REQUEST, &query, sizeof query, rpc_done, ctx)) == NET_ERR_AGAIN)
        net_glue_poll();
    if (r != NET_OK || !net_glue_spin_until(rpc_wait_done, w, RPC_REPLY_TIMEOUT_NS) || w->status != NET_OK) {
        log_error("nettest: stream to node %u: count query failed", peer);
        return false;
    }
    uint64_t ns = clock_now_ns() - start;
    console_printf("nettest: stream node 0 -> %u: %llu of %u messages of %u B in %llu us: %llu msg/s\n", peer,
                   (unsigned long long)w->count, count, RPC_STREAM_LEN, (unsigned long long)(ns / NS_PER_US),
                   (unsigned long long)(ns ? (uint64_t)count * NS_PER_SEC / ns : 0));
    return w->count == count;
}

static __attribute__((noreturn)) void rpc_client(struct net *n, uint32_t count)
{
    unsigned passed = 0, failed = 0;
    for (uint32_t peer = 1; peer < net_glue_node_count(); peer++) {
        size_t samples = 0;
        memset(&rpc_phases, 0, sizeof rpc_phases);
        if (!rpc_wait_serving(n, peer)) {
            log_error("nettest: node %u does not serve", peer);
            failed++;
            continue;
        }
        for (uint32_t seq = 0; seq < RPC_WARMUP; seq++)
            failed += rpc_round_trip(n, peer, seq, seq) == 0;
        for (uint32_t seq = 0; seq < count; seq++) {
            uint64_t rtt = rpc_round_trip(n, peer, seq, RPC_WARMUP + seq);
            if (rtt)
                rpc_rtt_ns[samples++] = rtt;
        }
        passed += (unsigned)samples;
        failed += count - (unsigned)samples;
        if (samples) {
            rpc_sort(rpc_rtt_ns, samples);
            uint64_t p99 = rpc_rtt_ns[(samples * 99 + RPC_PERCENT - 1) / RPC_PERCENT - 1];
            console_printf("nettest: rpc node 0 -> %u: %zu round trips, 64 B request / 4096 B reply: "
                           "min %llu us median %llu us p99 %llu us\n",
                           peer, samples, (unsigned long long)(rpc_rtt_ns[0] / NS_PER_US),
                           (unsigned long long)(rpc_rtt_ns[samples / 2] / NS_PER_US),
                           (unsigned long long)(p99 / NS_PER_US));
            struct rpc_phases *ph = &rpc_phases;
            if (ph->samples)
                console_printf("nettest: rpc phases node 0 -> %u (mean of %llu): send %llu ns, away %llu ns, "
                               "receive %llu ns, after %llu ns\n", peer, (unsigned long long)ph->samples,
                               (unsigned long long)(ph->send_ns / ph->samples),
                               (unsigned long long)(ph->away_ns / ph->samples),
                               (unsigned long long)(ph->receive_ns / ph->samples),
                               (unsigned long long)(ph->after_ns / ph->samples));
        }
        if (!rpc_no_stream) {
            if (rpc_stream(n, peer, count))
                passed++;
            else
                failed++;
        }
        /* A request, so the client knows the server heard it (under loss, too). */
        void *ctx = rpc_await(peer, RPC_CALL_LEAVE);
        while (transport_request(n, peer, RPC_TYPE_LEAVE, NULL, 0, rpc_done, ctx) == NET_ERR_AGAIN)
            net_glue_poll();
        if (!net_glue_spin_until(rpc_wait_done, &rpc_awaited, RPC_REPLY_TIMEOUT_NS)) {
            log_error("nettest: node %u did not answer leave", peer);
            failed++;
        }
    }
    net_glue_spin_until(rpc_never, NULL, RPC_LEAVE_DRAIN_NS);
    net_glue_dump();
    console_printf("nettest: rpc client: %llu requests, %llu replies, %llu distinct, %llu late\n",
                   (unsigned long long)(net_glue_node_count() - 1) * (RPC_WARMUP + count),
                   (unsigned long long)rpc_replies, (unsigned long long)rpc_replies_ok,
                   (unsigned long long)rpc_replies_late);
    console_printf("nettest: %u passed, %u failed\n", passed, failed);
    kernel_exit(failed == 0 && passed > 0 ? EXIT_OK : EXIT_TESTS_FAILED);
}

void nettest_rpc_run(uint32_t count)
{
    struct net *n = net_glue_net();
    if (!n) {
        log_error("nettest: rpc needs the network");
        kernel_exit(EXIT_TESTS_FAILED);
    }
    for (size_t i = 0; i < sizeof rpc_reply; i++)
        rpc_reply[i] = rpc_pattern(i);
    if (transport_register_handler(n, RPC_TYPE_REQUEST, rpc_serve, NULL) != NET_OK ||
        transport_register_handler(n, RPC_TYPE_LEAVE, rpc_serve, NULL) != NET_OK ||
        transport_register_handler(n, RPC_TYPE_STREAM, rpc_serve, NULL) != NET_OK) {
        log_error("nettest: rpc message types are taken");
        kernel_exit(EXIT_TESTS_FAILED);
    }
    if (net_glue_node_id() != 0) {
        log_info("nettest: rpc serving");
        return; /* the idle loop answers, woken by the NIC */
    }
    if (!net_glue_spin_until(rpc_cluster_ready, n, RPC_READY_TIMEOUT_NS)) {
        log_error("nettest: rpc: the cluster did not form");
        kernel_exit(EXIT_TESTS_FAILED);
    }
    rpc_client(n, count);
}
