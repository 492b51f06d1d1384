/* SPDX-License-Identifier: MIT */
/* The reliable cluster transport (see transport.h; DESIGN.md section 6).
 * Acceptance rule for a datagram whose tag verified: it must name us as dst, come from a
 * member, be addressed to OUR current epoch (else it belongs to another boot of ours, or
 * the peer does not know us yet: answer with a HELLO), and its src_epoch must not be a
 * retired boot of the peer. A new src_epoch is adopted (restarting the session) only
 * under those conditions, so captured traffic of earlier boots is never acted on, and
 * traffic of this session is filtered by sequence numbers. */
#include "net/transport.h"

#include "kernel/libc.h"
#include "net/cluster.h"
#include "net/net_internal.h"

static struct transport_peer *tp_peer(struct net *n, uint32_t peer) { return &n->tp.peers[peer]; }

static void tp_session_reset(struct net *n, struct transport_peer *p)
{
    for (size_t i = 0; i < TRANSPORT_WINDOW; i++) {
        pbuf_free(&n->pool, p->tx[i].buf);
        pbuf_free(&n->pool, p->rx[i]);
    }
    memset(p->tx, 0, sizeof p->tx);
    memset(p->rx, 0, sizeof p->rx);
    while (p->backlog_head) {
        struct pbuf *b = p->backlog_head;
        p->backlog_head = b->next;
        b->next = NULL;
        pbuf_free(&n->pool, b);
    }
    p->backlog_tail = NULL;
    p->backlog_len = 0;
    while (p->spill_head) {
        struct transport_spill *spilled = p->spill_head;
        p->spill_head = spilled->next;
        n->env.free(n->env.ctx, spilled);
    }
    p->spill_tail = NULL;
    p->spill_len = 0;
    p->snd_una = p->snd_next = 1;
    p->rcv_next = 1;
    p->srtt_ns = p->rttvar_ns = 0;
    p->rto_ns = TRANSPORT_RTO_INITIAL_NS;
    p->ack_due = false;
    p->hello_in_max = 0;
}

void transport_init(struct net *n, const uint8_t key[TRANSPORT_MAC_SECRET_LEN], uint64_t epoch)
{
    struct transport *t = &n->tp;
    transport_mac_derive_key(&t->mac, key);
    t->epoch = epoch;
    t->next_request_id = 1;
    for (uint32_t i = 0; i < NET_MAX_NODES; i++)
        tp_session_reset(n, &t->peers[i]);
}

void transport_release(struct net *n)
{
    for (uint32_t i = 0; i < NET_MAX_NODES; i++)
        tp_session_reset(n, &n->tp.peers[i]);
}

/* The ack fields we currently owe peer p. */
static void tp_ack_fields(const struct transport_peer *p, uint32_t *ack, uint32_t *sack)
{
    *ack = p->rcv_next - 1;
    *sack = 0;
    for (uint32_t i = 0; i + 1 < TRANSPORT_WINDOW; i++)
        if (p->rx[(p->rcv_next + 1 + i) % TRANSPORT_WINDOW])
            *sack |= 1u << i;
}

/* Encodes a payload-less datagram of kind to peer and sends it to dst_ip. */
static void tp_send_control(struct net *n, uint32_t peer, uint8_t kind, uint64_t dst_epoch, uint32_t dst_ip)
{
    struct transport_peer *p = tp_peer(n, peer);
    /* Its own buffer: acks must flow even when every pooled buffer waits for one. */
    struct pbuf *b = &n->control;
    b->head = PBUF_HEADROOM;
    b->len = 0;
    struct transport_header h = {
        .kind = kind, .src = (uint8_t)n->node_id, .dst = (uint8_t)peer,
        .src_epoch = n->tp.epoch, .dst_epoch = dst_epoch,
        .request_id = kind == TRANSPORT_KIND_HELLO ? ++p->hello_out : 0,
    };
    /* Ack fields only mean something within the session they were made for. */
    if (dst_epoch == p->epoch && p->epoch != 0) {
        tp_ack_fields(p, &h.ack, &h.sack);
        p->ack_due = false;
    }
    size_t len = transport_codec_encode(pbuf_put(b, TRANSPORT_HEADER_LEN + TRANSPORT_MAC_LEN),
                                        TRANSPORT_HEADER_LEN + TRANSPORT_MAC_LEN, &h, NULL, &n->tp.mac);
    b->len = (uint16_t)len;
    net_send_udp(n, dst_ip, b, NULL);
}

void transport_send_hello(struct net *n, uint32_t peer)
{
    n->counters.tp_hellos_out++;
    tp_send_control(n, peer, TRANSPORT_KIND_HELLO, tp_peer(n, peer)->epoch, net_peer_ip(n, peer));
}

static void tp_send_ack(struct net *n, uint32_t peer)
{
    n->counters.tp_acks_out++;
    tp_send_control(n, peer, TRANSPORT_KIND_ACK, tp_peer(n, peer)->epoch, net_peer_ip(n, peer));
}

/* (Re)transmits one queued message with fresh ack fields; RFC 6298 5.5 backoff, capped
 * (TRANSPORT_BACKOFF_DOUBLINGS). */
static void tp_transmit_slot(struct net *n, uint32_t peer, struct transport_tx_slot *s, uint64_t now)
{
    struct transport_peer *p = tp_peer(n, peer);
    uint32_t ack, sack;
    tp_ack_fields(p, &ack, &sack);
    p->ack_due = false;
    /* Re-tag only when the piggybacked fields changed: a tag costs a pass over the message. */
    if (ack != s->sealed_ack || sack != s->sealed_sack || p->epoch != s->sealed_epoch) {
        transport_codec_reseal(pbuf_bytes(s->buf), s->buf->len, p->epoch, ack, sack, &n->tp.mac);
        s->sealed_ack = ack;
        s->sealed_sack = sack;
        s->sealed_epoch = p->epoch;
        s->ip_id = 0;
    }
    /* Unchanged bytes keep their IPv4 id: fragments of earlier copies still help. */
    net_send_udp(n, net_peer_ip(n, peer), s->buf, &s->ip_id);
    if (s->transmissions > 0)
        n->counters.tp_retransmits++;
    s->transmissions++;
    s->sent_ns = now;
    uint64_t rto = p->rto_ns;
    for (uint32_t i = 1; i < s->transmissions && i <= TRANSPORT_BACKOFF_DOUBLINGS && rto < TRANSPORT_RTO_MAX_NS; i++)
        rto *= 2;
    s->deadline_ns = now + (rto < TRANSPORT_RTO_MAX_NS ? rto : TRANSPORT_RTO_MAX_NS);
}

/* Puts an encoded datagram into the window as sequence number snd_next and sends it
 * if the peer is reachable. The window has room. sealed: the header b was tagged with,
 * if it already carries seq snd_next; NULL to number it here. */
static void tp_window_add(struct net *n, uint32_t peer, struct pbuf *b, const struct transport_header *sealed)
{
    struct transport_peer *p = tp_peer(n, peer);
    uint32_t seq = p->snd_next++;
    struct transport_tx_slot *s = &p->tx[seq % TRANSPORT_WINDOW];
    memset(s, 0, sizeof *s);
    s->buf = b;
    s->seq = seq;
    if (sealed) {
        s->sealed_epoch = sealed->dst_epoch;
        s->sealed_ack = sealed->ack;
        s->sealed_sack = sealed->sack;
    } else {
        transport_codec_set_seq(pbuf_bytes(b), seq);
        s->sealed_epoch = ~p->epoch; /* stale on purpose: the tag must be recomputed */
    }
    n->counters.tp_sent++;
    if (p->epoch != 0)
        tp_transmit_slot(n, peer, s, net_now(n));
}

/* A pbuf holding the message encoded for peer as sequence number seq, with the ack fields
 * owed now (*h: the header it was tagged with); NULL without a free pbuf. */
static struct pbuf *tp_encode(struct net *n, uint32_t peer, uint8_t type, uint8_t flags, uint64_t request_id,
                              const void *msg, size_t len, uint32_t seq, struct transport_header *h)
{
    struct pbuf *b = pbuf_alloc(&n->pool);
    if (!b)
        return NULL;
    struct transport_peer *p = tp_peer(n, peer);
    *h = (struct transport_header){
        .kind = TRANSPORT_KIND_DATA, .type = type, .flags = flags,
        .src = (uint8_t)n->node_id, .dst = (uint8_t)peer,
        .src_epoch = n->tp.epoch, .dst_epoch = p->epoch,
        .seq = seq, .payload_len = (uint16_t)len, .request_id = request_id,
    };
    tp_ack_fields(p, &h->ack, &h->sack);
    size_t cap = TRANSPORT_HEADER_LEN + len + TRANSPORT_MAC_LEN;
    b->len = (uint16_t)transport_codec_encode(pbuf_put(b, cap), cap, h, msg, &n->tp.mac);
    return b;
}

/* The backlog may take one more message: queued messages may dip into half of the
 * receive reserve, never all of it. */
static bool tp_backlog_has_room(const struct net *n, const struct transport_peer *p)
{
    return p->backlog_len < TRANSPORT_BACKLOG_MAX && n->pool.free_count > TRANSPORT_POOL_RESERVE / 2;
}

static void tp_backlog_append(struct transport_peer *p, struct pbuf *b)
{
    if (p->backlog_tail)
        p->backlog_tail->next = b;
    else
        p->backlog_head = b;
    p->backlog_tail = b;
    p->backlog_len++;
}

/* Encodes spilled messages into the backlog while it has room, oldest first; false when
 * none moved. */
static bool tp_spill_to_backlog(struct net *n, uint32_t peer)
{
    struct transport_peer *p = tp_peer(n, peer);
    bool moved = false;
    while (p->spill_head && tp_backlog_has_room(n, p)) {
        struct transport_spill *spilled = p->spill_head;
        struct transport_header h;
        /* seq 1 stands in: a backlogged message is numbered when it leaves */
        struct pbuf *b = tp_encode(n, peer, spilled->type, spilled->flags, spilled->request_id, spilled->msg,
                                   spilled->len, 1, &h);
        if (!b)
            break;
        tp_backlog_append(p, b);
        p->spill_head = spilled->next;
        if (!p->spill_head)
            p->spill_tail = NULL;
        p->spill_len--;
        n->env.free(n->env.ctx, spilled);
        moved = true;
    }
    return moved;
}

/* Moves backlogged messages into the window while it has room, and spilled ones into
 * the backlog behind them. */
static void tp_backlog_flush(struct net *n, uint32_t peer)
{
    struct transport_peer *p = tp_peer(n, peer);
    do {
        while (p->backlog_head && p->snd_next - p->snd_una < TRANSPORT_WINDOW) {
            struct pbuf *b = p->backlog_head;
            p->backlog_head = b->next;
            if (!p->backlog_head)
                p->backlog_tail = NULL;
            b->next = NULL;
            p->backlog_len--;
            tp_window_add(n, peer, b, NULL);
        }
    } while (p->snd_next - p->snd_una < TRANSPORT_WINDOW && tp_spill_to_backlog(n, peer));
}

/* Keeps a must-deliver message in heap memory behind everything queued before it. */
static int tp_spill(struct net *n, struct transport_peer *p, uint8_t type, uint8_t flags, uint64_t request_id,
                    const void *msg, size_t len)
{
    struct transport_spill *spilled = NULL;
    if (n->env.alloc && p->spill_len < TRANSPORT_SPILL_MAX)
        spilled = n->env.alloc(n->env.ctx, sizeof *spilled + len);
    if (!spilled) {
        n->counters.tp_spill_refused++;
        return NET_ERR_AGAIN;
    }
    *spilled = (struct transport_spill){ .request_id = request_id, .type = type, .flags = flags, .len = (uint16_t)len };
    if (len)
        memcpy(spilled->msg, msg, len);
    if (p->spill_tail)
        p->spill_tail->next = spilled;
    else
        p->spill_head = spilled;
    p->spill_tail = spilled;
    p->spill_len++;
    n->counters.tp_spilled++;
    return NET_OK;
}

/* RFC 6298 section 2.2/2.3 with alpha 1/8, beta 1/4, K 4. */
static void tp_rtt_sample(struct transport_peer *p, uint64_t r)
{
    if (p->srtt_ns == 0) {
        p->srtt_ns = r ? r : 1;
        p->rttvar_ns = r / 2;
    } else {
        uint64_t diff = p->srtt_ns > r ? p->srtt_ns - r : r - p->srtt_ns;
        p->rttvar_ns = (3 * p->rttvar_ns + diff) / 4;
        p->srtt_ns = (7 * p->srtt_ns + r) / 8;
    }
    uint64_t rto = p->srtt_ns + 4 * p->rttvar_ns;
    if (rto < TRANSPORT_RTO_MIN_NS)
        rto = TRANSPORT_RTO_MIN_NS;
    p->rto_ns = rto > TRANSPORT_RTO_MAX_NS ? TRANSPORT_RTO_MAX_NS : rto;
}

/* Applies the peer's ack fields; true if they acknowledged something new. */
static bool tp_ack_input(struct net *n, uint32_t peer, uint32_t ack, uint32_t sack, uint64_t now)
{
    struct transport_peer *p = tp_peer(n, peer);
    if (ack >= p->snd_next) {
        n->counters.tp_malformed++; /* acks something never sent: ignore the ack fields */
        return false;
    }
    uint32_t una_before = p->snd_una;
    /* RTT sample: the freshest message acknowledged for the first time by this ack, sent
     * only once (Karn). Messages already sacked are not "first time": a cumulative ack
     * that fills a hole would otherwise time the hole's wait, not the network. */
    uint64_t sample = UINT64_MAX;
    while (p->snd_una <= ack) {
        struct transport_tx_slot *s = &p->tx[p->snd_una % TRANSPORT_WINDOW];
        if (s->transmissions == 1 && !s->sacked && now - s->sent_ns < sample)
            sample = now - s->sent_ns;
        pbuf_free(&n->pool, s->buf);
        memset(s, 0, sizeof *s);
        p->snd_una++;
    }
    uint32_t highest = 0;
    for (uint32_t i = 0; i + 1 < TRANSPORT_WINDOW; i++) {
        uint32_t seq = ack + 2 + i;
        if ((sack >> i & 1u) && seq >= p->snd_una && seq < p->snd_next) {
            struct transport_tx_slot *s = &p->tx[seq % TRANSPORT_WINDOW];
            if (!s->sacked && s->transmissions == 1 && now - s->sent_ns < sample)
                sample = now - s->sent_ns;
            s->sacked = true;
            highest = seq;
        }
    }
    if (sample != UINT64_MAX)
        tp_rtt_sample(p, sample);
    /* Holes below a selectively acked message were lost: resend them, once per RTT. */
    uint64_t gap = p->srtt_ns ? p->srtt_ns : p->rto_ns;
    for (uint32_t seq = p->snd_una; seq < highest; seq++) {
        struct transport_tx_slot *s = &p->tx[seq % TRANSPORT_WINDOW];
        if (!s->sacked && s->transmissions > 0 && now - s->sent_ns >= gap)
            tp_transmit_slot(n, peer, s, now);
    }
    return p->snd_una != una_before;
}

/* Sends what is due for one peer: first transmissions, retransmissions, delayed ack. */
static void tp_peer_poll(struct net *n, uint32_t peer, uint64_t now)
{
    struct transport_peer *p = tp_peer(n, peer);
    tp_backlog_flush(n, peer);
    if (p->epoch == 0)
        return; /* not reachable yet; HELLOs (cluster.c) are doing the handshake */
    /* On a timeout only the oldest message that timed out goes again (RFC 6298 5.4: the
     * earliest segment); the later ones get one more RTO from now. A burst that timed out
     * together most likely waits in one queue: a copy of each would add to it, and with
     * every message sent twice no clean RTT sample would ever raise the RTO to the queue's
     * delay (a storm: 80 copies a message seen on virtio under QEMU). One RTO, not the
     * oldest's backed-off one: a message lost on its own is late by one RTO at most (20%
     * random loss: 1.2x the time of resending all at once, against 3x with RFC 6298's
     * persistent backoff). */
    uint64_t postpone_to = 0;
    for (uint32_t seq = p->snd_una; seq != p->snd_next; seq++) {
        struct transport_tx_slot *s = &p->tx[seq % TRANSPORT_WINDOW];
        if (s->sacked)
            continue;
        if (s->transmissions == 0) {
            tp_transmit_slot(n, peer, s, now);
        } else if (postpone_to) {
            if (s->deadline_ns < postpone_to)
                s->deadline_ns = postpone_to;
        } else if (now >= s->deadline_ns) {
            tp_transmit_slot(n, peer, s, now);
            postpone_to = now + p->rto_ns;
        }
    }
    if (p->ack_due && now >= p->ack_deadline_ns)
        tp_send_ack(n, peer);
}

void transport_poll(struct net *n, uint64_t now)
{
    for (uint32_t i = 0; i < n->node_count; i++)
        if (i != n->node_id)
            tp_peer_poll(n, i, now);
}

uint64_t transport_next_deadline(const struct net *n)
{
    uint64_t best = UINT64_MAX;
    for (uint32_t i = 0; i < n->node_count; i++) {
        const struct transport_peer *p = &n->tp.peers[i];
        if (i == n->node_id || p->epoch == 0)
            continue;
        for (uint32_t seq = p->snd_una; seq != p->snd_next; seq++) {
            const struct transport_tx_slot *s = &p->tx[seq % TRANSPORT_WINDOW];
            uint64_t t = s->transmissions == 0 ? 0 : s->deadline_ns;
            if (!s->sacked && t < best)
                best = t;
        }
        if (p->ack_due && p->ack_deadline_ns < best)
            best = p->ack_deadline_ns;
    }
    return best;
}

static void tp_fail_requests(struct net *n, uint32_t peer)
{
    for (size_t i = 0; i < TRANSPORT_MAX_REQUESTS; i++) {
        struct transport_request_slot *r = &n->tp.requests[i];
        if (r->id != 0 && r->peer == peer) {
            transport_reply_fn done = r->done;
            void *ctx = r->ctx;
            r->id = 0;
            done(ctx, NET_ERR_DOWN, NULL, 0);
        }
    }
}

void transport_cancel_requests(struct net *n, uint32_t peer)
{
    tp_fail_requests(n, peer);
}

static int tp_queue(struct net *n, uint32_t peer, uint8_t type, uint8_t flags, uint64_t request_id, const void *msg,
                    size_t len, bool must_queue);

static void tp_deliver(struct net *n, uint32_t peer, const struct transport_header *h, const uint8_t *payload)
{
    n->counters.tp_delivered++;
    bool refused = (h->flags & TRANSPORT_FLAG_NO_HANDLER) != 0;
    if (refused && (h->type != TRANSPORT_TYPE_REPLY || h->payload_len != 0)) {
        n->counters.tp_malformed++; /* a no-handler answer is an empty reply, nothing else */
        return;
    }
    if (h->type == TRANSPORT_TYPE_REPLY) {
        for (size_t i = 0; i < TRANSPORT_MAX_REQUESTS; i++) {
            struct transport_request_slot *r = &n->tp.requests[i];
            if (r->id == h->request_id && r->id != 0 && r->peer == peer) {
                transport_reply_fn done = r->done;
                void *ctx = r->ctx;
                r->id = 0; /* free before the call: done may issue a new request */
                n->counters.tp_refusals_in += refused;
                done(ctx, refused ? NET_ERR_NO_HANDLER : NET_OK, refused ? NULL : payload, refused ? 0 : h->payload_len);
                return;
            }
        }
        n->counters.tp_bad_reply++;
    } else if (h->type == TRANSPORT_TYPE_VIEW) {
        cluster_view_input(n, peer, payload, h->payload_len);
    } else if (h->type == TRANSPORT_TYPE_PING || h->type == TRANSPORT_TYPE_STREAM) {
        net_ping_input(n, peer, h->type, payload, h->payload_len,
                       (h->flags & TRANSPORT_FLAG_REQUEST) ? h->request_id : 0);
    } else if (h->type >= TRANSPORT_TYPE_USER_FIRST && h->type < TRANSPORT_TYPE_COUNT &&
               n->tp.handlers[h->type].fn) {
        const struct transport_handler_slot *hs = &n->tp.handlers[h->type];
        hs->fn(hs->ctx, n, peer, h->type, payload, h->payload_len,
               (h->flags & TRANSPORT_FLAG_REQUEST) ? h->request_id : 0);
    } else {
        n->counters.tp_no_handler++;
        /* A requester would otherwise wait for its own timeout: say so at once. */
        if ((h->flags & TRANSPORT_FLAG_REQUEST) && h->request_id != 0 &&
            tp_queue(n, peer, TRANSPORT_TYPE_REPLY, TRANSPORT_FLAG_NO_HANDLER, h->request_id, NULL, 0, true) == NET_OK)
            n->counters.tp_refusals_out++;
    }
}

/* Handles a DATA message; true if it was new (delivered or buffered), not a duplicate. */
static bool tp_data_input(struct net *n, uint32_t peer, const struct transport_header *h, const uint8_t *dgram,
                          size_t len, const uint8_t *payload, uint64_t now)
{
    struct transport_peer *p = tp_peer(n, peer);
    uint32_t seq = h->seq;
    if (seq >= p->rcv_next && seq - p->rcv_next >= TRANSPORT_WINDOW) {
        n->counters.tp_out_of_window++; /* beyond any window the sender may have open */
        return false;
    }
    if (seq < p->rcv_next || (seq != p->rcv_next && p->rx[seq % TRANSPORT_WINDOW])) {
        n->counters.tp_duplicate++;
        tp_send_ack(n, peer); /* our earlier ack may have been lost */
        return false;
    }
    if (seq != p->rcv_next) {
        struct pbuf *b = pbuf_alloc(&n->pool);
        if (!b) {
            n->counters.tp_no_buffer++;
            return false;
        }
        memcpy(pbuf_put(b, len), dgram, len);
        p->rx[seq % TRANSPORT_WINDOW] = b;
        tp_send_ack(n, peer); /* at once: the sack tells the sender about the hole */
        return true;
    }
    /* In order: advance before delivering, so a handler that sends sees the right ack. */
    p->rcv_next++;
    if (p->ack_due) {
        p->ack_deadline_ns = now; /* second unacked message: ack without delay */
    } else {
        p->ack_due = true;
        p->ack_deadline_ns = now + TRANSPORT_DELAYED_ACK_NS;
    }
    tp_deliver(n, peer, h, payload);
    struct pbuf *b;
    while ((b = p->rx[p->rcv_next % TRANSPORT_WINDOW]) != NULL) {
        p->rx[p->rcv_next % TRANSPORT_WINDOW] = NULL;
        p->rcv_next++;
        struct transport_header bh;
        const uint8_t *bp;
        if (transport_codec_decode(pbuf_bytes(b), b->len, &n->tp.mac, &bh, &bp) == TRANSPORT_DECODE_OK)
            tp_deliver(n, peer, &bh, bp);
        pbuf_free(&n->pool, b);
    }
    return true;
}

static bool tp_epoch_retired(const struct transport_peer *p, uint64_t epoch)
{
    for (size_t i = 0; i < TRANSPORT_RETIRED_EPOCHS; i++)
        if (p->retired[i] == epoch)
            return true;
    return false;
}

/* The peer's new boot: forget the old session and fail what was waiting on it. */
static void tp_adopt_epoch(struct net *n, uint32_t peer, uint64_t epoch, uint64_t now)
{
    struct transport_peer *p = tp_peer(n, peer);
    if (p->epoch != 0) {
        n->counters.tp_peer_restarts++;
        p->retired[p->retired_next++ % TRANSPORT_RETIRED_EPOCHS] = p->epoch;
        tp_session_reset(n, p);
        tp_fail_requests(n, peer);
    }
    p->epoch = epoch;
    transport_send_hello(n, peer); /* the peer may not know us yet: finish the handshake now */
    cluster_peer_known(n, peer, now);
}

void transport_input(struct net *n, const uint8_t *dgram, size_t len, uint32_t src_ip)
{
    struct transport_header h;
    const uint8_t *payload;
    switch (transport_codec_decode(dgram, len, &n->tp.mac, &h, &payload)) {
    case TRANSPORT_DECODE_MALFORMED:
        n->counters.tp_malformed++;
        return;
    case TRANSPORT_DECODE_BAD_MAC:
        n->counters.tp_bad_mac++;
        return;
    case TRANSPORT_DECODE_OK:
        break;
    }
    if (h.dst != n->node_id || h.src >= n->node_count || h.src == n->node_id) {
        n->counters.tp_not_member++;
        return;
    }
    uint32_t peer = h.src;
    struct transport_peer *p = tp_peer(n, peer);
    uint64_t now = net_now(n);
    if (h.kind == TRANSPORT_KIND_HELLO)
        n->counters.tp_hellos_in++;
    if (h.dst_epoch != n->tp.epoch) {
        /* Another boot of ours, or the peer does not know us yet: tell it who we are. */
        if (h.dst_epoch != 0)
            n->counters.tp_stale_epoch++;
        if (now - p->last_hello_answer_ns >= TRANSPORT_HELLO_ANSWER_GAP_NS || p->last_hello_answer_ns == 0) {
            p->last_hello_answer_ns = now;
            n->counters.tp_hellos_out++;
            tp_send_control(n, peer, TRANSPORT_KIND_HELLO, h.src_epoch, src_ip);
        }
        return;
    }
    if (tp_epoch_retired(p, h.src_epoch)) {
        n->counters.tp_stale_epoch++;
        return;
    }
    /* The address is learned only when a session starts: a datagram of this session
     * replayed from elsewhere must not redirect our traffic. */
    bool fresh = false; /* proof of life: something a replay cannot produce */
    if (h.src_epoch != p->epoch) {
        net_peer_ip_learn(n, peer, src_ip);
        tp_adopt_epoch(n, peer, h.src_epoch, now);
        fresh = true;
    }
    if (h.kind == TRANSPORT_KIND_HELLO && h.request_id > p->hello_in_max) {
        p->hello_in_max = h.request_id;
        fresh = true;
    }
    fresh |= tp_ack_input(n, peer, h.ack, h.sack, now);
    if (h.kind == TRANSPORT_KIND_DATA)
        fresh |= tp_data_input(n, peer, &h, dgram, len, payload, now);
    if (fresh)
        cluster_heard(n, peer, now);
    tp_peer_poll(n, peer, now);
}

static int tp_queue(struct net *n, uint32_t peer, uint8_t type, uint8_t flags, uint64_t request_id, const void *msg,
                    size_t len, bool must_queue)
{
    if (peer >= n->node_count || peer == n->node_id)
        return NET_ERR_PEER;
    if (len > TRANSPORT_MAX_MSG)
        return NET_ERR_TOO_BIG;
    struct transport_peer *p = tp_peer(n, peer);
    struct transport_header h;
    if (transport_can_send(n, peer)) {
        struct pbuf *b = tp_encode(n, peer, type, flags, request_id, msg, len, p->snd_next, &h);
        if (!b)
            return NET_ERR_AGAIN;
        tp_window_add(n, peer, b, &h);
        return NET_OK;
    }
    if (!must_queue)
        return NET_ERR_AGAIN;
    if (!p->spill_head && tp_backlog_has_room(n, p)) {
        /* seq 1 stands in: a backlogged message is numbered when it leaves */
        struct pbuf *b = tp_encode(n, peer, type, flags, request_id, msg, len, 1, &h);
        if (b) {
            tp_backlog_append(p, b);
            return NET_OK;
        }
    }
    return tp_spill(n, p, type, flags, request_id, msg, len);
}

bool transport_can_send(const struct net *n, uint32_t peer)
{
    if (peer >= n->node_count || peer == n->node_id)
        return false;
    const struct transport_peer *p = &n->tp.peers[peer];
    return p->backlog_head == NULL && p->spill_head == NULL && p->snd_next - p->snd_una < TRANSPORT_WINDOW &&
           n->pool.free_count > TRANSPORT_POOL_RESERVE;
}

int transport_register_handler(struct net *n, uint8_t type, transport_handler_fn fn, void *ctx)
{
    if (type < TRANSPORT_TYPE_USER_FIRST || type >= TRANSPORT_TYPE_COUNT)
        return NET_ERR_TYPE;
    n->tp.handlers[type].fn = fn;
    n->tp.handlers[type].ctx = ctx;
    return NET_OK;
}

int transport_send(struct net *n, uint32_t peer, uint8_t type, const void *msg, size_t len)
{
    if (type < TRANSPORT_TYPE_USER_FIRST || type >= TRANSPORT_TYPE_COUNT)
        return NET_ERR_TYPE;
    return tp_queue(n, peer, type, 0, 0, msg, len, false);
}

int transport_send_queued(struct net *n, uint32_t peer, uint8_t type, const void *msg, size_t len)
{
    if (type < TRANSPORT_TYPE_USER_FIRST || type >= TRANSPORT_TYPE_COUNT)
        return NET_ERR_TYPE;
    return tp_queue(n, peer, type, 0, 0, msg, len, true);
}

int transport_send_internal(struct net *n, uint32_t peer, uint8_t type, const void *msg, size_t len)
{
    return tp_queue(n, peer, type, 0, 0, msg, len, true);
}

int transport_request(struct net *n, uint32_t peer, uint8_t type, const void *msg, size_t len,
                      transport_reply_fn done, void *ctx)
{
    if (type < TRANSPORT_TYPE_USER_FIRST || type >= TRANSPORT_TYPE_COUNT)
        return NET_ERR_TYPE;
    return transport_request_internal(n, peer, type, msg, len, done, ctx);
}

int transport_request_internal(struct net *n, uint32_t peer, uint8_t type, const void *msg, size_t len,
                               transport_reply_fn done, void *ctx)
{
    struct transport_request_slot *slot = NULL;
    for (size_t i = 0; i < TRANSPORT_MAX_REQUESTS && !slot; i++)
        if (n->tp.requests[i].id == 0)
            slot = &n->tp.requests[i];
    if (!slot)
        return NET_ERR_AGAIN;
    uint64_t id = n->tp.next_request_id++;
    int rc = tp_queue(n, peer, type, TRANSPORT_FLAG_REQUEST, id, msg, len, false);
    if (rc != NET_OK)
        return rc;
    slot->id = id;
    slot->peer = peer;
    slot->done = done;
    slot->ctx = ctx;
    return NET_OK;
}

int transport_reply(struct net *n, uint32_t peer, uint64_t request_id, const void *msg, size_t len)
{
    if (request_id == 0)
        return NET_ERR_TYPE;
    return tp_queue(n, peer, TRANSPORT_TYPE_REPLY, 0, request_id, msg, len, true);
}
