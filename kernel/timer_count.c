/* SPDX-License-Identifier: MIT */
/* Expiration counting of an interval timer (see timer_count.h). */
#include "kernel/timer_count.h"

void timer_count_set(struct timer_count *t, uint64_t first_ns, uint64_t interval_ns)
{
    t->next_ns = first_ns;
    t->interval_ns = first_ns ? interval_ns : 0;
    t->ticks = 0;
}

uint64_t timer_count_expire(struct timer_count *t, uint64_t now_ns)
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

uint64_t timer_count_remaining(const struct timer_count *t, uint64_t now_ns)
{
    if (!t->next_ns)
        return 0;
    return t->next_ns > now_ns ? t->next_ns - now_ns : 1;
}

bool timer_count_take(struct timer_count *t, uint64_t *ticks)
{
    if (!t->ticks)
        return false;
    *ticks = t->ticks;
    t->ticks = 0;
    return true;
}
