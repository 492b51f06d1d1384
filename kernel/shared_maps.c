/* SPDX-License-Identifier: MIT */
/* Shared writable file mappings, the calling side (kernel/shared_maps.h). */
#include "kernel/shared_maps.h"

#include "kernel/files.h"
#include "kernel/libc.h"
#include "kernel/linux_abi.h"
#include "kernel/log.h"
#include "kernel/mm.h"
#include "kernel/usercopy.h"
#include "kernel/uvm.h"

/* Pages a write-back could not read (made PROT_NONE, or out of memory): their stores are lost. */
static uint64_t shared_maps_unreadable_pages;

long shared_maps_attach(uint64_t start, uint64_t len, uint64_t fd, uint64_t offset)
{
    struct files_call c = { .op = FILES_OP_MAP_ADD, .fd = (int32_t)fd, .arg = start, .arg2 = offset,
                            .len = sizeof len, .in = (const uint8_t *)&len };
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
            if (copy_from_user(page, va, PAGE_SIZE) != 0) {
                if (!shared_maps_unreadable_pages++)
                    log_warn("shared_maps: page 0x%llx of a shared file mapping unreadable: not written back",
                             (unsigned long long)va);
                continue;
            }
            struct files_call c = { .op = FILES_OP_MAP_WRITE, .arg = va, .len = PAGE_SIZE, .in = page };
            size_t n;
            int64_t r = files_call(&c, NULL, &n);
            if (r < 0 && !first_error)
                first_error = (long)r;
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
