/* SPDX-License-Identifier: MIT */
/* Clock offset estimation from probe exchanges (see clock_sync.h). */
#include "kernel/clock_sync.h"

bool clock_sync_add(struct clock_sync *s, uint64_t t0, uint64_t t1, uint64_t t2, uint64_t t3)
{
    if (t3 < t0 || t2 < t1 || t2 - t1 > t3 - t0)
        return false;
    uint64_t delay = (t3 - t0) - (t2 - t1);
    /* Each difference is one clock minus the other: signed, and far from overflow for
     * clocks counted in ns since boot (2^63 ns is 292 years). */
    int64_t offset = ((int64_t)(t1 - t0) + (int64_t)(t2 - t3)) / 2;
    if (s->samples++ == 0 || delay < s->delay_ns) {
        s->delay_ns = delay;
        s->offset_ns = offset;
    }
    return true;
}
