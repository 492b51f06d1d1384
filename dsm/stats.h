/* SPDX-License-Identifier: MIT */
/* Per-node DSM counters and the one-line `dsm-stats node=I ...` record
 * (docs/dsm-protocol.md, "Statistics"). Latencies go into a log-linear histogram of
 * nanoseconds (each power of two split into DSM_STATS_SUB_BUCKETS equal buckets, as HDR
 * histograms do); percentiles are reported as the upper bound of their bucket, at most
 * 1/DSM_STATS_SUB_BUCKETS above the true value. */
#ifndef DSM_STATS_H
#define DSM_STATS_H

#include <stddef.h>
#include <stdint.h>

#define DSM_STATS_SUB_BITS 3
#define DSM_STATS_SUB_BUCKETS (1u << DSM_STATS_SUB_BITS) /* buckets per power of two */
/* Values below DSM_STATS_SUB_BUCKETS have a bucket each; then every power of two from
 * 2^DSM_STATS_SUB_BITS to 2^63 has DSM_STATS_SUB_BUCKETS. */
#define DSM_STATS_BUCKETS ((64 - DSM_STATS_SUB_BITS + 1) * DSM_STATS_SUB_BUCKETS)

struct dsm_stats {
    uint64_t read_faults, write_faults;  /* dsm_fault() calls that needed a transaction */
    uint64_t fetches;                    /* grants that carried page data */
    uint64_t upgrades;                   /* READ->WRITE without data */
    uint64_t zero_fills;                 /* untouched pages created locally */
    uint64_t inv_sent, inv_recv;         /* invalidations sent as manager / received */
    uint64_t forwards;                   /* requests forwarded to an owner by this manager */
    uint64_t msgs_sent, msgs_recv;       /* to/from other nodes */
    uint64_t bytes_sent, bytes_recv;
    uint64_t fault_msgs;                 /* messages sent for page transactions */
    uint64_t futex_remote;               /* futex messages sent to other nodes */
    uint64_t futex_waits, futex_wakes;   /* calls */
    uint64_t bad_msgs;                   /* malformed or impossible messages dropped */
    uint64_t nomem;                      /* operations failed for lack of memory */
    uint64_t damped;                     /* requests held back by the ping-pong window */
    uint64_t pingpong;                   /* pages taken away soon after arriving */
    uint64_t backups;                    /* directory changes copied to the successor */
    uint64_t migrations;                 /* dynamic: read requests answered with the ownership */
    uint64_t wu_writes;                  /* dsm_write() calls: write-update stores of this node */
    uint64_t ahead_recv;                 /* read-ahead copies installed here (dynamic) */
    uint64_t ahead_sent;                 /* read-ahead copies sent as owner */
    uint64_t ahead_undone;               /* pages sent ahead that this owner then wrote again */
    uint64_t lat_count;
    uint64_t lat_hist[DSM_STATS_BUCKETS];
};

/* Adds one fault latency sample. */
void dsm_stats_record_latency(struct dsm_stats *s, uint64_t ns);
/* Latency below which pct percent (1..100) of the samples fall (bucket upper bound, ns);
 * 0 without samples. */
uint64_t dsm_stats_percentile(const struct dsm_stats *s, unsigned pct);
/* Adds every counter and histogram bucket of s into sum (a cluster-wide figure). */
void dsm_stats_add(struct dsm_stats *sum, const struct dsm_stats *s);
/* Messages and forwards per fault, in hundredths: fault_msgs and forwards over read plus
 * write faults (issue 6 compare table); both 0 without faults. */
void dsm_stats_per_fault(const struct dsm_stats *s, uint64_t *msgs_x100, uint64_t *fwd_x100);
/* Formats `dsm-stats node=I key=value ...` (no newline) into buf; returns the length the
 * full line has, like snprintf. */
int dsm_stats_format(const struct dsm_stats *s, unsigned node, char *buf, size_t size);

#endif
