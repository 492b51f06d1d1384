/* SPDX-License-Identifier: MIT */
/* Futexes (man 2 futex) for the program's threads: a wait queue per user word address,
 * FIFO. One address space per node, so PRIVATE and shared futexes are the same. Today
 * the queues are local; the DSM (DESIGN.md 4) moves them to the word's manager node. */
#ifndef KERNEL_FUTEX_H
#define KERNEL_FUTEX_H

#include <stdbool.h>
#include <stdint.h>

/* The futex syscall: op with its arguments in Linux's register order; returns what
 * Linux returns (woken/requeued counts, 0, or a negative errno). */
long futex_syscall(uint64_t uaddr, int op, uint32_t val, uint64_t timeout_or_val2, uint64_t uaddr2, uint32_t val3);
/* kernel/futex_pi.c: FUTEX_LOCK_PI, LOCK_PI2, TRYLOCK_PI or UNLOCK_PI (cmd) on the aligned
 * user word at uaddr, with LOCK_PI2's clock (realtime) and the absolute timeout at user
 * address utimeout (0: none): 0 or a negative errno, as Linux answers. */
long futex_pi_syscall(uint64_t uaddr, int cmd, uint64_t utimeout, bool realtime);
/* kernel/futex_pi.c: FUTEX_WAKE_OP: applies encoded's operation to the word at uaddr2
 * atomically, wakes nr_wake on uaddr and, when the word's old value meets encoded's
 * comparison, nr_wake2 on uaddr2: the number woken, or a negative errno. */
long futex_wake_op(uint64_t uaddr, uint32_t nr_wake, uint32_t nr_wake2, uint64_t uaddr2, uint32_t encoded);
/* kernel/futex_robust.c: the exiting thread tid's robust list at user address head (0: none):
 * each word it still owns gets FUTEX_OWNER_DIED and a waiter is woken. Thread context. */
void futex_exit_robust_list(uint64_t head, uint32_t tid);
/* Wakes up to n waiters on addr (any bitset); returns how many. */
int futex_wake_address(uint64_t addr, int n);
/* Threads waiting on any futex (for tests and the exit line). */
int futex_waiter_count(void);

#endif
