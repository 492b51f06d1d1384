/* SPDX-License-Identifier: MIT */
/* SysV semaphores (man 2 semget, semop, semctl): what the caller's side (kernel/sys_sem.c)
 * and the table's node (kernel/files_sem.c, node 0, next to the descriptor table) share.
 * Every node's threads see the same sets; a semop that cannot go on waits on node 0 like a
 * pipe's read, so a post from any node ends it. SEM_UNDO adjustments are the process's
 * (musl creates threads with CLONE_SYSVSEM, so they share one list) and Linux applies them
 * when the process exits, which here ends the cluster and every set with it: they are kept
 * for what a program can see of them, the range check (ERANGE) and SETVAL/SETALL clearing them. */
#ifndef KERNEL_FILES_SEM_H
#define KERNEL_FILES_SEM_H

#include <stdint.h>

#include "kernel/files.h"
#include "kernel/linux_abi.h"

#define FILES_SEM_OPS_MAX 500     /* sembufs in one semop (SEMOPM, Linux's default) */
#define FILES_SEM_TOTAL_MAX 32000 /* semaphores in all sets (SEMMNS; Linux's is SEMMNI * SEMMSL) */

/* FILES_OP_SEM: arg = one of these, arg2 as said. */
enum files_sem_op {
    FILES_SEM_GET,  /* arg2 = key, in: struct files_sem_get: the id */
    FILES_SEM_OP,   /* arg2 = id, in: the struct linux_sembuf array: 0, or a wait (FILES_CALL_NO_WAIT
                     * at the deadline: -EAGAIN) */
    FILES_SEM_CTL,  /* arg2 = id (index for SEM_STAT), in: struct files_sem_ctl, for SETALL the
                     * values (uint16_t each) after it: semctl's result; into data: the struct
                     * the command fills, or for GETALL the values */
};

struct files_sem_get {
    int32_t nsems;
    uint32_t flags; /* IPC_CREAT, IPC_EXCL and the permission bits */
};

struct files_sem_ctl {
    uint32_t cmd;                 /* IPC_*, SEM_*, GET*, SET* */
    uint32_t semnum;
    int32_t value;                /* SETVAL */
    uint32_t reserved;
    struct linux_ipc64_perm perm; /* IPC_SET: uid, gid and mode */
};

/* A set's semaphores at most (SEMMSL; Linux's is 32000): SETALL's values travel in one call
 * after their struct files_sem_ctl, GETALL's come back in one answer. */
#define FILES_SEM_NSEMS_MAX ((FILES_XFER_MAX - sizeof(struct files_sem_ctl)) / sizeof(uint16_t))

/* The longest answer FILES_OP_SEM call c may have: what its caller's data holds. */
uint32_t files_sem_answer_max(const struct files_call *c);

/* FILES_OP_SEM on node 0. */
int64_t files_sem_call(const struct files_call *c, void *data, size_t *data_len);

#endif
