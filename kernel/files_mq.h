/* SPDX-License-Identifier: MIT */
/* What the two sides of the POSIX message queue calls share: the caller's (kernel/sys_mq.c)
 * and the table node's (kernel/files_mq.c), which keeps the queues. */
#ifndef KERNEL_FILES_MQ_H
#define KERNEL_FILES_MQ_H

#include <stdbool.h>

#include "kernel/files.h"
#include "kernel/posix_timers.h"

#define FILES_MQ_PRIO_MAX 32768 /* MQ_PRIO_MAX (include/uapi/linux/mqueue.h): priorities below it */
/* A queue's messages are at most this long (Linux's default msgsize_max): longer than one
 * call, they cross in pieces; a receive's answer holds the priority, then the first piece. */
#define FILES_MQ_MSGSIZE_MAX 8192
#define FILES_MQ_FIRST_PIECE (FILES_XFER_MAX - sizeof(uint32_t))

/* Whether mq_notify(2) takes ev: SIGEV_NONE, or SIGEV_SIGNAL with a signal number up to 64
 * (0: none is sent). SIGEV_THREAD, which musl builds on a netlink socket, is not done. */
bool files_mq_event_ok(const struct posix_timer_event *ev);

#endif
