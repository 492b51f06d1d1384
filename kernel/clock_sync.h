/* SPDX-License-Identifier: MIT */
/* The offset of a member node's clock from node 0's, from probe exchanges (NTP's on-wire
 * calculation, RFC 5905 section 8): node 0 sends a probe at t0 (its clock), the member
 * takes it at t1 and answers at t2 (the member's clock), node 0 has the answer at t3.
 * Then offset = ((t1 - t0) + (t2 - t3)) / 2 and the true offset is within delay / 2 of it,
 * where delay = (t3 - t0) - (t2 - t1) is the time the probe and its answer spent in
 * flight. Of several probes the one with the least delay is kept: its bound is the
 * tightest (a host stall lengthens a probe's delay, never shortens it). Portable. */
#ifndef KERNEL_CLOCK_SYNC_H
#define KERNEL_CLOCK_SYNC_H

#include <stdbool.h>
#include <stdint.h>

struct clock_sync {
    int64_t offset_ns; /* member clock minus node 0's clock, from the best probe */
    uint64_t delay_ns; /* that probe's time in flight: the offset is within half of it */
    unsigned samples;  /* probes taken (impossible ones are not counted) */
};

/* Adds one probe's four times. A probe whose times cannot be (an answer before its probe,
 * or the member's answer before its receipt) is ignored; returns whether it was taken. */
bool clock_sync_add(struct clock_sync *s, uint64_t t0, uint64_t t1, uint64_t t2, uint64_t t3);

#endif
