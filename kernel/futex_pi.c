/* SPDX-License-Identifier: MIT */
/* Priority-inheritance futexes (futex(2): FUTEX_LOCK_PI, LOCK_PI2, TRYLOCK_PI, UNLOCK_PI),
 * which musl's PTHREAD_PRIO_INHERIT mutexes use (pthread_mutexattr_setprotocol probes for
 * them first). The word holds its owner's tid, FUTEX_WAITERS while threads may sleep on it,
 * and FUTEX_OWNER_DIED as a robust owner's exit left it. The kernel takes and releases the
 * word with compare-and-exchange on the user word (on a cluster the page comes to the
 * caller writable, so the exchange is atomic program-wide) and sleeps on it in the
 * ordinary futex queue, whose value check is serialized with wakes (at the word's manager
 * on a cluster): Drepper's mutex ("Futexes Are Tricky", mutex3). A thread that slept takes
 * the word with FUTEX_WAITERS set, so releasing a word with waiters always wakes one, and
 * no wake-up is lost. There are no thread priorities here (every thread gets the same
 * share), so there is nothing to inherit; unlike Linux, a release does not hand the word to
 * the first waiter: the woken waiter takes it unless a newcomer was first. */
#include "kernel/futex.h"

#include "kernel/linux_abi.h"
#include "kernel/thread.h"
#include "kernel/usercopy.h"

#define FUTEX_PI_WAITERS 0x80000000u    /* FUTEX_WAITERS (include/uapi/linux/futex.h) */
#define FUTEX_PI_OWNER_DIED 0x40000000u /* FUTEX_OWNER_DIED */
#define FUTEX_PI_TID_MASK 0x3fffffffu   /* FUTEX_TID_MASK */

static uint32_t futex_pi_self(void)
{
    return (uint32_t)thread_current()->tid & FUTEX_PI_TID_MASK;
}

static long futex_pi_read(uint64_t uaddr, uint32_t *v)
{
    return copy_from_user(v, uaddr, sizeof *v) ? -LINUX_EFAULT : 0;
}

/* One attempt to take the word for the caller: 0 (taken; FUTEX_WAITERS kept, or set when
 * waiters), -EDEADLK (the caller holds it), -EAGAIN (another thread does: its value in
 * *seen), -EFAULT, -EINVAL. */
static long futex_pi_take(uint64_t uaddr, bool waiters, uint32_t *seen)
{
    uint32_t self = futex_pi_self(), v;
    long r = futex_pi_read(uaddr, &v);
    while (r == 0) {
        if ((v & FUTEX_PI_TID_MASK) == self)
            return -LINUX_EDEADLK;
        if (v & FUTEX_PI_TID_MASK) {
            *seen = v;
            return -LINUX_EAGAIN;
        }
        uint32_t want = self | (v & (FUTEX_PI_OWNER_DIED | FUTEX_PI_WAITERS)) | (waiters ? FUTEX_PI_WAITERS : 0);
        uint32_t found;
        r = user_cmpxchg32(uaddr, v, want, &found);
        if (r == 0 && found == v)
            return 0;
        v = found;
    }
    return r;
}

/* LOCK_PI / LOCK_PI2: takes the word, sleeping while another thread holds it, until the
 * absolute timeout at utimeout (CLOCK_REALTIME when realtime; none when 0). */
static long futex_pi_lock(uint64_t uaddr, uint64_t utimeout, bool realtime)
{
    bool slept = false;
    for (;;) {
        uint32_t v;
        long r = futex_pi_take(uaddr, slept, &v);
        if (r != -LINUX_EAGAIN)
            return r;
        if (!(v & FUTEX_PI_WAITERS)) { /* the holder must wake someone when it lets go */
            uint32_t found;
            r = user_cmpxchg32(uaddr, v, v | FUTEX_PI_WAITERS, &found);
            if (r)
                return r;
            if (found != v)
                continue;
            v |= FUTEX_PI_WAITERS;
        }
        int wait = LINUX_FUTEX_WAIT_BITSET | (realtime ? LINUX_FUTEX_CLOCK_REALTIME : 0);
        r = futex_syscall(uaddr, wait, v, utimeout, 0, LINUX_FUTEX_BITSET_MATCH_ANY);
        if (r != 0 && r != -LINUX_EAGAIN) /* ETIMEDOUT, a signal's restart, EFAULT, EINVAL */
            return r;
        slept = true;
    }
}

/* UNLOCK_PI: the caller's word becomes free; a sleeper, if any, is woken to take it. */
static long futex_pi_unlock(uint64_t uaddr)
{
    uint32_t self = futex_pi_self(), v;
    long r = futex_pi_read(uaddr, &v);
    while (r == 0) {
        if ((v & FUTEX_PI_TID_MASK) != self)
            return -LINUX_EPERM;
        uint32_t found;
        r = user_cmpxchg32(uaddr, v, 0, &found);
        if (r == 0 && found == v)
            break;
        v = found;
    }
    if (r == 0 && (v & FUTEX_PI_WAITERS))
        futex_syscall(uaddr, LINUX_FUTEX_WAKE, 1, 0, 0, 0);
    return r;
}

long futex_pi_syscall(uint64_t uaddr, int cmd, uint64_t utimeout, bool realtime)
{
    uint32_t seen;
    switch (cmd) {
    case LINUX_FUTEX_LOCK_PI: /* its timeout is on CLOCK_REALTIME, LOCK_PI2's on CLOCK_MONOTONIC */
        return futex_pi_lock(uaddr, utimeout, true);
    case LINUX_FUTEX_LOCK_PI2:
        return futex_pi_lock(uaddr, utimeout, realtime);
    case LINUX_FUTEX_TRYLOCK_PI:
        return futex_pi_take(uaddr, false, &seen);
    case LINUX_FUTEX_UNLOCK_PI:
        return futex_pi_unlock(uaddr);
    default:
        return -LINUX_ENOSYS;
    }
}
