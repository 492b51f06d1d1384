/* SPDX-License-Identifier: MIT */
/* SysV shared memory segments, the table's side (kernel/files_shm.h): node 0 keeps every
 * segment's key, size, permissions, attach count and address, so any node's thread sees
 * the same segments. Checks come in Linux's order (ipc/util.c ipcget, ipc/shm.c). An id is
 * seq * FILES_SHM_MAX + slot, seq counting the slot's reuses, so a removed segment's id
 * does not name the next one in its slot. The memory itself is the caller's business. */
#include "kernel/files_shm.h"

#include "kernel/clock.h"
#include "kernel/libc.h"
#include "kernel/linux_abi.h"
#include "kernel/mm.h"
#include "kernel/thread.h"
#include "kernel/time_conv.h"

#define FILES_SHM_MODE_BITS 0777u       /* shm_perm.mode's permission bits (IPC_SET changes only these) */
#define FILES_SHM_SEQ_MAX (INT32_MAX / FILES_SHM_MAX)

struct shm_segment {
    bool used;
    bool removed;            /* IPC_RMID: gone at its last detach; no longer found by key */
    int32_t key;
    uint32_t seq;
    uint32_t mode;           /* permission bits, SHM_LOCKED */
    uint32_t uid, gid, cuid, cgid;
    uint64_t size, base;
    uint64_t nattch;
    int64_t atime, dtime, ctime;
};

static struct shm_segment files_shm[FILES_SHM_MAX];

static int64_t shm_now_seconds(void)
{
    return (int64_t)((time_program_ns() + time_realtime_epoch_ns()) / NS_PER_SEC);
}

static int64_t shm_id(unsigned slot)
{
    return (int64_t)files_shm[slot].seq * FILES_SHM_MAX + slot;
}

static struct shm_segment *shm_by_id(uint64_t id)
{
    if (id > INT32_MAX)
        return NULL;
    struct shm_segment *s = &files_shm[id % FILES_SHM_MAX];
    return s->used && s->seq == id / FILES_SHM_MAX ? s : NULL;
}

static int64_t shm_get(int32_t key, const struct files_shm_get *g)
{
    if (key != LINUX_IPC_PRIVATE)
        for (unsigned i = 0; i < FILES_SHM_MAX; i++) {
            struct shm_segment *s = &files_shm[i];
            if (!s->used || s->removed || s->key != key)
                continue;
            if ((g->flags & LINUX_IPC_CREAT) && (g->flags & LINUX_IPC_EXCL))
                return -LINUX_EEXIST;
            if (g->size > s->size)
                return -LINUX_EINVAL;
            return shm_id(i);
        }
    if (key != LINUX_IPC_PRIVATE && !(g->flags & LINUX_IPC_CREAT))
        return -LINUX_ENOENT;
    if (g->size < 1 || g->size > FILES_SHM_SIZE_MAX)
        return -LINUX_EINVAL;
    for (unsigned i = 0; i < FILES_SHM_MAX; i++) {
        struct shm_segment *s = &files_shm[i];
        if (s->used)
            continue;
        uint32_t seq = s->seq;
        *s = (struct shm_segment){ .used = true, .key = key, .seq = seq, .mode = g->flags & FILES_SHM_MODE_BITS,
                                   .size = g->size, .ctime = shm_now_seconds() };
        return shm_id(i);
    }
    return -LINUX_ENOSPC;
}

/* Frees the slot of a removed, unattached segment. */
static void shm_forget(struct shm_segment *s)
{
    s->used = false;
    s->seq = s->seq + 1 < FILES_SHM_SEQ_MAX ? s->seq + 1 : 0;
}

static void shm_place(const struct shm_segment *s, void *data, size_t *data_len)
{
    struct files_shm_place p = { s->size, s->base, s->nattch ? s->nattch - 1 : 0 };
    memcpy(data, &p, sizeof p);
    *data_len = sizeof p;
}

static void shm_attached(struct shm_segment *s)
{
    s->nattch++;
    s->atime = shm_now_seconds();
}

static int64_t shm_detach(uint64_t addr, void *data, size_t *data_len)
{
    for (unsigned i = 0; i < FILES_SHM_MAX; i++) {
        struct shm_segment *s = &files_shm[i];
        if (!s->used || !s->nattch || s->base != addr)
            continue;
        s->nattch--;
        s->dtime = shm_now_seconds();
        shm_place(s, data, data_len);
        if (s->nattch)
            return FILES_SHM_STILL_ATTACHED;
        if (!s->removed)
            return FILES_SHM_UNUSED;
        shm_forget(s);
        return FILES_SHM_GONE;
    }
    return -LINUX_EINVAL;
}

static void shm_stat(const struct shm_segment *s, void *data, size_t *data_len)
{
    struct linux_shmid64_ds ds = {
        .shm_perm = { .key = s->key, .uid = s->uid, .gid = s->gid, .cuid = s->cuid, .cgid = s->cgid,
                      .mode = s->mode | (s->removed ? LINUX_SHM_DEST : 0), .seq = (uint16_t)s->seq },
        .shm_segsz = s->size, .shm_atime = s->atime, .shm_dtime = s->dtime, .shm_ctime = s->ctime,
        .shm_cpid = THREAD_FIRST_TID, .shm_lpid = s->nattch || s->atime ? THREAD_FIRST_TID : 0,
        .shm_nattch = s->nattch,
    };
    memcpy(data, &ds, sizeof ds);
    *data_len = sizeof ds;
}

/* The highest slot in use (IPC_INFO's and SHM_INFO's result), -1 for none. */
static int64_t shm_highest(unsigned *used)
{
    int64_t highest = -1;
    *used = 0;
    for (unsigned i = 0; i < FILES_SHM_MAX; i++)
        if (files_shm[i].used) {
            highest = i;
            (*used)++;
        }
    return highest;
}

static int64_t shm_ctl(uint64_t id, const struct files_shm_ctl *ctl, void *data, size_t *data_len)
{
    unsigned used;
    switch (ctl->cmd) {
    case LINUX_IPC_INFO: {
        struct linux_shminfo64 info = { .shmmax = FILES_SHM_SIZE_MAX, .shmmin = 1, .shmmni = FILES_SHM_MAX,
                                        .shmseg = FILES_SHM_MAX, .shmall = FILES_SHM_SIZE_MAX / PAGE_SIZE };
        memcpy(data, &info, sizeof info);
        *data_len = sizeof info;
        int64_t highest = shm_highest(&used);
        return highest < 0 ? 0 : highest;
    }
    case LINUX_SHM_INFO: {
        int64_t highest = shm_highest(&used);
        struct linux_shm_info info = { .used_ids = (int32_t)used };
        for (unsigned i = 0; i < FILES_SHM_MAX; i++)
            if (files_shm[i].used) {
                info.shm_tot += PAGE_ALIGN_UP(files_shm[i].size) / PAGE_SIZE;
                info.shm_rss += files_shm[i].base ? PAGE_ALIGN_UP(files_shm[i].size) / PAGE_SIZE : 0;
            }
        memcpy(data, &info, sizeof info);
        *data_len = sizeof info;
        return highest < 0 ? 0 : highest;
    }
    case LINUX_SHM_STAT:
    case LINUX_SHM_STAT_ANY:
        if (id >= FILES_SHM_MAX || !files_shm[id].used)
            return -LINUX_EINVAL;
        shm_stat(&files_shm[id], data, data_len);
        return shm_id((unsigned)id);
    default:
        break;
    }
    struct shm_segment *s = shm_by_id(id);
    if (!s)
        return -LINUX_EINVAL;
    switch (ctl->cmd) {
    case LINUX_IPC_STAT:
        shm_stat(s, data, data_len);
        return 0;
    case LINUX_IPC_SET:
        s->uid = ctl->perm.uid;
        s->gid = ctl->perm.gid;
        s->mode = (s->mode & ~FILES_SHM_MODE_BITS) | (ctl->perm.mode & FILES_SHM_MODE_BITS);
        s->ctime = shm_now_seconds();
        return 0;
    case LINUX_IPC_RMID:
        s->removed = true;
        s->key = LINUX_IPC_PRIVATE;
        s->ctime = shm_now_seconds();
        shm_place(s, data, data_len);
        if (s->nattch)
            return FILES_SHM_STILL_ATTACHED;
        shm_forget(s);
        return FILES_SHM_GONE;
    case LINUX_SHM_LOCK:
        s->mode |= LINUX_SHM_LOCKED;
        return 0;
    case LINUX_SHM_UNLOCK:
        s->mode &= ~(uint32_t)LINUX_SHM_LOCKED;
        return 0;
    default:
        return -LINUX_EINVAL;
    }
}

int64_t files_shm_call(const struct files_call *c, void *data, size_t *data_len)
{
    *data_len = 0;
    switch (c->arg) {
    case FILES_SHM_GET: {
        struct files_shm_get g;
        if (c->len != sizeof g)
            return -LINUX_EINVAL;
        memcpy(&g, c->in, sizeof g);
        return shm_get((int32_t)c->arg2, &g);
    }
    case FILES_SHM_AT: {
        struct shm_segment *s = shm_by_id(c->arg2);
        if (!s)
            return -LINUX_EINVAL;
        if (s->base)
            shm_attached(s);
        shm_place(s, data, data_len);
        return 0; /* others: meaningful once attached (base set) */
    }
    case FILES_SHM_BASE: {
        struct shm_segment *s = shm_by_id(c->arg2);
        uint64_t base;
        if (!s || c->len != sizeof base)
            return -LINUX_EINVAL;
        memcpy(&base, c->in, sizeof base);
        if (!s->base)
            s->base = base;
        shm_attached(s);
        shm_place(s, data, data_len);
        return 0;
    }
    case FILES_SHM_DT:
        return shm_detach(c->arg2, data, data_len);
    case FILES_SHM_CTL: {
        struct files_shm_ctl ctl;
        if (c->len != sizeof ctl)
            return -LINUX_EINVAL;
        memcpy(&ctl, c->in, sizeof ctl);
        return shm_ctl(c->arg2, &ctl, data, data_len);
    }
    default:
        return -LINUX_EINVAL;
    }
}
