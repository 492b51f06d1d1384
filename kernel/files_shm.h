/* SPDX-License-Identifier: MIT */
/* SysV shared memory (man 2 shmget, shmat, shmdt, shmctl): what the caller's side
 * (kernel/sys_shm.c) and the table's node (kernel/files_shm.c, node 0, next to the
 * descriptor table) share. One process has one address space, so a segment's memory is one
 * user mapping, made at its first attach and kept at that address: every attach returns it
 * (two attaches at once share it), a detach that leaves none makes it inaccessible, and the
 * mapping goes when the segment is removed and detached. Unlike Linux: a segment cannot be
 * attached at two addresses at once (an attach at another address while attached is
 * EINVAL), the memory's rights are the widest its attaches asked for (a read-only attach of
 * a segment attached for writing leaves it writable), and a detached segment's range stays in
 * /proc/self/maps (without rights). A detach that leaves no attach racing another thread's
 * attach of the same segment may leave that attach without rights (the two protections
 * cross the nodes in either order). */
#ifndef KERNEL_FILES_SHM_H
#define KERNEL_FILES_SHM_H

#include <stdint.h>

#include "kernel/files.h"
#include "kernel/linux_abi.h"

#define FILES_SHM_SIZE_MAX (1ull << 30)   /* a segment's bytes at most (SHMMAX): 1 GiB, a stripe */

/* FILES_OP_SHM: arg = one of these, arg2 as said. */
enum files_shm_op {
    FILES_SHM_GET,  /* arg2 = key, in: struct files_shm_get: the id */
    FILES_SHM_AT,   /* arg2 = id: struct files_shm_place into data; attached already if its base is not 0 */
    FILES_SHM_BASE, /* arg2 = id, in: the new mapping's address (uint64_t): attached; the base into data
                     * (an attach that came first wins: the caller unmaps its own) */
    FILES_SHM_DT,   /* arg2 = the address: struct files_shm_place into data; a files_shm_detached */
    FILES_SHM_CTL,  /* arg2 = id (index for SHM_STAT), in: struct files_shm_ctl: shmctl's result; into data:
                     * the struct the command fills, or for IPC_RMID a struct files_shm_place */
};

struct files_shm_get {
    uint64_t size;
    uint32_t flags; /* IPC_CREAT, IPC_EXCL and the permission bits */
    uint32_t reserved;
};

/* Where a segment's memory is. */
struct files_shm_place {
    uint64_t size;   /* the segment's bytes (the mapping rounds up to pages) */
    uint64_t base;   /* 0: never attached */
    uint64_t others; /* attaches besides the caller's (AT, BASE): its rights only ever widen then */
};

/* What a detach (or an IPC_RMID) leaves of the segment. */
enum files_shm_detached {
    FILES_SHM_STILL_ATTACHED = 0, /* another attach remains: the memory stays */
    FILES_SHM_UNUSED = 1,         /* no attach left: make the memory inaccessible */
    FILES_SHM_GONE = 2,           /* removed and no attach left: unmap it */
};

/* The longest answer of any FILES_SHM_* call (IPC_STAT's struct): what a call's data must hold. */
#define FILES_SHM_ANSWER_MAX sizeof(struct linux_shmid64_ds)
_Static_assert(sizeof(struct files_shm_place) <= FILES_SHM_ANSWER_MAX, "a place fits an answer");
_Static_assert(sizeof(struct linux_shminfo64) <= FILES_SHM_ANSWER_MAX, "IPC_INFO's struct fits an answer");
_Static_assert(sizeof(struct linux_shm_info) <= FILES_SHM_ANSWER_MAX, "SHM_INFO's struct fits an answer");

struct files_shm_ctl {
    uint32_t cmd;                      /* IPC_* or SHM_* */
    uint32_t reserved;
    struct linux_ipc64_perm perm;      /* IPC_SET: uid, gid and mode */
};

/* FILES_OP_SHM on node 0. */
int64_t files_shm_call(const struct files_call *c, void *data, size_t *data_len);

#endif
