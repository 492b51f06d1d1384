/* SPDX-License-Identifier: MIT */
/* SysV message queues (man 2 msgget, msgsnd, msgrcv, msgctl): what the caller's side
 * (kernel/sys_msg.c) and the table's node (kernel/files_msg.c, node 0, next to the
 * descriptor table) share. Every node's threads see the same queues; a send to a full queue
 * or a receive that finds no message of its type waits on node 0 like a pipe's read, so a
 * call from any node ends it. A message is longer than one call: it crosses in pieces
 * (kernel/files_stage.h). */
#ifndef KERNEL_FILES_MSG_H
#define KERNEL_FILES_MSG_H

#include <stdint.h>

#include "kernel/files.h"
#include "kernel/files_ipc.h"
#include "kernel/files_stage.h"
#include "kernel/linux_abi.h"

/* FILES_OP_MSG: arg = one of these | msgflg's IPC_NOWAIT and MSG_* bits | the calling
 * thread's tid << FILES_STAGE_TID_SHIFT. */
enum files_msg_op {
    FILES_MSG_GET,     /* arg2 = key | msgflg << 32: the id */
    FILES_MSG_SEND,    /* the message in pieces (arg2 = offset << 32 | its length): a struct
                        * files_msg_head, then the text: 0, or a wait (FILES_CALL_NO_WAIT: -EAGAIN) */
    FILES_MSG_RECEIVE, /* in: struct files_msg_receive: the text's length (the bytes taken), its
                        * type (int64_t) then its first bytes into data, the rest in the stage;
                        * or a wait */
    FILES_MSG_CTL,     /* arg2 = id (index for MSG_STAT), in: struct files_msg_ctl: msgctl's result;
                        * into data: the struct the command fills */
};

#define FILES_MSG_SUBOP_MASK 0xffull
#define FILES_MSG_FLAGS (LINUX_IPC_NOWAIT | LINUX_MSG_NOERROR | LINUX_MSG_EXCEPT | LINUX_MSG_COPY)
_Static_assert((FILES_MSG_FLAGS & FILES_MSG_SUBOP_MASK) == 0, "the flags and the sub-op share arg's low half apart");

struct files_msg_head {
    int32_t id;
    uint32_t reserved;
    int64_t mtype; /* > 0 */
};
_Static_assert(sizeof(struct files_msg_head) + LINUX_MSGMAX <= FILES_STAGE_MAX, "a message fits a stage");

struct files_msg_receive {
    int32_t id;
    uint32_t reserved;
    int64_t msgtyp; /* MSG_COPY: the index */
    uint64_t room;  /* the receiver's bytes for the text */
};

/* A receive's answer: the type, then as much of the text as fits one call. */
#define FILES_MSG_FIRST_PIECE (FILES_XFER_MAX - sizeof(int64_t))

struct files_msg_ctl {
    uint32_t cmd;                 /* IPC_* or MSG_* */
    uint32_t reserved;
    uint64_t qbytes;              /* IPC_SET */
    struct linux_ipc64_perm perm; /* IPC_SET: uid, gid and mode */
};

/* The longest answer FILES_OP_MSG call c may have: what its caller's data holds. */
uint32_t files_msg_answer_max(const struct files_call *c);

/* FILES_OP_MSG on node 0. */
int64_t files_msg_call(const struct files_call *c, void *data, size_t *data_len);

#endif
