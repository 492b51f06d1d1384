/* SPDX-License-Identifier: MIT */
/* Expiration counting of a timerfd (see timerfd.h). */
#include "kernel/timerfd.h"

void timerfd_set(struct timerfd *t, uint64_t first_ns, uint64_t interval_ns)
{
    t->next_ns = first_ns;
    t->interval_ns = first_ns ? interval_ns : 0;
    t->ticks = 0;
}

uint64_t timerfd_expire(struct timerfd *t, uint64_t now_ns)
{
    if (!t->next_ns || now_ns < t->next_ns)
        return 0;
    uint64_t n = 1;
    if (!t->interval_ns) {
        t->next_ns = 0;
    } else {
        n += (now_ns - t->next_ns) / t->interval_ns;
        /* n periods on is past now_ns; a sum beyond the clock's range is never */
        t->next_ns = n > (UINT64_MAX - t->next_ns) / t->interval_ns ? UINT64_MAX : t->next_ns + n * t->interval_ns;
    }
    t->ticks = n > UINT64_MAX - t->ticks ? UINT64_MAX : t->ticks + n;
    t->changes++;
    return n;
}

uint64_t timerfd_remaining(const struct timerfd *t, uint64_t now_ns)
{
    if (!t->next_ns)
        return 0;
    return t->next_ns > now_ns ? t->next_ns - now_ns : 1;
}

bool timerfd_take(struct timerfd *t, uint64_t *ticks)
{
    if (!t->ticks)
        return false;
    *ticks = t->ticks;
    t->ticks = 0;
    return true;
}
