/* SPDX-License-Identifier: MIT */
/* An epoll instance's interest list (epoll(7)): the descriptors it watches, for which
 * events, and which of them are ready now given each one's readiness. Entries are keyed by
 * descriptor number and open file description, as Linux keys them by fd and file; a
 * description that goes away leaves every list (epoll_set_forget). Edge-triggered entries
 * report again only after their description changed (its change count moved); one-shot
 * entries go quiet once reported, until EPOLL_CTL_MOD. kernel/files.c keeps one per epoll
 * description and does the waiting. Portable (no hardware includes; also built into host
 * tests). */
#ifndef KERNEL_EPOLL_H
#define KERNEL_EPOLL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/linux_abi.h"

#define EPOLL_INTEREST_MAX 64 /* as many as a program has descriptors (FILES_MAX_FDS) */

struct epoll_interest {
    const void *target; /* the watched open file description; NULL: a free slot */
    int32_t fd;
    uint32_t events;    /* EPOLLIN, EPOLLOUT, ... | EPOLLET | EPOLLONESHOT */
    uint64_t data;
    uint64_t seen;      /* EPOLLET: the target's change count when last reported */
    bool disarmed;      /* EPOLLONESHOT: reported, quiet until EPOLL_CTL_MOD */
};

struct epoll_set {
    struct epoll_interest entry[EPOLL_INTEREST_MAX];
};

/* What target is ready for now (poll bits) and how often it has changed so far. */
typedef uint32_t (*epoll_ready_fn)(const void *target, void *ctx, uint64_t *changes);

/* epoll_ctl(2) op on (fd, target) with event (ignored for DEL): 0, -EEXIST (ADD of a
 * watched one), -ENOENT (MOD or DEL of one not watched), -ENOSPC (the list is full) or
 * -EINVAL (an unknown op, EPOLLEXCLUSIVE with MOD). */
int epoll_set_ctl(struct epoll_set *s, int op, int32_t fd, const void *target, const struct linux_epoll_event *event);
/* Drops every entry watching target (its last descriptor closed). */
void epoll_set_forget(struct epoll_set *s, const void *target);
/* The ready entries, up to max, into out (when consume: edge-triggered ones are marked
 * reported and one-shot ones disarmed; else a look only, for poll of the epoll fd): their
 * count. */
size_t epoll_set_collect(struct epoll_set *s, epoll_ready_fn ready, void *ctx, struct linux_epoll_event *out,
                         size_t max, bool consume);

#endif
