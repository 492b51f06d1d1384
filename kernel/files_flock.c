/* SPDX-License-Identifier: MIT */
/* flock(2): advisory locks held by open file descriptions on a file of the store, shared
 * or exclusive. A description that asks for the other kind gives up its lock first, as
 * Linux converts (flock(2): the conversion is not atomic). A call that conflicts waits
 * (FILES_WOULD_BLOCK: the waiting machinery runs it again whenever a lock goes) unless it
 * says LOCK_NB. Other kinds of descriptor (pipes, sockets) take any lock at once. */
#include "kernel/file_store.h"
#include "kernel/files_internal.h"
#include "kernel/linux_abi.h"

/* include/uapi/asm-generic/fcntl.h */
#define FILES_LOCK_SH 1
#define FILES_LOCK_EX 2
#define FILES_LOCK_NB 4
#define FILES_LOCK_UN 8
#define FILES_LOCK_MAND 32 /* removed in Linux 5.18: such a request is ignored (fs/locks.c) */

/* Gives up d's lock on its file; callers waiting for one are run again. */
static void files_flock_drop(struct file_desc *d)
{
    struct file_store_flock *st = file_store_flock_state(d->file);
    if (d->flock == FILES_FLOCK_SHARED)
        st->shared--;
    else if (d->flock == FILES_FLOCK_EXCLUSIVE)
        st->exclusive = false;
    else
        return;
    d->flock = FILES_FLOCK_NONE;
    files_changed = true;
}

int64_t files_flock(struct file_desc *d, uint64_t op)
{
    if (op & FILES_LOCK_MAND)
        return 0;
    bool nonblocking = (op & FILES_LOCK_NB) != 0;
    op &= ~(uint64_t)FILES_LOCK_NB;
    if (op != FILES_LOCK_SH && op != FILES_LOCK_EX && op != FILES_LOCK_UN)
        return -LINUX_EINVAL;
    if (d->kind != FILE_KIND_FILE)
        return 0;
    if (op == FILES_LOCK_UN) {
        files_flock_drop(d);
        return 0;
    }
    uint8_t want = op == FILES_LOCK_SH ? FILES_FLOCK_SHARED : FILES_FLOCK_EXCLUSIVE;
    if (d->flock == want)
        return 0;
    files_flock_drop(d);
    struct file_store_flock *st = file_store_flock_state(d->file);
    bool conflict = st->exclusive || (want == FILES_FLOCK_EXCLUSIVE && st->shared);
    if (conflict)
        return nonblocking ? -LINUX_EAGAIN : FILES_WOULD_BLOCK;
    if (want == FILES_FLOCK_SHARED)
        st->shared++;
    else
        st->exclusive = true;
    d->flock = want;
    return 0;
}

void files_flock_release(struct file_desc *d)
{
    if (d->kind == FILE_KIND_FILE && d->file)
        files_flock_drop(d);
}
