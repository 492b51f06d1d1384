/* SPDX-License-Identifier: MIT */
/* Cluster round trips and streaming through the full transport (tag, sequence numbers,
 * acks), for `tools/dsmk ping` and the network bench (issue 3): every node answers
 * PING requests with the asked-for number of bytes and counts STREAM messages. The
 * measuring side runs one request at a time, so samples are pure round trips. */
#ifndef NET_NET_PING_H
#define NET_NET_PING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/net_defs.h"

#define NET_PING_MAX_SAMPLES 4096 /* kept latency samples; later ones are only counted */
#define NET_PING_HEADER_LEN 4     /* request: reply length u16, zero u16 */

struct net_ping_result {
    uint32_t done;       /* completed round trips or acked stream messages */
    uint32_t errors;     /* failed requests (peer restarted) or bad replies */
    uint64_t elapsed_ns; /* first send to last completion */
    uint64_t min_ns, median_ns, p99_ns, max_ns; /* round trips only */
};

struct net_ping {
    bool active;
    bool stream;         /* one-way messages instead of requests */
    uint32_t peer;
    uint32_t total;      /* messages asked for */
    uint32_t remaining;  /* not yet sent */
    uint16_t req_len, resp_len;
    uint64_t start_ns, sent_ns, last_done_ns;
    uint32_t done, errors;
    uint32_t samples_kept;
    uint64_t samples[NET_PING_MAX_SAMPLES];
    uint64_t stream_received; /* responder side: STREAM messages delivered to us */
    uint8_t pattern[TRANSPORT_MAX_MSG]; /* reply bytes, NET_PING_PATTERN(i) */
};

struct net;

/* Starts count round trips to peer: req_len-byte requests (>= NET_PING_HEADER_LEN)
 * answered with resp_len bytes; NET_ERR_AGAIN while another run is active. */
int net_ping_start(struct net *n, uint32_t peer, uint32_t count, size_t req_len, size_t resp_len);
/* Starts streaming count one-way messages of len bytes to peer as fast as the window allows. */
int net_ping_stream_start(struct net *n, uint32_t peer, uint32_t count, size_t len);
/* True while a run is in progress (drive it with net_input/net_poll). */
bool net_ping_busy(const struct net *n);
/* Summarises the last run (sorts the samples in place). */
void net_ping_result(struct net *n, struct net_ping_result *out);
/* Logs the last run's summary as one line (sorts the samples):
 *   "net: ping node P: N round trips, Q B request / R B reply: min A us median B us p99 C us max D us, E errors"
 *   "net: stream node P: N of M messages of L B in T us: X msg/s, E errors" */
void net_ping_log(struct net *n);
/* STREAM messages this node has received. */
uint64_t net_ping_stream_received(const struct net *n);

#endif
