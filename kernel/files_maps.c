/* SPDX-License-Identifier: MIT */
/* The program's shared writable file mappings (mmap MAP_SHARED with PROT_WRITE), as node 0
 * keeps them beside the descriptor table (the calling side is kernel/shared_maps.c). A
 * mapping's bytes are ordinary user memory, coherent across nodes like any other; a record
 * here says which file and offset they stand for, so the bytes a node writes back land in
 * the right place. Each record holds its file, as Linux's mapping does: closing the
 * descriptor or removing the name leaves the file to the mapping. Records never overlap:
 * a new mapping's range was free, or emptied first. */
#include "kernel/file_store.h"
#include "kernel/files_internal.h"
#include "kernel/libc.h"
#include "kernel/linux_abi.h"
#include "kernel/mm.h"

/* musl allows SEM_NSEMS_MAX (256) named semaphores, one mapping each, with room to spare */
#define FILES_MAPS_MAX 512

struct files_map {
    uint64_t start, end;    /* the user range, page aligned; end 0: the slot is free */
    uint64_t offset;        /* the file offset that start stands for */
    struct file_node *file; /* held while the record lives */
};

static struct files_map files_maps[FILES_MAPS_MAX];

static struct files_map *files_map_free_slot(void)
{
    for (size_t i = 0; i < FILES_MAPS_MAX; i++)
        if (!files_maps[i].end)
            return &files_maps[i];
    return NULL;
}

int64_t files_map_add(struct file_desc *d, const struct files_call *c)
{
    uint64_t len;
    if (c->len != sizeof len)
        return -LINUX_EINVAL;
    memcpy(&len, c->in, sizeof len);
    if (d->kind != FILE_KIND_FILE || file_store_is_dir(d->file))
        return -LINUX_ENODEV;
    if ((d->status & LINUX_O_ACCMODE) != LINUX_O_RDWR || !file_store_writable(d->file))
        return -LINUX_EACCES;
    if (((c->arg | c->arg2 | len) & (PAGE_SIZE - 1)) || !len || c->arg + len < c->arg || c->arg2 + len < c->arg2)
        return -LINUX_EINVAL;
    struct files_map *m = files_map_free_slot();
    if (!m)
        return -LINUX_ENOMEM; /* as Linux answers past vm.max_map_count */
    *m = (struct files_map){ .start = c->arg, .end = c->arg + len, .offset = c->arg2, .file = d->file };
    file_store_hold(d->file);
    return 0;
}

/* The record holding user address va, or NULL. */
static struct files_map *files_map_at(uint64_t va)
{
    for (size_t i = 0; i < FILES_MAPS_MAX; i++)
        if (files_maps[i].end && files_maps[i].start <= va && va < files_maps[i].end)
            return &files_maps[i];
    return NULL;
}

int64_t files_map_write(const struct files_call *c)
{
    struct files_map *m = files_map_at(c->arg);
    if (!m || c->len > m->end - c->arg)
        return -LINUX_EINVAL;
    uint64_t off = m->offset + (c->arg - m->start), size = file_store_size(m->file);
    if (off >= size)
        return 0; /* past the file's end: dropped, as Linux drops stores there (and SIGBUSes whole pages) */
    size_t len = size - off < c->len ? (size_t)(size - off) : c->len;
    /* Only bytes that differ are written: a write-back of an untouched page changes
     * nothing, not even the file's times. */
    static uint8_t now[FILES_XFER_MAX];
    if (file_store_read(m->file, off, now, len) == len && memcmp(now, c->in, len) == 0)
        return 0;
    int64_t r = file_store_write(m->file, off, c->in, len);
    return r < 0 ? r : 0;
}

int64_t files_map_remove(uint64_t start, uint64_t end)
{
    struct files_map *inner = NULL;
    for (size_t i = 0; i < FILES_MAPS_MAX; i++)
        if (files_maps[i].end && files_maps[i].start < start && end < files_maps[i].end)
            inner = &files_maps[i];
    if (inner) { /* the range is strictly inside one record (they never overlap): it splits in two */
        struct files_map *tail = files_map_free_slot();
        if (!tail)
            return -LINUX_ENOMEM;
        *tail = *inner;
        tail->offset += end - inner->start;
        tail->start = end;
        file_store_hold(tail->file);
        inner->end = start;
        return 0;
    }
    for (size_t i = 0; i < FILES_MAPS_MAX; i++) {
        struct files_map *m = &files_maps[i];
        if (!m->end || m->end <= start || end <= m->start)
            continue;
        if (start <= m->start && m->end <= end) {
            file_store_release(m->file);
            m->end = 0;
        } else if (start <= m->start) {
            m->offset += end - m->start;
            m->start = end;
        } else {
            m->end = start;
        }
    }
    return 0;
}
