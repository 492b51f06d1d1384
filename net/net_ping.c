/* SPDX-License-Identifier: MIT */
/* Round-trip and streaming measurement over the transport (see net_ping.h). The
 * responder is part of every node; replies carry a byte pattern the requester checks. */
#include "net/net_ping.h"

#include "kernel/libc.h"
#include "net/net_internal.h"
#include "net/wire.h"

#define NET_PING_PATTERN(i) ((uint8_t)((i) * 7 + 3))

static void ping_send_next(struct net *n);

static bool ping_reply_ok(const struct net *n, const uint8_t *reply, size_t len, size_t want)
{
    return len == want && memcmp(reply, n->ping.pattern, len) == 0;
}

static void ping_done(void *ctx, int status, const uint8_t *reply, size_t len)
{
    struct net *n = ctx;
    struct net_ping *p = &n->ping;
    uint64_t now = net_now(n);
    if (status != NET_OK || !ping_reply_ok(n, reply, len, p->resp_len)) {
        p->errors++;
    } else {
        if (p->samples_kept < NET_PING_MAX_SAMPLES)
            p->samples[p->samples_kept++] = now - p->sent_ns;
        p->done++;
    }
    p->last_done_ns = now;
    ping_send_next(n);
}

static void ping_send_next(struct net *n)
{
    struct net_ping *p = &n->ping;
    if (p->remaining == 0) {
        p->active = false;
        return;
    }
    struct pbuf *b = pbuf_alloc(&n->pool);
    if (!b) {
        p->errors++;
        p->active = false;
        return;
    }
    uint8_t *msg = pbuf_put(b, p->req_len);
    memset(msg, 0, p->req_len);
    wire_put_be16(msg, p->resp_len);
    p->remaining--;
    p->sent_ns = net_now(n);
    int rc = transport_request_internal(n, p->peer, TRANSPORT_TYPE_PING, msg, p->req_len, ping_done, n);
    pbuf_free(&n->pool, b);
    if (rc != NET_OK) {
        p->errors++;
        p->active = false;
    }
}

/* Clears the run state; the responder's count and pattern stay. */
static void ping_reset(struct net_ping *p)
{
    p->active = p->stream = false;
    p->peer = p->total = p->remaining = 0;
    p->req_len = p->resp_len = 0;
    p->start_ns = p->sent_ns = p->last_done_ns = 0;
    p->done = p->errors = p->samples_kept = 0;
}

void net_ping_init(struct net *n)
{
    for (size_t i = 0; i < TRANSPORT_MAX_MSG; i++)
        n->ping.pattern[i] = NET_PING_PATTERN(i);
}

static int ping_check(struct net *n, uint32_t peer, size_t len)
{
    if (n->ping.active)
        return NET_ERR_AGAIN;
    if (peer >= n->node_count || peer == n->node_id)
        return NET_ERR_PEER;
    if (len > TRANSPORT_MAX_MSG)
        return NET_ERR_TOO_BIG;
    return NET_OK;
}

int net_ping_start(struct net *n, uint32_t peer, uint32_t count, size_t req_len, size_t resp_len)
{
    int rc = ping_check(n, peer, req_len > resp_len ? req_len : resp_len);
    if (rc != NET_OK)
        return rc;
    struct net_ping *p = &n->ping;
    ping_reset(p);
    p->peer = peer;
    p->total = p->remaining = count;
    p->req_len = (uint16_t)(req_len < NET_PING_HEADER_LEN ? NET_PING_HEADER_LEN : req_len);
    p->resp_len = (uint16_t)resp_len;
    p->active = true;
    p->start_ns = p->last_done_ns = net_now(n);
    ping_send_next(n);
    return NET_OK;
}

int net_ping_stream_start(struct net *n, uint32_t peer, uint32_t count, size_t len)
{
    int rc = ping_check(n, peer, len);
    if (rc != NET_OK)
        return rc;
    struct net_ping *p = &n->ping;
    ping_reset(p);
    p->stream = true;
    p->peer = peer;
    p->total = p->remaining = count;
    p->req_len = (uint16_t)len;
    p->active = true;
    p->start_ns = p->last_done_ns = net_now(n);
    net_ping_poll(n);
    return NET_OK;
}

void net_ping_poll(struct net *n)
{
    struct net_ping *p = &n->ping;
    if (!p->active || !p->stream)
        return;
    const struct transport_peer *tp = &n->tp.peers[p->peer];
    while (p->remaining > 0 &&
           transport_send_internal(n, p->peer, TRANSPORT_TYPE_STREAM, p->pattern, p->req_len) == NET_OK)
        p->remaining--;
    uint32_t in_flight = tp->snd_next - tp->snd_una;
    uint32_t sent = p->total - p->remaining;
    uint32_t acked = in_flight < sent ? sent - in_flight : 0; /* other traffic may share the window */
    if (acked != p->done) {
        p->done = acked;
        p->last_done_ns = net_now(n);
    }
    if (p->remaining == 0 && in_flight == 0)
        p->active = false;
}

void net_ping_input(struct net *n, uint32_t from, uint8_t type, const uint8_t *msg, size_t len, uint64_t request_id)
{
    if (type == TRANSPORT_TYPE_STREAM) {
        n->ping.stream_received++;
        return;
    }
    if (request_id == 0 || len < NET_PING_HEADER_LEN || wire_get_be16(msg) > TRANSPORT_MAX_MSG) {
        n->counters.tp_malformed++;
        return;
    }
    if (transport_reply(n, from, request_id, n->ping.pattern, wire_get_be16(msg)) != NET_OK)
        n->ping.errors++; /* window full: this request stays unanswered */
}

bool net_ping_busy(const struct net *n)
{
    return n->ping.active;
}

uint64_t net_ping_stream_received(const struct net *n)
{
    return n->ping.stream_received;
}

static void ping_sort(uint64_t *a, uint32_t count)
{
    for (uint32_t i = 1; i < count; i++) {
        uint64_t v = a[i];
        uint32_t j = i;
        for (; j > 0 && a[j - 1] > v; j--)
            a[j] = a[j - 1];
        a[j] = v;
    }
}

void net_ping_result(struct net *n, struct net_ping_result *out)
{
    struct net_ping *p = &n->ping;
    memset(out, 0, sizeof *out);
    out->done = p->done;
    out->errors = p->errors;
    out->elapsed_ns = p->last_done_ns - p->start_ns;
    if (p->samples_kept == 0)
        return;
    ping_sort(p->samples, p->samples_kept);
    out->min_ns = p->samples[0];
    out->max_ns = p->samples[p->samples_kept - 1];
    out->median_ns = p->samples[p->samples_kept / 2];
    out->p99_ns = p->samples[(uint64_t)p->samples_kept * 99 / 100];
}

void net_ping_log(struct net *n)
{
    struct net_ping_result r;
    net_ping_result(n, &r);
    const struct net_ping *p = &n->ping;
    if (p->stream) {
        uint64_t us = r.elapsed_ns / 1000;
        net_log(n, "net: stream node %u: %u of %u messages of %u B in %llu us: %llu msg/s, %u errors", p->peer, r.done,
                p->total, p->req_len, (unsigned long long)us,
                (unsigned long long)(r.elapsed_ns ? (uint64_t)r.done * 1000000000ull / r.elapsed_ns : 0), r.errors);
        return;
    }
    net_log(n, "net: ping node %u: %u round trips, %u B request / %u B reply: min %llu us median %llu us p99 %llu us "
               "max %llu us, %u errors",
            p->peer, r.done, p->req_len, p->resp_len, (unsigned long long)(r.min_ns / 1000),
            (unsigned long long)(r.median_ns / 1000), (unsigned long long)(r.p99_ns / 1000),
            (unsigned long long)(r.max_ns / 1000), r.errors);
}
