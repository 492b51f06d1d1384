/* SPDX-License-Identifier: MIT */
/* Demand-zero page materialisation over kernel/mm.h's address-space API (see
 * kernel/uvm_page.h). The program shares the kernel's own address space: one program per
 * node, and the kernel tables still carry a device window below 4 GiB (arch/x86_64/
 * paging.c, "transitional") that a fresh as_create() would lack. */
#include "kernel/uvm_page.h"

#include <arch/context.h>

#include "kernel/libc.h"
#include "kernel/linux_abi.h"
#include "kernel/log.h"
#include "kernel/mm.h"

static struct addr_space *uvm_page_space;
static uint64_t uvm_page_count_materialised;
static uint64_t uvm_page_oom;

void uvm_page_init(void)
{
    uvm_page_space = as_kernel();
    as_activate(uvm_page_space);
    user_tables_open_low_half();
}

uint64_t uvm_page_materialised_count(void)
{
    return uvm_page_count_materialised;
}

static unsigned uvm_page_pt_flags(unsigned prot)
{
    if (!(prot & LINUX_PROT_MASK))
        return PT_USER | PT_NO_ACCESS; /* PROT_NONE: kept, but every access faults */
    unsigned flags = PT_USER;
    if (prot & LINUX_PROT_WRITE)
        flags |= PT_WRITE;
    if (prot & LINUX_PROT_EXEC)
        flags |= PT_EXEC;
    return flags;
}

static unsigned uvm_page_prot_from(unsigned flags)
{
    if (flags & PT_NO_ACCESS)
        return 0; /* PROT_NONE */
    unsigned prot = LINUX_PROT_READ;
    if (flags & PT_WRITE)
        prot |= LINUX_PROT_WRITE;
    if (flags & PT_EXEC)
        prot |= LINUX_PROT_EXEC;
    return prot;
}

/* Maps a new frame at the absent page va with prot, filled with the page at src (zeros
 * when src is NULL) before it is mapped: no rights change follows, so nothing to flush
 * (not-present entries are never cached). */
static bool uvm_page_map_new(uint64_t va, unsigned prot, const void *src)
{
    uint64_t phys = frame_alloc();
    if (!phys) {
        uvm_page_oom++;
        log_error("uvm: out of memory materialising 0x%llx", (unsigned long long)va);
        return false;
    }
    if (src)
        memcpy(phys_to_virt(phys), src, PAGE_SIZE);
    else
        memset(phys_to_virt(phys), 0, PAGE_SIZE);
    if (pt_map(uvm_page_space, va, phys, uvm_page_pt_flags(prot)) != PT_OK) {
        frame_free(phys);
        return false;
    }
    uvm_page_count_materialised++;
    return true;
}

bool uvm_page_materialise(uint64_t va, unsigned prot)
{
    return uvm_page_map_new(va, prot, NULL);
}

bool uvm_page_present(uint64_t va, unsigned *prot_out)
{
    unsigned flags;
    if (!pt_query(uvm_page_space, va, NULL, &flags))
        return false;
    if (prot_out)
        *prot_out = uvm_page_prot_from(flags);
    return true;
}

bool uvm_page_test_clear_used(uint64_t va)
{
    bool used = false;
    return pt_clear_accessed(uvm_page_space, va, &used) == PT_OK && used;
}

bool uvm_page_set_rights(uint64_t va, unsigned prot)
{
    return pt_protect(uvm_page_space, va, uvm_page_pt_flags(prot)) == PT_OK;
}

bool uvm_page_fill(uint64_t va, unsigned prot, const void *src, size_t len)
{
    uint64_t page = PAGE_ALIGN_DOWN(va), phys;
    if (!pt_query(uvm_page_space, page, &phys, NULL)) {
        if (!uvm_page_materialise(page, prot) || !pt_query(uvm_page_space, page, &phys, NULL))
            return false;
    }
    memcpy((uint8_t *)phys_to_virt(phys) + (va - page), src, len);
    return true;
}

/* An absent page (the common case: a fetched copy replaces one dropped by an invalidation)
 * gets its copy and final rights in one step: no zeroing, no rights change to flush. Under
 * TCG each of those steps cost microseconds on every remote fault. */
bool uvm_page_install(uint64_t va, unsigned prot, const void *src)
{
    if (pt_query(uvm_page_space, va, NULL, NULL))
        return uvm_page_fill(va, prot, src, PAGE_SIZE) && uvm_page_set_rights(va, prot);
    return uvm_page_map_new(va, prot, src);
}

void uvm_pages_drop(uint64_t start, uint64_t end)
{
    for (uint64_t va = start; va < end; va += PAGE_SIZE) {
        uint64_t phys;
        if (pt_unmap(uvm_page_space, va, &phys) == PT_OK)
            frame_free(phys);
    }
}

void uvm_pages_protect(uint64_t start, uint64_t end, unsigned prot)
{
    unsigned flags = uvm_page_pt_flags(prot);
    for (uint64_t va = start; va < end; va += PAGE_SIZE)
        pt_protect(uvm_page_space, va, flags); /* PT_ERR_NOT_MAPPED for untouched pages is fine */
}

void uvm_pages_move(uint64_t from, uint64_t to, uint64_t len, unsigned prot)
{
    for (uint64_t off = 0; off < len; off += PAGE_SIZE) {
        uint64_t phys;
        if (pt_unmap(uvm_page_space, from + off, &phys) != PT_OK)
            continue;
        if (pt_map(uvm_page_space, to + off, phys, uvm_page_pt_flags(prot)) != PT_OK)
            frame_free(phys);
    }
}
