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
 * the first waiter: the woken waiter takes it unless a newcomer was first. FUTEX_WAKE_OP,
 * the other call that changes a word in the kernel (older glibc's condition variables), is
 * here too, built the same way. */
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

/* FUTEX_WAKE_OP's encoded operation (include/uapi/linux/futex.h, FUTEX_OP): op, cmp, oparg
 * and cmparg; oparg and cmparg are signed 12-bit fields. */
#define FUTEX_OP_OPARG_SHIFT 8
enum { FUTEX_OP_SET, FUTEX_OP_ADD, FUTEX_OP_OR, FUTEX_OP_ANDN, FUTEX_OP_XOR };
enum { FUTEX_OP_CMP_EQ, FUTEX_OP_CMP_NE, FUTEX_OP_CMP_LT, FUTEX_OP_CMP_LE, FUTEX_OP_CMP_GT, FUTEX_OP_CMP_GE };

static int32_t futex_op_field(uint32_t encoded, unsigned shift)
{
    int32_t v = (int32_t)((encoded >> shift) & 0xfff);
    return v & 0x800 ? v - 0x1000 : v; /* sign-extended, as Linux's sign_extend32(.., 11) */
}

/* The new value of a word holding old under op with oparg, or false for an unknown op. */
static bool futex_op_apply(unsigned op, int32_t oparg, uint32_t old, uint32_t *out)
{
    switch (op) {
    case FUTEX_OP_SET: *out = (uint32_t)oparg; return true;
    case FUTEX_OP_ADD: *out = old + (uint32_t)oparg; return true;
    case FUTEX_OP_OR: *out = old | (uint32_t)oparg; return true;
    case FUTEX_OP_ANDN: *out = old & ~(uint32_t)oparg; return true;
    case FUTEX_OP_XOR: *out = old ^ (uint32_t)oparg; return true;
    default: return false;
    }
}

long futex_wake_op(uint64_t uaddr, uint32_t nr_wake, uint32_t nr_wake2, uint64_t uaddr2, uint32_t encoded)
{
    unsigned op = (encoded >> 28) & 0xf, cmp = (encoded >> 24) & 0xf;
    int32_t oparg = futex_op_field(encoded, 12), cmparg = futex_op_field(encoded, 0);
    if (op & FUTEX_OP_OPARG_SHIFT) {
        op &= ~(unsigned)FUTEX_OP_OPARG_SHIFT;
        oparg = (int32_t)(1u << (oparg & 31));
    }
    if (op > FUTEX_OP_XOR || cmp > FUTEX_OP_CMP_GE)
        return -LINUX_ENOSYS;
    if ((uaddr2 & 3) || !user_range_ok(uaddr2, sizeof(uint32_t)))
        return (uaddr2 & 3) ? -LINUX_EINVAL : -LINUX_EFAULT;
    uint32_t old;
    long r = futex_pi_read(uaddr2, &old);
    while (r == 0) {
        uint32_t want, found;
        futex_op_apply(op, oparg, old, &want);
        r = user_cmpxchg32(uaddr2, old, want, &found);
        if (r == 0 && found == old)
            break;
        old = found;
    }
    if (r)
        return r;
    int32_t was = (int32_t)old;
    bool hit = cmp == FUTEX_OP_CMP_EQ ? was == cmparg : cmp == FUTEX_OP_CMP_NE ? was != cmparg
             : cmp == FUTEX_OP_CMP_LT ? was < cmparg : cmp == FUTEX_OP_CMP_LE ? was <= cmparg
             : cmp == FUTEX_OP_CMP_GT ? was > cmparg : was >= cmparg;
    long woken = futex_syscall(uaddr, LINUX_FUTEX_WAKE, nr_wake, 0, 0, 0);
    if (woken >= 0 && hit) {
        long more = futex_syscall(uaddr2, LINUX_FUTEX_WAKE, nr_wake2, 0, 0, 0);
        woken += more > 0 ? more : 0;
    }
    return woken;
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
