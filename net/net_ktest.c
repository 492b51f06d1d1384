/* SPDX-License-Identifier: MIT */
/* In-kernel tests of the portable stack (kernel only, not in portable.mk): two struct net
 * instances wired back to back through an in-memory wire, so the freestanding build (no
 * SSE, kernel code model) forms a cluster and runs request/response at MTU 1500 and 9000.
 * Prints the stack-only round-trip time under this CPU (TCG): the floor the stack adds
 * to every network round trip, NIC and QEMU excluded (the wire's two copies per frame
 * are included). */
#include "kernel/clock.h"
#include "kernel/ktest.h"
#include "kernel/libc.h"
#include "kernel/log.h"
#include "kernel/mm.h"
#include "net/copy.h"
#include "net/net.h"

#define PAIR_QUEUE 64        /* frames in flight per direction */
#define PAIR_ROUND_TRIPS 200
#define PAIR_TYPE 40
#define PAIR_REPLY_LEN 4096
#define PAIR_FORM_TIMEOUT_NS (2 * NS_PER_SEC)

struct pair_wire {
    struct net *net[2];
    uint8_t frames[2][PAIR_QUEUE][ETH_HEADER_LEN + NET_MTU_MAX]; /* [to][slot] */
    size_t len[2][PAIR_QUEUE];
    unsigned count[2];
    int side[2];             /* ctx for each env: its index */
    bool replied;
    size_t reply_len;
    uint8_t reply[PAIR_REPLY_LEN];
    uint64_t rtt[PAIR_ROUND_TRIPS];
};

static struct pair_wire *pair;

static bool pair_transmit(void *ctx, const uint8_t *frame, size_t len)
{
    int to = 1 - *(int *)ctx;
    if (pair->count[to] >= PAIR_QUEUE || len > sizeof pair->frames[0][0])
        return false;
    net_copy(pair->frames[to][pair->count[to]], frame, len);
    pair->len[to][pair->count[to]++] = len;
    return true;
}

static uint64_t pair_now(void *ctx)
{
    (void)ctx;
    return clock_now_ns();
}

static void pair_random(void *ctx, uint8_t *buf, size_t len)
{
    uint64_t x = clock_now_ns() * 2654435761u + (uint64_t)*(int *)ctx;
    for (size_t i = 0; i < len; i++, x = x * 6364136223846793005ull + 1442695040888963407ull)
        buf[i] = (uint8_t)(x >> 56);
}

static void pair_log(void *ctx, const char *line)
{
    log_debug("net pair %d: %s", *(int *)ctx, line);
}

/* Delivers every queued frame (each side's queue is drained into a snapshot first, since
 * delivery queues new frames) and runs both stacks' timers. */
static void pair_pump(void)
{
    static uint8_t frame[ETH_HEADER_LEN + NET_MTU_MAX];
    for (int side = 0; side < 2; side++) {
        unsigned n = pair->count[side];
        for (unsigned i = 0; i < n; i++) {
            size_t len = pair->len[side][i];
            net_copy(frame, pair->frames[side][i], len);
            net_input(pair->net[side], frame, len);
        }
        /* Frames queued meanwhile for this side moved down over the delivered ones. */
        unsigned later = pair->count[side] - n;
        for (unsigned i = 0; i < later; i++) {
            net_copy(pair->frames[side][i], pair->frames[side][n + i], pair->len[side][n + i]);
            pair->len[side][i] = pair->len[side][n + i];
        }
        pair->count[side] = later;
        net_poll(pair->net[side]);
    }
}

static void pair_serve(void *ctx, struct net *n, uint32_t from, uint8_t type, const uint8_t *msg, size_t len,
                       uint64_t request_id)
{
    (void)ctx, (void)type, (void)msg, (void)len;
    transport_reply(n, from, request_id, pair->reply, PAIR_REPLY_LEN);
}

static void pair_done(void *ctx, int status, const uint8_t *reply, size_t len)
{
    (void)ctx;
    pair->replied = status == NET_OK && len == PAIR_REPLY_LEN && memcmp(reply, pair->reply, len) == 0;
    pair->reply_len = len;
}

static bool pair_start(struct ktest_ctx *kt, uint16_t mtu)
{
    memset(pair->count, 0, sizeof pair->count);
    for (int i = 0; i < 2; i++) {
        pair->side[i] = i;
        struct net_env env = { .ctx = &pair->side[i], .transmit = pair_transmit, .now_ns = pair_now,
                               .random_bytes = pair_random, .log_line = pair_log, .mtu = mtu,
                               .mac = { 0x02, 0, 0, 0, 0, (uint8_t)(1 + i) } };
        struct net_config cfg = { .node_id = (uint32_t)i, .node_count = 2, .key_len = NET_KEY_MIN,
                                  .key = { 0x6b, 0x74, 0x65, 0x73, 0x74 } };
        char err[100];
        if (!KT_EXPECT(net_init(pair->net[i], &env, &cfg, err, sizeof err)))
            return false;
    }
    KT_EXPECT_EQ(transport_register_handler(pair->net[1], PAIR_TYPE, pair_serve, NULL), NET_OK);
    uint64_t start = clock_now_ns();
    while (!(net_cluster_ready(pair->net[0]) && net_cluster_ready(pair->net[1])) &&
           clock_now_ns() - start < PAIR_FORM_TIMEOUT_NS)
        pair_pump();
    return KT_EXPECT(net_cluster_ready(pair->net[0]) && net_cluster_ready(pair->net[1]));
}

static void pair_round_trips(struct ktest_ctx *kt, uint16_t mtu)
{
    if (!pair_start(kt, mtu))
        return;
    static const uint8_t request[64];
    unsigned ok = 0;
    for (unsigned k = 0; k < PAIR_ROUND_TRIPS; k++) {
        pair->replied = false;
        pair->reply_len = 0;
        uint64_t t0 = clock_now_ns();
        if (transport_request(pair->net[0], 1, PAIR_TYPE, request, sizeof request, pair_done, NULL) != NET_OK)
            break;
        while (pair->reply_len == 0 && clock_now_ns() - t0 < NS_PER_SEC)
            pair_pump();
        pair->rtt[k] = clock_now_ns() - t0;
        ok += pair->replied;
    }
    KT_EXPECT_EQ(ok, PAIR_ROUND_TRIPS);
    KT_EXPECT_EQ(pair->net[0]->counters.tp_bad_mac + pair->net[1]->counters.tp_bad_mac, 0);
    /* Insertion sort of a few hundred samples. */
    for (unsigned i = 1; i < PAIR_ROUND_TRIPS; i++) {
        uint64_t v = pair->rtt[i];
        unsigned j = i;
        for (; j > 0 && pair->rtt[j - 1] > v; j--)
            pair->rtt[j] = pair->rtt[j - 1];
        pair->rtt[j] = v;
    }
    log_info("net: stack-only round trip (two stacks, one CPU), mtu %u, 64 B / 4 KiB: min %llu us median %llu us",
             mtu, (unsigned long long)(pair->rtt[0] / NS_PER_US),
             (unsigned long long)(pair->rtt[PAIR_ROUND_TRIPS / 2] / NS_PER_US));
}

static bool pair_alloc(struct ktest_ctx *kt)
{
    pair = kzalloc(sizeof *pair);
    if (!KT_EXPECT(pair != NULL))
        return false;
    for (int i = 0; i < 2; i++)
        pair->net[i] = kzalloc(sizeof *pair->net[i]);
    for (size_t i = 0; i < PAIR_REPLY_LEN; i++)
        pair->reply[i] = (uint8_t)(i * 13 + 1);
    return KT_EXPECT(pair->net[0] && pair->net[1]);
}

static void pair_free(void)
{
    kfree(pair->net[0]);
    kfree(pair->net[1]);
    kfree(pair);
    pair = NULL;
}

KTEST(net_pair_round_trips_mtu_1500_and_9000)
{
    if (!pair_alloc(kt))
        return;
    pair_round_trips(kt, NET_MTU_DEFAULT);
    pair_round_trips(kt, NET_MTU_MAX);
    pair_free();
}
