/* SPDX-License-Identifier: MIT */
/* Cluster formation and heartbeats (see cluster.h). The view is fixed by the command
 * line (node=, nodes=): formation only checks that every member is alive and keyed. */
#include "net/cluster.h"

#include "kernel/format.h"
#include "net/net_internal.h"
#include "net/wire.h"

static void cluster_event(struct net *n, enum net_peer_event ev, uint32_t peer)
{
    if (n->cluster.hook)
        n->cluster.hook(n->cluster.hook_ctx, n, ev, peer);
}

static void cluster_view_encode(const struct net *n, uint8_t out[CLUSTER_VIEW_LEN])
{
    wire_put_be32(out, n->cluster.view_epoch);
    wire_put_be16(out + 4, (uint16_t)n->node_count);
    wire_put_be16(out + 6, n->cluster.members);
}

/* Controller only: every node is known, so the view is complete. */
static void cluster_form(struct net *n)
{
    struct cluster *c = &n->cluster;
    c->view_epoch++;
    c->members = (uint16_t)((1u << n->node_count) - 1);
    c->ready = true;
    char list[NET_MAX_NODES * 3 + 1];
    size_t used = 0;
    for (uint32_t i = 0; i < n->node_count; i++)
        used += (size_t)fmt_snprintf(list + used, sizeof list - used, i ? " %u" : "%u", i);
    net_log(n, "cluster ready: %u nodes [%s] epoch %u", n->node_count, list, c->view_epoch);
    uint8_t view[CLUSTER_VIEW_LEN];
    cluster_view_encode(n, view);
    for (uint32_t i = 1; i < n->node_count; i++)
        transport_send_internal(n, i, TRANSPORT_TYPE_VIEW, view, sizeof view);
    cluster_event(n, NET_CLUSTER_READY, 0);
}

void cluster_init(struct net *n, uint64_t now)
{
    struct cluster *c = &n->cluster;
    for (uint32_t i = 0; i < NET_MAX_NODES; i++) {
        c->peers[i].next_hello_ns = now;
        c->peers[i].last_heard_ns = now;
        c->peers[i].join_gap_ns = CLUSTER_JOIN_RETRY_NS;
    }
    if (n->node_count == 1)
        cluster_form(n);
}

void cluster_heard(struct net *n, uint32_t peer, uint64_t now)
{
    struct cluster_peer *cp = &n->cluster.peers[peer];
    cp->last_heard_ns = now;
    if (cp->suspected) {
        cp->suspected = false;
        cluster_event(n, NET_PEER_UP, peer);
    }
}

void cluster_peer_known(struct net *n, uint32_t peer, uint64_t now)
{
    struct cluster *c = &n->cluster;
    c->peers[peer].known = true;
    c->peers[peer].next_hello_ns = now + CLUSTER_HEARTBEAT_PERIOD_NS;
    cluster_event(n, NET_PEER_UP, peer);
    if (n->node_id != 0)
        return;
    if (c->ready) {
        /* A restarted member: give it the current view again. */
        uint8_t view[CLUSTER_VIEW_LEN];
        cluster_view_encode(n, view);
        transport_send_internal(n, peer, TRANSPORT_TYPE_VIEW, view, sizeof view);
        return;
    }
    for (uint32_t i = 1; i < n->node_count; i++)
        if (!c->peers[i].known)
            return;
    cluster_form(n);
}

void cluster_view_input(struct net *n, uint32_t from, const uint8_t *msg, size_t len)
{
    struct cluster *c = &n->cluster;
    uint16_t all = (uint16_t)((1u << n->node_count) - 1);
    if (from != 0 || len != CLUSTER_VIEW_LEN || wire_get_be16(msg + 4) != n->node_count ||
        wire_get_be16(msg + 6) != all || wire_get_be32(msg) == 0) {
        n->counters.tp_malformed++;
        return;
    }
    bool first = !c->ready;
    c->view_epoch = wire_get_be32(msg);
    c->members = all;
    c->ready = true;
    if (first) {
        net_log(n, "net: joined cluster: %u nodes, view epoch %u, node %u", n->node_count, c->view_epoch, n->node_id);
        cluster_event(n, NET_CLUSTER_READY, 0);
    }
}

void cluster_poll(struct net *n, uint64_t now)
{
    struct cluster *c = &n->cluster;
    for (uint32_t i = 0; i < n->node_count; i++) {
        if (i == n->node_id)
            continue;
        struct cluster_peer *cp = &c->peers[i];
        if (now >= cp->next_hello_ns) {
            transport_send_hello(n, i);
            if (cp->known) {
                cp->next_hello_ns = now + CLUSTER_HEARTBEAT_PERIOD_NS;
            } else {
                /* A late peer announces itself when it boots, so backing off costs no time. */
                cp->next_hello_ns = now + cp->join_gap_ns;
                if (cp->join_gap_ns < CLUSTER_JOIN_RETRY_MAX_NS)
                    cp->join_gap_ns *= 2;
            }
        }
        if (cp->known && !cp->suspected && now - cp->last_heard_ns > CLUSTER_HEARTBEAT_TIMEOUT_NS) {
            cp->suspected = true;
            n->counters.cluster_suspects++;
            net_log(n, "net: node %u suspected dead (silent for %llu ms)", i,
                    (unsigned long long)((now - cp->last_heard_ns) / 1000000));
            cluster_event(n, NET_PEER_SUSPECT, i);
        }
    }
}

uint64_t cluster_next_deadline(const struct net *n)
{
    uint64_t best = UINT64_MAX;
    for (uint32_t i = 0; i < n->node_count; i++) {
        const struct cluster_peer *cp = &n->cluster.peers[i];
        if (i == n->node_id)
            continue;
        if (cp->next_hello_ns < best)
            best = cp->next_hello_ns;
        if (cp->known && !cp->suspected && cp->last_heard_ns + CLUSTER_HEARTBEAT_TIMEOUT_NS < best)
            best = cp->last_heard_ns + CLUSTER_HEARTBEAT_TIMEOUT_NS;
    }
    return best;
}
