/* SPDX-License-Identifier: MIT */
/* Program-wide control across nodes (issues 5 and 6): the core's cluster-wide settings
 * (dsm.window_us=, dsm.replicate=), memory syscalls performed at node 0 and replicated to
 * every node (node 0's region table is the authority that picks addresses; the changes
 * that only add addresses or rights reach the nodes other than the caller's after the call
 * returns, and a node that misses one asks node 0 first: see dsm_control_mm), exit_group on
 * any node ending every node, and each
 * node's dsm-stats and dsm-hot lines (docs/dsm-protocol.md section 9) at the end.
 * Not done: moving mremap (kernel/sys_mm.c does it in place only), madvise (ignored), lost
 * nodes. */
#include "kernel/dsm_glue.h"

#include <arch/cpu.h>

#include "kernel/clock.h"
#include "kernel/cmdline.h"
#include "kernel/dsm_affinity.h"
#include "kernel/dsm_internal.h"
#include "kernel/dsm_phase.h"
#include "kernel/exit_codes.h"
#include "kernel/format.h"
#include "kernel/libc.h"
#include "kernel/linux_abi.h"
#include "kernel/log.h"
#include "kernel/mm.h"
#include "kernel/net_glue.h"
#include "kernel/panic.h"
#include "kernel/program.h"
#include "kernel/syscall.h"
#include "kernel/timer.h"
#include "kernel/uvm.h"
#include "net/net.h"

#define DSM_CONTROL_PENDING_MAX 16                     /* memory syscalls from other nodes in flight at node 0 */
#define DSM_CONTROL_SHUTDOWN_WAIT_NS (2ull * NS_PER_SEC) /* node 0 waits this long for the others' stats */
#define DSM_CONTROL_EXIT_DELAY_NS (20ull * NS_PER_MS)   /* lets the shutdown ack leave before QEMU ends */
#define DSM_CONTROL_STATS_LINE 640
#define DSM_CONTROL_ERRNO_MAX 4095                     /* results -4095..-1 are errors (Linux) */
#define DSM_CONTROL_HOT_PAGES 5                        /* pages on the dsm-hot line (issue 6) */
/* dsm.window_us= ceiling: a held request must be served well within the shutdown wait, so
 * a window can never keep a node's stats line (or the exit) waiting. */
#define DSM_CONTROL_WINDOW_MAX_US (DSM_CONTROL_SHUTDOWN_WAIT_NS / NS_PER_US / 4)
/* `adaptive` alone: the per-page windows grow up to this. True sharing earns every page the
 * full ceiling (each hand-off is a ping-pong event), so it is kept short. Measured with the
 * resume hold (2 TCG nodes, fixed, medians of 3; docs/dsm-protocol.md section 4): falseshare
 * 4 x 10^8 off 4.5 s, ceiling 2 ms 3.7 s, 30 ms 3.3 s; pingpong 300 off 1.9 s, 2 ms 2.7 s,
 * 30 ms 19.1 s. */
#define DSM_CONTROL_WINDOW_ADAPTIVE_US 2000
#define DSM_CONTROL_WINDOW_ADAPTIVE_PREFIX "adaptive"

/* ---- cluster-wide settings of the core (the same words go to every node) ---- */

struct dsm_window_setting {
    uint64_t us;   /* 0 = off */
    bool adaptive; /* per-page windows up to us */
};
static struct dsm_window_setting dsm_window;

/* dsm.window_us=N | adaptive | adaptive:N (N in 0..DSM_CONTROL_WINDOW_MAX_US). */
static bool dsm_window_parse(const struct cmdline_param *p, const char *value, char *err, size_t err_size)
{
    struct dsm_window_setting *w = p->storage;
    struct cmdline_param number = *p;
    size_t plen = strlen(DSM_CONTROL_WINDOW_ADAPTIVE_PREFIX);
    bool adaptive = strncmp(value, DSM_CONTROL_WINDOW_ADAPTIVE_PREFIX, plen) == 0;
    if (adaptive && value[plen] == '\0') {
        *w = (struct dsm_window_setting){ DSM_CONTROL_WINDOW_ADAPTIVE_US, true };
        return true;
    }
    if (adaptive && value[plen] != ':') {
        fmt_snprintf(err, err_size, "'%s' is not N, adaptive or adaptive:N", value);
        return false;
    }
    uint64_t us = 0;
    number.storage = &us;
    number.storage_size = sizeof us;
    if (!cmdline_parse_u64(&number, adaptive ? value + plen + 1 : value, err, err_size))
        return false;
    *w = (struct dsm_window_setting){ us, adaptive };
    return true;
}

static const struct cmdline_param cmdline_param_dsm_window CMDLINE_SECTION = {
    .name = "dsm.window_us", .parse = dsm_window_parse, .storage = &dsm_window, .storage_size = sizeof dsm_window,
    .min = 0, .max = DSM_CONTROL_WINDOW_MAX_US,
    .help = "ping-pong window in us (0 = off), adaptive or adaptive:N (per-page windows up to N us)" };

enum dsm_replicate_choice { DSM_REPLICATE_OFF, DSM_REPLICATE_ON, DSM_REPLICATE_DEFAULT };
static const char *const dsm_replicate_names[] = { "off", "on", NULL }; /* enum dsm_replicate_choice order */
static unsigned dsm_replicate = DSM_REPLICATE_DEFAULT;
CMDLINE_PARAM_CHOICE(dsm_replicate, "dsm.replicate", dsm_replicate_names,
                     "directory replication to the manager's successor: on (default under fixed/central) or off");

/* dsm.home=stripes (default): the mmap area is cut into stripes homed round robin on the
 * nodes (dsm_set_home_stripes), and node 0 places a mapping a node asks for in that node's
 * stripes, so the memory a thread maps is first touched where it runs without a message
 * (zstd -T4 on 2 nodes made 15000 of its 17400 remote faults zero-filling fresh mappings
 * at their hash home). hash: every page homed by the hash, as before. central ignores it
 * (node 0 manages every page). */
enum dsm_home_choice { DSM_HOME_STRIPES, DSM_HOME_HASH };
static const char *const dsm_home_names[] = { "stripes", "hash", NULL }; /* enum dsm_home_choice order */
static unsigned dsm_home = DSM_HOME_STRIPES;
CMDLINE_PARAM_CHOICE(dsm_home, "dsm.home", dsm_home_names,
                     "home of fresh mappings' pages: stripes (the mapping node's, default) or hash");
/* 1 GiB stripes (2^18 pages): larger than nearly every single mapping, and a node maps
 * UVM_PLACEMENT_PROBES of them (64 GiB, retired ranges included) before its mappings
 * go top-down like any other. */
#define DSM_CONTROL_HOME_STRIPE_SHIFT 18
static bool dsm_home_striped;
static uint64_t dsm_home_base; /* the lowest stripe's start: the topmost stripe is node 0's */

static void dsm_control_home_apply(void)
{
    if (dsm_home != DSM_HOME_STRIPES || strcmp(dsm_scheme_name(dsm_core), "central") == 0)
        return;
    /* Stripes counted so the topmost, where mmap searched from before stripes, is node 0's:
     * the main thread's mappings keep their old addresses. */
    uint64_t stripe = PAGE_SIZE << DSM_CONTROL_HOME_STRIPE_SHIFT, count = (UVM_MMAP_TOP - UVM_MMAP_BOTTOM) / stripe;
    count -= (count - 1) % dsm_nnodes;
    dsm_home_base = UVM_MMAP_TOP - count * stripe;
    dsm_home_striped = dsm_set_home_stripes(dsm_core, dsm_home_base >> PAGE_SHIFT, count << DSM_CONTROL_HOME_STRIPE_SHIFT,
                                            DSM_CONTROL_HOME_STRIPE_SHIFT) == 0;
    if (!dsm_home_striped)
        log_error("dsm: home stripes refused: pages homed by the hash");
}

/* Where node 0 maps for a thread of node requester: its stripes, or NULL (top-down). */
static const struct uvm_placement *dsm_control_placement(unsigned requester, struct uvm_placement *out)
{
    if (!dsm_home_striped)
        return NULL;
    *out = (struct uvm_placement){ dsm_home_base, PAGE_SIZE << DSM_CONTROL_HOME_STRIPE_SHIFT, dsm_nnodes, requester };
    return out;
}

/* dsm.ahead=N: pages the owner sends after a read fault that continues a scan
 * (dsm_set_read_ahead, docs/dsm-protocol.md 4e). 0 turns it off. Measured on matmul 320 4,
 * 2 nodes: 0.50 s off, 0.41-0.43 s at 8. */
#define DSM_CONTROL_READ_AHEAD_DEFAULT 8
static uint64_t dsm_read_ahead = DSM_CONTROL_READ_AHEAD_DEFAULT;
CMDLINE_PARAM_U64(dsm_read_ahead, "dsm.ahead", 0, DSM_READ_AHEAD_MAX,
                  "read-ahead pages after a sequential read fault (0 = off)");

/* Applies dsm.window_us=, dsm.replicate=, dsm.home= and dsm.ahead= to the new core; every node gets the
 * same words, so the cluster agrees. Replication is refused under dynamic (the core keeps no
 * directory shards there): asked for explicitly, that is a bad command line. One node has
 * no core, so the words are accepted and do nothing there. */
static void dsm_control_settings_apply(void)
{
    dsm_control_home_apply();
    dsm_set_window(dsm_core, dsm_window.us * NS_PER_US, dsm_window.adaptive);
    dsm_set_read_ahead(dsm_core, (unsigned)dsm_read_ahead); /* in range: the word's bounds */
    bool dynamic = strcmp(dsm_scheme_name(dsm_core), "dynamic") == 0;
    bool on = dsm_replicate == DSM_REPLICATE_ON || (dsm_replicate == DSM_REPLICATE_DEFAULT && !dynamic);
    if (on && dsm_set_replication(dsm_core, true) != 0) {
        log_error("cmdline: refused: dsm.replicate=on: no directory replication under dsm.manager=%s",
                  dsm_scheme_name(dsm_core));
        kernel_exit(EXIT_BAD_CMDLINE);
    }
}

struct dsm_mm_msg {
    uint32_t op;    /* enum dsm_mm_op */
    uint32_t flags; /* in MM_APPLY: DSM_MM_F_WIDENS; in a request: 0 */
    uint64_t a[4];
    int64_t result; /* in MM_APPLY: what node 0 got */
};

/* A replication in flight at node 0: acks still to come, then who to tell. */
struct dsm_mm_pending {
    bool used;
    unsigned remaining;
    unsigned requester;    /* node that asked (0: a thread of node 0, parked with token) */
    uint64_t request_id;   /* requester's transport request, when requester != 0 */
    uint64_t token;
    int64_t result;
};
static struct dsm_mm_pending dsm_mm_pending[DSM_CONTROL_PENDING_MAX];
static uint64_t dsm_control_bad;

static bool dsm_mm_failed(int64_t r)
{
    return r < 0 && r >= -DSM_CONTROL_ERRNO_MAX;
}

/* A change that only adds addresses or rights (mmap at an address node 0 picks, a larger
 * brk, an mprotect that takes no right away; a MAP_FIXED mmap may replace memory, so it
 * waits like munmap): no thread can use them before the caller hands out a pointer or says
 * so, and a node that meets an address it has no region or rights for asks node 0
 * (dsm_control_regions_sync), whose answer comes after every change it sent. So the nodes
 * other than the caller's are told without waiting for them: about 2 round trips off such
 * a call from a node other than 0, one off node 0's (a large malloc, a thread's stack and
 * its guard page's mprotect). Node 0 decides it before performing the change. */
#define DSM_MM_F_WIDENS 1u
static bool dsm_mm_decide_widens(const struct dsm_mm_msg *m)
{
    return m->op == DSM_MM_BRK ||
           (m->op == DSM_MM_MMAP && !(m->a[3] & (LINUX_MAP_FIXED | LINUX_MAP_FIXED_NOREPLACE))) ||
           (m->op == DSM_MM_MPROTECT && uvm_range_rights_between(m->a[0], m->a[1], 0, (unsigned)m->a[2]));
}

static bool dsm_mm_widens(const struct dsm_mm_msg *m)
{
    return (m->flags & DSM_MM_F_WIDENS) != 0;
}

/* dsm.mm_hold_us=N (for tests; default 0): a node other than 0 holds each change that
 * widens for N us before it applies it, as if node 0's message were slow, so a test meets
 * addresses whose region is still on its way (tests/cluster/test_dsm_mmap_publish.py). Held
 * changes are applied in order, before any later change, and once the node has asked node 0
 * (dsm_control_regions_sync), where node 0's answer stands for its last change. */
#define DSM_CONTROL_MM_HOLD_MAX_US (NS_PER_SEC / NS_PER_US)
#define DSM_CONTROL_HELD_MAX 64 /* changes held at once; more are applied at once */
static uint64_t dsm_mm_hold_us;
CMDLINE_PARAM_U64(dsm_mm_hold_us, "dsm.mm_hold_us", 0, DSM_CONTROL_MM_HOLD_MAX_US,
                  "tests: hold each region change that widens this long before applying it");
static struct dsm_mm_msg dsm_mm_held[DSM_CONTROL_HELD_MAX];
static unsigned dsm_mm_held_count;
static struct timer dsm_mm_hold_timer;

/* Performs op on this node's region table as node 0 decided it (result). */
static void dsm_mm_apply(const struct dsm_mm_msg *m)
{
    uint64_t start = 0, end = 0;
    switch (m->op) {
    case DSM_MM_BRK:
        if ((uint64_t)m->result > (uint64_t)uvm_brk(0)) /* applies may pass each other: never shrink */
            uvm_brk((uint64_t)m->result);
        return;
    case DSM_MM_MMAP:
        uvm_mmap((uint64_t)m->result, PAGE_ALIGN_UP(m->a[1]), (unsigned)m->a[2],
                 LINUX_MAP_PRIVATE | LINUX_MAP_ANONYMOUS | LINUX_MAP_FIXED);
        return;
    case DSM_MM_MUNMAP:
        uvm_retire(m->a[0], m->a[1]);
        start = m->a[0], end = m->a[0] + PAGE_ALIGN_UP(m->a[1]);
        break;
    case DSM_MM_MPROTECT:
        uvm_mprotect(m->a[0], m->a[1], (unsigned)m->a[2]);
        start = m->a[0], end = m->a[0] + PAGE_ALIGN_UP(m->a[1]);
        break;
    case DSM_MM_REGION_MODE:
        dsm_region_mode_apply(m->a[0], m->a[1], m->a[2]);
        return;
    case DSM_MM_SIGACTION:
        signal_action_store(m->a[0], m->a[1], m->a[2], m->a[3]);
        return;
    default:
        return;
    }
    dsm_glue_resync(start, end);
}

/* Applies the held changes (dsm.mm_hold_us), oldest first. */
static void dsm_mm_release_held(void)
{
    for (unsigned i = 0; i < dsm_mm_held_count; i++)
        dsm_mm_apply(&dsm_mm_held[i]);
    dsm_mm_held_count = 0;
    timer_cancel(&dsm_mm_hold_timer);
}

static void dsm_mm_hold_over(struct timer *t, void *arg)
{
    (void)t, (void)arg;
    dsm_mm_release_held();
}

/* A change node 0 sent: applied now, or held (dsm.mm_hold_us) behind the ones held. */
static void dsm_mm_apply_sent(const struct dsm_mm_msg *m)
{
    if (dsm_mm_hold_us && dsm_mm_widens(m) && dsm_mm_held_count < DSM_CONTROL_HELD_MAX) {
        dsm_mm_held[dsm_mm_held_count++] = *m;
        if (!timer_pending(&dsm_mm_hold_timer))
            timer_arm(&dsm_mm_hold_timer, clock_now_ns() + dsm_mm_hold_us * NS_PER_US, dsm_mm_hold_over, NULL);
        return;
    }
    dsm_mm_release_held();
    dsm_mm_apply(m);
}

/* Node 0: performs the syscall of a thread of node requester itself; the result decides
 * what the others apply. */
static int64_t dsm_mm_execute(const struct dsm_mm_msg *m, unsigned requester)
{
    int64_t r;
    struct uvm_placement where;
    switch (m->op) {
    case DSM_MM_BRK: {
        uint64_t cur = (uint64_t)uvm_brk(0);
        return m->a[0] <= cur ? (int64_t)cur : uvm_brk(m->a[0]);
    }
    case DSM_MM_MMAP:
        return uvm_mmap_placed(m->a[0], m->a[1], (unsigned)m->a[2], (unsigned)m->a[3],
                               dsm_control_placement(requester, &where));
    case DSM_MM_MUNMAP:
        /* Kept as a retired region: the core cannot forget pages, so an address must
         * never be handed out twice (a new mapping must read as zeros). */
        r = uvm_retire(m->a[0], m->a[1]);
        dsm_glue_resync(m->a[0], m->a[0] + PAGE_ALIGN_UP(m->a[1]));
        return r;
    case DSM_MM_MPROTECT:
        r = uvm_mprotect(m->a[0], m->a[1], (unsigned)m->a[2]);
        dsm_glue_resync(m->a[0], m->a[0] + PAGE_ALIGN_UP(m->a[1]));
        return r;
    case DSM_MM_REGION_MODE:
        return dsm_region_mode_execute(m->a[0], m->a[1], m->a[2]);
    case DSM_MM_SIGACTION:
        signal_action_store(m->a[0], m->a[1], m->a[2], m->a[3]);
        return 0;
    default:
        return -LINUX_EINVAL;
    }
}

static void dsm_mm_finish(struct dsm_mm_pending *p)
{
    p->used = false;
    if (p->requester == 0)
        dsm_park_wake(p->token, p->result);
    else
        transport_reply(net_glue_net(), p->requester, p->request_id, &p->result, sizeof p->result);
}

static void dsm_mm_apply_done(void *ctx, int status, const uint8_t *reply, size_t len)
{
    (void)status, (void)reply, (void)len;
    struct dsm_mm_pending *p = ctx;
    if (--p->remaining == 0)
        dsm_mm_finish(p);
}

/* Node 0: tells every node but node 0 and except a change that widens (dsm_mm_widens),
 * without waiting: each applies it in the order node 0 sent it. */
static void dsm_mm_tell(const struct dsm_mm_msg *m, unsigned except)
{
    for (unsigned to = 1; to < dsm_nnodes; to++)
        if (to != except &&
            transport_send_queued(net_glue_net(), to, DSM_TYPE_MM_APPLY, m, sizeof *m) != NET_OK)
            log_error("dsm: region change not sent to node %u", to);
}

/* Node 0: sends the change to every node but node 0 and the requester; the pending
 * record completes once all acked. */
static void dsm_mm_replicate(struct dsm_mm_pending *p, const struct dsm_mm_msg *m)
{
    p->remaining = 1; /* held until every request is out */
    for (unsigned to = 1; to < dsm_nnodes; to++) {
        if (to == p->requester)
            continue;
        p->remaining++;
        if (transport_request(net_glue_net(), to, DSM_TYPE_MM_APPLY, m, sizeof *m, dsm_mm_apply_done, p) != NET_OK) {
            log_error("dsm: region change not sent to node %u", to);
            p->remaining--;
        }
    }
    dsm_mm_apply_done(p, NET_OK, NULL, 0);
}

static struct dsm_mm_pending *dsm_mm_pending_new(void)
{
    for (unsigned i = 0; i < DSM_CONTROL_PENDING_MAX; i++) {
        if (!dsm_mm_pending[i].used) {
            memset(&dsm_mm_pending[i], 0, sizeof dsm_mm_pending[i]);
            dsm_mm_pending[i].used = true;
            return &dsm_mm_pending[i];
        }
    }
    return NULL;
}

long dsm_control_mm(enum dsm_mm_op op, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
    struct dsm_mm_msg m = { .op = op, .a = { a0, a1, a2, a3 } };
    if (dsm_self != 0) {
        int64_t r = dsm_request_wait(0, DSM_TYPE_MM, &m, sizeof m);
        if (!dsm_mm_failed(r)) {
            m.result = r;
            dsm_mm_release_held(); /* node 0 ordered them before this one */
            dsm_mm_apply(&m);
        }
        return (long)r;
    }
    m.flags = dsm_mm_decide_widens(&m) ? DSM_MM_F_WIDENS : 0;
    m.result = dsm_mm_execute(&m, 0);
    if (dsm_mm_failed(m.result))
        return (long)m.result;
    if (dsm_mm_widens(&m)) {
        dsm_mm_tell(&m, 0);
        return (long)m.result;
    }
    struct dsm_mm_pending *p;
    while (!(p = dsm_mm_pending_new()))
        net_glue_poll();
    p->requester = 0;
    p->token = dsm_park_prepare();
    p->result = m.result;
    dsm_mm_replicate(p, &m);
    return (long)dsm_park_wait(p->token);
}

static void dsm_mm_input(void *ctx, struct net *n, uint32_t from, uint8_t type, const uint8_t *msg, size_t len,
                         uint64_t request_id)
{
    (void)ctx;
    struct dsm_mm_msg m;
    if (len != sizeof m || (!request_id && type != DSM_TYPE_MM_APPLY) || !dsm_active()) {
        dsm_control_bad++;
        log_error("dsm: bad region message from node %u", from);
        return;
    }
    memcpy(&m, msg, sizeof m);
    if (type == DSM_TYPE_MM_APPLY) {
        if (from == 0 && !(m.flags & ~DSM_MM_F_WIDENS))
            dsm_mm_apply_sent(&m);
        else if (dsm_control_bad++ == 0)
            log_error("dsm: bad region change from node %u dropped (further ones only counted)", from);
        if (request_id)
            transport_reply(n, from, request_id, NULL, 0);
        return;
    }
    m.flags = dsm_self == 0 && dsm_mm_decide_widens(&m) ? DSM_MM_F_WIDENS : 0; /* a requester's word is not taken */
    if (dsm_self == 0 && (m.op == DSM_MM_SYNC || dsm_mm_widens(&m))) {
        /* Answered at once: after every change sent to from before it (FIFO) */
        m.result = m.op == DSM_MM_SYNC ? 0 : dsm_mm_execute(&m, from);
        if (!dsm_mm_failed(m.result))
            dsm_mm_tell(&m, from);
        transport_reply(n, from, request_id, &m.result, sizeof m.result);
        return;
    }
    struct dsm_mm_pending *p = dsm_self == 0 ? dsm_mm_pending_new() : NULL;
    m.result = p ? dsm_mm_execute(&m, from) : -LINUX_EAGAIN;
    if (!p || dsm_mm_failed(m.result)) {
        if (p)
            p->used = false;
        transport_reply(n, from, request_id, &m.result, sizeof m.result);
        return;
    }
    p->requester = from;
    p->request_id = request_id;
    p->result = m.result;
    dsm_mm_replicate(p, &m);
}

bool dsm_control_regions_sync(void)
{
    if (!dsm_active() || dsm_self == 0)
        return false;
    struct dsm_mm_msg m = { .op = DSM_MM_SYNC };
    if (dsm_request_wait(0, DSM_TYPE_MM, &m, sizeof m) != 0)
        return false;
    dsm_mm_release_held();
    return true;
}

/* ---- the end of the program ---- */

static struct timer dsm_exit_timer;
static bool dsm_exiting;      /* node 0: the shutdown went out; others: it came in */
static bool dsm_remote_exit;  /* node 0: another node's exit_group started it */
static bool dsm_finished;
static int dsm_exit_status;
static unsigned dsm_shutdown_acks;

/* The dsm-stats and dsm-phases lines, then (only after ping-pong) the dsm-hot line: the
 * hottest pages by user address, most events first (docs/dsm-protocol.md section 9). */
static void dsm_stats_log(void)
{
    char line[DSM_CONTROL_STATS_LINE];
    dsm_stats_format(dsm_node_stats(dsm_core), dsm_self, line, sizeof line);
    log_info("%s", line);
    dsm_phase_log(dsm_self);
    dsm_affinity_log(dsm_self);
    dsm_glue_sites_log();
    uint64_t pages[DSM_CONTROL_HOT_PAGES];
    uint32_t counts[DSM_CONTROL_HOT_PAGES];
    unsigned hot = dsm_hot_pages(dsm_core, pages, counts, DSM_CONTROL_HOT_PAGES);
    if (!hot)
        return;
    int len = fmt_snprintf(line, sizeof line, "dsm-hot node=%u pages=%u", dsm_self, hot);
    for (unsigned i = 0; i < hot && i < DSM_CONTROL_HOT_PAGES && len > 0 && (size_t)len < sizeof line; i++)
        len += fmt_snprintf(line + len, sizeof line - (size_t)len, " page=0x%llx pingpong=%u",
                            (unsigned long long)(pages[i] << DSM_PAGE_SHIFT), counts[i]);
    log_info("%s", line);
}

/* Node 0 after another node's exit_group: the stats line, then program_exit's exit line
 * (dsm_control_exit returns at once there, the shutdown being done). */
static void dsm_remote_exit_finish(void)
{
    if (dsm_finished)
        return;
    dsm_finished = true;
    if (dsm_shutdown_acks + 1 < dsm_nnodes)
        log_warn("dsm: only %u of %u nodes acknowledged the shutdown", dsm_shutdown_acks, dsm_nnodes - 1);
    dsm_stats_log();
    program_exit(dsm_exit_status);
}

static void dsm_remote_exit_timeout(struct timer *t, void *arg)
{
    (void)t, (void)arg;
    dsm_remote_exit_finish();
}

static bool dsm_shutdown_check(void *ctx)
{
    (void)ctx;
    return dsm_shutdown_acks + 1 >= dsm_nnodes;
}

static void dsm_shutdown_done(void *ctx, int status, const uint8_t *reply, size_t len)
{
    (void)ctx, (void)status, (void)reply, (void)len;
    dsm_shutdown_acks++;
    if (dsm_remote_exit && dsm_shutdown_check(NULL))
        dsm_remote_exit_finish();
}

/* Node 0: asks every other node to print its stats and stop. */
static void dsm_shutdown_send(void)
{
    dsm_exiting = true;
    for (unsigned to = 1; to < dsm_nnodes; to++)
        if (transport_request(net_glue_net(), to, DSM_TYPE_SHUTDOWN, NULL, 0, dsm_shutdown_done, NULL) != NET_OK)
            log_warn("dsm: no shutdown sent to node %u", to);
}

static void dsm_member_exit(struct timer *t, void *arg)
{
    (void)t, (void)arg;
    kernel_exit(EXIT_OK);
}

static void dsm_shutdown_input(void *ctx, struct net *n, uint32_t from, uint8_t type, const uint8_t *msg, size_t len,
                               uint64_t request_id)
{
    (void)ctx, (void)type, (void)msg, (void)len;
    if (from != 0 || dsm_self == 0) {
        dsm_control_bad++;
        return;
    }
    if (!dsm_exiting) {
        dsm_exiting = true;
        dsm_stats_log();
        timer_arm(&dsm_exit_timer, clock_now_ns() + DSM_CONTROL_EXIT_DELAY_NS, dsm_member_exit, NULL);
    }
    if (request_id)
        transport_reply(n, from, request_id, NULL, 0);
}

static void dsm_exit_input(void *ctx, struct net *n, uint32_t from, uint8_t type, const uint8_t *msg, size_t len,
                           uint64_t request_id)
{
    (void)ctx, (void)n, (void)type, (void)request_id;
    int32_t status;
    if (dsm_self != 0 || from >= dsm_nnodes || len != sizeof status) {
        dsm_control_bad++;
        return;
    }
    memcpy(&status, msg, sizeof status);
    if (dsm_exiting)
        return;
    /* No waiting here (a handler; node 0 may have no thread at all): the last shutdown
     * ack, or the timer if some node stays silent, finishes the exit. */
    dsm_exit_status = status;
    dsm_remote_exit = true;
    dsm_shutdown_send();
    timer_arm(&dsm_exit_timer, clock_now_ns() + DSM_CONTROL_SHUTDOWN_WAIT_NS, dsm_remote_exit_timeout, NULL);
}

void dsm_control_exit(int status)
{
    if (!dsm_active())
        return;
    if (dsm_self != 0) {
        int32_t s = status;
        while (transport_send_queued(net_glue_net(), 0, DSM_TYPE_EXIT, &s, sizeof s) == NET_ERR_AGAIN)
            net_glue_poll();
        for (;;) /* node 0 ends this node with a shutdown */
            cpu_wait_for_interrupt();
    }
    if (dsm_exiting)
        return; /* the remote exit path prints the stats line itself */
    dsm_shutdown_send();
    if (!net_glue_spin_until(dsm_shutdown_check, NULL, DSM_CONTROL_SHUTDOWN_WAIT_NS))
        log_warn("dsm: only %u of %u nodes acknowledged the shutdown", dsm_shutdown_acks, dsm_nnodes - 1);
    dsm_stats_log();
}

void dsm_control_init(void)
{
    dsm_control_settings_apply();
    struct net *n = net_glue_net();
    transport_register_handler(n, DSM_TYPE_MM, dsm_mm_input, NULL);
    transport_register_handler(n, DSM_TYPE_MM_APPLY, dsm_mm_input, NULL);
    transport_register_handler(n, DSM_TYPE_EXIT, dsm_exit_input, NULL);
    transport_register_handler(n, DSM_TYPE_SHUTDOWN, dsm_shutdown_input, NULL);
}
