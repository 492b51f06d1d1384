/* SPDX-License-Identifier: MIT */
/* Threads and futexes across nodes (DESIGN.md 5, issue 5): clone() places the child by
 * policy (dsm.place=rr: round robin starting at the next node, dsm.place.run=K children
 * to a node before the next; local: never move) and
 * sends its register snapshot (struct user_context: general registers, RIP, RSP, RFLAGS,
 * FS base, FPU/SSE) in one message; dsmk_migrate moves the calling thread the same way
 * (its stack and data follow on demand); futex calls go to the word's manager through
 * the core. tkill finds a thread by its tid's start node, then along the departure records
 * of the nodes it left (a thread that moved is followed). */
#include "kernel/dsm_glue.h"

#include <arch/context.h>
#include <arch/fpu.h>

#include "kernel/clock.h"
#include "kernel/cmdline.h"
#include "kernel/cpu_watch.h"
#include "kernel/dsm_affinity.h"
#include "kernel/dsm_internal.h"
#include "kernel/libc.h"
#include "kernel/linux_abi.h"
#include "kernel/log.h"
#include "kernel/mm.h"
#include "kernel/net_glue.h"
#include "kernel/sched.h"
#include "kernel/signal_process.h"
#include "kernel/syscall.h"
#include "kernel/thread.h"
#include "kernel/time_conv.h"
#include "kernel/usercopy.h"
#include "net/net.h"

#define DSM_PLACE_RR 0
#define DSM_PLACE_LOCAL 1
/* cluster tid = (node it starts on + 1) << 22 | creating node << 18 | creator's sequence:
 * unique (each creator numbers its own), above the main thread's local tid, positive, and
 * naming the node a tkill goes to first (then it follows the thread's moves). 256 K
 * threads per creating node before a sequence wraps. */
#define DSM_TID_NODE_SHIFT 22
#define DSM_TID_CREATOR_SHIFT 18
#define DSM_TID_SEQ_MASK ((1u << DSM_TID_CREATOR_SHIFT) - 1)
_Static_assert(NET_MAX_NODES <= (1u << (DSM_TID_NODE_SHIFT - DSM_TID_CREATOR_SHIFT)), "creator ids must fit");
_Static_assert(((uint64_t)NET_MAX_NODES << DSM_TID_NODE_SHIFT) <= INT32_MAX, "cluster tids must stay positive");
#define DSM_THREADS_SYS_MIGRATE 2 /* user/include/dsmk.h DSMK_SYS_MIGRATE - DSMK_SYS_BASE */
/* Threads that left this node and where they went, newest over oldest: enough for a tkill
 * to follow every live thread unless more than this many moves happen here meanwhile. */
#define DSM_DEPARTURES_MAX 128
#define DSM_CPU_REFRESH_NS 1000000ull /* the other nodes' CPU time is asked for at most once a ms */
/* A signal request's answer for a thread that left the answering node: this plus the node
 * it went to (0 and -ESRCH are the other answers). */
#define DSM_SIGNAL_MOVED 1
/* Hops a tkill follows before giving up (EAGAIN): a thread moving faster than that. */
#define DSM_SIGNAL_MAX_HOPS (2 * NET_MAX_NODES)

static unsigned dsm_place_choice;
static const char *const dsm_place_names[] = { "rr", "local", NULL };
CMDLINE_PARAM_CHOICE(dsm_place_choice, "dsm.place", dsm_place_names,
                     "where clone() puts new threads: rr (round robin over the nodes) or local");
/* Consecutive threads often split an array between them (rows 0-255, 256-511, ...): kept
 * together, only the blocks' edges at node boundaries are shared across the network. */
static uint64_t dsm_place_run = 1;
CMDLINE_PARAM_U64(dsm_place_run, "dsm.place.run", 1, THREAD_MAX,
                  "under rr, how many consecutive clone() children one node takes before the next");

struct dsm_departure {
    int32_t tid; /* 0: free */
    uint32_t node;
};
static struct dsm_departure dsm_departures[DSM_DEPARTURES_MAX];
static unsigned dsm_departures_next;

static struct dsm_departure *dsm_departure_find(int32_t tid)
{
    for (unsigned i = 0; i < DSM_DEPARTURES_MAX; i++)
        if (dsm_departures[i].tid == tid)
            return &dsm_departures[i];
    return NULL;
}

/* Records that thread tid went to node (or, node == dsm_self, that it is back here). */
static void dsm_departure_note(int32_t tid, unsigned node)
{
    struct dsm_departure *d = dsm_departure_find(tid);
    if (node == dsm_self) {
        if (d)
            d->tid = 0;
        return;
    }
    if (!d) {
        d = &dsm_departures[dsm_departures_next];
        dsm_departures_next = (dsm_departures_next + 1) % DSM_DEPARTURES_MAX;
    }
    *d = (struct dsm_departure){ tid, node };
}

static unsigned dsm_clones;
static bool dsm_threads_sent_away; /* a thread was started on, or moved to, another node */
static uint32_t dsm_tid_seq;
static uint64_t dsm_thread_start_failures;
static unsigned dsm_starts_in_flight; /* this node's asynchronous thread starts not yet answered */
/* Table slots kept free beside those in flight: a start that another node refuses runs here. */
#define DSM_START_LOCAL_SPARE 2

struct dsm_thread_msg {
    struct user_context ctx;
    uint64_t clear_child_tid;
    uint64_t robust_list;       /* set_robust_list's head (a new thread: none) */
    uint64_t sigmask;
    uint64_t altstack_sp, altstack_size; /* a moved thread keeps its sigaltstack; a new one has none */
    uint64_t sigpending, sigpending_kill; /* a moved thread's pending signals go with it */
    uint64_t sigpending_timer;            /* ... with their timers' siginfo */
    struct thread_sigtimer sigtimer[THREAD_NSIG];
    int32_t tid;
    int32_t nice;               /* its nice value (a new thread: its creator's) */
    uint64_t clock_seen_ns;     /* its clock floor (a new thread: its creator's), kernel/time_conv.h */
    uint64_t cpu_ns;            /* its CPU clock (a new thread: 0) */
    struct thread_prctl prctl;  /* its prctl settings (a new thread: inherited from its creator's) */
    struct dsm_affinity_history affinity; /* its data-affinity judges' decisions (a new thread: its home) */
    uint8_t pinned;             /* 1: the program placed it; affinity leaves it there */
    uint8_t by_affinity;        /* 1: moved by its affinity judge */
};

int32_t dsm_threads_new_tid(unsigned node)
{
    return (int32_t)(((node + 1) << DSM_TID_NODE_SHIFT) | (dsm_self << DSM_TID_CREATOR_SHIFT) |
                     (++dsm_tid_seq & DSM_TID_SEQ_MASK));
}

unsigned dsm_threads_place(void)
{
    if (dsm_place_choice == DSM_PLACE_LOCAL)
        return dsm_self;
    return (unsigned)((dsm_self + 1 + dsm_clones++ / dsm_place_run) % dsm_nnodes);
}

/* A new thread's start request on its way to another node: the snapshot stays here until
 * that node answers, so that the thread can start here instead if it could not there. */
struct dsm_thread_start {
    struct dsm_thread_msg msg;
    unsigned to;
};

static int64_t dsm_thread_install(const struct dsm_thread_msg *m, unsigned from);

/* The answer to an asynchronous start (thread context or not): done, or the thread starts
 * here, on the table slot dsm_threads_start kept for it. */
static void dsm_thread_start_done(void *ctx, int status, const uint8_t *reply, size_t len)
{
    struct dsm_thread_start *s = ctx;
    int64_t v = status == NET_OK ? 0 : -LINUX_EIO;
    if (status == NET_OK && reply && len >= sizeof v)
        memcpy(&v, reply, sizeof v);
    dsm_starts_in_flight--;
    if (v < 0) {
        s->msg.affinity.home = (uint16_t)dsm_self;
        int64_t here = dsm_thread_install(&s->msg, dsm_self);
        if (here < 0)
            log_error("dsm: thread %d started neither on node %u (%lld) nor here (%lld): it is lost", s->msg.tid,
                      s->to, (long long)v, (long long)here);
        else
            log_warn("dsm: thread %d could not start on node %u (%lld): it runs here", s->msg.tid, s->to,
                     (long long)v);
    }
    kfree(s);
}

/* The start request of a new thread tid for node to, with the calling thread's settings
 * (sys_clone's); NULL without memory. Private to its call: the tid stores may park this
 * thread while another clones (sys_clone's snapshot buffer is shared). */
static struct dsm_thread_start *dsm_thread_start_new(unsigned to, int32_t tid, const struct user_context *ctx,
                                                     uint64_t flags, uint64_t uchild_tid, uint64_t sigmask)
{
    struct dsm_thread_start *s = kmalloc(sizeof *s);
    if (!s)
        return NULL;
    memset(s, 0, sizeof *s);
    s->to = to;
    struct dsm_thread_msg *m = &s->msg;
    m->ctx = *ctx;
    m->clear_child_tid = (flags & LINUX_CLONE_CHILD_CLEARTID) ? uchild_tid : 0;
    m->sigmask = sigmask;
    m->nice = thread_current()->nice;
    m->prctl = thread_prctl_inherit(thread_current()->prctl);
    m->clock_seen_ns = thread_current()->clock_seen_ns;
    m->tid = tid;
    m->affinity.home = (uint16_t)to;
    return s;
}

/* Both tid stores clone asked for: before the child can run anywhere, as in Linux. */
static void dsm_thread_tid_stores(int32_t tid, uint64_t flags, uint64_t uparent_tid, uint64_t uchild_tid)
{
    if (flags & LINUX_CLONE_PARENT_SETTID)
        copy_to_user(uparent_tid, &tid, sizeof tid);
    if (flags & LINUX_CLONE_CHILD_SETTID)
        copy_to_user(uchild_tid, &tid, sizeof tid);
}

/* Sends s's thread to s->to and waits for the answer; frees s. 0 or -EAGAIN. */
static long dsm_thread_start_wait(struct dsm_thread_start *s)
{
    dsm_threads_sent_away = true; /* before the request: the thread may start at once */
    int64_t rc = dsm_request_wait(s->to, DSM_TYPE_THREAD, &s->msg, sizeof s->msg);
    kfree(s);
    return rc < 0 ? -LINUX_EAGAIN : 0;
}

long dsm_threads_start(unsigned to, int32_t tid, const struct user_context *ctx, uint64_t flags, uint64_t uparent_tid,
                       uint64_t uchild_tid, uint64_t sigmask)
{
    struct dsm_thread_start *s = dsm_thread_start_new(to, tid, ctx, flags, uchild_tid, sigmask);
    if (!s)
        return -LINUX_EAGAIN;
    dsm_thread_tid_stores(tid, flags, uparent_tid, uchild_tid);
    /* No slot here to fall back on: wait for the answer, so a failure is clone's EAGAIN. */
    if (thread_live_count() + (int)dsm_starts_in_flight + DSM_START_LOCAL_SPARE >= THREAD_MAX)
        return dsm_thread_start_wait(s);
    /* Returns at once (as a local clone does): the creator goes on while the snapshot
     * travels, so its writes into the new thread's descriptor (musl links it into the
     * thread list after clone) are done before the thread's first fault fetches that page. */
    dsm_threads_sent_away = true;
    dsm_starts_in_flight++; /* before the request: its answer may come while we poll */
    int rc;
    while ((rc = transport_request(net_glue_net(), to, DSM_TYPE_THREAD, &s->msg, sizeof s->msg,
                                   dsm_thread_start_done, s)) == NET_ERR_AGAIN)
        net_glue_poll();
    if (rc != NET_OK) {
        dsm_starts_in_flight--;
        kfree(s);
        return -LINUX_EAGAIN;
    }
    return 0;
}

long dsm_threads_start_elsewhere(int32_t tid, const struct user_context *ctx, uint64_t flags, uint64_t uparent_tid,
                                 uint64_t uchild_tid, uint64_t sigmask)
{
    dsm_thread_tid_stores(tid, flags, uparent_tid, uchild_tid);
    for (unsigned i = 1; i < dsm_nnodes; i++) {
        unsigned to = (dsm_self + i) % dsm_nnodes;
        struct dsm_thread_start *s = dsm_thread_start_new(to, tid, ctx, flags, uchild_tid, sigmask);
        if (!s)
            return -LINUX_EAGAIN;
        if (dsm_thread_start_wait(s) == 0) {
            dsm_departure_note(tid, to); /* its tid names this node: a signal is sent on */
            return 0;
        }
    }
    return -LINUX_EAGAIN;
}

/* Starts the thread m describes on this node (from: the node that sent it); 0 or -EAGAIN. */
static int64_t dsm_thread_install(const struct dsm_thread_msg *m, unsigned from)
{
    struct thread *t = thread_create_user(&m->ctx);
    if (!t)
        return -LINUX_EAGAIN;
    t->tid = m->tid; /* the cluster-wide id clone() returned (thread.h allows it before the first run) */
    t->clear_child_tid = m->clear_child_tid;
    t->robust_list = m->robust_list;
    t->sigmask = m->sigmask;
    t->altstack_sp = m->altstack_sp;
    t->altstack_size = m->altstack_size;
    t->sigpending = m->sigpending;
    t->sigpending_kill = m->sigpending_kill;
    t->sigpending_timer = m->sigpending_timer & m->sigpending;
    memcpy(t->sigtimer, m->sigtimer, sizeof t->sigtimer);
    /* a peer's value: kept in range whatever it says */
    t->nice = m->nice < THREAD_NICE_MIN ? THREAD_NICE_MIN : m->nice > THREAD_NICE_MAX ? THREAD_NICE_MAX : m->nice;
    t->clock_seen_ns = m->clock_seen_ns;
    t->cpu_moved_ns = m->cpu_ns;
    t->prctl = m->prctl; /* a peer's bytes, read back by the program only */
    dsm_departure_note(m->tid, dsm_self); /* it may have lived here before */
    dsm_affinity_arrived(t, from, m->pinned != 0, &m->affinity, m->by_affinity != 0);
    return 0;
}

static void dsm_thread_input(void *ctx, struct net *n, uint32_t from, uint8_t type, const uint8_t *msg, size_t len,
                             uint64_t request_id)
{
    (void)ctx, (void)type;
    int64_t status = 0;
    static struct dsm_thread_msg m;
    if (len != sizeof m || !dsm_active()) {
        log_error("dsm: bad thread start from node %u", from);
        status = -LINUX_EINVAL;
    } else {
        memcpy(&m, msg, sizeof m);
        status = dsm_thread_install(&m, from);
        if (status < 0) {
            dsm_thread_start_failures++;
            /* A new thread's creator starts it itself then: a signal for its tid, which
             * names this node, is sent on to there. */
            dsm_departure_note(m.tid, from);
        }
    }
    if (request_id)
        transport_reply(n, from, request_id, &status, sizeof status);
}

static long dsm_signal_from(uint32_t node, int32_t tid, int sig, const struct signal_timer_source *queued);

/* Moves the calling thread to node (!= here) as its user state stands in its trap frame:
 * from a system call (its result 0 is what the copy there returns) or from a page fault
 * (the faulting instruction runs again there). No return on success; -errno otherwise. */
static long dsm_threads_move(unsigned node, bool from_syscall, bool by_affinity)
{
    struct thread *t = thread_current();
    struct dsm_thread_msg *m = kmalloc(sizeof *m);
    if (!m)
        return -LINUX_ENOMEM;
    memset(m, 0, sizeof *m);
    fpu_save(&t->fpu); /* the live registers are the thread's current state */
    thread_capture(t, &m->ctx);
    if (from_syscall)
        m->ctx.rax = 0;
    m->clear_child_tid = t->clear_child_tid;
    m->robust_list = t->robust_list;
    m->sigmask = t->sigmask;
    m->altstack_sp = t->altstack_sp;
    m->altstack_size = t->altstack_size;
    m->sigpending = t->sigpending;
    m->sigpending_kill = t->sigpending_kill;
    m->sigpending_timer = t->sigpending_timer;
    memcpy(m->sigtimer, t->sigtimer, sizeof m->sigtimer);
    m->nice = t->nice;
    m->prctl = t->prctl;
    m->clock_seen_ns = t->clock_seen_ns;
    m->cpu_ns = sched_thread_cpu_ns(t);
    m->tid = t->tid;
    bool pinned;
    dsm_affinity_leaving(t, &pinned, &m->affinity);
    m->pinned = pinned;
    m->by_affinity = by_affinity;
    dsm_threads_sent_away = true;
    int64_t rc = dsm_request_wait((unsigned)node, DSM_TYPE_THREAD, m, sizeof *m);
    uint64_t late = t->sigpending & ~m->sigpending; /* sent to this copy while the move was on */
    kfree(m);
    if (rc < 0)
        return -LINUX_EAGAIN;
    dsm_departure_note(t->tid, node);
    for (; late; late &= late - 1) /* to the new copy: this one is about to go */
        dsm_signal_from(node, t->tid, __builtin_ctzll(late) + 1, NULL);
    t->clear_child_tid = 0; /* the thread lives on: nobody must see it exit, */
    t->robust_list = 0;     /* nor its mutexes' owner die */
    thread_exit(0);
}

long dsm_threads_migrate_self(unsigned node)
{
    if (node >= dsm_nnodes)
        return -LINUX_EINVAL;
    dsm_affinity_pin(thread_current()); /* the program chose its node */
    return node == dsm_self ? 0 : dsm_threads_move(node, true, false);
}

long dsm_threads_move_by_affinity(unsigned node)
{
    return node >= dsm_nnodes || node == dsm_self ? -LINUX_EINVAL : dsm_threads_move(node, false, true);
}

/* dsmk_migrate(node) (user/include/dsmk.h). */
static long dsm_sys_migrate(uint64_t node, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
    return node >= dsm_nnodes ? -LINUX_EINVAL : dsm_threads_migrate_self((unsigned)node);
}

struct dsm_signal_msg {
    int32_t tid;
    int32_t sig;
    uint32_t from_timer; /* 1: a timer's signal (timer below); 0: a tkill or kill */
    uint32_t extra;      /* a timer's: expirations beyond the first */
    struct signal_timer_source timer;
    uint32_t to_process; /* 1: any thread here that takes it (tid first, if here); -ESRCH: none */
    uint32_t by_kill;    /* 1: kill()'s (si_code SI_USER) */
};

/* Where thread tid is, as this node knows: here (0, sig made pending, or
 * DSM_THREADS_SIGNAL_ENDS; DSM_THREADS_SIGNAL_MERGED for a timer's signal pending there
 * already), gone to another node (DSM_SIGNAL_MOVED + node), or unknown here (-ESRCH). A
 * timer's signal is made pending even where its default action ends the program: the
 * target ends it when it takes the signal, as there is no sender's thread to do it. */
static int64_t dsm_signal_local(const struct dsm_signal_msg *m)
{
    int32_t tid = m->tid, sig = m->sig;
    struct thread *t = thread_find(tid);
    if (m->to_process) {
        if (sig <= 0 || sig > LINUX_NSIG || !(t = signal_process_taker(t, (uint64_t)sig)))
            return -LINUX_ESRCH;
    }
    if (t) {
        if (sig <= 0 || sig > LINUX_NSIG)
            return 0;
        if (m->from_timer)
            return signal_make_pending_timer(t, (uint64_t)sig, &m->timer, m->extra)
                       ? DSM_THREADS_SIGNAL_MERGED
                       : 0;
        if (signal_ends_program(t, (uint64_t)sig))
            return DSM_THREADS_SIGNAL_ENDS; /* the sender ends it, in its own thread's context */
        signal_make_pending(t, (uint64_t)sig, m->by_kill != 0);
        return 0;
    }
    const struct dsm_departure *d = dsm_departure_find(tid);
    return d ? DSM_SIGNAL_MOVED + (int64_t)d->node : -LINUX_ESRCH;
}

/* Sends sig to thread tid (with queued's siginfo, if not NULL), asking node first and then
 * the nodes it moved to. */
static long dsm_signal_from(uint32_t node, int32_t tid, int sig, const struct signal_timer_source *queued)
{
    for (unsigned hop = 0; hop < DSM_SIGNAL_MAX_HOPS; hop++) {
        if (node >= dsm_nnodes)
            return -LINUX_ESRCH;
        int64_t r;
        struct dsm_signal_msg m = { .tid = tid, .sig = sig, .from_timer = queued != NULL };
        if (queued)
            m.timer = *queued;
        if (node == dsm_self)
            r = dsm_signal_local(&m);
        else
            r = dsm_request_wait(node, DSM_TYPE_SIGNAL, &m, sizeof m);
        if (r == 0 || r == -LINUX_ESRCH || r == DSM_THREADS_SIGNAL_ENDS)
            return (long)r;
        if (r < DSM_SIGNAL_MOVED)
            return -LINUX_EAGAIN;
        node = (uint32_t)(r - DSM_SIGNAL_MOVED);
    }
    return -LINUX_EAGAIN;
}

/* The node thread tid started on: the main thread's local tid is below every cluster tid. */
static uint32_t dsm_tid_home(int32_t tid)
{
    return (uint32_t)tid < (1u << DSM_TID_NODE_SHIFT) ? 0 : ((uint32_t)tid >> DSM_TID_NODE_SHIFT) - 1;
}

/* The answer to DSM_TYPE_THREAD_CPU: status 0 and the thread's CPU clock in ns, or (as for
 * a signal) DSM_SIGNAL_MOVED + the node it went to, or -ESRCH. */
struct dsm_thread_cpu_answer {
    int64_t status;
    uint64_t ns;
};

static struct dsm_thread_cpu_answer dsm_thread_cpu_local(int32_t tid)
{
    const struct thread *t = thread_find(tid);
    if (t)
        return (struct dsm_thread_cpu_answer){ 0, sched_thread_cpu_ns(t) };
    const struct dsm_departure *d = dsm_departure_find(tid);
    return (struct dsm_thread_cpu_answer){ d ? DSM_SIGNAL_MOVED + (int64_t)d->node : -LINUX_ESRCH, 0 };
}

/* Another node reads the CPU clock of a thread (its tid in the request) it thinks is here. */
static void dsm_thread_cpu_input(void *ctx, struct net *n, uint32_t from, uint8_t type, const uint8_t *msg,
                                 size_t len, uint64_t request_id)
{
    (void)ctx, (void)type;
    int32_t tid;
    if (len != sizeof tid || !request_id) {
        log_error("dsm: bad thread CPU clock question from node %u", from);
        return;
    }
    memcpy(&tid, msg, sizeof tid);
    struct dsm_thread_cpu_answer a = dsm_thread_cpu_local(tid);
    transport_reply(n, from, request_id, &a, sizeof a);
}

long dsm_threads_thread_cpu_ns(int32_t tid, uint64_t *ns)
{
    uint32_t node = dsm_tid_home(tid);
    for (unsigned hop = 0; dsm_active() && hop < DSM_SIGNAL_MAX_HOPS && node < dsm_nnodes; hop++) {
        struct dsm_thread_cpu_answer a;
        if (node == dsm_self)
            a = dsm_thread_cpu_local(tid);
        else if (dsm_request_wait_data(node, DSM_TYPE_THREAD_CPU, &tid, sizeof tid, &a, sizeof a) != 0)
            return -LINUX_EAGAIN;
        if (a.status == 0) {
            *ns = a.ns;
            return 0;
        }
        if (a.status < DSM_SIGNAL_MOVED)
            return a.status == -LINUX_ESRCH ? -LINUX_ESRCH : -LINUX_EAGAIN;
        node = (uint32_t)(a.status - DSM_SIGNAL_MOVED);
    }
    return -LINUX_ESRCH;
}

long dsm_threads_signal(int32_t tid, int sig)
{
    return dsm_threads_signal_info(tid, sig, NULL);
}

long dsm_threads_signal_info(int32_t tid, int sig, const struct signal_timer_source *queued)
{
    if (!dsm_active() || tid <= 0)
        return -LINUX_ESRCH;
    return dsm_signal_from(dsm_tid_home(tid), tid, sig, queued);
}

long dsm_threads_signal_process(int sig)
{
    return dsm_threads_signal_process_info(sig, NULL);
}

long dsm_threads_signal_process_info(int sig, const struct signal_timer_source *queued)
{
    if (!dsm_active() || sig <= 0 || sig > LINUX_NSIG)
        return -LINUX_ESRCH;
    struct dsm_signal_msg m = { .sig = sig, .to_process = 1, .by_kill = queued == NULL, .from_timer = queued != NULL };
    if (queued)
        m.timer = *queued;
    for (unsigned node = 0; node < dsm_nnodes; node++) {
        if (node == dsm_self)
            continue; /* the caller looked here */
        int64_t r = dsm_request_wait(node, DSM_TYPE_SIGNAL, &m, sizeof m);
        if (r == 0 || r == DSM_THREADS_SIGNAL_ENDS)
            return (long)r;
    }
    return -LINUX_ESRCH;
}

/* A timer's signal on its way: the request, where it was sent, and whom to tell. A signal
 * for the process first asks every node, from the target's, for a thread that takes it
 * (asked counts them); then, or for a thread's signal at once, it goes to the target. */
struct dsm_timer_signal {
    struct dsm_signal_msg m;
    unsigned hops;
    unsigned asked;
    uint32_t first_node;
    bool to_process;
    dsm_signal_done_fn done;
    void *ctx;
};

static void dsm_timer_signal_step(struct dsm_timer_signal *ts, uint32_t node);

static void dsm_timer_signal_finish(struct dsm_timer_signal *ts, long result)
{
    ts->done(ts->ctx, result);
    kfree(ts);
}

/* The next step of a process's signal: the next node to ask for a taker, or the target. */
static void dsm_timer_signal_next(struct dsm_timer_signal *ts)
{
    if (ts->to_process && ts->asked < dsm_nnodes) {
        uint32_t node = (ts->first_node + ts->asked++) % dsm_nnodes;
        ts->m.to_process = 1;
        dsm_timer_signal_step(ts, node);
        return;
    }
    if (ts->to_process) { /* no taker on any node: the process keeps it here */
        bool merged = signal_process_keep((uint64_t)ts->m.sig, false, &ts->m.timer, ts->m.extra);
        dsm_timer_signal_finish(ts, merged ? DSM_THREADS_SIGNAL_MERGED : 0);
        return;
    }
    dsm_timer_signal_step(ts, ts->first_node);
}

static void dsm_timer_signal_reply(void *ctx, int status, const uint8_t *reply, size_t len)
{
    struct dsm_timer_signal *ts = ctx;
    int64_t r = -LINUX_EAGAIN;
    if (status == NET_OK && len == sizeof r)
        memcpy(&r, reply, sizeof r);
    if (ts->m.to_process && r == -LINUX_ESRCH) { /* no taker there: the next node */
        dsm_timer_signal_next(ts);
        return;
    }
    if (r >= DSM_SIGNAL_MOVED && r < DSM_SIGNAL_MOVED + (int64_t)dsm_nnodes && ++ts->hops < DSM_SIGNAL_MAX_HOPS) {
        dsm_timer_signal_step(ts, (uint32_t)(r - DSM_SIGNAL_MOVED));
        return;
    }
    dsm_timer_signal_finish(ts, r == 0 || r == DSM_THREADS_SIGNAL_MERGED || r == -LINUX_ESRCH ? (long)r
                                                                                                  : -LINUX_EAGAIN);
}

/* Asks node (this one: at once) to make the signal pending on its thread. */
static void dsm_timer_signal_step(struct dsm_timer_signal *ts, uint32_t node)
{
    if (node == dsm_self) {
        int64_t r = dsm_signal_local(&ts->m);
        if (ts->m.to_process && r == -LINUX_ESRCH) {
            dsm_timer_signal_next(ts);
            return;
        }
        if (r >= DSM_SIGNAL_MOVED && ++ts->hops < DSM_SIGNAL_MAX_HOPS && (uint32_t)(r - DSM_SIGNAL_MOVED) != node) {
            dsm_timer_signal_step(ts, (uint32_t)(r - DSM_SIGNAL_MOVED));
            return;
        }
        dsm_timer_signal_finish(ts, r >= DSM_SIGNAL_MOVED ? -LINUX_EAGAIN : (long)r);
        return;
    }
    /* From a timer interrupt nothing can wait for room: a full window fails the send (the
     * timer counts the expirations and tries again). */
    if (transport_request(net_glue_net(), node, DSM_TYPE_SIGNAL, &ts->m, sizeof ts->m, dsm_timer_signal_reply, ts) !=
        NET_OK)
        dsm_timer_signal_finish(ts, -LINUX_EAGAIN);
}

void dsm_threads_signal_timer(int32_t tid, int sig, const struct signal_timer_source *from, uint32_t extra,
                              bool to_process, dsm_signal_done_fn done, void *ctx)
{
    struct dsm_timer_signal *ts = kmalloc(sizeof *ts);
    if (!ts) {
        done(ctx, -LINUX_EAGAIN);
        return;
    }
    *ts = (struct dsm_timer_signal){ .m = { .tid = tid, .sig = sig, .from_timer = 1, .extra = extra, .timer = *from },
                                     .first_node = dsm_tid_home(tid), .to_process = to_process, .done = done,
                                     .ctx = ctx };
    dsm_timer_signal_next(ts);
}

/* Another node's thread waits in sigwait for a signal of the set in the request: one
 * this node keeps for the process goes to it (struct signal_claim, sig 0: none). */
static void dsm_signal_claim_input(void *ctx, struct net *n, uint32_t from, uint8_t type, const uint8_t *msg,
                                   size_t len, uint64_t request_id)
{
    (void)ctx, (void)type;
    struct signal_claim claim = { 0 };
    uint64_t set;
    if (len == sizeof set && request_id) {
        memcpy(&set, msg, sizeof set);
        signal_process_claim(set, &claim);
    } else {
        log_error("dsm: bad signal claim from node %u", from);
    }
    if (request_id)
        transport_reply(n, from, request_id, &claim, sizeof claim);
}

/* The questions another node asks with no payload, each answered by one uint64_t:
 * DSM_TYPE_SIGNAL_PEEK (its sigpending: the signals this node keeps for the process) and
 * DSM_TYPE_CPU_PEEK (its process CPU clock: this node's threads' CPU time, exited ones
 * included, ns). */
static void dsm_peek_input(void *ctx, struct net *n, uint32_t from, uint8_t type, const uint8_t *msg, size_t len,
                           uint64_t request_id)
{
    (void)ctx, (void)msg;
    if (len != 0 || !request_id) {
        log_error("dsm: bad question (type %u) from node %u", type, from);
        return;
    }
    uint64_t answer = type == DSM_TYPE_SIGNAL_PEEK ? signal_process_pending() : sched_process_cpu_ns();
    transport_reply(n, from, request_id, &answer, sizeof answer);
}

/* Asks every other node the question of type (dsm_peek_input) and folds the answers that
 * came: their OR, or their sum. */
static uint64_t dsm_ask_others(uint8_t type, bool sum)
{
    uint64_t all = 0;
    for (unsigned node = 0; dsm_active() && node < dsm_nnodes; node++) {
        uint64_t one;
        if (node != dsm_self && dsm_request_wait_data(node, type, NULL, 0, &one, sizeof one) == 0)
            all = sum ? all + one : all | one;
    }
    return all;
}

uint64_t dsm_threads_signals_kept_elsewhere(void)
{
    return dsm_ask_others(DSM_TYPE_SIGNAL_PEEK, false);
}

uint64_t dsm_threads_process_cpu_ns(void)
{
    /* The other nodes' part is asked again at most every DSM_CPU_REFRESH_NS: a program that
     * calls clock() in a loop would otherwise wait for the network on every call. */
    static uint64_t elsewhere_ns, asked_at_ns;
    uint64_t now = clock_now_ns();
    if (dsm_active() && (!asked_at_ns || now - asked_at_ns >= DSM_CPU_REFRESH_NS)) {
        uint64_t sum = dsm_ask_others(DSM_TYPE_CPU_PEEK, true);
        /* the clock never goes back, also when a node did not answer this time */
        elsewhere_ns = sum > elsewhere_ns ? sum : elsewhere_ns;
        asked_at_ns = now;
    }
    return sched_process_cpu_ns() + elsewhere_ns;
}

/* Another node keeps signals for the process: a thread here that unblocks one claims it. */
static void dsm_signal_kept_input(void *ctx, struct net *n, uint32_t from, uint8_t type, const uint8_t *msg,
                                  size_t len, uint64_t request_id)
{
    (void)ctx, (void)n, (void)type, (void)request_id;
    uint64_t bits;
    if (len != sizeof bits) {
        log_error("dsm: bad kept-signal note from node %u", from);
        return;
    }
    memcpy(&bits, msg, sizeof bits);
    signal_process_hint(bits);
}

void dsm_threads_signal_kept(uint64_t bits)
{
    if (!dsm_active())
        return;
    for (unsigned node = 0; node < dsm_nnodes; node++)
        if (node != dsm_self &&
            transport_send_queued(net_glue_net(), node, DSM_TYPE_SIGNAL_KEPT, &bits, sizeof bits) != NET_OK)
            log_warn("dsm: node %u not told of a signal kept for the process", node);
}

bool dsm_threads_claim_signal(uint64_t set, struct signal_claim *out)
{
    if (!dsm_active())
        return false;
    for (unsigned node = 0; node < dsm_nnodes; node++) {
        if (node == dsm_self)
            continue;
        if (dsm_request_wait_data(node, DSM_TYPE_SIGNAL_CLAIM, &set, sizeof set, out, sizeof *out) == 0 &&
            out->sig > 0)
            return true;
    }
    return false;
}

static void dsm_signal_input(void *ctx, struct net *n, uint32_t from, uint8_t type, const uint8_t *msg, size_t len,
                             uint64_t request_id)
{
    (void)ctx, (void)type;
    struct dsm_signal_msg m = { 0 };
    int64_t status = -LINUX_ESRCH;
    if (len == sizeof m)
        memcpy(&m, msg, sizeof m);
    if (len == sizeof m && request_id && m.from_timer <= 1 && m.to_process <= 1 && m.by_kill <= 1)
        status = dsm_signal_local(&m);
    else
        log_error("dsm: bad signal request from node %u", from);
    if (request_id)
        transport_reply(n, from, request_id, &status, sizeof status);
}

bool dsm_threads_spread(void)
{
    return dsm_threads_sent_away;
}

void dsm_threads_init(void)
{
    transport_register_handler(net_glue_net(), DSM_TYPE_THREAD, dsm_thread_input, NULL);
    transport_register_handler(net_glue_net(), DSM_TYPE_SIGNAL, dsm_signal_input, NULL);
    transport_register_handler(net_glue_net(), DSM_TYPE_SIGNAL_CLAIM, dsm_signal_claim_input, NULL);
    transport_register_handler(net_glue_net(), DSM_TYPE_SIGNAL_PEEK, dsm_peek_input, NULL);
    transport_register_handler(net_glue_net(), DSM_TYPE_CPU_PEEK, dsm_peek_input, NULL);
    transport_register_handler(net_glue_net(), DSM_TYPE_THREAD_CPU, dsm_thread_cpu_input, NULL);
    transport_register_handler(net_glue_net(), DSM_TYPE_SIGNAL_KEPT, dsm_signal_kept_input, NULL);
    cpu_watch_init();
    syscall_set_dsmk(DSM_THREADS_SYS_MIGRATE, dsm_sys_migrate);
}

/* ---- futexes ---- */

static long dsm_futex_finish(int rc, uint64_t token)
{
    if (rc == DSM_PENDING)
        return (long)dsm_park_wait(token);
    return rc;
}

long dsm_futex_syscall(uint64_t uaddr, int cmd, bool realtime, uint32_t val, uint64_t timeout_or_val2,
                       uint64_t uaddr2, uint32_t val3)
{
    switch (cmd) {
    case LINUX_FUTEX_WAIT:
    case LINUX_FUTEX_WAIT_BITSET: {
        bool bitset = cmd == LINUX_FUTEX_WAIT_BITSET;
        if (bitset && val3 == 0)
            return -LINUX_EINVAL;
        uint64_t deadline = 0;
        if (timeout_or_val2) {
            /* FUTEX_WAIT's timeout is relative even with FUTEX_CLOCK_REALTIME (futex(2)). */
            long bad = time_deadline_from_user(timeout_or_val2, bitset, realtime, &deadline);
            if (bad)
                return bad;
            if (deadline <= clock_now_ns())
                return -LINUX_ETIMEDOUT;
        }
        uint64_t token = dsm_park_prepare();
        return dsm_futex_finish(
            dsm_futex_wait(dsm_core, uaddr, val, bitset ? val3 : DSM_FUTEX_BITSET_ANY, deadline, token), token);
    }
    case LINUX_FUTEX_WAKE:
    case LINUX_FUTEX_WAKE_BITSET: {
        bool bitset = cmd == LINUX_FUTEX_WAKE_BITSET;
        if (bitset && val3 == 0)
            return -LINUX_EINVAL;
        uint64_t token = dsm_park_prepare();
        return dsm_futex_finish(dsm_futex_wake(dsm_core, uaddr, val, bitset ? val3 : DSM_FUTEX_BITSET_ANY, token),
                                token);
    }
    case LINUX_FUTEX_REQUEUE:
    case LINUX_FUTEX_CMP_REQUEUE: {
        if ((int32_t)val < 0 || (int64_t)timeout_or_val2 < 0)
            return -LINUX_EINVAL;
        if ((uaddr2 & 3) || !user_range_ok(uaddr2, sizeof(uint32_t)))
            return -LINUX_EFAULT;
        uint32_t nmove = timeout_or_val2 > UINT32_MAX ? UINT32_MAX : (uint32_t)timeout_or_val2;
        uint64_t token = dsm_park_prepare();
        return dsm_futex_finish(dsm_futex_requeue(dsm_core, uaddr, uaddr2, val, nmove,
                                                  cmd == LINUX_FUTEX_CMP_REQUEUE, val3, token),
                                token);
    }
    default:
        return -LINUX_ENOSYS;
    }
}

int dsm_futex_wake_address(uint64_t addr, int n)
{
    uint64_t token = dsm_park_prepare();
    return (int)dsm_futex_finish(dsm_futex_wake(dsm_core, addr, (uint32_t)n, DSM_FUTEX_BITSET_ANY, token), token);
}
