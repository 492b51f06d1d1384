/* SPDX-License-Identifier: MIT */
/* Binds the NIC to the portable stack (net/net.h): the command-line keys of the network
 * (DESIGN.md 2: node= nodes= key= ip=, and nic= mtu=), NIC selection at boot, the
 * stack's environment (transmit, clock, randomness, log), and when network work runs:
 * from the NIC interrupt and a kernel timer while the node idles, and from wait loops
 * that await a reply (spinning briefly, then halting: PLUMBING 13). The interrupt
 * handler may run the stack directly because kernel code runs with IF=0: an interrupt
 * only arrives in user mode or in the idle halt, never inside the stack. */
#include "kernel/net_glue.h"

#include <arch/cpu.h>

#include "drivers/netdev.h"
#include "kernel/clock.h"
#include "kernel/cmdline.h"
#include "kernel/exit_codes.h"
#include "kernel/ktest.h"
#include "kernel/libc.h"
#include "kernel/log.h"
#include "kernel/mm.h"
#include "kernel/panic.h"
#include "kernel/random.h"
#include "kernel/timer.h"
#include "net/net.h"

#define NET_GLUE_KEY_BYTES NET_KEY_MIN  /* SipHash-2-4 key: 32 hex digits */
#define NET_GLUE_IP_TEXT_MAX 16         /* "255.255.255.255" */
#define NET_GLUE_RX_BUDGET 64           /* frames per poll round before timers get a turn */
#define NET_GLUE_TX_WAIT_NS 20000000ull /* busy ring: 20 ms (host scheduler slices reach 12 ms) before a drop */
#define NET_GLUE_ERR_MAX 160
/* Halt at once by default: on this 2-core host shared by several guests, interleaved A/B
 * runs of nettest=rpc (2000 round trips, 3 rounds each, twice) gave medians e1000 232-276
 * us halting vs 251-274 spinning 200 us (286 at 1000 us), virtio 271-311 vs 330-354, and
 * p99 no better spinning (1.3-1.9 ms at 1000 us): a spinning requester takes the core the
 * answering guest and the QEMU I/O threads need. The DSM measured the same (dsm-protocol
 * section 11), and on a quiet host too (3 interleaved pairs, virtio medians 211-334 us
 * halting vs 327-349 spinning 300 us). A host with cores to spare may want net.spin_us=200. */
#define NET_GLUE_SPIN_US_DEFAULT 0
#define NET_GLUE_SPIN_US_MAX 10000000ull
#define NET_GLUE_TIMER_SLACK_NS (1ull << 19) /* stack deadlines are rounded up to ~0.5 ms */
#define NET_GLUE_SPIN_GAP_NS 30000ull   /* one spin round takes a few us: a longer gap means the
                                         * host ran something else on our core (PLUMBING 13) */

static uint64_t net_node_id;
CMDLINE_PARAM_U64(net_node_id, "node", 0, NET_MAX_NODES - 1, "this node's id (0 = controller)");
static uint64_t net_node_count = 1;
CMDLINE_PARAM_U64(net_node_count, "nodes", 1, NET_MAX_NODES, "number of nodes in the cluster");
static uint8_t net_key[NET_GLUE_KEY_BYTES];
CMDLINE_PARAM_HEX(net_key, "key", "cluster secret, 32 hex digits");
static char net_ip_text[NET_GLUE_IP_TEXT_MAX];
CMDLINE_PARAM_STRING(net_ip_text, "ip", "this node's IPv4 address (default 10.77.0.(10+node))");
static uint64_t net_mtu = NET_MTU_DEFAULT;
CMDLINE_PARAM_U64(net_mtu, "mtu", NET_MTU_MIN, NET_MTU_MAX, "link MTU (bytes of IP per frame)");
static uint64_t net_spin_us = NET_GLUE_SPIN_US_DEFAULT;
CMDLINE_PARAM_U64(net_spin_us, "net.spin_us", 0, NET_GLUE_SPIN_US_MAX,
                  "microseconds a wait for a reply spins before it halts until the NIC interrupt");
static const char *const net_nic_names[] = { "auto", "virtio", "e1000", NULL };
static unsigned net_nic_choice;
CMDLINE_PARAM_CHOICE(net_nic_choice, "nic", net_nic_names, "which NIC driver to use: auto, virtio or e1000");

static struct netdev *net_dev;
static struct net net_stack;
static bool net_up;           /* net_init succeeded */
static bool net_polling;      /* inside net_glue_poll: a nested call returns */
static uint64_t net_polls;    /* net_glue_poll rounds run */
static uint64_t net_poll_started_ns; /* start of the running or last poll round */
static uint64_t net_polls_at_init_end; /* net_polls when net_glue_init returned (must be 0) */
static struct timer net_timer; /* fires at the stack's next deadline */
static uint64_t net_tx_dropped; /* frames the ring had no room for after retries */
static uint64_t net_spins_preempted; /* waits that stopped spinning early: the host took the core */
static uint64_t net_tx_frames, net_tx_ns; /* frames handed to the NIC, time spent doing it (dump) */
/* Where poll rounds that received something spend their time (dump): the driver and the
 * stack's input, the stack's timers, re-arming the kernel timer. */
static uint64_t net_busy_polls, net_poll_rx_ns, net_poll_timers_ns, net_poll_arm_ns;

/* A full ring is back-pressure, not loss: wait (bounded) for the device to complete
 * transmissions, which it does on its own (QEMU's main loop for virtio), rather than drop
 * the frame and leave it to a retransmission timeout. more: see net_env.transmit_more
 * (a busy or refused frame makes the driver ring for what it holds). */
static bool net_glue_send_frame(const uint8_t *frame, size_t len, bool more)
{
    uint64_t deadline = 0, start = clock_now_ns();
    for (;;) {
        int r = netdev_tx_burst(net_dev, frame, len, more);
        if (r == NETDEV_TX_OK) {
            net_tx_frames++;
            net_tx_ns += clock_now_ns() - start;
            return true;
        }
        if (r != NETDEV_TX_BUSY)
            return false;
        uint64_t now = clock_now_ns();
        if (!deadline)
            deadline = now + NET_GLUE_TX_WAIT_NS;
        else if (now > deadline)
            break;
        cpu_pause();
    }
    net_tx_dropped++;
    return false;
}

static bool net_glue_transmit(void *ctx, const uint8_t *frame, size_t len)
{
    (void)ctx;
    return net_glue_send_frame(frame, len, false);
}

static bool net_glue_transmit_more(void *ctx, const uint8_t *frame, size_t len)
{
    (void)ctx;
    return net_glue_send_frame(frame, len, true);
}

static uint64_t net_glue_now_ns(void *ctx)
{
    (void)ctx;
    return clock_now_ns();
}

static void net_glue_random_bytes(void *ctx, uint8_t *buf, size_t len)
{
    (void)ctx;
    random_fill(buf, len);
}

static void net_glue_log_line(void *ctx, const char *line)
{
    (void)ctx;
    log_info("%s", line);
}

static void *net_glue_alloc(void *ctx, size_t bytes)
{
    (void)ctx;
    return kmalloc(bytes);
}

static void net_glue_free(void *ctx, void *block)
{
    (void)ctx;
    kfree(block);
}

static void net_glue_deliver(void *ctx, const void *frame, size_t len)
{
    (void)ctx;
    net_input(&net_stack, frame, len);
}

static void net_glue_timer_fired(struct timer *t, void *arg);

/* Keeps the kernel timer at the stack's next deadline. Re-arming reprograms the LAPIC (an
 * emulated register write that also wakes QEMU's main loop), and every round trip moves
 * the deadline (a new retransmission timer): deadlines are rounded up to
 * NET_GLUE_TIMER_SLACK_NS, so most rounds find the timer already right and leave it.
 * Timers of the stack (RTO >= 0.5 ms, delayed ack, heartbeats) may run that much late.
 * An earlier pending deadline is not kept: its interrupt would wake a halted node for
 * nothing. exact: run at deadline (more frames wait, or start-up), no rounding. */
static void net_glue_arm(uint64_t deadline, bool exact)
{
    bool armed = timer_pending(&net_timer);
    if (deadline == UINT64_MAX) {
        if (armed)
            timer_cancel(&net_timer);
        return;
    }
    if (!exact && deadline <= UINT64_MAX - NET_GLUE_TIMER_SLACK_NS)
        deadline = (deadline + NET_GLUE_TIMER_SLACK_NS - 1) & ~(NET_GLUE_TIMER_SLACK_NS - 1);
    if (!armed || net_timer.deadline_ns != deadline)
        timer_arm(&net_timer, deadline, net_glue_timer_fired, NULL);
}

void net_glue_poll(void)
{
    if (!net_up || net_polling)
        return;
    net_polling = true;
    net_polls++;
    net_poll_started_ns = clock_now_ns();
    unsigned frames = netdev_rx_poll(net_dev, NET_GLUE_RX_BUDGET, net_glue_deliver, NULL);
    uint64_t received = clock_now_ns();
    net_poll(&net_stack);
    net_polling = false;
    uint64_t polled = clock_now_ns();
    /* A full budget means more frames wait: come back at once, after other timers. */
    if (frames == NET_GLUE_RX_BUDGET)
        net_glue_arm(polled, true);
    else
        net_glue_arm(net_next_deadline_ns(&net_stack), false);
    if (frames) {
        net_busy_polls++;
        net_poll_rx_ns += received - net_poll_started_ns;
        net_poll_timers_ns += polled - received;
        net_poll_arm_ns += clock_now_ns() - polled;
    }
}

uint64_t net_glue_poll_started_ns(void)
{
    return net_poll_started_ns;
}

static void net_glue_timer_fired(struct timer *t, void *arg)
{
    (void)t;
    (void)arg;
    net_glue_poll();
}

static void net_glue_irq_notify(void *ctx)
{
    (void)ctx;
    net_glue_poll();
}

/* Unmasks the NIC's receive interrupt; frames that arrived while it was masked raise none
 * on every device (virtio only notes them), so they are polled here. */
static void net_glue_irq_rearm(void)
{
    net_dev->ops->irq_enable(net_dev);
    if (net_dev->irq_pending)
        net_glue_poll();
}

static void net_glue_wait_timer_fired(struct timer *t, void *arg)
{
    (void)t;
    *(bool *)arg = true;
}

bool net_glue_spin_until(bool (*done)(void *ctx), void *ctx, uint64_t timeout_ns)
{
    uint64_t start = clock_now_ns();
    uint64_t deadline = start + timeout_ns;
    uint64_t spin_end = start + net_spin_us * NS_PER_US;
    bool ok;
    /* Spin first: a reply usually comes within tens of microseconds (PLUMBING 13). The
     * NIC interrupt is masked meanwhile where that is cheap; elsewhere IF=0 holds it, and
     * it is taken once at the next halt or return to user mode (fewer exits than the
     * two mask writes per wait). */
    bool masked = net_up && !net_dev->irq_mask_costly;
    if (masked)
        net_dev->ops->irq_disable(net_dev);
    uint64_t now, last = start;
    while (!(ok = done(ctx)) && (now = clock_now_ns()) < deadline && now < spin_end) {
        /* Descheduled while spinning: the host's cores are busy, and the QEMU threads that
         * deliver our reply need one. Halting gives it back (a loaded 2-core host). */
        if (now - last > NET_GLUE_SPIN_GAP_NS) {
            net_spins_preempted++;
            break;
        }
        net_glue_poll();
        if (timer_next_deadline() <= now)
            timer_run_expired(); /* only when due: every call reprograms the LAPIC */
        cpu_pause();
        last = clock_now_ns();
    }
    if (masked)
        net_glue_irq_rearm();
    if (ok || !net_up)
        return ok || done(ctx);
    /* Then halt: the NIC interrupt (or the stack's timer) runs the poll and wakes us, and
     * the host core goes to the other guests and QEMU's I/O thread meanwhile. */
    static struct timer wait_timer;
    bool timed_out = false;
    timer_arm(&wait_timer, deadline, net_glue_wait_timer_fired, &timed_out);
    while (!(ok = done(ctx)) && !timed_out)
        cpu_wait_for_interrupt();
    timer_cancel(&wait_timer);
    return ok;
}

/* Parses dotted-quad IPv4 text into host byte order. */
static bool net_glue_parse_ipv4(const char *text, uint32_t *out)
{
    uint32_t value = 0;
    const char *p = text;
    for (int part = 0; part < 4; part++) {
        unsigned octet = 0, digits = 0;
        while (*p >= '0' && *p <= '9' && digits < 4) {
            octet = octet * 10 + (unsigned)(*p++ - '0');
            digits++;
        }
        if (digits == 0 || digits > 3 || octet > 255)
            return false;
        value = value << 8 | octet;
        if (part < 3 && *p++ != '.')
            return false;
    }
    if (*p != '\0')
        return false;
    *out = value;
    return true;
}

static void net_glue_start_stack(void)
{
    struct net_env env = {
        .transmit = net_glue_transmit,
        .transmit_more = net_glue_transmit_more,
        .now_ns = net_glue_now_ns,
        .random_bytes = net_glue_random_bytes,
        .log_line = net_glue_log_line,
        .alloc = net_glue_alloc,
        .free = net_glue_free,
        .mtu = net_dev->mtu,
    };
    memcpy(env.mac, net_dev->mac, NET_MAC_LEN);
    struct net_config cfg = {
        .node_id = (uint32_t)net_node_id,
        .node_count = (uint32_t)net_node_count,
        .key_len = NET_GLUE_KEY_BYTES,
    };
    memcpy(cfg.key, net_key, NET_GLUE_KEY_BYTES);
    if (net_ip_text[0] && !net_glue_parse_ipv4(net_ip_text, &cfg.ipv4)) {
        log_error("cmdline: refused: ip=%s: not a dotted-quad IPv4 address", net_ip_text);
        kernel_exit(EXIT_BAD_CMDLINE);
    }
    char err[NET_GLUE_ERR_MAX];
    if (!net_init(&net_stack, &env, &cfg, err, sizeof err)) {
        log_error("cmdline: refused: network configuration: %s", err);
        kernel_exit(EXIT_BAD_CMDLINE);
    }
    net_up = true;
    if (net_dev->ops->irq_attach(net_dev, net_glue_irq_notify, NULL))
        net_dev->ops->irq_enable(net_dev);
    else
        log_warn("net: %s interrupt cannot be routed; the network runs from the timer only", net_dev->name);
    /* No poll here: the first one (which sends our join) runs from this timer at the
     * kernel's first wait, after every later init step has registered its message
     * handlers; a message polled in before that would be acked and lost (no handler). */
    net_glue_arm(clock_now_ns(), true);
    net_polls_at_init_end = net_polls;
}

void net_glue_init(void)
{
    net_dev = netdev_probe(net_nic_names[net_nic_choice], (uint16_t)net_mtu);
    if (!net_dev) {
        log_warn("net: no supported NIC (nic=%s); this node has no network", net_nic_names[net_nic_choice]);
        return;
    }
    char mac[18];
    netdev_format_mac(net_dev->mac, mac, sizeof mac);
    log_info("net: node %llu of %llu on %s %s mtu %u", (unsigned long long)net_node_id,
             (unsigned long long)net_node_count, net_dev->name, mac, net_dev->mtu);
    net_glue_start_stack();
}

struct netdev *net_glue_dev(void)
{
    return net_dev;
}

struct net *net_glue_net(void)
{
    return net_up ? &net_stack : NULL;
}

uint32_t net_glue_node_id(void)
{
    return (uint32_t)net_node_id;
}

uint32_t net_glue_node_count(void)
{
    return (uint32_t)net_node_count;
}

void net_glue_dump(void)
{
    if (!net_dev)
        return;
    net_dev->ops->dump(net_dev);
    if (net_tx_dropped)
        log_info("net: %llu frames dropped on a full transmit ring", (unsigned long long)net_tx_dropped);
    if (net_tx_frames)
        log_info("net: %llu frames handed to the NIC, %llu ns each on average", (unsigned long long)net_tx_frames,
                 (unsigned long long)(net_tx_ns / net_tx_frames));
    if (net_spins_preempted)
        log_info("net: %llu waits halted early: the host descheduled the spin", (unsigned long long)net_spins_preempted);
    if (net_busy_polls)
        log_info("net: %llu poll rounds with frames, on average %llu ns receiving, %llu ns timers, %llu ns re-arming",
                 (unsigned long long)net_busy_polls, (unsigned long long)(net_poll_rx_ns / net_busy_polls),
                 (unsigned long long)(net_poll_timers_ns / net_busy_polls),
                 (unsigned long long)(net_poll_arm_ns / net_busy_polls));
    if (net_up)
        net_dump_counters(&net_stack);
}

/* The stack must not run during init (see net_glue_start_stack): a message polled in
 * before the later init steps register their handlers would be acked and lost. */
KTEST(drivers_net_glue_does_not_poll_during_init)
{
    if (!net_up)
        return;
    KT_EXPECT_EQ(net_polls_at_init_end, 0);
}
