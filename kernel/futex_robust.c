/* SPDX-License-Identifier: MIT */
/* Robust futexes at thread exit (Linux's exit_robust_list, kernel/futex/core.c): the list a
 * thread registered with set_robust_list names the mutexes it holds; at its exit each word
 * it still owns gets FUTEX_OWNER_DIED (keeping FUTEX_WAITERS) and one waiter is woken, so
 * the next locker learns EOWNERDEAD instead of waiting forever. glibc leaves this to the
 * kernel; musl also walks its list itself in pthread_exit, and the two agree (a word musl
 * released no longer holds the thread's tid). PI words are handled alike: their waiters
 * sleep in the ordinary queue (kernel/futex_pi.c). Every user word is read through the
 * checked copies: a bad list ends the walk, as on Linux. */
#include "kernel/futex.h"

#include "kernel/linux_abi.h"
#include "kernel/thread.h"
#include "kernel/usercopy.h"

#define ROBUST_LIST_LIMIT 2048            /* entries walked at most (include/uapi/linux/futex.h) */
#define ROBUST_FUTEX_WAITERS 0x80000000u  /* FUTEX_WAITERS */
#define ROBUST_FUTEX_OWNER_DIED 0x40000000u
#define ROBUST_FUTEX_TID_MASK 0x3fffffffu
#define ROBUST_ENTRY_PI 1ull              /* the low bit of an entry marks a PI futex */
#define ROBUST_HEAD_OFFSET_OFFSET 8       /* struct robust_list_head: list.next, futex_offset, */
#define ROBUST_HEAD_PENDING_OFFSET 16     /* list_op_pending */

/* The word at uaddr of a thread (tid) that is gone: owner died, a waiter woken. pending: the
 * entry being locked or unlocked when it went, whose free word may still have a waiter to
 * wake (Linux's HANDLE_DEATH_PENDING). */
static void robust_owner_died(uint64_t uaddr, uint32_t tid, bool pi, bool pending)
{
    uint32_t v;
    if ((uaddr & (sizeof v - 1)) || copy_from_user(&v, uaddr, sizeof v) != 0)
        return;
    if (pending && !pi && v == 0) {
        futex_wake_address(uaddr, 1);
        return;
    }
    for (;;) {
        if ((v & ROBUST_FUTEX_TID_MASK) != tid)
            return;
        uint32_t found;
        if (user_cmpxchg32(uaddr, v, (v & ROBUST_FUTEX_WAITERS) | ROBUST_FUTEX_OWNER_DIED, &found) != 0)
            return;
        if (found == v)
            break;
        v = found;
    }
    if (v & ROBUST_FUTEX_WAITERS)
        futex_wake_address(uaddr, 1);
}

/* A list entry's pointer at user address at: the entry and whether it is a PI futex. */
static bool robust_fetch(uint64_t at, uint64_t *entry, bool *pi)
{
    uint64_t raw;
    if (copy_from_user(&raw, at, sizeof raw) != 0)
        return false;
    *entry = raw & ~ROBUST_ENTRY_PI;
    *pi = (raw & ROBUST_ENTRY_PI) != 0;
    return true;
}

void futex_exit_robust_list(uint64_t head, uint32_t tid)
{
    uint64_t entry, pending;
    int64_t offset;
    bool pi, pending_pi;
    if (!head || !robust_fetch(head, &entry, &pi) ||
        copy_from_user(&offset, head + ROBUST_HEAD_OFFSET_OFFSET, sizeof offset) != 0 ||
        !robust_fetch(head + ROBUST_HEAD_PENDING_OFFSET, &pending, &pending_pi))
        return;
    tid &= ROBUST_FUTEX_TID_MASK;
    for (int left = ROBUST_LIST_LIMIT; entry != head && left > 0; left--) {
        uint64_t next;
        bool next_pi;
        bool more = robust_fetch(entry, &next, &next_pi); /* before the word changes hands */
        if (entry != pending)
            robust_owner_died(entry + (uint64_t)offset, tid, pi, false);
        if (!more)
            return;
        entry = next;
        pi = next_pi;
    }
    if (pending)
        robust_owner_died(pending + (uint64_t)offset, tid, pending_pi, true);
}
