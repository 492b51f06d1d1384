/* SPDX-License-Identifier: MIT */
/* DSM counters: latency histogram and the `dsm-stats` line (docs/dsm-protocol.md,
 * "Statistics"). Pure bookkeeping; it does not decide anything. */
#include "dsm/stats.h"

#include "kernel/format.h"

/* The power of two at or below v (v > 0). */
static unsigned stats_log2(uint64_t v)
{
    unsigned e = 0;
    while (v >>= 1)
        e++;
    return e;
}

/* Bucket of ns: ns itself below DSM_STATS_SUB_BUCKETS; else its octave e and the top
 * DSM_STATS_SUB_BITS bits below its leading one. */
static unsigned stats_bucket_of(uint64_t ns)
{
    if (ns < DSM_STATS_SUB_BUCKETS)
        return (unsigned)ns;
    unsigned e = stats_log2(ns);
    unsigned shift = e - DSM_STATS_SUB_BITS;
    unsigned sub = (unsigned)(ns >> shift) & (DSM_STATS_SUB_BUCKETS - 1);
    return (shift + 1) * DSM_STATS_SUB_BUCKETS + sub;
}

/* The largest value bucket b holds. */
static uint64_t stats_bucket_top(unsigned b)
{
    if (b < DSM_STATS_SUB_BUCKETS)
        return b;
    unsigned shift = b / DSM_STATS_SUB_BUCKETS - 1;
    uint64_t next = (uint64_t)(DSM_STATS_SUB_BUCKETS + b % DSM_STATS_SUB_BUCKETS + 1);
    return shift + DSM_STATS_SUB_BITS + 1 >= 64 && next == 2 * DSM_STATS_SUB_BUCKETS ? UINT64_MAX
                                                                                      : (next << shift) - 1;
}

void dsm_stats_record_latency(struct dsm_stats *s, uint64_t ns)
{
    s->lat_hist[stats_bucket_of(ns)]++;
    s->lat_count++;
}

uint64_t dsm_stats_percentile(const struct dsm_stats *s, unsigned pct)
{
    if (!s->lat_count || pct == 0)
        return 0;
    if (pct > 100)
        pct = 100;
    /* Smallest bucket whose cumulative count reaches ceil(count * pct / 100). */
    uint64_t want = (s->lat_count * pct + 99) / 100;
    uint64_t seen = 0;
    for (unsigned b = 0; b < DSM_STATS_BUCKETS; b++) {
        seen += s->lat_hist[b];
        if (seen >= want)
            return stats_bucket_top(b);
    }
    return UINT64_MAX;
}

void dsm_stats_add(struct dsm_stats *sum, const struct dsm_stats *s)
{
    /* Every field is a uint64_t counter (the histogram included), so add them as an array. */
    _Static_assert(sizeof(struct dsm_stats) % sizeof(uint64_t) == 0, "dsm_stats holds only uint64_t");
    uint64_t *dst = (uint64_t *)(void *)sum;
    const uint64_t *src = (const uint64_t *)(const void *)s;
    for (size_t i = 0; i < sizeof *s / sizeof(uint64_t); i++)
        dst[i] += src[i];
}

void dsm_stats_per_fault(const struct dsm_stats *s, uint64_t *msgs_x100, uint64_t *fwd_x100)
{
    uint64_t faults = s->read_faults + s->write_faults;
    *msgs_x100 = faults ? s->fault_msgs * 100 / faults : 0;
    *fwd_x100 = faults ? s->forwards * 100 / faults : 0;
}

int dsm_stats_format(const struct dsm_stats *s, unsigned node, char *buf, size_t size)
{
    return fmt_snprintf(buf, size,
                        "dsm-stats node=%u rfaults=%llu wfaults=%llu fetches=%llu upgrades=%llu zero=%llu "
                        "inv_sent=%llu inv_recv=%llu fwd=%llu msgs_sent=%llu msgs_recv=%llu bytes_sent=%llu "
                        "bytes_recv=%llu fault_msgs=%llu futex_remote=%llu futex_waits=%llu futex_wakes=%llu "
                        "bad_msgs=%llu nomem=%llu damped=%llu pingpong=%llu lat_n=%llu lat_p50_ns=%llu "
                        "lat_p90_ns=%llu lat_p99_ns=%llu backups=%llu wu_writes=%llu migrations=%llu "
                        "ahead=%llu ahead_sent=%llu ahead_undone=%llu",
                        node, (unsigned long long)s->read_faults, (unsigned long long)s->write_faults,
                        (unsigned long long)s->fetches, (unsigned long long)s->upgrades,
                        (unsigned long long)s->zero_fills, (unsigned long long)s->inv_sent,
                        (unsigned long long)s->inv_recv, (unsigned long long)s->forwards,
                        (unsigned long long)s->msgs_sent, (unsigned long long)s->msgs_recv,
                        (unsigned long long)s->bytes_sent, (unsigned long long)s->bytes_recv,
                        (unsigned long long)s->fault_msgs, (unsigned long long)s->futex_remote,
                        (unsigned long long)s->futex_waits, (unsigned long long)s->futex_wakes,
                        (unsigned long long)s->bad_msgs, (unsigned long long)s->nomem, (unsigned long long)s->damped,
                        (unsigned long long)s->pingpong,
                        (unsigned long long)s->lat_count, (unsigned long long)dsm_stats_percentile(s, 50),
                        (unsigned long long)dsm_stats_percentile(s, 90),
                        (unsigned long long)dsm_stats_percentile(s, 99), (unsigned long long)s->backups,
                        (unsigned long long)s->wu_writes, (unsigned long long)s->migrations,
                        (unsigned long long)s->ahead_recv, (unsigned long long)s->ahead_sent,
                        (unsigned long long)s->ahead_undone);
}
