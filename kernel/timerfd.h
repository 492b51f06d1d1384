/* SPDX-License-Identifier: MIT */
/* A timerfd's count (timerfd_create(2)): when it next expires on the program clock, its
 * period, and the expirations no read has taken yet. Portable: the kernel timer that
 * calls timerfd_expire and the descriptor around it are kernel/files_events.c's. */
#ifndef KERNEL_TIMERFD_H
#define KERNEL_TIMERFD_H

#include <stdbool.h>
#include <stdint.h>

#define TIMERFD_VALUE_SIZE 8 /* a read gives the count as one uint64 */

struct timerfd {
    uint64_t next_ns;     /* program clock of the next expiry; 0: disarmed */
    uint64_t interval_ns; /* the period after it; 0: it expires once */
    uint64_t ticks;       /* expirations since the last read or setting */
    uint64_t changes;     /* how many times ticks went up (epoll's edges) */
};

/* Arms t to expire at first_ns (0 disarms it; any time already past expires at the next
 * check) and then every interval_ns (0: once). Expirations not yet read are dropped, as
 * timerfd_settime drops them. */
void timerfd_set(struct timerfd *t, uint64_t first_ns, uint64_t interval_ns);
/* Counts the expirations due at now_ns (a periodic timer late by several periods counts
 * each, as Linux's overrun does) and moves next_ns past now_ns; returns how many. */
uint64_t timerfd_expire(struct timerfd *t, uint64_t now_ns);
/* Time to the next expiry: 0 when disarmed, else at least 1 (an expiry due and not yet
 * counted is 1 ns away, as Linux never reports a running timer as 0). */
uint64_t timerfd_remaining(const struct timerfd *t, uint64_t now_ns);
/* read(2): the expirations counted, which start again from 0; false when there are none. */
bool timerfd_take(struct timerfd *t, uint64_t *ticks);

#endif
