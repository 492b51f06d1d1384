/* SPDX-License-Identifier: MIT */
/* The program's shared file mappings (mmap MAP_SHARED of a file), as node 0 keeps them
 * beside the descriptor table (the calling side is kernel/shared_maps.c). A mapping's bytes
 * are ordinary user memory, coherent across nodes like any other; a record here says which
 * file and offset they stand for, so the bytes a node writes back land in the right place,
 * a read of the file learns which writable mappings to write back first, and a write to it
 * which mappings to refresh. Each record holds its file, as Linux's mapping does: closing
 * the descriptor or removing the name leaves the file to the mapping. Records never
 * overlap: a new mapping's range was free, or emptied first. */
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
    bool writable;          /* made with PROT_WRITE: its stores go to the file */
};

static struct files_map files_maps[FILES_MAPS_MAX];
static size_t files_maps_live; /* records in use: with none, a read or write looks no further */

static struct files_map *files_map_free_slot(void)
{
    for (size_t i = 0; i < FILES_MAPS_MAX; i++)
        if (!files_maps[i].end)
            return &files_maps[i];
    return NULL;
}

int64_t files_map_add(struct file_desc *d, const struct files_call *c)
{
    uint64_t in[2]; /* the length, whether writable */
    if (c->len != sizeof in)
        return -LINUX_EINVAL;
    memcpy(in, c->in, sizeof in);
    uint64_t len = in[0];
    bool writable = in[1] != 0;
    if (d->kind != FILE_KIND_FILE || file_store_is_dir(d->file))
        return -LINUX_ENODEV;
    if (writable && ((d->status & LINUX_O_ACCMODE) != LINUX_O_RDWR || !file_store_writable(d->file)))
        return -LINUX_EACCES;
    if ((d->status & LINUX_O_ACCMODE) == LINUX_O_WRONLY)
        return -LINUX_EACCES;
    if (((c->arg | c->arg2 | len) & (PAGE_SIZE - 1)) || !len || c->arg + len < c->arg || c->arg2 + len < c->arg2)
        return -LINUX_EINVAL;
    struct files_map *m = files_map_free_slot();
    if (!m)
        return -LINUX_ENOMEM; /* as Linux answers past vm.max_map_count */
    *m = (struct files_map){
        .start = c->arg, .end = c->arg + len, .offset = c->arg2, .file = d->file, .writable = writable };
    file_store_hold(d->file);
    files_maps_live++;
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

/* The mappings of f's bytes [off, off + len) (only writable ones if asked; not except) into
 * data as struct files_map_range[], offsets from off: the bytes written. */
static size_t files_maps_find(const struct file_node *f, uint64_t off, uint64_t len, bool writable_only,
                              const struct files_map *except, void *data)
{
    size_t count = 0;
    for (size_t i = 0; files_maps_live && i < FILES_MAPS_MAX && count < FILES_MAPS_RANGES_MAX; i++) {
        const struct files_map *m = &files_maps[i];
        if (!m->end || m->file != f || (writable_only && !m->writable) || m == except)
            continue;
        uint64_t lo = off > m->offset ? off : m->offset;
        uint64_t map_end = m->offset + (m->end - m->start), hi = off + len < map_end ? off + len : map_end;
        if (lo >= hi)
            continue;
        struct files_map_range r = { .va = m->start + (lo - m->offset), .offset = lo - off, .len = hi - lo };
        memcpy((uint8_t *)data + count * sizeof r, &r, sizeof r);
        count++;
    }
    return count * sizeof(struct files_map_range);
}

int64_t files_map_write(const struct files_call *c, void *data, size_t *data_len)
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
    if (r > 0) /* the file's other mappings of these bytes are to take them too */
        *data_len = files_maps_find(m->file, off, (uint64_t)r, false, m, data);
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
        files_maps_live++;
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
            files_maps_live--;
        } else if (start <= m->start) {
            m->offset += end - m->start;
            m->start = end;
        } else {
            m->end = start;
        }
    }
    return 0;
}

bool files_maps_newer(const struct file_desc *d, const struct files_call *c, uint64_t off, void *data,
                      size_t *data_len)
{
    if (d->kind != FILE_KIND_FILE || (c->flags & (FILES_CALL_MAPS | FILES_CALL_MAPS_SYNCED)) != FILES_CALL_MAPS)
        return false;
    *data_len = files_maps_find(d->file, off, c->len, true, NULL, data);
    return *data_len != 0;
}

void files_maps_written(const struct file_desc *d, const struct files_call *c, uint64_t off, int64_t written,
                        void *data, size_t *data_len)
{
    if (d->kind == FILE_KIND_FILE && (c->flags & FILES_CALL_MAPS) && written > 0)
        *data_len = files_maps_find(d->file, off, (uint64_t)written, false, NULL, data);
}
