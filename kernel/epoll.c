/* SPDX-License-Identifier: MIT */
/* epoll interest lists (kernel/epoll.h). Invariant: no two used entries have the same
 * (fd, target). */
#include "kernel/epoll.h"

/* The events an entry reports whether asked for or not (epoll_ctl(2)). */
#define EPOLL_ALWAYS (LINUX_POLLERR | LINUX_POLLHUP)
/* A never-reported entry: its first readiness counts as a change. */
#define EPOLL_NEVER_SEEN UINT64_MAX

static struct epoll_interest *epoll_find(struct epoll_set *s, int32_t fd, const void *target)
{
    for (size_t i = 0; i < EPOLL_INTEREST_MAX; i++)
        if (s->entry[i].target == target && s->entry[i].fd == fd)
            return &s->entry[i];
    return NULL;
}

int epoll_set_ctl(struct epoll_set *s, int op, int32_t fd, const void *target, const struct linux_epoll_event *event)
{
    struct epoll_interest *e = epoll_find(s, fd, target);
    switch (op) {
    case LINUX_EPOLL_CTL_ADD:
        if (e)
            return -LINUX_EEXIST;
        e = epoll_find(s, 0, NULL);
        if (!e)
            return -LINUX_ENOSPC;
        e->target = target;
        e->fd = fd;
        break;
    case LINUX_EPOLL_CTL_MOD:
        if (!e)
            return -LINUX_ENOENT;
        if (event->events & LINUX_EPOLLEXCLUSIVE)
            return -LINUX_EINVAL;
        break;
    case LINUX_EPOLL_CTL_DEL:
        if (!e)
            return -LINUX_ENOENT;
        *e = (struct epoll_interest){ 0 };
        return 0;
    default:
        return -LINUX_EINVAL;
    }
    e->events = event->events;
    e->data = event->data;
    e->seen = EPOLL_NEVER_SEEN;
    e->disarmed = false;
    return 0;
}

void epoll_set_forget(struct epoll_set *s, const void *target)
{
    for (size_t i = 0; i < EPOLL_INTEREST_MAX; i++)
        if (s->entry[i].target == target)
            s->entry[i] = (struct epoll_interest){ 0 };
}

size_t epoll_set_collect(struct epoll_set *s, epoll_ready_fn ready, void *ctx, struct linux_epoll_event *out,
                         size_t max, bool consume)
{
    size_t n = 0;
    for (size_t i = 0; i < EPOLL_INTEREST_MAX && n < max; i++) {
        struct epoll_interest *e = &s->entry[i];
        if (!e->target || e->disarmed)
            continue;
        uint64_t changes = 0;
        uint32_t got = ready(e->target, ctx, &changes) & (e->events | EPOLL_ALWAYS);
        if (!got || ((e->events & LINUX_EPOLLET) && changes == e->seen))
            continue;
        out[n].events = got;
        out[n].data = e->data;
        n++;
        if (!consume)
            continue;
        e->seen = changes;
        if (e->events & LINUX_EPOLLONESHOT)
            e->disarmed = true;
    }
    return n;
}
