/* SPDX-License-Identifier: MIT */
/* Raw Ethernet echo test for the NIC drivers (no IP): frames of ethertype 0x88b5 (IEEE
 * 802 local experimental) carry {kind, sequence, pattern}. The pinger broadcasts each
 * request until the echoer's MAC is known, then unicasts; sizes cycle from the minimum
 * frame to the full MTU so jumbo paths are covered. Both sides exit through
 * isa-debug-exit with the verdict. Polled (spins), so it is for tests only.
 * `nettest=pair` lets one command line serve a whole cluster: node 0 pings, others echo.
 * `nettest=rpc` (through the transport, not raw) lives in kernel/nettest_rpc.c. */
#include "kernel/nettest.h"

#include <arch/cpu.h>

#include "drivers/netdev.h"
#include "kernel/clock.h"
#include "kernel/cmdline.h"
#include "kernel/exit_codes.h"
#include "kernel/ktest.h"
#include "kernel/libc.h"
#include "kernel/log.h"
#include "kernel/net_glue.h"
#include "kernel/panic.h"
#include "kernel/timer.h"

#define NETTEST_ETHERTYPE 0x88b5       /* IEEE 802 local experimental ethertype 1 */
#define NETTEST_KIND_REQUEST 1
#define NETTEST_KIND_REPLY 2
#define NETTEST_KIND_DONE 3
#define NETTEST_OFF_ETHERTYPE 12   /* after destination and source MACs (IEEE 802.3 3.1.1) */
#define NETTEST_OFF_KIND 14        /* our payload: kind (u8), then sequence (u32, host order) */
#define NETTEST_OFF_SEQ 15
#define NETTEST_HEADER_LEN (NETTEST_OFF_SEQ + 4)
#define NETTEST_TSC_PER_MS 2600000ull  /* TCG guest TSC runs near 2.6 GHz (PLUMBING 8) */
#define NETTEST_REPLY_TIMEOUT_MS 300   /* e1000 ignores frames ~1 s after RCTL: retries cover it */
#define NETTEST_ATTEMPTS 20
#define NETTEST_ECHO_IDLE_LIMIT_MS 60000 /* an echoer whose pinger died gives up */
#define NETTEST_DONE_REPEATS 3
#define NETTEST_POLL_BUDGET 16
#define NETTEST_SIZE_STEPS 5

enum nettest_mode { NETTEST_OFF, NETTEST_ECHO, NETTEST_PING, NETTEST_PAIR, NETTEST_RPC };
static const char *const nettest_names[] = { "off", "echo", "ping", "pair", "rpc", NULL };
static unsigned nettest_mode;
CMDLINE_PARAM_CHOICE(nettest_mode, "nettest", nettest_names,
                     "NIC test: raw echo (responder), ping (sender), pair (node 0 pings, others echo); "
                     "rpc: transport round trips from node 0 (kernel/nettest_rpc.c)");
static uint64_t nettest_count = 100;
CMDLINE_PARAM_U64(nettest_count, "nettest.count", 1, NETTEST_RPC_MAX_COUNT, "requests the sending side makes");

static bool nettest_slirp;
CMDLINE_PARAM_FLAG(nettest_slirp, "nettest.slirp",
                   "the NIC is on QEMU's user-mode network: ktests ARP its gateway 10.0.2.2");

static const uint8_t nettest_broadcast[NETDEV_MAC_LEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

struct nettest_state {
    struct netdev *dev;
    uint8_t peer[NETDEV_MAC_LEN];
    bool peer_known;
    uint32_t want_seq;     /* ping: the sequence awaited */
    size_t want_len;
    bool got_reply;
    bool bad_reply;        /* right sequence, wrong length or content */
    bool done;             /* echo: the pinger said goodbye */
    uint64_t echoed;
    uint8_t frame[NETDEV_MAX_FRAME];
};

static struct nettest_state nt;

static uint8_t nettest_pattern(uint32_t seq, size_t i)
{
    return (uint8_t)(seq * 7u + i * 13u);
}

static void nettest_put_ethertype(uint8_t *f, uint16_t type)
{
    f[NETTEST_OFF_ETHERTYPE] = (uint8_t)(type >> 8);
    f[NETTEST_OFF_ETHERTYPE + 1] = (uint8_t)type;
}

static bool nettest_has_ethertype(const uint8_t *f, uint16_t type)
{
    return f[NETTEST_OFF_ETHERTYPE] == (uint8_t)(type >> 8) && f[NETTEST_OFF_ETHERTYPE + 1] == (uint8_t)type;
}

static size_t nettest_build(uint8_t *f, const uint8_t *dst, const uint8_t *src, uint8_t kind, uint32_t seq, size_t len)
{
    memcpy(f, dst, NETDEV_MAC_LEN);
    memcpy(f + NETDEV_MAC_LEN, src, NETDEV_MAC_LEN);
    nettest_put_ethertype(f, NETTEST_ETHERTYPE);
    f[NETTEST_OFF_KIND] = kind;
    memcpy(f + NETTEST_OFF_SEQ, &seq, sizeof seq);
    for (size_t i = NETTEST_HEADER_LEN; i < len; i++)
        f[i] = nettest_pattern(seq, i);
    return len;
}

static bool nettest_parse(const uint8_t *f, size_t len, uint8_t *kind, uint32_t *seq)
{
    if (len < NETTEST_HEADER_LEN || !nettest_has_ethertype(f, NETTEST_ETHERTYPE))
        return false;
    *kind = f[NETTEST_OFF_KIND];
    memcpy(seq, f + NETTEST_OFF_SEQ, sizeof *seq);
    return true;
}

static void nettest_send(const uint8_t *frame, size_t len)
{
    for (int tries = 0; tries < NETTEST_ATTEMPTS; tries++) {
        if (netdev_tx(nt.dev, frame, len) != NETDEV_TX_BUSY)
            return;
        netdev_rx_poll(nt.dev, 0, NULL, NULL); /* reclaims transmit slots */
    }
}

static void nettest_echo_deliver(void *ctx, const void *data, size_t len)
{
    (void)ctx;
    const uint8_t *f = data;
    uint8_t kind;
    uint32_t seq;
    if (!nettest_parse(f, len, &kind, &seq))
        return;
    if (kind == NETTEST_KIND_DONE) {
        nt.done = true;
        return;
    }
    if (kind != NETTEST_KIND_REQUEST)
        return;
    memcpy(nt.frame, f, len);
    memcpy(nt.frame, f + NETDEV_MAC_LEN, NETDEV_MAC_LEN);   /* back to the sender */
    memcpy(nt.frame + NETDEV_MAC_LEN, nt.dev->mac, NETDEV_MAC_LEN);
    nt.frame[NETTEST_OFF_KIND] = NETTEST_KIND_REPLY;
    nettest_send(nt.frame, len);
    nt.echoed++;
}

static void nettest_ping_deliver(void *ctx, const void *data, size_t len)
{
    (void)ctx;
    const uint8_t *f = data;
    uint8_t kind;
    uint32_t seq;
    if (!nettest_parse(f, len, &kind, &seq) || kind != NETTEST_KIND_REPLY || seq != nt.want_seq)
        return;
    bool ok = len == nt.want_len && memcmp(f, nt.dev->mac, NETDEV_MAC_LEN) == 0;
    for (size_t i = NETTEST_HEADER_LEN; ok && i < len; i++)
        ok = f[i] == nettest_pattern(seq, i);
    if (!ok) {
        nt.bad_reply = true;
        return;
    }
    if (!nt.peer_known) {
        memcpy(nt.peer, f + NETDEV_MAC_LEN, NETDEV_MAC_LEN);
        nt.peer_known = true;
    }
    nt.got_reply = true;
}

static __attribute__((noreturn)) void nettest_echo(void)
{
    uint64_t idle_limit = NETTEST_ECHO_IDLE_LIMIT_MS * NETTEST_TSC_PER_MS;
    uint64_t last_activity = cpu_rdtsc();
    log_info("nettest: echo ready");
    while (!nt.done) {
        if (netdev_rx_poll(nt.dev, NETTEST_POLL_BUDGET, nettest_echo_deliver, NULL))
            last_activity = cpu_rdtsc();
        else if (cpu_rdtsc() - last_activity > idle_limit)
            break;
        cpu_pause();
    }
    nt.dev->ops->dump(nt.dev);
    log_info("nettest: echoed %llu frames, %s", (unsigned long long)nt.echoed, nt.done ? "done" : "gave up waiting");
    kernel_exit(nt.done ? EXIT_OK : EXIT_TESTS_FAILED);
}

/* Frame length of request seq: minimum, full MTU, and sizes between, in turn. */
static size_t nettest_size(uint32_t seq)
{
    size_t max = (size_t)nt.dev->mtu + NETDEV_ETH_HEADER_LEN;
    static const unsigned percent[NETTEST_SIZE_STEPS] = { 0, 100, 50, 23, 77 };
    size_t len = NETDEV_ETH_MIN_FRAME + (max - NETDEV_ETH_MIN_FRAME) * percent[seq % NETTEST_SIZE_STEPS] / 100;
    return len;
}

static bool nettest_ping_one(uint32_t seq, uint64_t *rtt)
{
    nt.want_seq = seq;
    nt.want_len = nettest_size(seq);
    uint64_t timeout = NETTEST_REPLY_TIMEOUT_MS * NETTEST_TSC_PER_MS;
    for (int attempt = 0; attempt < NETTEST_ATTEMPTS; attempt++) {
        nt.got_reply = false;
        nt.bad_reply = false;
        size_t len = nettest_build(nt.frame, nt.peer_known ? nt.peer : nettest_broadcast, nt.dev->mac,
                                   NETTEST_KIND_REQUEST, seq, nt.want_len);
        uint64_t start = cpu_rdtsc();
        nettest_send(nt.frame, len);
        while (!nt.got_reply && !nt.bad_reply && cpu_rdtsc() - start < timeout) {
            netdev_rx_poll(nt.dev, NETTEST_POLL_BUDGET, nettest_ping_deliver, NULL);
            cpu_pause();
        }
        if (nt.got_reply) {
            *rtt = cpu_rdtsc() - start;
            return true;
        }
        if (nt.bad_reply) {
            log_error("nettest: reply %u of %zu bytes is corrupt", seq, nt.want_len);
            return false;
        }
    }
    log_error("nettest: no reply to request %u (%zu bytes)", seq, nt.want_len);
    return false;
}

static __attribute__((noreturn)) void nettest_ping(void)
{
    unsigned passed = 0, failed = 0;
    uint64_t rtt_min = UINT64_MAX, rtt_max = 0, rtt_sum = 0;
    for (uint32_t seq = 0; seq < nettest_count; seq++) {
        uint64_t rtt = 0;
        if (nettest_ping_one(seq, &rtt)) {
            passed++;
            rtt_sum += rtt;
            rtt_min = rtt < rtt_min ? rtt : rtt_min;
            rtt_max = rtt > rtt_max ? rtt : rtt_max;
        } else {
            failed++;
        }
    }
    for (int i = 0; i < NETTEST_DONE_REPEATS; i++) {
        size_t len = nettest_build(nt.frame, nt.peer_known ? nt.peer : nettest_broadcast, nt.dev->mac,
                                   NETTEST_KIND_DONE, 0, NETDEV_ETH_MIN_FRAME);
        nettest_send(nt.frame, len);
    }
    /* virtio sends from QEMU's main loop, later: leaving now could drop the goodbyes. */
    uint64_t start = cpu_rdtsc();
    while (nt.dev->ops->tx_inflight(nt.dev) && cpu_rdtsc() - start < NETTEST_REPLY_TIMEOUT_MS * NETTEST_TSC_PER_MS)
        cpu_pause();
    nt.dev->ops->dump(nt.dev);
    if (passed)
        log_info("nettest: round trip min %llu avg %llu max %llu TSC cycles", (unsigned long long)rtt_min,
                 (unsigned long long)(rtt_sum / passed), (unsigned long long)rtt_max);
    console_printf("nettest: %u passed, %u failed\n", passed, failed);
    kernel_exit(failed == 0 && passed > 0 ? EXIT_OK : EXIT_TESTS_FAILED);
}

void nettest_run(void)
{
    if (nettest_mode == NETTEST_OFF)
        return;
    if (nettest_mode == NETTEST_RPC) {
        nettest_rpc_run((uint32_t)nettest_count);
        return;
    }
    nt.dev = net_glue_dev();
    if (!nt.dev) {
        log_error("nettest: no NIC");
        kernel_exit(EXIT_TESTS_FAILED);
    }
    if (nettest_mode == NETTEST_ECHO || (nettest_mode == NETTEST_PAIR && net_glue_node_id() != 0))
        nettest_echo();
    nettest_ping();
}

KTEST(drivers_netdev_refuses_bad_frame_lengths)
{
    struct netdev *dev = net_glue_dev();
    if (!dev)
        return; /* no NIC on this machine */
    uint64_t before = dev->stats.tx_bad_length;
    memset(nt.frame, 0, sizeof nt.frame);
    KT_EXPECT_EQ(netdev_tx(dev, nt.frame, (size_t)dev->mtu + NETDEV_ETH_HEADER_LEN + 1), NETDEV_TX_BAD_LENGTH);
    KT_EXPECT_EQ(netdev_tx(dev, nt.frame, NETDEV_ETH_HEADER_LEN - 1), NETDEV_TX_BAD_LENGTH);
    KT_EXPECT_EQ(dev->stats.tx_bad_length, before + 2);
}

/* ARP (RFC 826) over Ethernet/IPv4, as QEMU's user-mode network answers it. */
#define NETTEST_ETHERTYPE_ARP 0x0806
#define NETTEST_ARP_LEN 28
#define NETTEST_ARP_OP_REQUEST 1
#define NETTEST_ARP_OP_REPLY 2
#define NETTEST_ARP_OFF_OPER 6 /* RFC 826 packet for Ethernet/IPv4: hrd, pro, hln, pln, op (16 bits), */
#define NETTEST_ARP_OFF_SHA 8  /* sender MAC, sender IPv4, target MAC, target IPv4 */
#define NETTEST_ARP_OFF_SPA 14
#define NETTEST_ARP_OFF_THA 18
#define NETTEST_ARP_OFF_TPA 24
#define NETTEST_IPV4_LEN 4
#define NETTEST_SLIRP_GATEWAY 0x0a000202u /* 10.0.2.2: QEMU user networking's gateway */
#define NETTEST_SLIRP_GUEST 0x0a00020fu   /* 10.0.2.15: the address it expects the guest at */
#define NETTEST_ARP_ATTEMPTS 15
#define NETTEST_ARP_WAIT_MS 200           /* x 15: covers e1000's ~1 s after RCTL */

static bool nettest_arp_answered;

static void nettest_put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void nettest_arp_deliver(void *ctx, const void *data, size_t len)
{
    (void)ctx;
    const uint8_t *f = data;
    uint8_t gateway[NETTEST_IPV4_LEN];
    nettest_put_be32(gateway, NETTEST_SLIRP_GATEWAY);
    if (len < NETDEV_ETH_HEADER_LEN + NETTEST_ARP_LEN || !nettest_has_ethertype(f, NETTEST_ETHERTYPE_ARP))
        return;
    const uint8_t *arp = f + NETDEV_ETH_HEADER_LEN;
    if (arp[NETTEST_ARP_OFF_OPER] == 0 && arp[NETTEST_ARP_OFF_OPER + 1] == NETTEST_ARP_OP_REPLY &&
        memcmp(arp + NETTEST_ARP_OFF_SPA, gateway, NETTEST_IPV4_LEN) == 0 &&
        memcmp(f, nt.dev->mac, NETDEV_MAC_LEN) == 0)
        nettest_arp_answered = true;
}

/* Builds a broadcast ARP request for QEMU's user-mode gateway into nt.frame (60 bytes). */
static void nettest_build_slirp_arp(void)
{
    uint8_t *f = nt.frame;
    memcpy(f, nettest_broadcast, NETDEV_MAC_LEN);
    memcpy(f + NETDEV_MAC_LEN, nt.dev->mac, NETDEV_MAC_LEN);
    nettest_put_ethertype(f, NETTEST_ETHERTYPE_ARP);
    uint8_t *arp = f + NETDEV_ETH_HEADER_LEN;
    /* hrd = 1 (Ethernet), pro = 0x0800 (IPv4), hln = 6, pln = 4 (RFC 826, "Packet format") */
    static const uint8_t arp_ipv4_over_ethernet[NETTEST_ARP_OFF_OPER] = { 0, 1, 0x08, 0x00, NETDEV_MAC_LEN,
                                                                          NETTEST_IPV4_LEN };
    memcpy(arp, arp_ipv4_over_ethernet, sizeof arp_ipv4_over_ethernet);
    arp[NETTEST_ARP_OFF_OPER] = 0;
    arp[NETTEST_ARP_OFF_OPER + 1] = NETTEST_ARP_OP_REQUEST;
    memcpy(arp + NETTEST_ARP_OFF_SHA, nt.dev->mac, NETDEV_MAC_LEN);
    nettest_put_be32(arp + NETTEST_ARP_OFF_SPA, NETTEST_SLIRP_GUEST);
    memset(arp + NETTEST_ARP_OFF_THA, 0, NETDEV_MAC_LEN);
    nettest_put_be32(arp + NETTEST_ARP_OFF_TPA, NETTEST_SLIRP_GATEWAY);
    memset(f + NETDEV_ETH_HEADER_LEN + NETTEST_ARP_LEN, 0, NETDEV_ETH_MIN_FRAME - NETDEV_ETH_HEADER_LEN - NETTEST_ARP_LEN);
}

/* A real round trip through the NIC on one node: transmit path, the device, receive
 * path. Needs QEMU's user-mode network (nettest.slirp); skipped otherwise. */
KTEST(drivers_netdev_arp_round_trip_slirp)
{
    nt.dev = net_glue_dev();
    if (!nettest_slirp || !nt.dev)
        return;
    nettest_build_slirp_arp();
    uint64_t before = nt.dev->stats.rx_frames;
    nettest_arp_answered = false;
    for (int attempt = 0; attempt < NETTEST_ARP_ATTEMPTS && !nettest_arp_answered; attempt++) {
        KT_EXPECT_EQ(netdev_tx(nt.dev, nt.frame, NETDEV_ETH_MIN_FRAME), NETDEV_TX_OK);
        uint64_t start = cpu_rdtsc();
        while (!nettest_arp_answered && cpu_rdtsc() - start < NETTEST_ARP_WAIT_MS * NETTEST_TSC_PER_MS)
            netdev_rx_poll(nt.dev, NETTEST_POLL_BUDGET, nettest_arp_deliver, NULL);
    }
    KT_EXPECT(nettest_arp_answered);
    KT_EXPECT(nt.dev->stats.rx_frames > before);
}

static bool nettest_wait_over;

static void nettest_wait_timer(struct timer *t, void *arg)
{
    (void)t;
    (void)arg;
    nettest_wait_over = true;
}

/* The interrupt path end to end: receive interrupts enabled, an ARP request out, then the
 * CPU halts until the reply's interrupt (MSI-X or INTx, whichever the driver chose) or a
 * timer ends the attempt. Needs QEMU's user-mode network (nettest.slirp). */
KTEST(drivers_netdev_receive_interrupt_slirp)
{
    static struct timer wait_timer;
    nt.dev = net_glue_dev();
    if (!nettest_slirp || !nt.dev)
        return;
    nettest_build_slirp_arp();
    uint64_t before = nt.dev->stats.irqs;
    nt.dev->ops->irq_enable(nt.dev);
    for (int attempt = 0; attempt < NETTEST_ARP_ATTEMPTS && nt.dev->stats.irqs == before; attempt++) {
        KT_EXPECT_EQ(netdev_tx(nt.dev, nt.frame, NETDEV_ETH_MIN_FRAME), NETDEV_TX_OK);
        nettest_wait_over = false;
        timer_arm(&wait_timer, clock_now_ns() + NETTEST_ARP_WAIT_MS * NS_PER_MS, nettest_wait_timer, NULL);
        while (nt.dev->stats.irqs == before && !nettest_wait_over)
            cpu_wait_for_interrupt();
        timer_cancel(&wait_timer);
    }
    KT_EXPECT(nt.dev->stats.irqs > before);
}
