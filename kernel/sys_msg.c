/* SPDX-License-Identifier: MIT */
/* SysV message queue syscalls (man 2 msgget, msgsnd, msgrcv, msgctl): the caller's side.
 * Each copies the user's memory and ships the call to the table's node (kernel/files_msg.c),
 * a message in pieces and the rest of a long received one after its answer
 * (kernel/files_stage.h). Checks come in Linux's order (ipc/msg.c): what needs no queue
 * here, the rest there. A signal ends a wait with EINTR when a handler runs (never
 * restarted, signal(7)), and the call goes on when none does. */
#include "kernel/files_msg.h"
#include "kernel/libc.h"
#include "kernel/linux_abi.h"
#include "kernel/mm.h"
#include "kernel/syscall.h"
#include "kernel/usercopy.h"

/* A wait a signal ended: EINTR if a handler runs, else the call again (as Linux's
 * -ERESTARTNOHAND from msgsnd and msgrcv). */
static long msg_interrupted(long r)
{
    return r == -LINUX_ERESTARTSYS ? -LINUX_ERESTARTNOHAND : r;
}

long sys_msgget(uint64_t key, uint64_t flags, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a2, (void)a3, (void)a4, (void)a5;
    struct files_call c = { .op = FILES_OP_MSG, .fd = -1, .arg = FILES_MSG_GET,
                            .arg2 = (uint32_t)key | (uint64_t)(uint32_t)flags << 32 };
    size_t n;
    return (long)files_call(&c, NULL, &n);
}

long sys_msgsnd(uint64_t id, uint64_t umsg, uint64_t size, uint64_t flags, uint64_t a4, uint64_t a5)
{
    (void)a4, (void)a5;
    struct files_msg_head head = { .id = (int32_t)id };
    if (copy_from_user(&head.mtype, umsg, sizeof head.mtype) != 0)
        return -LINUX_EFAULT;
    if (size > LINUX_MSGMAX || head.id < 0 || head.mtype < 1)
        return -LINUX_EINVAL;
    uint8_t *msg = kmalloc(sizeof head + size);
    if (!msg)
        return -LINUX_ENOMEM;
    memcpy(msg, &head, sizeof head);
    long r = 0;
    if (copy_from_user(msg + sizeof head, umsg + sizeof head.mtype, size) != 0)
        r = -LINUX_EFAULT;
    if (r == 0) {
        struct files_call c = { .op = FILES_OP_MSG, .fd = -1,
                                .arg = files_stage_tid_word() | FILES_MSG_SEND | ((uint32_t)flags & FILES_MSG_FLAGS) };
        r = (long)files_call_in_pieces(&c, msg, sizeof head + size, 0);
    }
    kfree(msg);
    return msg_interrupted(r < 0 ? r : 0);
}

long sys_msgrcv(uint64_t id, uint64_t umsg, uint64_t size, uint64_t msgtyp, uint64_t flags, uint64_t a5)
{
    (void)a5;
    /* msqid and msgflg are ints: the registers' upper halves mean nothing */
    if ((int32_t)id < 0 || (int64_t)size < 0)
        return -LINUX_EINVAL;
    flags = (uint32_t)flags;
    if ((flags & LINUX_MSG_COPY) && ((flags & LINUX_MSG_EXCEPT) || !(flags & LINUX_IPC_NOWAIT)))
        return -LINUX_EINVAL;
    struct files_msg_receive r = { .id = (int32_t)id, .msgtyp = (int64_t)msgtyp,
                                   .room = size < LINUX_MSGMAX ? size : LINUX_MSGMAX };
    uint8_t *text = kmalloc(LINUX_MSGMAX);
    if (!text)
        return -LINUX_ENOMEM;
    struct files_call c = { .op = FILES_OP_MSG, .fd = -1,
                            .arg = files_stage_tid_word() | FILES_MSG_RECEIVE | (flags & FILES_MSG_FLAGS),
                            .len = sizeof r, .in = (const uint8_t *)&r };
    int64_t mtype = 0;
    long len = (long)files_call_receive(&c, 0, &mtype, sizeof mtype, text, r.room);
    /* As on Linux, a message that cannot be stored is gone from the queue all the same. */
    if (len >= 0 && (copy_to_user(umsg, &mtype, sizeof mtype) != 0 ||
                     copy_to_user(umsg + sizeof mtype, text, (size_t)len) != 0))
        len = -LINUX_EFAULT;
    kfree(text);
    return msg_interrupted(len);
}

long sys_msgctl(uint64_t id, uint64_t cmd, uint64_t ubuf, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    /* msqid and cmd are ints: the registers' upper halves mean nothing */
    if ((int32_t)id < 0 || (int32_t)cmd < 0)
        return -LINUX_EINVAL;
    struct files_msg_ctl ctl = { .cmd = (uint32_t)cmd & ~(uint32_t)LINUX_IPC_64 };
    union {
        struct linux_msqid64_ds ds;
        struct linux_msginfo info;
    } out;
    size_t want = 0;
    switch (ctl.cmd) {
    case LINUX_IPC_STAT:
    case LINUX_MSG_STAT:
    case LINUX_MSG_STAT_ANY:
        want = sizeof out.ds;
        break;
    case LINUX_IPC_INFO:
    case LINUX_MSG_INFO:
        want = sizeof out.info;
        break;
    case LINUX_IPC_SET:
        if (copy_from_user(&out.ds, ubuf, sizeof out.ds) != 0)
            return -LINUX_EFAULT;
        ctl.qbytes = out.ds.msg_qbytes;
        ctl.perm = out.ds.msg_perm;
        break;
    default:
        break;
    }
    struct files_call c = { .op = FILES_OP_MSG, .fd = -1, .arg = FILES_MSG_CTL, .arg2 = (uint32_t)id,
                            .len = sizeof ctl, .in = (const uint8_t *)&ctl };
    size_t n;
    long r = (long)files_call(&c, &out, &n);
    if (r >= 0 && n != want)
        return -LINUX_EIO; /* not an answer the table's node gives */
    if (r >= 0 && want && copy_to_user(ubuf, &out, want) != 0)
        return -LINUX_EFAULT;
    return r;
}
