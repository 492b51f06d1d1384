/* SPDX-License-Identifier: MIT */
/* The process's pending set (kernel/signal_process.c). */
#ifndef KERNEL_SIGNAL_PROCESS_H
#define KERNEL_SIGNAL_PROCESS_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/syscall.h"
#include "kernel/thread.h"

/* One signal taken from the set, as it travels to the thread that takes it. */
struct signal_claim {
    int32_t sig;      /* 0: none */
    uint32_t by_kill; /* kill()'s (si_code SI_USER) */
    uint32_t queued;  /* info holds a timer's or a sigqueue's siginfo */
    uint32_t pad;
    struct thread_sigtimer info;
};

/* Keeps sig for the process (no thread takes it now): by kill(), or with queued's siginfo
 * (a timer's, after extra expirations more than one; or a sigqueue's). A signal of the same
 * timer already kept takes the expirations into its si_overrun instead: true (merged). */
bool signal_process_keep(uint64_t sig, bool by_kill, const struct signal_timer_source *queued, uint32_t extra);
/* One node, no DSM: sig with from's siginfo (after extra expirations more than one) for
 * thread tid, or with to_process for a thread that takes it (tid first; the process keeps it
 * when none does now): 0, DSM_THREADS_SIGNAL_MERGED (merged into one pending) or -ESRCH. */
long signal_deliver_local(int32_t tid, int sig, const struct signal_timer_source *from, uint32_t extra,
                          bool to_process);
/* The signals kept here (bit sig - 1). */
uint64_t signal_process_pending(void);
/* Makes the kept signals of wanted pending on t, which takes them. */
void signal_process_give(struct thread *t, uint64_t wanted);
/* Takes the lowest kept signal of set into *out: true, or false (out->sig 0) when none. */
bool signal_process_claim(uint64_t set, struct signal_claim *out);
/* Makes a claimed signal pending on t. */
void signal_claim_give(struct thread *t, const struct signal_claim *c);
/* Another node says it keeps the signals of bits for the process. */
void signal_process_hint(uint64_t bits);
/* The hinted signals of wanted, which are no longer hinted (the caller claims them). */
uint64_t signal_process_hint_take(uint64_t wanted);

#endif
