/* SPDX-License-Identifier: MIT */
/* What SysV's three kinds of object (shared memory segments, semaphore sets, message
 * queues: kernel/files_shm.c, files_sem.c, files_msg.c, on node 0) keep and do alike: a
 * table of FILES_IPC_SLOTS entries, each starting with a struct files_ipc_obj; ids, keys and
 * ipcget's rules (ipc/util.c); the ipc64_perm fields. An id is seq * FILES_IPC_SLOTS + slot,
 * seq counting the slot's reuses, so a removed object's id does not name the next one in its
 * slot. The caller runs as root: no permission check refuses it. */
#ifndef KERNEL_FILES_IPC_H
#define KERNEL_FILES_IPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/files.h"
#include "kernel/linux_abi.h"

#define FILES_IPC_SLOTS 128 /* objects of one kind at once (Linux's SHMMNI 4096, SEMMNI and MSGMNI 32000) */
#define FILES_IPC_MODE_BITS 0777u /* ipc_perm.mode's permission bits: all IPC_SET changes */

/* The first member of every table entry. */
struct files_ipc_obj {
    bool used;
    int32_t key;   /* IPC_PRIVATE once removed: no key finds it */
    uint32_t seq;
    uint32_t mode; /* the permission bits, and a kind's own flags above them */
    uint32_t uid, gid;
    int64_t ctime;
};

/* One kind's table: FILES_IPC_SLOTS entries of `stride` bytes from `entries`. */
struct files_ipc_table {
    void *entries;
    size_t stride;
};

/* A call's input that must be one struct of size bytes, into out: false (the caller's
 * EINVAL) when it is not that long. */
bool files_ipc_input(const struct files_call *c, void *out, size_t size);
/* CLOCK_REALTIME now, in seconds (the *_time fields). */
int64_t files_ipc_now_seconds(void);
/* The entry in slot (used or not). */
struct files_ipc_obj *files_ipc_slot(const struct files_ipc_table *t, unsigned slot);
/* The object id names, NULL if none does. */
struct files_ipc_obj *files_ipc_by_id(const struct files_ipc_table *t, uint64_t id);
/* The id of o, an entry of t. */
int64_t files_ipc_id(const struct files_ipc_table *t, const struct files_ipc_obj *o);
/* ipcget's first steps for key and flags (IPC_CREAT, IPC_EXCL): 0 with *found the object
 * the key names (the caller's more checks follow), 0 with *found NULL when a new one is to
 * be made, -EEXIST or -ENOENT. */
int64_t files_ipc_get(const struct files_ipc_table *t, int32_t key, uint32_t flags, struct files_ipc_obj **found);
/* A new object in a free slot, zeroed but for its header (key, flags' permission bits, the
 * time); NULL when every slot is used (the caller's ENOSPC). */
struct files_ipc_obj *files_ipc_new(const struct files_ipc_table *t, int32_t key, uint32_t flags);
/* o's slot is free again, for a seq one higher. */
void files_ipc_forget(struct files_ipc_obj *o);
/* o's ipc64_perm as IPC_STAT reports it (extra: a kind's mode bits to show besides o's). */
struct linux_ipc64_perm files_ipc_perm(const struct files_ipc_obj *o, uint32_t extra);
/* IPC_SET of perm's uid, gid and permission bits on o. */
void files_ipc_set(struct files_ipc_obj *o, const struct linux_ipc64_perm *perm);
/* The highest slot in use (IPC_INFO's and *_INFO's result), 0 for none; *used: how many are. */
int64_t files_ipc_highest(const struct files_ipc_table *t, unsigned *used);
/* The object IPC_STAT (id names it; *answer 0) or a kind's *_STAT (by_index: id is a slot
 * index; *answer the object's id) reports on; NULL if none (the caller's EINVAL). */
struct files_ipc_obj *files_ipc_stat_target(const struct files_ipc_table *t, uint64_t id, bool by_index,
                                           int64_t *answer);

#endif
