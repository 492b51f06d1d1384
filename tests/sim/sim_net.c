/* SPDX-License-Identifier: MIT */
/* Simulated time and network: a binary heap of events ordered by (time, insertion), a
 * lossy/duplicating/reordering packet layer, and under the DSM core a reliable FIFO shim
 * per ordered node pair (sequence numbers, cumulative acks, go-back retransmission), which
 * gives the core what the kernel transport gives: exactly once, in order per pair. */
#include <stdlib.h>
#include <string.h>

#include "dsm/msg.h"
#include "tests/sim/sim.h"

#define SIM_DELAY_MIN_NS 10000ull
#define SIM_DELAY_JITTER_NS 80000u
#define SIM_RTX_BURST 64

static bool ev_less(const struct sim_event *a, const struct sim_event *b)
{
    return a->time != b->time ? a->time < b->time : a->seq < b->seq;
}

void sim_event_push(struct sim_world *w, uint64_t time, uint8_t kind, unsigned src, unsigned dst, uint32_t arg,
                    struct sim_pkt *pkt)
{
    if (w->heap_len == w->heap_cap) {
        w->heap_cap = w->heap_cap ? w->heap_cap * 2 : 1024;
        w->heap = realloc(w->heap, w->heap_cap * sizeof *w->heap);
        if (!w->heap)
            abort();
    }
    struct sim_event ev = { time, w->event_seq++, kind, (uint16_t)src, (uint16_t)dst, arg, pkt };
    size_t i = w->heap_len++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!ev_less(&ev, &w->heap[parent]))
            break;
        w->heap[i] = w->heap[parent];
        i = parent;
    }
    w->heap[i] = ev;
}

bool sim_event_pop(struct sim_world *w, struct sim_event *out)
{
    if (!w->heap_len)
        return false;
    *out = w->heap[0];
    struct sim_event last = w->heap[--w->heap_len];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= w->heap_len)
            break;
        if (c + 1 < w->heap_len && ev_less(&w->heap[c + 1], &w->heap[c]))
            c++;
        if (!ev_less(&w->heap[c], &last))
            break;
        w->heap[i] = w->heap[c];
        i = c;
    }
    if (w->heap_len)
        w->heap[i] = last;
    return true;
}

static struct sim_link *link_of(struct sim_world *w, unsigned src, unsigned dst)
{
    return &w->links[src * w->cfg.nodes + dst];
}

static struct sim_pkt *pkt_copy(const struct sim_pkt *p)
{
    struct sim_pkt *c = malloc(sizeof *c + p->len);
    if (!c)
        abort();
    memcpy(c, p, sizeof *c + p->len);
    c->next = NULL;
    return c;
}

static uint64_t net_delay(struct sim_world *w)
{
    return SIM_DELAY_MIN_NS + sim_rand_below(w, SIM_DELAY_JITTER_NS);
}

/* Puts one copy of p on the wire (maybe lost, maybe duplicated). */
static void net_transmit(struct sim_world *w, unsigned src, unsigned dst, const struct sim_pkt *p)
{
    w->pkts_sent++;
    if (sim_rand_below(w, 100) < w->cfg.loss_pct) {
        w->pkts_lost++;
        return;
    }
    sim_event_push(w, w->now + net_delay(w), SIM_EV_PKT, src, dst, 0, pkt_copy(p));
    if (sim_rand_below(w, 100) < w->cfg.dup_pct) {
        w->pkts_dup++;
        sim_event_push(w, w->now + net_delay(w), SIM_EV_PKT, src, dst, 0, pkt_copy(p));
    }
}

void sim_net_send(struct sim_world *w, unsigned src, unsigned dst, const void *bytes, size_t len)
{
    struct sim_link *l = link_of(w, src, dst);
    struct sim_pkt *p = malloc(sizeof *p + len);
    if (!p)
        abort();
    p->next = NULL;
    p->seq = l->next_seq++;
    p->len = len;
    memcpy(p->bytes, bytes, len);
    struct sim_pkt **tail = &l->unacked;
    while (*tail)
        tail = &(*tail)->next;
    *tail = p;
    net_transmit(w, src, dst, p);
    if (!l->rtx_armed) {
        l->rtx_armed = true;
        sim_event_push(w, w->now + SIM_RTO_NS, SIM_EV_RTX, src, dst, 0, NULL);
    }
}

static void net_deliver(struct sim_world *w, unsigned src, unsigned dst, struct sim_pkt *p)
{
    dsm_receive(w->nodes[dst].dsm, src, p->bytes, p->len);
    free(p);
    sim_work_run_ready(w);
}

static void net_packet(struct sim_world *w, unsigned src, unsigned dst, struct sim_pkt *p)
{
    struct sim_link *l = link_of(w, src, dst);
    if (p->seq == l->expected) {
        l->expected++;
        net_deliver(w, src, dst, p);
        while (l->ooo && l->ooo->seq == l->expected) {
            struct sim_pkt *q = l->ooo;
            l->ooo = q->next;
            l->expected++;
            net_deliver(w, src, dst, q);
        }
    } else if ((int32_t)(p->seq - l->expected) > 0) {
        struct sim_pkt **link = &l->ooo;
        while (*link && (*link)->seq < p->seq)
            link = &(*link)->next;
        if (*link && (*link)->seq == p->seq) {
            free(p);
        } else {
            p->next = *link;
            *link = p;
        }
    } else {
        free(p); /* duplicate of a delivered message */
    }
    /* Cumulative ack: everything below `expected` arrived. Acks may be lost too. */
    w->pkts_sent++;
    if (sim_rand_below(w, 100) < w->cfg.loss_pct)
        w->pkts_lost++;
    else
        sim_event_push(w, w->now + net_delay(w), SIM_EV_ACK, dst, src, l->expected, NULL);
}

static void net_ack(struct sim_world *w, unsigned sender, unsigned receiver, uint32_t next)
{
    struct sim_link *l = link_of(w, sender, receiver);
    while (l->unacked && (int32_t)(next - l->unacked->seq) > 0) {
        struct sim_pkt *p = l->unacked;
        l->unacked = p->next;
        free(p);
    }
}

static void net_rtx(struct sim_world *w, unsigned src, unsigned dst)
{
    struct sim_link *l = link_of(w, src, dst);
    if (!l->unacked) {
        l->rtx_armed = false;
        return;
    }
    unsigned burst = 0;
    for (struct sim_pkt *p = l->unacked; p && burst < SIM_RTX_BURST; p = p->next, burst++)
        net_transmit(w, src, dst, p);
    sim_event_push(w, w->now + SIM_RTO_NS, SIM_EV_RTX, src, dst, 0, NULL);
}

void sim_net_event(struct sim_world *w, const struct sim_event *ev)
{
    switch (ev->kind) {
    case SIM_EV_PKT: net_packet(w, ev->src, ev->dst, ev->pkt); break;
    case SIM_EV_ACK: net_ack(w, ev->dst, ev->src, ev->arg); break;
    case SIM_EV_RTX: net_rtx(w, ev->src, ev->dst); break;
    default: break;
    }
}

uint64_t sim_net_ahead_in_flight(const struct sim_world *w, uint64_t pn)
{
    uint64_t nodes = 0;
    for (unsigned src = 0; src < w->cfg.nodes; src++)
        for (unsigned dst = 0; dst < w->cfg.nodes; dst++) {
            const struct sim_link *l = &w->links[src * w->cfg.nodes + dst];
            for (const struct sim_pkt *p = l->unacked; p; p = p->next) {
                struct dsm_msg m;
                /* seq - expected as signed: delivered messages await only their ack. */
                if ((int32_t)(p->seq - l->expected) >= 0 && dsm_msg_decode(p->bytes, p->len, &m) &&
                    m.type == DSM_MSG_AHEAD && m.page == pn)
                    nodes |= 1ull << dst;
            }
        }
    return nodes;
}

bool sim_net_quiet(const struct sim_world *w)
{
    unsigned n = w->cfg.nodes;
    for (unsigned i = 0; i < n * n; i++)
        if (w->links[i].unacked || w->links[i].ooo)
            return false;
    return true;
}

void sim_net_free(struct sim_world *w)
{
    unsigned n = w->cfg.nodes;
    for (unsigned i = 0; i < n * n; i++) {
        for (struct sim_pkt *p = w->links[i].unacked, *q; p; p = q) {
            q = p->next;
            free(p);
        }
        for (struct sim_pkt *p = w->links[i].ooo, *q; p; p = q) {
            q = p->next;
            free(p);
        }
    }
    for (size_t i = 0; i < w->heap_len; i++)
        free(w->heap[i].pkt);
    free(w->heap);
}
