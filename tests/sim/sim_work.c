/* SPDX-License-Identifier: MIT */
/* Simulated threads and their random workload: reads, writes, atomic fetch-adds, futex
 * wait/wake/requeue on shared words. Each operation is a small state machine that parks in
 * the core (dsm_fault, dsm_futex_*) and resumes on env->wake; a read checks its value
 * against the shadow memory. At the end a closer changes every futex word and wakes all,
 * after which every thread must come home (no lost wake-up). */
#include <stdlib.h>
#include <string.h>

#include "tests/sim/sim.h"

#define SIM_THINK_NS 40000u
#define SIM_WAIT_TIMEOUT_NS 3000000u
#define SIM_INTERRUPT_PCT 3 /* thread 0 of a node interrupts a waiter instead of an op */
#define SIM_EINTR 4         /* Linux EINTR, the result an interrupted wait gets */
/* Write-update pages: a write stores counter << 16, a fetch-add adds (counter << 16) | 1,
 * so the word after either names the operation (a lost or doubled addend shows). */
#define SIM_WU_TAG_SHIFT 16
#define SIM_WU_ADD_MARK 1u

/* Closer state (only one world per process). */
static bool closer_started, closer_done;
static unsigned closer_futex;

static struct sim_frame *frame_of(struct sim_world *w, struct sim_thread *t, unsigned page)
{
    return &w->nodes[t->node].frames[page];
}

static uint64_t thread_token(const struct sim_world *w, const struct sim_thread *t)
{
    return (uint64_t)t->node * w->cfg.threads + t->index;
}

static unsigned futex_page(const struct sim_world *w, unsigned f)
{
    return w->cfg.ro_pages + f;
}

static uint64_t futex_addr(const struct sim_world *w, unsigned f)
{
    return (sim_page_number(futex_page(w, f)) << DSM_PAGE_SHIFT) + SIM_FUTEX_WORD * 4;
}

/* True if the thread may access page now; otherwise it faulted and is parked. */
static bool thread_access(struct sim_world *w, struct sim_thread *t, unsigned page, enum dsm_access access)
{
    if (frame_of(w, t, page)->prot >= access)
        return true;
    t->blocked = true; /* the wake may come before dsm_fault returns (manager on this node) */
    int rc = dsm_fault(w->nodes[t->node].dsm, sim_page_number(page), access, thread_token(w, t));
    if (rc == DSM_PENDING) {
        t->faulted = true;
        t->fault_page = sim_page_number(page);
        return false;
    }
    t->blocked = false;
    sim_violation(w, "node %u thread %u: fault on page %u access %d returned %d with local prot %u", t->node,
                  t->index, page, access, rc, frame_of(w, t, page)->prot);
    return false;
}

static uint32_t *word_ptr(struct sim_world *w, struct sim_thread *t, unsigned page, unsigned word)
{
    return (uint32_t *)(void *)(frame_of(w, t, page)->data + 4 * word);
}

static void thread_done(struct sim_world *w, struct sim_thread *t)
{
    t->busy = false;
    w->ops_done[t->op]++;
    if (!w->draining)
        sim_event_push(w, w->now + sim_rand_below(w, SIM_THINK_NS), SIM_EV_THREAD, t->node, t->node,
                       (uint32_t)thread_token(w, t), NULL);
}

static void futex_result(struct sim_world *w, struct sim_thread *t, bool may_eagain, bool may_timeout)
{
    int64_t r = t->result;
    bool ok = r >= 0 || (may_eagain && r == -DSM_EAGAIN) ||
              (may_timeout && (r == -DSM_ETIMEDOUT || r == -SIM_EINTR));
    if (t->op == SIM_OP_WAIT && r > 0)
        ok = false;
    if (!ok)
        sim_violation(w, "node %u thread %u: futex op %u returned %lld", t->node, t->index, t->op,
                      (long long)r);
}

/* Waker t's wake-all finished. Every thread that called futex_wait on the same word
 * before t's wake, having seen a value older than t's change, must now return on its own
 * (woken, or EAGAIN at its check) - unless a requeue may have moved it. Futex words only
 * ever grow (fetch-add), so "older" is "smaller". */
static void doom_waiters(struct sim_world *w, const struct sim_thread *t)
{
    unsigned total = w->cfg.nodes * w->cfg.threads;
    if (w->rq_inflight[t->val])
        return;
    for (unsigned i = 0; i < total; i++) {
        struct sim_thread *o = &w->threads[i];
        if (o->busy && o->op == SIM_OP_WAIT && o->step == 1 && o->val == t->val && o->seen < t->seen &&
            o->call_time < t->call_time && w->rq_done[t->val] < o->call_time && !o->doomed) {
            o->doomed = true;
            o->doomed_at = w->now;
        }
    }
}

bool sim_wu_page(const struct sim_world *w, unsigned page)
{
    return page >= w->cfg.pages - w->cfg.wu_pages;
}

static bool is_wu_write(const struct sim_world *w, const struct sim_thread *t)
{
    return t->busy && (t->op == SIM_OP_WRITE || t->op == SIM_OP_FADD) && sim_wu_page(w, t->page);
}

/* The write's linearization point lies between the sequencer's last ack and the first
 * release or the writer's wake, when every copy is inaccessible: the shadow changes at
 * whichever of those two the simulation sees first. */
static void wu_commit(struct sim_world *w, struct sim_thread *t)
{
    uint32_t *shadow = &w->shadow[t->page * SIM_WORDS + t->word];
    t->wu_before = *shadow;
    *shadow = t->op == SIM_OP_FADD ? *shadow + t->wu_value : t->wu_value;
    t->wu_committed = true;
}

void sim_work_wu_release(struct sim_world *w, unsigned node, unsigned page)
{
    const uint32_t *frame = (const uint32_t *)(const void *)w->nodes[node].frames[page].data;
    uint32_t *shadow = &w->shadow[page * SIM_WORDS];
    if (memcmp(frame, shadow, SIM_WORDS * 4) == 0)
        return;
    unsigned total = w->cfg.nodes * w->cfg.threads;
    for (unsigned i = 0; i < total; i++) {
        struct sim_thread *t = &w->threads[i];
        if (!is_wu_write(w, t) || t->step != 1 || t->wu_committed || t->page != page)
            continue;
        uint32_t old = shadow[t->word];
        wu_commit(w, t);
        if (memcmp(frame, shadow, SIM_WORDS * 4) == 0)
            return;
        shadow[t->word] = old;
        t->wu_committed = false;
    }
    sim_violation(w, "page %u node %u: released copy differs from the latest writes by no write in flight", page,
                  node);
}

/* A write-update write (dsm_write, or dsm_atomic XCHG half the time) or fetch-add
 * (dsm_atomic ADD), done once woken; an atomic must get back the value its commit found.
 * True when finished. */
static bool wu_write_run(struct sim_world *w, struct sim_thread *t)
{
    bool fadd = t->op == SIM_OP_FADD;
    if (t->step == 1) {
        if (!t->wu_committed)
            sim_violation(w, "node %u thread %u: write-update write %u completed uncommitted", t->node, t->index,
                          t->wu_value);
        else if ((fadd || t->wu_xchg) && t->wu_old != t->wu_before)
            sim_violation(w, "node %u thread %u: %s returned %llu, the word held %u", t->node, t->index,
                          fadd ? "fetch-add" : "exchange", (unsigned long long)t->wu_old, t->wu_before);
        return true;
    }
    t->step = 1;
    t->wu_value = ++w->write_counter << SIM_WU_TAG_SHIFT | (fadd ? SIM_WU_ADD_MARK : 0);
    t->wu_committed = false;
    t->blocked = true;
    uint64_t addr = (sim_page_number(t->page) << DSM_PAGE_SHIFT) + 4 * t->word, token = thread_token(w, t);
    struct dsm_node *dsm = w->nodes[t->node].dsm;
    t->wu_xchg = !fadd && sim_rand_below(w, 2);
    int rc = fadd || t->wu_xchg ? dsm_atomic(dsm, addr, 4, fadd ? DSM_ATOMIC_ADD : DSM_ATOMIC_XCHG, t->wu_value, 0,
                                             &t->wu_old, token)
                                : dsm_write(dsm, addr, 4, t->wu_value, token);
    if (rc != DSM_PENDING) {
        t->blocked = false;
        sim_violation(w, "write-update %s returned %d", fadd ? "dsm_atomic" : "dsm_write", rc);
    }
    return false;
}

/* Runs the thread's operation from its current step until it parks or finishes. */
static void thread_run(struct sim_world *w, struct sim_thread *t)
{
    if (t->faulted) {
        t->faulted = false;
        dsm_resumed(w->nodes[t->node].dsm, t->fault_page);
    }
    struct dsm_node *dsm = w->nodes[t->node].dsm;
    uint32_t *shadow = &w->shadow[t->page * SIM_WORDS + t->word];
    if (is_wu_write(w, t)) {
        /* Writes and fetch-adds go through the page's sequencer there. */
        if (wu_write_run(w, t))
            thread_done(w, t);
        return;
    }
    switch (t->op) {
    case SIM_OP_READ:
        if (!thread_access(w, t, t->page, DSM_ACCESS_READ))
            return;
        if (*word_ptr(w, t, t->page, t->word) != *shadow)
            sim_violation(w, "node %u thread %u: read page %u word %u = %u, latest write %u", t->node, t->index,
                          t->page, t->word, *word_ptr(w, t, t->page, t->word), *shadow);
        break;
    case SIM_OP_WRITE:
        if (!thread_access(w, t, t->page, DSM_ACCESS_WRITE))
            return;
        *shadow = *word_ptr(w, t, t->page, t->word) = ++w->write_counter;
        break;
    case SIM_OP_FADD:
        if (!thread_access(w, t, t->page, DSM_ACCESS_WRITE))
            return;
        if (*word_ptr(w, t, t->page, t->word) != *shadow)
            sim_violation(w, "node %u thread %u: fetch-add saw %u, latest %u", t->node, t->index,
                          *word_ptr(w, t, t->page, t->word), *shadow);
        *shadow = ++*word_ptr(w, t, t->page, t->word);
        break;
    case SIM_OP_WAIT:
        if (t->step == 0) {
            if (!thread_access(w, t, t->page, DSM_ACCESS_READ))
                return;
            if (w->draining)
                break; /* no new waits once the closer may run */
            uint32_t bitset = sim_rand_below(w, 4) ? DSM_FUTEX_BITSET_ANY : 1u << sim_rand_below(w, 2);
            uint64_t deadline = sim_rand_below(w, 4) ? 0 : w->now + 1 + sim_rand_below(w, SIM_WAIT_TIMEOUT_NS);
            t->step = 1;
            t->blocked = true;
            t->seen = *word_ptr(w, t, t->page, t->word);
            t->call_time = w->now;
            int rc = dsm_futex_wait(dsm, futex_addr(w, t->val), t->seen, bitset,
                                    deadline, thread_token(w, t));
            if (rc != DSM_PENDING) {
                t->blocked = false;
                sim_violation(w, "futex_wait returned %d", rc);
            }
            return;
        }
        futex_result(w, t, true, true);
        break;
    case SIM_OP_WAKE:
        if (t->step == 0) {
            if (!thread_access(w, t, t->page, DSM_ACCESS_WRITE))
                return;
            *shadow = ++*word_ptr(w, t, t->page, t->word);
            unsigned pick = sim_rand_below(w, 3);
            uint32_t count = pick == 0 ? 1 : pick == 1 ? 2 : DSM_FUTEX_WAKE_ALL;
            uint32_t bitset = sim_rand_below(w, 4) ? DSM_FUTEX_BITSET_ANY : 1u << sim_rand_below(w, 2);
            if (closer_started && !closer_done) {
                count = DSM_FUTEX_WAKE_ALL;
                bitset = DSM_FUTEX_BITSET_ANY;
            }
            t->step = 1;
            t->blocked = true;
            t->seen = *shadow;
            t->call_time = w->now;
            t->wake_all = count == DSM_FUTEX_WAKE_ALL && bitset == DSM_FUTEX_BITSET_ANY;
            int rc = dsm_futex_wake(dsm, futex_addr(w, t->val), count, bitset, thread_token(w, t));
            if (rc != DSM_PENDING) {
                t->blocked = false;
                sim_violation(w, "futex_wake returned %d", rc);
            }
            return;
        }
        futex_result(w, t, false, false);
        if (t->wake_all)
            doom_waiters(w, t);
        break;
    case SIM_OP_REQUEUE:
        if (t->step == 0) {
            if (!thread_access(w, t, t->page, DSM_ACCESS_READ))
                return;
            t->step = 1;
            t->blocked = true;
            w->rq_inflight[t->val]++;
            w->rq_inflight[t->page2]++;
            int rc = dsm_futex_requeue(dsm, futex_addr(w, t->val), futex_addr(w, t->page2), 1,
                                       DSM_FUTEX_WAKE_ALL, true, *word_ptr(w, t, t->page, t->word),
                                       thread_token(w, t));
            if (rc != DSM_PENDING) {
                t->blocked = false;
                sim_violation(w, "futex_requeue returned %d", rc);
            }
            return;
        }
        futex_result(w, t, true, false);
        w->rq_inflight[t->val]--;
        w->rq_inflight[t->page2]--;
        w->rq_done[t->val] = w->rq_done[t->page2] = w->now;
        break;
    default: break;
    }
    thread_done(w, t);
}

static void thread_start(struct sim_world *w, struct sim_thread *t, uint8_t op)
{
    const struct sim_config *c = &w->cfg;
    unsigned writable = c->pages - c->ro_pages;
    t->busy = true;
    t->blocked = false;
    t->op = op;
    t->step = 0;
    t->op_start = w->now;
    t->doomed = false;
    t->word = sim_rand_below(w, SIM_WORDS);
    switch (op) {
    case SIM_OP_READ:
        /* With read-ahead on, half the reads continue a scan from the thread's last page. */
        if (c->read_ahead && sim_rand_below(w, 2))
            t->page = (t->page + 1) % c->pages;
        else
            t->page = sim_rand_below(w, c->pages);
        break;
    case SIM_OP_WRITE:
        t->page = c->ro_pages + sim_rand_below(w, writable);
        if (t->page < c->ro_pages + c->futexes && t->word == SIM_FUTEX_WORD)
            t->word = sim_rand_below(w, SIM_FUTEX_WORD); /* futex words only grow */
        break;
    case SIM_OP_FADD: t->page = c->ro_pages + sim_rand_below(w, writable); break;
    default:
        t->val = sim_rand_below(w, c->futexes);
        t->page = futex_page(w, t->val);
        t->word = SIM_FUTEX_WORD;
        t->page2 = sim_rand_below(w, c->futexes);
        break;
    }
    thread_run(w, t);
}

static uint8_t pick_op(struct sim_world *w, const struct sim_thread *t)
{
    /* Weights in percent; thread 0 of every node never waits, so someone always wakes. */
    unsigned r = sim_rand_below(w, 100);
    if (w->cfg.futexes == 0 || r >= w->cfg.futex_pct) {
        r = sim_rand_below(w, 100);
        return r < 45 ? SIM_OP_READ : r < 75 ? SIM_OP_WRITE : SIM_OP_FADD;
    }
    r = sim_rand_below(w, 100);
    if (r < 50)
        return t->index == 0 ? SIM_OP_WAKE : SIM_OP_WAIT;
    if (r < 85)
        return SIM_OP_WAKE;
    return SIM_OP_REQUEUE;
}

void sim_work_start(struct sim_world *w)
{
    closer_started = closer_done = false;
    closer_futex = 0;
    unsigned total = w->cfg.nodes * w->cfg.threads;
    for (unsigned i = 0; i < total; i++)
        sim_event_push(w, sim_rand_below(w, SIM_THINK_NS), SIM_EV_THREAD, w->threads[i].node,
                       w->threads[i].node, i, NULL);
}

void sim_work_thread_event(struct sim_world *w, unsigned thread)
{
    struct sim_thread *t = &w->threads[thread];
    if (t->resuming) {
        t->resuming = false;
        thread_run(w, t);
        sim_work_run_ready(w);
        return;
    }
    if (t->busy || w->draining)
        return;
    if (t->index == 0 && w->cfg.threads > 1 && sim_rand_below(w, 100) < SIM_INTERRUPT_PCT) {
        /* Interrupt a waiting thread of this node, as a signal or a kill would. */
        struct sim_thread *u = &w->threads[thread + 1 + sim_rand_below(w, w->cfg.threads - 1)];
        if (u->busy && u->blocked && u->op == SIM_OP_WAIT && u->step == 1)
            dsm_futex_cancel(w->nodes[t->node].dsm, thread_token(w, u), -SIM_EINTR);
        sim_work_run_ready(w);
        sim_event_push(w, w->now + sim_rand_below(w, SIM_THINK_NS), SIM_EV_THREAD, t->node, t->node, thread,
                       NULL);
        return;
    }
    thread_start(w, t, pick_op(w, t));
    sim_work_run_ready(w);
}

void sim_work_wake(struct sim_world *w, unsigned thread, int64_t result)
{
    struct sim_thread *t = &w->threads[thread];
    if (!t->busy || !t->blocked) {
        sim_violation(w, "node %u thread %u woken while not parked", t->node, t->index);
        return;
    }
    t->blocked = false;
    t->result = result;
    if (is_wu_write(w, t) && t->step == 1 && !t->wu_committed)
        wu_commit(w, t);
    if (t->step == 0 && result != 0)
        sim_violation(w, "node %u thread %u: fault failed with %lld", t->node, t->index, (long long)result);
    if (w->cfg.resume_delay_ns) {
        /* Like a scheduler: the page may be taken away again before the thread runs. */
        t->resuming = true;
        sim_event_push(w, w->now + sim_rand_below(w, w->cfg.resume_delay_ns), SIM_EV_THREAD, t->node, t->node,
                       thread, NULL);
        return;
    }
    w->ready[w->ready_len++] = thread;
}

void sim_work_run_ready(struct sim_world *w)
{
    /* FIFO: a woken thread runs before any further event (it was resumed first). */
    unsigned head = 0;
    while (head < w->ready_len) {
        unsigned thread = w->ready[head++];
        thread_run(w, &w->threads[thread]);
        if (w->violations)
            break;
    }
    w->ready_len = 0;
}

bool sim_work_all_parked(const struct sim_world *w)
{
    unsigned total = w->cfg.nodes * w->cfg.threads;
    for (unsigned i = 0; i < total; i++) {
        const struct sim_thread *t = &w->threads[i];
        if (t->busy && !(t->op == SIM_OP_WAIT && t->step == 1))
            return false;
    }
    return true;
}

/* Called while draining: once only waiters remain, change and wake every futex word in
 * turn (thread 0 of node 0 does it); returns through closer_done. */
void sim_work_close(struct sim_world *w)
{
    struct sim_thread *t = &w->threads[0];
    if (closer_done || t->busy)
        return;
    if (!closer_started) {
        if (!sim_work_all_parked(w))
            return;
        closer_started = true;
    } else if (++closer_futex >= w->cfg.futexes) {
        closer_done = true;
        return;
    }
    if (w->cfg.futexes == 0) {
        closer_done = true;
        return;
    }
    t->busy = true;
    t->op = SIM_OP_WAKE;
    t->step = 0;
    t->op_start = w->now;
    t->val = closer_futex;
    t->page = futex_page(w, closer_futex);
    t->word = SIM_FUTEX_WORD;
    thread_run(w, t);
    sim_work_run_ready(w);
}

bool sim_work_finished(const struct sim_world *w)
{
    unsigned total = w->cfg.nodes * w->cfg.threads;
    if (!closer_done)
        return false;
    for (unsigned i = 0; i < total; i++)
        if (w->threads[i].busy)
            return false;
    return true;
}

void sim_work_check_doomed(struct sim_world *w)
{
    unsigned total = w->cfg.nodes * w->cfg.threads;
    for (unsigned i = 0; i < total; i++) {
        const struct sim_thread *t = &w->threads[i];
        if (!t->busy || !t->doomed)
            continue;
        uint32_t id;
        struct dsm_node *dsm = w->nodes[t->node].dsm;
        if (dsm_futex_call_query(dsm, thread_token(w, t), &id) != DSM_CALL_SLEEPING)
            continue;
        unsigned mgr = dsm_manager_of(dsm, futex_addr(w, t->val) >> DSM_PAGE_SHIFT);
        if (dsm_futex_waiter_queued(w->nodes[mgr].dsm, t->node, id)) {
            sim_violation(w, "node %u thread %u: lost wake-up: sleeps queued on futex %u (saw %u) after a "
                             "wake-all that followed a change", t->node, t->index, t->val, t->seen);
            return;
        }
    }
}

void sim_work_check_liveness(struct sim_world *w)
{
    unsigned total = w->cfg.nodes * w->cfg.threads;
    for (unsigned i = 0; i < total; i++) {
        const struct sim_thread *t = &w->threads[i];
        if (t->busy && !(t->op == SIM_OP_WAIT && t->step == 1) && w->now - t->op_start > SIM_LIVENESS_NS) {
            sim_violation(w, "node %u thread %u: op %u step %u on page %u stuck since t=%llu", t->node, t->index,
                          t->op, t->step, t->page, (unsigned long long)t->op_start);
            return;
        }
        if (t->busy && t->doomed && w->now - t->doomed_at > SIM_LOST_WAKE_NS) {
            sim_violation(w, "node %u thread %u: lost wake-up: waits on futex %u (saw %u) %llu ns after a "
                             "wake-all that followed a change", t->node, t->index, t->val, t->seen,
                          (unsigned long long)(w->now - t->doomed_at));
            return;
        }
    }
}
