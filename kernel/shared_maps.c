/* SPDX-License-Identifier: MIT */
/* Shared file mappings, the calling side (kernel/shared_maps.h). */
#include "kernel/shared_maps.h"

#include "kernel/dsm_glue.h"
#include "kernel/files.h"
#include "kernel/libc.h"
#include "kernel/linux_abi.h"
#include "kernel/log.h"
#include "kernel/mm.h"
#include "kernel/syscall.h"
#include "kernel/usercopy.h"
#include "kernel/uvm.h"

static void shared_maps_refresh(const uint8_t *src, size_t src_len, const struct files_map_range *ranges,
                                size_t count);

/* Pages a write-back could not read (made PROT_NONE, or out of memory): their stores are lost. */
static uint64_t shared_maps_unreadable_pages;

long shared_maps_attach(uint64_t start, uint64_t len, uint64_t fd, uint64_t offset, bool writable)
{
    uint64_t in[2] = { len, writable };
    struct files_call c = { .op = FILES_OP_MAP_ADD, .fd = (int32_t)fd, .arg = start, .arg2 = offset,
                            .len = sizeof in, .in = (const uint8_t *)in };
    size_t n;
    return (long)files_call(&c, NULL, &n);
}

long shared_maps_write_back(uint64_t start, uint64_t end)
{
    uint64_t from, to;
    if (!uvm_next_shared_file(start, end, &from, &to))
        return 0;
    uint8_t *page = kmalloc(PAGE_SIZE);
    if (!page)
        return -LINUX_ENOMEM;
    long first_error = 0;
    for (; uvm_next_shared_file(start, end, &from, &to); start = to) {
        for (uint64_t va = PAGE_ALIGN_DOWN(from); va < to; va += PAGE_SIZE) {
            if (!(uvm_region_rights(va) & LINUX_PROT_WRITE))
                continue; /* unchanged since it was filled or refreshed from the file */
            if (copy_from_user(page, va, PAGE_SIZE) != 0) {
                if (!shared_maps_unreadable_pages++)
                    log_warn("shared_maps: page 0x%llx of a shared file mapping unreadable: not written back",
                             (unsigned long long)va);
                continue;
            }
            struct files_call c = { .op = FILES_OP_MAP_WRITE, .arg = va, .len = PAGE_SIZE, .in = page };
            struct files_map_range others[FILES_MAPS_RANGES_MAX];
            size_t n = 0;
            int64_t r = files_call(&c, others, &n);
            if (r < 0 && !first_error)
                first_error = (long)r;
            shared_maps_refresh(page, PAGE_SIZE, others, n / sizeof others[0]);
        }
    }
    kfree(page);
    return first_error;
}

long shared_maps_detach(uint64_t start, uint64_t end)
{
    uint64_t from, to;
    if (!uvm_next_shared_file(start, end, &from, &to))
        return 0;
    long r = shared_maps_write_back(start, end);
    struct files_call c = { .op = FILES_OP_MAP_REMOVE, .arg = start, .arg2 = end };
    size_t n;
    int64_t removed = files_call(&c, NULL, &n);
    return removed < 0 ? (long)removed : r;
}

/* Writes len bytes from src at user address va, a page at most, whatever the page's rights:
 * the file changed under a mapping of it. Under the DSM a read-only page is made writable
 * for the copy (every node applies the mprotect, the page's copies stay coherent), then
 * read-only again; a store another thread makes meanwhile goes through instead of faulting. */
static void shared_maps_refresh_page(uint64_t va, const uint8_t *src, size_t len)
{
    unsigned rights = uvm_region_rights(va);
    if (rights & LINUX_PROT_WRITE) {
        copy_to_user(va, src, len);
    } else if (!dsm_active()) {
        uvm_write_initial(va, src, len);
    } else if (sys_mprotect(PAGE_ALIGN_DOWN(va), PAGE_SIZE, rights | LINUX_PROT_WRITE, 0, 0, 0) == 0) {
        copy_to_user(va, src, len);
        sys_mprotect(PAGE_ALIGN_DOWN(va), PAGE_SIZE, rights, 0, 0, 0);
    }
}

/* A write's answer: each range's bytes, from the written ones (src, src_len bytes), into
 * its mapping. */
static void shared_maps_refresh(const uint8_t *src, size_t src_len, const struct files_map_range *ranges,
                                size_t count)
{
    for (size_t i = 0; i < count && i < FILES_MAPS_RANGES_MAX; i++) {
        if (ranges[i].offset > src_len || ranges[i].len > src_len - ranges[i].offset)
            continue; /* not within what was written: node 0 never names such a range */
        uint64_t va = ranges[i].va, end = va + ranges[i].len;
        const uint8_t *from = src + ranges[i].offset;
        while (va < end) {
            size_t n = PAGE_SIZE - (va & (PAGE_SIZE - 1));
            if (n > end - va)
                n = end - va;
            shared_maps_refresh_page(va, from, n);
            va += n;
            from += n;
        }
    }
}

int64_t shared_maps_file_call(struct files_call *c, void *data, size_t *data_len)
{
    struct files_map_range ranges[FILES_MAPS_RANGES_MAX];
    size_t got = 0;
    bool write = c->op == FILES_OP_WRITE || c->op == FILES_OP_PWRITE;
    c->flags |= FILES_CALL_MAPS;
    int64_t r = files_call(c, write ? (void *)ranges : data, write ? &got : data_len);
    if (r == FILES_MAPS_WRITE_BACK) { /* a read of bytes writable mappings hold: theirs first */
        struct files_map_range newer[FILES_MAPS_RANGES_MAX];
        size_t count = *data_len / sizeof newer[0];
        if (count > FILES_MAPS_RANGES_MAX)
            count = FILES_MAPS_RANGES_MAX;
        memcpy(newer, data, count * sizeof newer[0]);
        for (size_t i = 0; i < count; i++)
            shared_maps_write_back(PAGE_ALIGN_DOWN(newer[i].va), PAGE_ALIGN_UP(newer[i].va + newer[i].len));
        c->flags |= FILES_CALL_MAPS_SYNCED;
        r = files_call(c, data, data_len);
    }
    if (write) {
        if (r > 0 && got)
            shared_maps_refresh(c->in, c->len, ranges, got / sizeof ranges[0]);
        *data_len = 0;
    }
    return r;
}
