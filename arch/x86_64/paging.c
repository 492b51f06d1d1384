/* SPDX-License-Identifier: MIT */
/* The kernel's page tables (SDM vol. 3 4.5, 4-level paging): the kernel image by section
 * rights, a direct map of physical memory with the largest pages that fit, and areas for
 * stacks, MMIO and heap metadata, all in an upper half shared by every address space.
 * pt_map and friends edit 4 KiB leaves. No PCID, no global pages, no TLB shootdown (one
 * CPU per node); SMEP/SMAP are left to the user-space layer (they need stac/clac). */
#include <arch/cpu.h>
#include <arch/paging.h>

#include "kernel/libc.h"
#include "kernel/log.h"
#include "kernel/mm.h"
#include "kernel/multiboot.h"
#include "kernel/panic.h"

#define PAGING_BOOT_IDENTITY_LIMIT 0x100000000ull /* boot/multiboot.asm maps 0-4 GiB identically */
#define PAGING_LOW_MEMORY_END 0x100000ull         /* BIOS area, always direct-mapped (ACPI RSDP lives there) */
#define PAGING_MAX_RANGES (BOOT_MAX_MEMORY_REGIONS + 1)
#define PAGING_PHYS_LIMIT (1ull << 52)            /* MAXPHYADDR bound of a paging entry */
#define MMIO_MAX_MAPPINGS 64

struct addr_space {
    uint64_t root; /* physical address of the PML4 */
};

struct mmio_mapping {
    uint64_t phys, len; /* page-aligned physical range */
    uint64_t va;
};

extern char _text_start[], _text_end[], _rodata_start[], _rodata_end[], _data_start[], _bss_end[];

static struct addr_space kernel_space;            /* root 0 until paging_init */
static struct addr_space *current_space = &kernel_space;
static uintptr_t table_window;                    /* where physical 0 appears: identity, then the direct map */
static bool have_1g_pages;
static struct mmio_mapping mmio_maps[MMIO_MAX_MAPPINGS];
static size_t mmio_count;
static uint64_t mmio_next = KERNEL_MMIO_AREA;
static uint64_t direct_pages[4];                  /* pages of the direct map by level (1: 4K, 2: 2M, 3: 1G) */

static uint64_t *table_at(uint64_t phys)
{
    return (uint64_t *)(table_window + phys);
}

static unsigned pt_index(uint64_t va, int level)
{
    return (unsigned)((va >> (PAGE_SHIFT + PT_LEVEL_SHIFT * (level - 1))) & (PT_ENTRIES - 1));
}

static uint64_t level_size(int level)
{
    return 1ull << (PAGE_SHIFT + PT_LEVEL_SHIFT * (level - 1));
}

/* A zeroed page-table frame, or 0. Before the switch it must lie in the boot identity map. */
static uint64_t table_alloc(void)
{
    uint64_t phys = table_window ? frame_alloc() : frame_alloc_below(PAGING_BOOT_IDENTITY_LIMIT);
    if (phys)
        memset(table_at(phys), 0, PAGE_SIZE);
    return phys;
}

static bool va_is_kernel(uint64_t va)
{
    return va >= DIRECT_MAP_BASE;
}

/* The entry for va at target level (1 = PTE ... 4 = PML4E), making missing tables with
 * table_flags when create is set. NULL with *err set if a table is missing, memory is out,
 * or a huge page is in the way. */
static uint64_t *walk_to(uint64_t root, uint64_t va, int target, bool create, uint64_t table_flags, int *err)
{
    uint64_t *table = table_at(root);
    for (int level = 4; level > target; level--) {
        uint64_t *e = &table[pt_index(va, level)];
        if (!(*e & PTE_PRESENT)) {
            if (!create) {
                *err = PT_ERR_NOT_MAPPED;
                return NULL;
            }
            uint64_t t = table_alloc();
            if (!t) {
                *err = PT_ERR_NOMEM;
                return NULL;
            }
            *e = t | table_flags;
        } else if (*e & PTE_HUGE) {
            *err = PT_ERR_BAD_ADDR;
            return NULL;
        }
        table = table_at(*e & PTE_ADDR_MASK);
    }
    return &table[pt_index(va, target)];
}

/* The leaf entry mapping va (a 4 KiB PTE or a huge PDE/PDPTE) and its level; NULL if unmapped. */
static uint64_t *lookup(uint64_t root, uint64_t va, int *level_out)
{
    uint64_t *table = table_at(root);
    for (int level = 4; level >= 1; level--) {
        uint64_t *e = &table[pt_index(va, level)];
        if (!(*e & PTE_PRESENT)) {
            if (level == 1 && (*e & PTE_NO_ACCESS)) { /* a PROT_NONE page: mapped, not present */
                *level_out = 1;
                return e;
            }
            return NULL;
        }
        if (level == 1 || (level <= 3 && (*e & PTE_HUGE))) {
            *level_out = level;
            return e;
        }
        table = table_at(*e & PTE_ADDR_MASK);
    }
    return NULL;
}

static uint64_t pte_flags_from(unsigned flags)
{
    if (flags & PT_NO_ACCESS)
        return PTE_NO_ACCESS | ((flags & PT_USER) ? PTE_USER : 0) | PTE_NX;
    uint64_t pte = PTE_PRESENT;
    if (flags & PT_WRITE)
        pte |= PTE_WRITE;
    if (flags & PT_USER)
        pte |= PTE_USER;
    if (!(flags & PT_EXEC))
        pte |= PTE_NX;
    if (flags & PT_UNCACHED)
        pte |= PTE_PCD | PTE_PWT;
    return pte;
}

static unsigned flags_from_pte(uint64_t pte)
{
    unsigned flags = 0;
    if (pte & PTE_WRITE)
        flags |= PT_WRITE;
    if (pte & PTE_USER)
        flags |= PT_USER;
    if (!(pte & PTE_NX))
        flags |= PT_EXEC;
    if (pte & PTE_PCD)
        flags |= PT_UNCACHED;
    if (pte & PTE_ACCESSED)
        flags |= PT_ACCESSED;
    if (pte & PTE_DIRTY)
        flags |= PT_DIRTY;
    if (!(pte & PTE_PRESENT))
        flags |= PT_NO_ACCESS;
    return flags;
}

static void tlb_flush(const struct addr_space *as, uint64_t va)
{
    if (as == current_space || va_is_kernel(va))
        cpu_invlpg((uintptr_t)va);
}

/* Checks a 4 KiB page address for as; the kernel half must be in a pre-made area. */
static int check_va(const struct addr_space *as, uint64_t va)
{
    if (va & (PAGE_SIZE - 1))
        return PT_ERR_BAD_ADDR;
    if (va < USER_SPACE_END)
        return PT_OK;
    if (!va_is_kernel(va) || !(table_at(as->root)[PML4_INDEX(va)] & PTE_PRESENT))
        return PT_ERR_BAD_ADDR;
    return PT_OK;
}

int pt_map(struct addr_space *as, uint64_t va, uint64_t phys, unsigned flags)
{
    int err = check_va(as, va);
    if (err != PT_OK)
        return err;
    if ((phys & (PAGE_SIZE - 1)) || phys >= PAGING_PHYS_LIMIT || (va < USER_SPACE_END) != ((flags & PT_USER) != 0))
        return PT_ERR_BAD_ADDR;
    uint64_t table_flags = PTE_PRESENT | PTE_WRITE | (va < USER_SPACE_END ? PTE_USER : 0);
    uint64_t *e = walk_to(as->root, va, 1, true, table_flags, &err);
    if (!e)
        return err;
    if (*e & (PTE_PRESENT | PTE_NO_ACCESS))
        return PT_ERR_EXISTS;
    *e = phys | pte_flags_from(flags); /* not-present entries are never cached: no flush */
    return PT_OK;
}

int pt_unmap(struct addr_space *as, uint64_t va, uint64_t *phys_out)
{
    int err = check_va(as, va), level;
    if (err != PT_OK)
        return err;
    uint64_t *e = lookup(as->root, va, &level);
    if (!e)
        return PT_ERR_NOT_MAPPED;
    if (level != 1)
        return PT_ERR_BAD_ADDR;
    if (phys_out)
        *phys_out = *e & PTE_ADDR_MASK;
    *e = 0;
    tlb_flush(as, va);
    return PT_OK;
}

int pt_protect(struct addr_space *as, uint64_t va, unsigned flags)
{
    int err = check_va(as, va), level;
    if (err != PT_OK)
        return err;
    if ((va < USER_SPACE_END) != ((flags & PT_USER) != 0))
        return PT_ERR_BAD_ADDR;
    uint64_t *e = lookup(as->root, va, &level);
    if (!e)
        return PT_ERR_NOT_MAPPED;
    if (level != 1)
        return PT_ERR_BAD_ADDR;
    *e = (*e & (PTE_ADDR_MASK | PTE_ACCESSED | PTE_DIRTY)) | pte_flags_from(flags);
    tlb_flush(as, va);
    return PT_OK;
}

/* Clears the bits clear of va's 4 KiB leaf entry and flushes its TLB entry (a cached
 * translation would let accesses skip setting them again); *was gets whether bit test was
 * set before. */
static int pt_clear_bits(struct addr_space *as, uint64_t va, uint64_t clear, uint64_t test, bool *was)
{
    int err = check_va(as, va), level;
    if (err != PT_OK)
        return err;
    uint64_t *e = lookup(as->root, va, &level);
    if (!e)
        return PT_ERR_NOT_MAPPED;
    if (level != 1)
        return PT_ERR_BAD_ADDR;
    if (was)
        *was = (*e & test) != 0;
    *e &= ~clear;
    tlb_flush(as, va);
    return PT_OK;
}

int pt_clear_dirty(struct addr_space *as, uint64_t va, bool *was_dirty)
{
    return pt_clear_bits(as, va, PTE_ACCESSED | PTE_DIRTY, PTE_DIRTY, was_dirty);
}

int pt_clear_accessed(struct addr_space *as, uint64_t va, bool *was_accessed)
{
    return pt_clear_bits(as, va, PTE_ACCESSED, PTE_ACCESSED, was_accessed);
}

bool pt_query(struct addr_space *as, uint64_t va, uint64_t *phys, unsigned *flags)
{
    int level;
    if (!as->root || (va >= USER_SPACE_END && !va_is_kernel(va)))
        return false;
    const uint64_t *e = lookup(as->root, va, &level);
    if (!e)
        return false;
    uint64_t size = level_size(level);
    uint64_t base = *e & PTE_ADDR_MASK & ~(size - 1); /* bit 12 of a huge entry is PAT, not address */
    if (phys)
        *phys = base + (PAGE_ALIGN_DOWN(va) & (size - 1));
    if (flags)
        *flags = flags_from_pte(*e);
    return true;
}

struct addr_space *as_kernel(void)
{
    return &kernel_space;
}

struct addr_space *as_current(void)
{
    return current_space;
}

struct addr_space *as_create(void)
{
    struct addr_space *as = kmalloc(sizeof *as);
    if (!as)
        return NULL;
    as->root = table_alloc();
    if (!as->root) {
        kfree(as);
        return NULL;
    }
    const uint64_t *kernel_root = table_at(kernel_space.root);
    uint64_t *root = table_at(as->root);
    for (unsigned i = PML4_KERNEL_FIRST; i < PT_ENTRIES; i++)
        root[i] = kernel_root[i];
    return as;
}

/* Frees the tables below a level-`level` table (user half only; leaves are not followed). */
static void free_tables(uint64_t table, int level)
{
    const uint64_t *t = table_at(table);
    if (level > 1) {
        for (unsigned i = 0; i < PT_ENTRIES; i++)
            if ((t[i] & PTE_PRESENT) && !(t[i] & PTE_HUGE))
                free_tables(t[i] & PTE_ADDR_MASK, level - 1);
    }
    frame_free(table);
}

void as_destroy(struct addr_space *as)
{
    if (as == &kernel_space || as == current_space)
        panic("as_destroy: address space %p is the kernel's or active", (void *)as);
    const uint64_t *root = table_at(as->root);
    for (unsigned i = 0; i < PML4_KERNEL_FIRST; i++)
        if (root[i] & PTE_PRESENT)
            free_tables(root[i] & PTE_ADDR_MASK, 3);
    frame_free(as->root);
    kfree(as);
}

void as_activate(struct addr_space *as)
{
    if (as == current_space)
        return;
    cpu_write_cr3(as->root);
    current_space = as;
}

uint64_t paging_kernel_root(void)
{
    return kernel_space.root;
}

uint64_t virt_to_phys(const void *p)
{
    uint64_t va = (uint64_t)(uintptr_t)p, phys;
    if (va >= DIRECT_MAP_BASE && va < DIRECT_MAP_BASE + DIRECT_MAP_SIZE)
        return va - DIRECT_MAP_BASE;
    if (va >= KERNEL_VMA)
        return va - KERNEL_VMA;
    if (!pt_query(&kernel_space, va, &phys, NULL))
        panic("virt_to_phys: %p is not mapped", p);
    return phys + (va & (PAGE_SIZE - 1));
}

/* Maps [va, va + len) to [phys, ...) in the kernel tables with pte bits, using 1 GiB and
 * 2 MiB pages where both addresses are aligned and huge is set. Build time: panics. */
static void map_kernel_range(uint64_t va, uint64_t phys, uint64_t len, uint64_t pte, bool huge)
{
    while (len) {
        int level = 1;
        if (huge && have_1g_pages && ((va | phys) & (PT_HUGE_1G - 1)) == 0 && len >= PT_HUGE_1G)
            level = 3;
        else if (huge && ((va | phys) & (PT_HUGE_2M - 1)) == 0 && len >= PT_HUGE_2M)
            level = 2;
        int err = PT_OK;
        uint64_t *e = walk_to(kernel_space.root, va, level, true, PTE_PRESENT | PTE_WRITE, &err);
        if (!e)
            panic("paging: cannot map %p: error %d", (void *)(uintptr_t)va, err);
        *e = phys | pte | (level > 1 ? PTE_HUGE : 0);
        if (huge)
            direct_pages[level]++;
        va += level_size(level);
        phys += level_size(level);
        len -= level_size(level);
    }
}

/* The kernel image, section by section, at KERNEL_VMA + phys (linker.ld). */
static void map_kernel_image(void)
{
    struct {
        uintptr_t start, end;
        uint64_t pte;
    } sections[] = {
        { (uintptr_t)_text_start, (uintptr_t)_text_end, PTE_PRESENT },
        { (uintptr_t)_rodata_start, (uintptr_t)_rodata_end, PTE_PRESENT | PTE_NX },
        { (uintptr_t)_data_start, (uintptr_t)_bss_end, PTE_PRESENT | PTE_WRITE | PTE_NX },
    };
    for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++) {
        uint64_t start = PAGE_ALIGN_DOWN(sections[i].start), end = PAGE_ALIGN_UP(sections[i].end);
        map_kernel_range(start, start - KERNEL_VMA, end - start, sections[i].pte, false);
    }
}

/* Every usable region, the non-usable ones below 4 GiB (ACPI tables sit there; far ones
 * like QEMU's 12 GiB hole at 1 TiB are left out) and the first 1 MiB, rounded out to
 * pages, sorted and merged. Returns the range count. */
static size_t direct_map_ranges(const struct boot_info *info, uint64_t (*ranges)[2])
{
    size_t n = 0;
    ranges[n][0] = 0;
    ranges[n++][1] = PAGING_LOW_MEMORY_END;
    for (size_t i = 0; i < info->region_count && n < PAGING_MAX_RANGES; i++) {
        uint64_t start = PAGE_ALIGN_DOWN(info->regions[i].base);
        uint64_t end = info->regions[i].base + info->regions[i].length;
        if (info->regions[i].type != BOOT_MEMORY_USABLE && end > PAGING_BOOT_IDENTITY_LIMIT)
            end = PAGING_BOOT_IDENTITY_LIMIT;
        end = end > DIRECT_MAP_SIZE - PAGE_SIZE ? DIRECT_MAP_SIZE : PAGE_ALIGN_UP(end);
        if (start >= end)
            continue;
        size_t j = n++;
        while (j > 0 && ranges[j - 1][0] > start) { /* insertion sort by start */
            ranges[j][0] = ranges[j - 1][0];
            ranges[j][1] = ranges[j - 1][1];
            j--;
        }
        ranges[j][0] = start;
        ranges[j][1] = end;
    }
    size_t merged = 0;
    for (size_t i = 0; i < n; i++) {
        if (merged && ranges[i][0] <= ranges[merged - 1][1]) {
            if (ranges[i][1] > ranges[merged - 1][1])
                ranges[merged - 1][1] = ranges[i][1];
            continue;
        }
        ranges[merged][0] = ranges[i][0];
        ranges[merged][1] = ranges[i][1];
        merged++;
    }
    return merged;
}

/* Makes the PML4 entry for an area that starts empty, so that every address space created
 * later shares it. */
static void make_kernel_area(uint64_t va)
{
    int err = PT_OK;
    if (!walk_to(kernel_space.root, va, 3, true, PTE_PRESENT | PTE_WRITE, &err))
        panic("paging: cannot make the area at %p: error %d", (void *)(uintptr_t)va, err);
}

void paging_init(const struct boot_info *info)
{
    uint64_t ranges[PAGING_MAX_RANGES][2];
    struct cpuid_regs ext = cpu_cpuid(CPUID_EXT_FEATURES, 0);
    have_1g_pages = (ext.edx & CPUID_EXT_EDX_PAGE1GB) != 0;
    table_window = 0;
    kernel_space.root = table_alloc();
    if (!kernel_space.root)
        panic("paging: no frame below 4 GiB for the kernel PML4");

    map_kernel_image();
    size_t n = direct_map_ranges(info, ranges);
    uint64_t mapped = 0;
    for (size_t i = 0; i < n; i++) {
        map_kernel_range(DIRECT_MAP_BASE + ranges[i][0], ranges[i][0], ranges[i][1] - ranges[i][0],
                         PTE_PRESENT | PTE_WRITE | PTE_NX, true);
        mapped += ranges[i][1] - ranges[i][0];
    }
    make_kernel_area(KERNEL_STACK_AREA);
    make_kernel_area(KERNEL_MMIO_AREA);
    make_kernel_area(KERNEL_HEAP_META_AREA);

    cpu_write_cr3(kernel_space.root);
    current_space = &kernel_space;
    table_window = DIRECT_MAP_BASE;
    frame_alloc_set_window(DIRECT_MAP_BASE);
    log_info("paging: direct map %llu MiB in %zu ranges (%llu x 1G, %llu x 2M, %llu x 4K), identity map gone",
             (unsigned long long)(mapped >> 20), n, (unsigned long long)direct_pages[3],
             (unsigned long long)direct_pages[2], (unsigned long long)direct_pages[1]);
}

void *mmio_map(uint64_t phys, size_t len)
{
    if (!kernel_space.root)
        panic("mmio_map(0x%llx) before paging_init", (unsigned long long)phys);
    if (len == 0)
        len = 1;
    if (phys >= PAGING_PHYS_LIMIT || len > PAGING_PHYS_LIMIT - phys)
        panic("mmio_map: bad range 0x%llx+0x%zx", (unsigned long long)phys, len);
    uint64_t first = PAGE_ALIGN_DOWN(phys), end = PAGE_ALIGN_UP(phys + len);
    for (size_t i = 0; i < mmio_count; i++) {
        const struct mmio_mapping *m = &mmio_maps[i];
        if (first >= m->phys && end <= m->phys + m->len)
            return (void *)(uintptr_t)(m->va + (phys - m->phys));
    }
    uint64_t size = end - first;
    if (mmio_count == MMIO_MAX_MAPPINGS || size + PAGE_SIZE > KERNEL_MMIO_AREA + KERNEL_MMIO_AREA_SIZE - mmio_next)
        panic("mmio_map: no room for 0x%llx+0x%zx", (unsigned long long)phys, len);
    uint64_t va = mmio_next;
    for (uint64_t off = 0; off < size; off += PAGE_SIZE) {
        int err = pt_map(&kernel_space, va + off, first + off, PT_WRITE | PT_UNCACHED);
        if (err != PT_OK)
            panic("mmio_map: mapping 0x%llx failed: error %d", (unsigned long long)(first + off), err);
    }
    mmio_next += size + PAGE_SIZE; /* an unmapped page between mappings catches overruns */
    mmio_maps[mmio_count++] = (struct mmio_mapping){ first, size, va };
    return (void *)(uintptr_t)(va + (phys - first));
}
