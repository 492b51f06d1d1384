/* SPDX-License-Identifier: MIT */
/* Data affinity, the kernel's side (kernel/dsm_affinity.c; the judge: dsm/affinity.h):
 * a thread that mostly waits for pages one node took from this one moves to that node. */
#ifndef KERNEL_DSM_AFFINITY_H
#define KERNEL_DSM_AFFINITY_H

#include <stdbool.h>
#include <stdint.h>

#include "dsm/affinity.h"

struct thread;

/* The calling thread's remote fault on page (its number) ended: a sharing miss
 * (dsm_page_info.taken) or a first touch, ended by node from's message (DSM_NODE_NONE: by
 * none), after wait_ns. */
void dsm_affinity_fault(bool sharing_miss, unsigned from, uint64_t wait_ns, uint64_t page);
/* After a page fault from user mode was resolved, or an interrupt's work when the thread
 * returns to user mode from it (a thread that computes without faults is judged too): moves
 * the calling thread (no return here) if its judge says so; else returns. */
void dsm_affinity_check(void);
/* Registers dsm_affinity_check as the scheduler's user-return hook. */
void dsm_affinity_init(void);
/* The program placed t itself: it stays where it is put from now on. */
void dsm_affinity_pin(const struct thread *t);
/* What t's record says as it leaves this node (for the move's message). */
void dsm_affinity_leaving(const struct thread *t, bool *pinned, struct dsm_affinity_history *h);
/* Thread t arrived from node from: a move (pinned and h as dsm_affinity_leaving gave them;
 * by_affinity: its judge sent it), or a new thread placed here (not pinned, h zero but for
 * its home, here). */
void dsm_affinity_arrived(const struct thread *t, unsigned from, bool pinned, const struct dsm_affinity_history *h,
                          bool by_affinity);
/* The `dsm-affinity node=I on|off moved_out=N moved_in=N held=N` line at the program's end
 * (docs/dsm-protocol.md section 9b). */
void dsm_affinity_log(unsigned node);

#endif
