/* SPDX-License-Identifier: MIT */
/* POSIX message queue syscalls (man 2 mq_open, mq_unlink, mq_timedsend, mq_timedreceive,
 * mq_notify, mq_getsetattr): the caller's side. Each copies the user's memory and ships one
 * call (or, for a message longer than one call carries, a few) to the table's node, where
 * kernel/files_mq.c keeps the queues. Checks come in Linux's order (ipc/mqueue.c): the
 * priority, then the timeout, then the descriptor. */
#include "kernel/files_mq.h"
#include "kernel/files_stage.h"
#include "kernel/libc.h"
#include "kernel/linux_abi.h"
#include "kernel/mm.h"
#include "kernel/posix_timers.h"
#include "kernel/syscall.h"
#include "kernel/thread.h"
#include "kernel/time_conv.h"
#include "kernel/usercopy.h"

/* The sigevent fields mq_notify reads: value, signo, notify (musl's struct ksigevent). */
#define MQ_EVENT_BYTES offsetof(struct posix_timer_event, tid)

/* A call on the queue name at user address uname. */
static long mq_name_call(struct files_call *c, uint64_t uname)
{
    long len = copy_string_from_user(c->path, uname, sizeof c->path);
    if (len < 0)
        return len;
    c->path_len = (uint32_t)len;
    size_t n;
    return (long)files_call(c, NULL, &n);
}

long sys_mq_open(uint64_t uname, uint64_t oflag, uint64_t mode, uint64_t uattr, uint64_t a4, uint64_t a5)
{
    (void)a4, (void)a5;
    struct linux_mq_attr attr;
    bool with_attr = (oflag & LINUX_O_CREAT) && uattr;
    if (with_attr && copy_from_user(&attr, uattr, sizeof attr) != 0)
        return -LINUX_EFAULT;
    struct files_call *c = kzalloc(sizeof *c);
    if (!c)
        return -LINUX_ENOMEM;
    *c = (struct files_call){ .op = FILES_OP_MQ_OPEN, .arg = (uint32_t)oflag, .arg2 = (uint32_t)mode,
                              .len = with_attr ? sizeof attr : 0, .in = with_attr ? (const uint8_t *)&attr : NULL };
    long r = mq_name_call(c, uname);
    kfree(c);
    return r;
}

long sys_mq_unlink(uint64_t uname, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
    struct files_call *c = kzalloc(sizeof *c);
    if (!c)
        return -LINUX_ENOMEM;
    c->op = FILES_OP_MQ_UNLINK;
    long r = mq_name_call(c, uname);
    kfree(c);
    return r;
}

/* The deadline of an absolute CLOCK_REALTIME timeout at user address uts (none: 0). */
static long mq_deadline(uint64_t uts, uint64_t *deadline)
{
    *deadline = 0;
    if (!uts)
        return 0;
    long r = time_deadline_from_user(uts, true, true, deadline);
    if (r == 0 && *deadline == 0)
        *deadline = 1; /* long past, but 0 would mean no deadline at all */
    return r;
}

/* What a send or receive checks before its queue: the timeout's deadline into *deadline,
 * then the descriptor's range. 0, -EINVAL, -EFAULT or -EBADF. */
static long mq_timed_start(uint64_t mqd, uint64_t utimeout, uint64_t *deadline)
{
    long r = mq_deadline(utimeout, deadline);
    if (r < 0)
        return r;
    return mqd >= FILES_MAX_FDS ? -LINUX_EBADF : 0;
}

/* Whether fd is a message queue's descriptor: 0 or -EBADF. */
static long mq_check(uint64_t mqd)
{
    struct linux_mq_attr attr;
    struct files_call c = { .op = FILES_OP_MQ_GETSETATTR, .fd = (int32_t)mqd };
    size_t n;
    long r = (long)files_call(&c, &attr, &n);
    return r < 0 ? r : 0;
}

long sys_mq_timedsend(uint64_t mqd, uint64_t umsg, uint64_t len, uint64_t prio, uint64_t utimeout, uint64_t a5)
{
    (void)a5;
    if (prio >= FILES_MQ_PRIO_MAX)
        return -LINUX_EINVAL;
    uint64_t deadline;
    long r = mq_timed_start(mqd, utimeout, &deadline);
    if (r < 0)
        return r;
    if (len > FILES_MQ_MSGSIZE_MAX) { /* longer than any queue takes */
        r = mq_check(mqd);
        return r < 0 ? r : -LINUX_EMSGSIZE;
    }
    uint8_t *msg = kmalloc(len ? len : 1);
    if (!msg)
        return -LINUX_ENOMEM;
    if (copy_from_user(msg, umsg, len) != 0) {
        kfree(msg);
        return -LINUX_EFAULT;
    }
    struct files_call c = { .op = FILES_OP_MQ_SEND, .fd = (int32_t)mqd, .arg = files_stage_tid_word() | prio };
    r = (long)files_call_in_pieces(&c, msg, len, deadline);
    kfree(msg);
    return r < 0 ? r : 0;
}

long sys_mq_timedreceive(uint64_t mqd, uint64_t umsg, uint64_t len, uint64_t uprio, uint64_t utimeout, uint64_t a5)
{
    (void)a5;
    uint64_t deadline;
    long r = mq_timed_start(mqd, utimeout, &deadline);
    if (r < 0)
        return r;
    uint8_t *msg = kmalloc(FILES_MQ_MSGSIZE_MAX);
    if (!msg)
        return -LINUX_ENOMEM;
    struct files_call c = { .op = FILES_OP_MQ_RECEIVE, .fd = (int32_t)mqd,
                            .arg = files_stage_tid_word() | (len > UINT32_MAX ? UINT32_MAX : len), .len = FILES_XFER_MAX };
    uint32_t prio = 0;
    r = (long)files_call_receive(&c, deadline, &prio, sizeof prio, msg, FILES_MQ_MSGSIZE_MAX);
    /* As on Linux, a message that cannot be stored is gone from the queue all the same. */
    if (r >= 0 && (copy_to_user(umsg, msg, (size_t)r) != 0 || (uprio && copy_to_user(uprio, &prio, sizeof prio) != 0)))
        r = -LINUX_EFAULT;
    kfree(msg);
    return r;
}

long sys_mq_notify(uint64_t mqd, uint64_t uevent, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a2, (void)a3, (void)a4, (void)a5;
    struct posix_timer_event ev = { 0 };
    if (uevent && copy_from_user(&ev, uevent, MQ_EVENT_BYTES) != 0)
        return -LINUX_EFAULT;
    if (uevent && !files_mq_event_ok(&ev))
        return -LINUX_EINVAL;
    if (mqd >= FILES_MAX_FDS)
        return -LINUX_EBADF;
    struct files_call c = { .op = FILES_OP_MQ_NOTIFY, .fd = (int32_t)mqd, .arg2 = files_stage_tid_word() >> FILES_STAGE_TID_SHIFT,
                            .len = uevent ? sizeof ev : 0, .in = uevent ? (const uint8_t *)&ev : NULL };
    size_t n;
    return (long)files_call(&c, NULL, &n);
}

long sys_mq_getsetattr(uint64_t mqd, uint64_t unew, uint64_t uold, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    struct linux_mq_attr set, old;
    if (unew && copy_from_user(&set, unew, sizeof set) != 0)
        return -LINUX_EFAULT;
    if (unew && (set.mq_flags & ~(int64_t)LINUX_O_NONBLOCK))
        return -LINUX_EINVAL;
    if (mqd >= FILES_MAX_FDS)
        return -LINUX_EBADF;
    struct files_call c = { .op = FILES_OP_MQ_GETSETATTR, .fd = (int32_t)mqd, .len = unew ? sizeof set : 0,
                            .in = unew ? (const uint8_t *)&set : NULL };
    size_t n;
    long r = (long)files_call(&c, &old, &n);
    if (r == 0 && n != sizeof old)
        r = -LINUX_EIO;
    if (r == 0 && uold && copy_to_user(uold, &old, sizeof old) != 0)
        r = -LINUX_EFAULT;
    return r;
}
