/* SPDX-License-Identifier: MIT */
/* SysV shared memory segments, the table's side (kernel/files_shm.h): node 0 keeps every
 * segment's key, size, permissions, attach count and address, so any node's thread sees
 * the same segments (ids and keys: kernel/files_ipc.h). Checks come in Linux's order
 * (ipc/util.c ipcget, ipc/shm.c). The memory itself is the caller's business. */
#include "kernel/files_shm.h"

#include "kernel/files_ipc.h"
#include "kernel/libc.h"
#include "kernel/linux_abi.h"
#include "kernel/mm.h"
#include "kernel/thread.h"

struct shm_segment {
    struct files_ipc_obj ipc; /* mode: the permission bits and SHM_LOCKED */
    bool removed;             /* IPC_RMID: gone at its last detach; no longer found by key */
    uint64_t size, base;
    uint64_t nattch;
    int64_t atime, dtime;
};

static struct shm_segment files_shm[FILES_IPC_SLOTS];
static const struct files_ipc_table shm_table = { files_shm, sizeof files_shm[0] };

static struct shm_segment *shm_by_id(uint64_t id)
{
    return (struct shm_segment *)files_ipc_by_id(&shm_table, id);
}

static int64_t shm_get(int32_t key, const struct files_shm_get *g)
{
    struct files_ipc_obj *found;
    int64_t bad = files_ipc_get(&shm_table, key, g->flags, &found);
    if (bad)
        return bad;
    if (found)
        return g->size > ((struct shm_segment *)found)->size ? -LINUX_EINVAL : files_ipc_id(&shm_table, found);
    if (g->size < 1 || g->size > FILES_SHM_SIZE_MAX)
        return -LINUX_EINVAL;
    struct shm_segment *s = (struct shm_segment *)files_ipc_new(&shm_table, key, g->flags);
    if (!s)
        return -LINUX_ENOSPC;
    s->size = g->size;
    return files_ipc_id(&shm_table, &s->ipc);
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
    s->atime = files_ipc_now_seconds();
}

static int64_t shm_detach(uint64_t addr, void *data, size_t *data_len)
{
    for (unsigned i = 0; i < FILES_IPC_SLOTS; i++) {
        struct shm_segment *s = &files_shm[i];
        if (!s->ipc.used || !s->nattch || s->base != addr)
            continue;
        s->nattch--;
        s->dtime = files_ipc_now_seconds();
        shm_place(s, data, data_len);
        if (s->nattch)
            return FILES_SHM_STILL_ATTACHED;
        if (!s->removed)
            return FILES_SHM_UNUSED;
        files_ipc_forget(&s->ipc);
        return FILES_SHM_GONE;
    }
    return -LINUX_EINVAL;
}

static void shm_stat(const struct shm_segment *s, void *data, size_t *data_len)
{
    struct linux_shmid64_ds ds = {
        .shm_perm = files_ipc_perm(&s->ipc, s->removed ? LINUX_SHM_DEST : 0),
        .shm_segsz = s->size, .shm_atime = s->atime, .shm_dtime = s->dtime, .shm_ctime = s->ipc.ctime,
        .shm_cpid = THREAD_FIRST_TID, .shm_lpid = s->nattch || s->atime ? THREAD_FIRST_TID : 0,
        .shm_nattch = s->nattch,
    };
    memcpy(data, &ds, sizeof ds);
    *data_len = sizeof ds;
}

static int64_t shm_ctl(uint64_t id, const struct files_shm_ctl *ctl, void *data, size_t *data_len)
{
    unsigned used;
    switch (ctl->cmd) {
    case LINUX_IPC_INFO: {
        struct linux_shminfo64 info = { .shmmax = FILES_SHM_SIZE_MAX, .shmmin = 1, .shmmni = FILES_IPC_SLOTS,
                                        .shmseg = FILES_IPC_SLOTS, .shmall = FILES_SHM_SIZE_MAX / PAGE_SIZE };
        memcpy(data, &info, sizeof info);
        *data_len = sizeof info;
        return files_ipc_highest(&shm_table, &used);
    }
    case LINUX_SHM_INFO: {
        int64_t highest = files_ipc_highest(&shm_table, &used);
        struct linux_shm_info info = { .used_ids = (int32_t)used };
        for (unsigned i = 0; i < FILES_IPC_SLOTS; i++)
            if (files_shm[i].ipc.used) {
                info.shm_tot += PAGE_ALIGN_UP(files_shm[i].size) / PAGE_SIZE;
                info.shm_rss += files_shm[i].base ? PAGE_ALIGN_UP(files_shm[i].size) / PAGE_SIZE : 0;
            }
        memcpy(data, &info, sizeof info);
        *data_len = sizeof info;
        return highest;
    }
    case LINUX_IPC_STAT:
    case LINUX_SHM_STAT:
    case LINUX_SHM_STAT_ANY: {
        int64_t answer;
        struct shm_segment *s =
            (struct shm_segment *)files_ipc_stat_target(&shm_table, id, ctl->cmd != LINUX_IPC_STAT, &answer);
        if (!s)
            return -LINUX_EINVAL;
        shm_stat(s, data, data_len);
        return answer;
    }
    default:
        break;
    }
    struct shm_segment *s = shm_by_id(id);
    if (!s)
        return -LINUX_EINVAL;
    switch (ctl->cmd) {
    case LINUX_IPC_SET:
        files_ipc_set(&s->ipc, &ctl->perm);
        return 0;
    case LINUX_IPC_RMID:
        s->removed = true;
        s->ipc.key = LINUX_IPC_PRIVATE;
        s->ipc.ctime = files_ipc_now_seconds();
        shm_place(s, data, data_len);
        if (s->nattch)
            return FILES_SHM_STILL_ATTACHED;
        files_ipc_forget(&s->ipc);
        return FILES_SHM_GONE;
    case LINUX_SHM_LOCK:
        s->ipc.mode |= LINUX_SHM_LOCKED;
        return 0;
    case LINUX_SHM_UNLOCK:
        s->ipc.mode &= ~(uint32_t)LINUX_SHM_LOCKED;
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
        if (!files_ipc_input(c, &g, sizeof g))
            return -LINUX_EINVAL;
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
        if (!files_ipc_input(c, &ctl, sizeof ctl))
            return -LINUX_EINVAL;
        return shm_ctl(c->arg2, &ctl, data, data_len);
    }
    default:
        return -LINUX_EINVAL;
    }
}
