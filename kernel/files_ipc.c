/* SPDX-License-Identifier: MIT */
/* SysV objects' shared bookkeeping (kernel/files_ipc.h). */
#include "kernel/files_ipc.h"

#include "kernel/clock.h"
#include "kernel/libc.h"
#include "kernel/time_conv.h"

#define FILES_IPC_SEQ_MAX (INT32_MAX / FILES_IPC_SLOTS) /* ids stay positive ints */

bool files_ipc_input(const struct files_call *c, void *out, size_t size)
{
    if (c->len != size)
        return false;
    memcpy(out, c->in, size);
    return true;
}

int64_t files_ipc_now_seconds(void)
{
    return (int64_t)((time_program_ns() + time_realtime_epoch_ns()) / NS_PER_SEC);
}

struct files_ipc_obj *files_ipc_slot(const struct files_ipc_table *t, unsigned slot)
{
    return (struct files_ipc_obj *)((uint8_t *)t->entries + (size_t)slot * t->stride);
}

static unsigned files_ipc_slot_of(const struct files_ipc_table *t, const struct files_ipc_obj *o)
{
    return (unsigned)(((const uint8_t *)o - (const uint8_t *)t->entries) / t->stride);
}

int64_t files_ipc_id(const struct files_ipc_table *t, const struct files_ipc_obj *o)
{
    return (int64_t)o->seq * FILES_IPC_SLOTS + files_ipc_slot_of(t, o);
}

struct files_ipc_obj *files_ipc_by_id(const struct files_ipc_table *t, uint64_t id)
{
    if (id > INT32_MAX)
        return NULL;
    struct files_ipc_obj *o = files_ipc_slot(t, (unsigned)(id % FILES_IPC_SLOTS));
    return o->used && o->seq == id / FILES_IPC_SLOTS ? o : NULL;
}

int64_t files_ipc_get(const struct files_ipc_table *t, int32_t key, uint32_t flags, struct files_ipc_obj **found)
{
    *found = NULL;
    if (key == LINUX_IPC_PRIVATE)
        return 0;
    for (unsigned i = 0; i < FILES_IPC_SLOTS; i++) {
        struct files_ipc_obj *o = files_ipc_slot(t, i);
        if (!o->used || o->key != key)
            continue;
        if ((flags & LINUX_IPC_CREAT) && (flags & LINUX_IPC_EXCL))
            return -LINUX_EEXIST;
        *found = o;
        return 0;
    }
    return (flags & LINUX_IPC_CREAT) ? 0 : -LINUX_ENOENT;
}

struct files_ipc_obj *files_ipc_new(const struct files_ipc_table *t, int32_t key, uint32_t flags)
{
    for (unsigned i = 0; i < FILES_IPC_SLOTS; i++) {
        struct files_ipc_obj *o = files_ipc_slot(t, i);
        if (o->used)
            continue;
        uint32_t seq = o->seq;
        memset(o, 0, t->stride);
        *o = (struct files_ipc_obj){ .used = true, .key = key, .seq = seq, .mode = flags & FILES_IPC_MODE_BITS,
                                     .ctime = files_ipc_now_seconds() };
        return o;
    }
    return NULL;
}

void files_ipc_forget(struct files_ipc_obj *o)
{
    o->used = false;
    o->seq = o->seq + 1 < FILES_IPC_SEQ_MAX ? o->seq + 1 : 0;
}

struct linux_ipc64_perm files_ipc_perm(const struct files_ipc_obj *o, uint32_t extra)
{
    return (struct linux_ipc64_perm){ .key = o->key, .uid = o->uid, .gid = o->gid, .mode = o->mode | extra,
                                      .seq = (uint16_t)o->seq };
}

void files_ipc_set(struct files_ipc_obj *o, const struct linux_ipc64_perm *perm)
{
    o->uid = perm->uid;
    o->gid = perm->gid;
    o->mode = (o->mode & ~FILES_IPC_MODE_BITS) | (perm->mode & FILES_IPC_MODE_BITS);
    o->ctime = files_ipc_now_seconds();
}

int64_t files_ipc_highest(const struct files_ipc_table *t, unsigned *used)
{
    int64_t highest = 0;
    *used = 0;
    for (unsigned i = 0; i < FILES_IPC_SLOTS; i++)
        if (files_ipc_slot(t, i)->used) {
            highest = i;
            (*used)++;
        }
    return highest;
}

struct files_ipc_obj *files_ipc_stat_target(const struct files_ipc_table *t, uint64_t id, bool by_index,
                                           int64_t *answer)
{
    *answer = 0;
    if (!by_index)
        return files_ipc_by_id(t, id);
    if (id >= FILES_IPC_SLOTS || !files_ipc_slot(t, (unsigned)id)->used)
        return NULL;
    struct files_ipc_obj *o = files_ipc_slot(t, (unsigned)id);
    *answer = files_ipc_id(t, o);
    return o;
}
