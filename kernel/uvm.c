/* SPDX-License-Identifier: MIT */
/* User regions and demand paging (see kernel/uvm.h). Regions are a sorted array of
 * disjoint page-aligned ranges; operations first split regions at the range's edges
 * ("carve"), then act on whole regions, then merge equal neighbours. Page work is
 * kernel/uvm_page.c's (or the DSM's, kernel/dsm_glue.c). Semantics follow man 2 mmap/
 * munmap/mprotect/mremap/brk for MAP_PRIVATE|MAP_ANONYMOUS; a file mapping is such memory,
 * which kernel/sys_mm.c fills from the file (and kernel/shared_maps.c writes back). */
#include "kernel/uvm.h"

#include "kernel/dsm_glue.h"
#include "kernel/libc.h"
#include "kernel/linux_abi.h"
#include "kernel/log.h"
#include "kernel/mm.h"
#include "kernel/uvm_page.h"


struct uvm_region {
    uint64_t start, end; /* page aligned, start < end */
    unsigned prot;       /* LINUX_PROT_* with UVM_PROT_SHARED_FILE or not, or UVM_RETIRED alone */
};

/* A region unmapped while the DSM is active (uvm_retire): to the program it is a hole (no
 * rights, SEGV_MAPERR, ENOMEM for msync/mlock/mprotect), but it stays in the table so its
 * addresses are never handed out again (the core cannot forget pages: a new mapping there
 * would not read as zeros). Outside LINUX_PROT_MASK. */
#define UVM_RETIRED 0x80000000u

static struct uvm_region uvm_regions[UVM_MAX_REGIONS];
static size_t uvm_count;
static uint64_t uvm_total_bytes;
static uint64_t uvm_brk_base, uvm_brk_end; /* the break is [base, end); its region ends at PAGE_ALIGN_UP(end) */

void uvm_init(void)
{
    uvm_page_init();
}

uint64_t uvm_pages_materialised(void)
{
    return uvm_page_materialised_count();
}

size_t uvm_region_count(void)
{
    return uvm_count;
}

/* Index of the first region whose end is above addr (uvm_count if none). */
static size_t uvm_lower_bound(uint64_t addr)
{
    size_t lo = 0, hi = uvm_count;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (uvm_regions[mid].end <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static struct uvm_region *uvm_find(uint64_t addr)
{
    size_t i = uvm_lower_bound(addr);
    if (i < uvm_count && uvm_regions[i].start <= addr)
        return &uvm_regions[i];
    return NULL;
}

static bool uvm_range_free(uint64_t start, uint64_t end)
{
    size_t i = uvm_lower_bound(start);
    return i == uvm_count || uvm_regions[i].start >= end;
}

/* Splits the region containing addr strictly inside it, so addr becomes an edge. */
static int uvm_split_at(uint64_t addr)
{
    size_t i = uvm_lower_bound(addr);
    if (i == uvm_count || uvm_regions[i].start >= addr)
        return 0;
    if (uvm_count == UVM_MAX_REGIONS)
        return -LINUX_ENOMEM;
    memmove(&uvm_regions[i + 1], &uvm_regions[i], (uvm_count - i) * sizeof uvm_regions[0]);
    uvm_count++;
    uvm_regions[i].end = addr;
    uvm_regions[i + 1].start = addr;
    return 0;
}

static int uvm_carve(uint64_t start, uint64_t end)
{
    int err = uvm_split_at(start);
    return err ? err : uvm_split_at(end);
}

/* Joins touching neighbours with equal rights (keeps the array short for many mmaps). */
static void uvm_merge(void)
{
    size_t out = 0;
    for (size_t i = 0; i < uvm_count; i++) {
        if (out > 0 && uvm_regions[out - 1].end == uvm_regions[i].start &&
            uvm_regions[out - 1].prot == uvm_regions[i].prot)
            uvm_regions[out - 1].end = uvm_regions[i].end;
        else
            uvm_regions[out++] = uvm_regions[i];
    }
    uvm_count = out;
}

int uvm_region_add(uint64_t start, uint64_t len, unsigned prot)
{
    uint64_t end = start + len;
    if ((start | len) & (PAGE_SIZE - 1) || len == 0 || end > UVM_USER_END || end < start)
        return -LINUX_EINVAL;
    if (!uvm_range_free(start, end))
        return -LINUX_EEXIST;
    if (uvm_count == UVM_MAX_REGIONS || uvm_total_bytes + len > UVM_MAX_TOTAL)
        return -LINUX_ENOMEM;
    size_t i = uvm_lower_bound(start);
    memmove(&uvm_regions[i + 1], &uvm_regions[i], (uvm_count - i) * sizeof uvm_regions[0]);
    uvm_regions[i] = (struct uvm_region){ start, end, prot & (LINUX_PROT_MASK | UVM_PROT_SHARED_FILE) };
    uvm_count++;
    uvm_total_bytes += len;
    uvm_merge();
    return 0;
}

unsigned uvm_region_rights(uint64_t addr)
{
    struct uvm_region *r = uvm_find(addr);
    return r ? r->prot & LINUX_PROT_MASK : 0;
}

bool uvm_region_mapped(uint64_t addr)
{
    struct uvm_region *r = uvm_find(addr);
    return r && !(r->prot & UVM_RETIRED);
}

bool uvm_region_get(size_t index, uint64_t *start, uint64_t *end, unsigned *prot)
{
    if (index >= uvm_count)
        return false;
    *start = uvm_regions[index].start;
    *end = uvm_regions[index].end;
    *prot = uvm_regions[index].prot & LINUX_PROT_MASK;
    return true;
}

/* ---- the fault path ---- */

/* The region at addr: on a node of a cluster that has none, after catching up with node 0's
 * region changes (a mapping a thread of another node just made, or rights it just added,
 * reach this node's table after that thread's call returned: kernel/dsm_control.c). System calls and faults only
 * (thread context): a region change applied here must not wait. */
static struct uvm_region *uvm_find_current(uint64_t addr)
{
    struct uvm_region *r = uvm_find(addr);
    if (!r && dsm_control_regions_sync())
        r = uvm_find(addr);
    return r;
}

enum uvm_fault uvm_handle_fault(uint64_t addr, enum uvm_access access)
{
    struct uvm_region *r = uvm_find_current(addr);
    if (!r)
        return UVM_FAULT_VIOLATION;
    unsigned need = access == UVM_ACCESS_WRITE ? LINUX_PROT_WRITE
                    : access == UVM_ACCESS_EXEC ? LINUX_PROT_EXEC
                                                : (LINUX_PROT_READ | LINUX_PROT_WRITE | LINUX_PROT_EXEC);
    if (!(r->prot & need) && dsm_control_regions_sync())
        r = uvm_find(addr); /* an mprotect that adds rights may be on its way, as a new mapping */
    if (!r || !(r->prot & need))
        return UVM_FAULT_VIOLATION;
    uint64_t va = PAGE_ALIGN_DOWN(addr);
    if (dsm_active()) /* nodes>1: the page comes from its owner (kernel/dsm_glue.c) */
        return dsm_glue_fault(addr, va, access);
    unsigned now, rights = r->prot & LINUX_PROT_MASK;
    if (!uvm_page_present(va, &now))
        return uvm_page_materialise(va, rights) ? UVM_FAULT_RESOLVED : UVM_FAULT_NO_MEMORY;
    /* Present, and the region allows the access: make the page carry the region's rights
     * (they agree unless a spurious fault raced an mprotect) and retry. */
    if (now == (rights | LINUX_PROT_READ) || uvm_page_set_rights(va, rights))
        return UVM_FAULT_RESOLVED;
    return UVM_FAULT_VIOLATION;
}

int uvm_write_initial(uint64_t va, const void *src, size_t len)
{
    const uint8_t *from = src;
    while (len > 0) {
        struct uvm_region *r = uvm_find(va);
        if (!r)
            return -LINUX_EFAULT;
        size_t chunk = PAGE_SIZE - (va - PAGE_ALIGN_DOWN(va));
        if (chunk > len)
            chunk = len;
        if (!uvm_page_fill(va, r->prot & LINUX_PROT_MASK, from, chunk))
            return -LINUX_ENOMEM;
        va += chunk;
        from += chunk;
        len -= chunk;
    }
    return 0;
}

/* Removes [start, end) from the map, pages included. */
static int uvm_remove(uint64_t start, uint64_t end)
{
    int err = uvm_carve(start, end);
    if (err)
        return err;
    size_t first = uvm_lower_bound(start), last = first;
    while (last < uvm_count && uvm_regions[last].end <= end) {
        uvm_pages_drop(uvm_regions[last].start, uvm_regions[last].end);
        uvm_total_bytes -= uvm_regions[last].end - uvm_regions[last].start;
        last++;
    }
    memmove(&uvm_regions[first], &uvm_regions[last], (uvm_count - last) * sizeof uvm_regions[0]);
    uvm_count -= last - first;
    return 0;
}

/* ---- the program break ---- */

void uvm_brk_init(uint64_t base)
{
    uvm_brk_base = uvm_brk_end = base;
}

void uvm_brk_bounds(uint64_t *base, uint64_t *end)
{
    *base = uvm_brk_base;
    *end = uvm_brk_end;
}

long uvm_brk(uint64_t new_end)
{
    if (new_end < uvm_brk_base || new_end >= UVM_BRK_LIMIT)
        return (long)uvm_brk_end;
    uint64_t old_top = PAGE_ALIGN_UP(uvm_brk_end), new_top = PAGE_ALIGN_UP(new_end);
    if (new_top > old_top) {
        if (uvm_region_add(old_top, new_top - old_top, LINUX_PROT_READ | LINUX_PROT_WRITE) != 0)
            return (long)uvm_brk_end;
    } else if (new_top < old_top) {
        if (uvm_remove(new_top, old_top) != 0)
            return (long)uvm_brk_end;
    }
    uvm_brk_end = new_end;
    return (long)uvm_brk_end;
}

/* ---- mmap and friends ---- */

/* The highest free range of len bytes in [bottom, top), or 0. */
static uint64_t uvm_find_gap_in(uint64_t len, uint64_t bottom, uint64_t top)
{
    size_t above = uvm_lower_bound(top); /* the first region ending past top: it may hold top */
    for (size_t i = above < uvm_count ? above + 1 : uvm_count; i-- > 0;) {
        const struct uvm_region *r = &uvm_regions[i];
        if (r->start >= top)
            continue;
        if (r->end <= top && top - r->end >= len)
            return top - len >= bottom ? top - len : 0;
        top = r->start;
        if (top < bottom + len)
            return 0;
    }
    return top >= bottom + len ? top - len : 0;
}

static uint64_t uvm_find_gap(uint64_t len)
{
    return uvm_find_gap_in(len, UVM_MMAP_BOTTOM, UVM_MMAP_TOP);
}

/* The highest free range of len bytes in where's stripes, or anywhere past its probes. */
static uint64_t uvm_find_gap_placed(uint64_t len, const struct uvm_placement *where)
{
    uint64_t stripes = where->base >= UVM_MMAP_BOTTOM && where->base < UVM_MMAP_TOP && where->stripe_bytes
                           ? (UVM_MMAP_TOP - where->base) / where->stripe_bytes
                           : 0;
    if (len <= where->stripe_bytes && where->classes && where->class_index < where->classes &&
        where->class_index < stripes) {
        uint64_t k = stripes - 1 - (stripes - 1 - where->class_index) % where->classes; /* its highest stripe */
        for (unsigned probe = 0; probe < UVM_PLACEMENT_PROBES; probe++, k -= where->classes) {
            uint64_t bottom = where->base + k * where->stripe_bytes;
            uint64_t gap = uvm_find_gap_in(len, bottom, bottom + where->stripe_bytes);
            if (gap)
                return gap;
            if (k < where->classes)
                break;
        }
    }
    return uvm_find_gap(len);
}

static bool uvm_len_ok(uint64_t len, uint64_t *rounded)
{
    if (len == 0 || len > UVM_USER_END)
        return false;
    *rounded = PAGE_ALIGN_UP(len);
    return true;
}

long uvm_mmap(uint64_t addr, uint64_t len, unsigned prot, unsigned flags)
{
    return uvm_mmap_placed(addr, len, prot, flags, NULL);
}

long uvm_mmap_placed(uint64_t addr, uint64_t len, unsigned prot, unsigned flags, const struct uvm_placement *where)
{
    uint64_t size;
    if (!uvm_len_ok(len, &size) || (prot & ~(LINUX_PROT_MASK | UVM_PROT_SHARED_FILE)))
        return -LINUX_EINVAL;
    unsigned type = flags & LINUX_MAP_TYPE;
    if (type != LINUX_MAP_PRIVATE && type != LINUX_MAP_SHARED)
        return -LINUX_EINVAL;
    if (!(flags & LINUX_MAP_ANONYMOUS))
        return -LINUX_ENODEV;
    if (size > UVM_MAX_TOTAL)
        return -LINUX_ENOMEM;
    bool fixed = (flags & (LINUX_MAP_FIXED | LINUX_MAP_FIXED_NOREPLACE)) != 0;
    if (fixed) {
        if ((addr & (PAGE_SIZE - 1)) || !addr || addr >= UVM_USER_END || size > UVM_USER_END - addr)
            return -LINUX_EINVAL;
        if (!uvm_range_free(addr, addr + size)) {
            if (flags & LINUX_MAP_FIXED_NOREPLACE)
                return -LINUX_EEXIST;
            int err = uvm_remove(addr, addr + size);
            if (err)
                return err;
        }
    } else {
        addr = PAGE_ALIGN_DOWN(addr);
        /* A hint is taken when it is free (Linux does the same), as low as mmap_min_addr. */
        if (addr < UVM_MMAP_MIN_ADDR || addr >= UVM_USER_END || size > UVM_USER_END - addr ||
            !uvm_range_free(addr, addr + size))
            addr = (flags & LINUX_MAP_32BIT) ? uvm_find_gap_in(size, UVM_MMAP_32BIT_BOTTOM, UVM_MMAP_32BIT_TOP)
                   : where                   ? uvm_find_gap_placed(size, where)
                                             : uvm_find_gap(size);
        if (!addr)
            return -LINUX_ENOMEM;
    }
    int err = uvm_region_add(addr, size, prot);
    return err ? err : (long)addr;
}

long uvm_munmap(uint64_t addr, uint64_t len)
{
    uint64_t size;
    if ((addr & (PAGE_SIZE - 1)) || !uvm_len_ok(len, &size) || addr >= UVM_USER_END ||
        size > UVM_USER_END - addr)
        return -LINUX_EINVAL;
    return uvm_remove(addr, addr + size);
}

long uvm_retire(uint64_t addr, uint64_t len)
{
    uint64_t size;
    if ((addr & (PAGE_SIZE - 1)) || !uvm_len_ok(len, &size) || addr >= UVM_USER_END ||
        size > UVM_USER_END - addr)
        return -LINUX_EINVAL;
    uint64_t end = addr + size;
    int err = uvm_carve(addr, end);
    if (err)
        return err;
    for (size_t i = uvm_lower_bound(addr); i < uvm_count && uvm_regions[i].end <= end; i++) {
        uvm_regions[i].prot = UVM_RETIRED;
        uvm_pages_protect(uvm_regions[i].start, uvm_regions[i].end, 0);
    }
    uvm_merge();
    return 0;
}

/* True if [start, end) is covered by mapped regions with no hole (a retired one is one). */
static bool uvm_range_covered(uint64_t start, uint64_t end)
{
    size_t i = uvm_lower_bound(start);
    uint64_t at = start;
    for (; i < uvm_count && at < end; i++) {
        if (uvm_regions[i].start > at || (uvm_regions[i].prot & UVM_RETIRED))
            return false;
        at = uvm_regions[i].end;
    }
    return at >= end;
}

/* uvm_range_covered, caught up with node 0 first when it is not (as uvm_find_current). */
static bool uvm_range_covered_current(uint64_t start, uint64_t end)
{
    return uvm_range_covered(start, end) || (dsm_control_regions_sync() && uvm_range_covered(start, end));
}

long uvm_mprotect(uint64_t addr, uint64_t len, unsigned prot)
{
    if ((addr & (PAGE_SIZE - 1)) || (prot & ~LINUX_PROT_MASK) || addr >= UVM_USER_END)
        return -LINUX_EINVAL;
    if (len == 0)
        return 0;
    uint64_t size = PAGE_ALIGN_UP(len);
    if (size > UVM_USER_END - addr)
        return -LINUX_ENOMEM;
    uint64_t end = addr + size;
    if (!uvm_range_covered(addr, end))
        return -LINUX_ENOMEM;
    int err = uvm_carve(addr, end);
    if (err)
        return err;
    for (size_t i = uvm_lower_bound(addr); i < uvm_count && uvm_regions[i].end <= end; i++) {
        uvm_regions[i].prot = prot | (uvm_regions[i].prot & UVM_PROT_SHARED_FILE); /* still the file's */
        uvm_pages_protect(uvm_regions[i].start, uvm_regions[i].end, prot);
    }
    uvm_merge();
    return 0;
}

long uvm_mremap_plan(uint64_t old_addr, uint64_t old_len, uint64_t new_len, unsigned flags, struct uvm_remap *plan)
{
    uint64_t old_size, new_size;
    if ((old_addr & (PAGE_SIZE - 1)) || (flags & ~(unsigned)(LINUX_MREMAP_MAYMOVE | LINUX_MREMAP_FIXED)))
        return -LINUX_EINVAL;
    if (flags & LINUX_MREMAP_FIXED)
        return -LINUX_EINVAL; /* not used by musl's realloc; refused rather than half done */
    if (!uvm_len_ok(old_len, &old_size) || !uvm_len_ok(new_len, &new_size) || old_addr >= UVM_USER_END ||
        old_size > UVM_USER_END - old_addr)
        return -LINUX_EINVAL;
    const struct uvm_region *r = uvm_find_current(old_addr);
    if (!r || r->end < old_addr + old_size || (r->prot & UVM_RETIRED))
        return -LINUX_EFAULT;
    *plan = (struct uvm_remap){ .how = UVM_REMAP_SAME, .prot = r->prot, .old_size = old_size, .new_size = new_size };
    if (new_size < old_size)
        *plan = (struct uvm_remap){ .how = UVM_REMAP_SHRINK, .at = old_addr + new_size, .len = old_size - new_size,
                                    .prot = r->prot, .old_size = old_size, .new_size = new_size };
    else if (new_size > old_size && old_addr + new_size <= UVM_USER_END &&
             uvm_range_free(old_addr + old_size, old_addr + new_size))
        *plan = (struct uvm_remap){ .how = UVM_REMAP_GROW, .at = old_addr + old_size, .len = new_size - old_size,
                                    .prot = r->prot, .old_size = old_size, .new_size = new_size };
    else if (new_size > old_size)
        plan->how = (flags & LINUX_MREMAP_MAYMOVE) && new_size <= UVM_MAX_TOTAL ? UVM_REMAP_MOVE : UVM_REMAP_NONE;
    return 0;
}

long uvm_mremap(uint64_t old_addr, uint64_t old_len, uint64_t new_len, unsigned flags, uint64_t new_addr)
{
    (void)new_addr;
    struct uvm_remap plan;
    long bad = uvm_mremap_plan(old_addr, old_len, new_len, flags, &plan);
    if (bad)
        return bad;
    int err = 0;
    switch (plan.how) {
    case UVM_REMAP_SAME:
        return (long)old_addr;
    case UVM_REMAP_SHRINK:
        err = uvm_remove(plan.at, plan.at + plan.len);
        return err ? err : (long)old_addr;
    case UVM_REMAP_GROW:
        err = uvm_region_add(plan.at, plan.len, plan.prot);
        return err ? err : (long)old_addr;
    case UVM_REMAP_NONE:
        return -LINUX_ENOMEM;
    case UVM_REMAP_MOVE:
        break;
    }
    uint64_t old_size = plan.old_size, new_size = plan.new_size;
    unsigned prot = plan.prot;
    uint64_t to = uvm_find_gap(new_size);
    if (!to)
        return -LINUX_ENOMEM;
    err = uvm_region_add(to, new_size, prot);
    if (err)
        return err;
    uvm_pages_move(old_addr, to, old_size, prot & LINUX_PROT_MASK);
    uvm_remove(old_addr, old_addr + old_size);
    return (long)to;
}

long uvm_range_check(uint64_t addr, uint64_t len)
{
    if ((addr & (PAGE_SIZE - 1)) || addr >= UVM_USER_END || len > UVM_USER_END - addr)
        return -LINUX_EINVAL;
    return uvm_range_covered_current(addr, addr + PAGE_ALIGN_UP(len)) ? 0 : -LINUX_ENOMEM;
}

bool uvm_range_rights_between(uint64_t addr, uint64_t len, unsigned at_least, unsigned at_most)
{
    if ((addr & (PAGE_SIZE - 1)) || addr >= UVM_USER_END || len == 0 || len > UVM_USER_END - addr)
        return false;
    uint64_t end = addr + PAGE_ALIGN_UP(len);
    if (!uvm_range_covered(addr, end))
        return false;
    for (size_t i = uvm_lower_bound(addr); i < uvm_count && uvm_regions[i].start < end; i++) {
        unsigned rights = uvm_regions[i].prot & LINUX_PROT_MASK;
        if ((rights & at_least) != at_least || (rights & ~at_most))
            return false;
    }
    return true;
}

long uvm_madvise(uint64_t addr, uint64_t len, int advice)
{
    if ((addr & (PAGE_SIZE - 1)) || addr >= UVM_USER_END || len > UVM_USER_END - addr)
        return -LINUX_EINVAL;
    if (advice == LINUX_MADV_DONTNEED) {
        uint64_t end = addr + PAGE_ALIGN_UP(len);
        if (!uvm_range_covered_current(addr, end))
            return -LINUX_ENOMEM;
        /* Private anonymous memory: the next touch reads zeros. A shared file mapping's
         * pages stay: Linux reads them back from the file, which holds the same bytes. */
        for (size_t i = uvm_lower_bound(addr); i < uvm_count && uvm_regions[i].start < end; i++)
            if (!(uvm_regions[i].prot & UVM_PROT_SHARED_FILE))
                uvm_pages_drop(uvm_regions[i].start > addr ? uvm_regions[i].start : addr,
                               uvm_regions[i].end < end ? uvm_regions[i].end : end);
    }
    return 0;
}

bool uvm_next_shared_file(uint64_t from, uint64_t end, uint64_t *start, uint64_t *stop)
{
    for (size_t i = uvm_lower_bound(from); from < end && i < uvm_count && uvm_regions[i].start < end; i++) {
        const struct uvm_region *r = &uvm_regions[i];
        if (!(r->prot & UVM_PROT_SHARED_FILE))
            continue;
        *start = r->start > from ? r->start : from;
        *stop = r->end < end ? r->end : end;
        return true;
    }
    return false;
}

/* ---- in-kernel tests ---- */

#include "kernel/ktest.h"
#include "kernel/program.h"
#include "kernel/usercopy.h"

#define UVM_TEST_PAGES 4

KTEST(uvm_mprotect_splits_and_merges)
{
    program_kernel_init();
    size_t before = uvm_count;
    long addr = uvm_mmap(0, UVM_TEST_PAGES * PAGE_SIZE, LINUX_PROT_READ | LINUX_PROT_WRITE,
                         LINUX_MAP_PRIVATE | LINUX_MAP_ANONYMOUS);
    KT_EXPECT(addr > 0);
    KT_EXPECT_EQ(uvm_count, before + 1);
    KT_EXPECT_EQ(uvm_mprotect((uint64_t)addr + PAGE_SIZE, PAGE_SIZE, LINUX_PROT_READ), 0);
    KT_EXPECT_EQ(uvm_count, before + 3);
    KT_EXPECT_EQ(uvm_handle_fault((uint64_t)addr + PAGE_SIZE, UVM_ACCESS_WRITE), UVM_FAULT_VIOLATION);
    KT_EXPECT_EQ(uvm_handle_fault((uint64_t)addr + PAGE_SIZE, UVM_ACCESS_READ), UVM_FAULT_RESOLVED);
    KT_EXPECT_EQ(uvm_mprotect((uint64_t)addr + PAGE_SIZE, PAGE_SIZE, LINUX_PROT_READ | LINUX_PROT_WRITE), 0);
    KT_EXPECT_EQ(uvm_count, before + 1);
    KT_EXPECT_EQ(uvm_handle_fault((uint64_t)addr + PAGE_SIZE, UVM_ACCESS_WRITE), UVM_FAULT_RESOLVED);
    KT_EXPECT_EQ(uvm_munmap((uint64_t)addr + PAGE_SIZE, PAGE_SIZE), 0);
    KT_EXPECT_EQ(uvm_count, before + 2);
    KT_EXPECT_EQ(uvm_handle_fault((uint64_t)addr + PAGE_SIZE, UVM_ACCESS_READ), UVM_FAULT_VIOLATION);
    KT_EXPECT_EQ(uvm_munmap((uint64_t)addr, UVM_TEST_PAGES * PAGE_SIZE), 0);
    KT_EXPECT_EQ(uvm_count, before);
}

/* A placed mapping lands in the highest stripe of its class (below what is mapped there
 * already), one larger than a stripe or with every probed stripe full goes top-down, and
 * a usable hint still wins. */
KTEST(uvm_mmap_placed_in_its_class_stripes)
{
    program_kernel_init();
    const uint64_t stripe = 16 * PAGE_SIZE, stripes = 1001; /* counted from base: the top one is even */
    const struct uvm_placement odd = { UVM_MMAP_TOP - stripes * stripe, stripe, 2, 1 };
    const unsigned rw = LINUX_PROT_READ | LINUX_PROT_WRITE, anon = LINUX_MAP_PRIVATE | LINUX_MAP_ANONYMOUS;
    uint64_t top_odd = UVM_MMAP_TOP - 2 * stripe;
    long a = uvm_mmap_placed(0, 4 * PAGE_SIZE, rw, anon, &odd);
    KT_EXPECT_EQ((uint64_t)a, top_odd + stripe - 4 * PAGE_SIZE);
    long b = uvm_mmap_placed(0, 12 * PAGE_SIZE, rw, anon, &odd); /* fills the stripe */
    KT_EXPECT_EQ((uint64_t)b, top_odd);
    long c = uvm_mmap_placed(0, PAGE_SIZE, rw, anon, &odd); /* the class's next stripe down */
    KT_EXPECT_EQ((uint64_t)c, top_odd - stripe - PAGE_SIZE);
    long hinted = uvm_mmap_placed(UVM_MMAP_BOTTOM, PAGE_SIZE, rw, anon, &odd);
    KT_EXPECT_EQ((uint64_t)hinted, UVM_MMAP_BOTTOM);
    /* The two stripes above are full for a whole stripe's mapping; the other probed ones
     * take one each, then the search gives up on the class. */
    static long filled[UVM_PLACEMENT_PROBES];
    unsigned n = 0;
    for (; n < UVM_PLACEMENT_PROBES; n++) {
        filled[n] = uvm_mmap_placed(0, stripe, rw, anon, &odd);
        if (filled[n] <= 0 || (((uint64_t)filled[n] - odd.base) / stripe) % 2 == 0)
            break;
    }
    KT_EXPECT_EQ(n, UVM_PLACEMENT_PROBES - 2);
    KT_EXPECT(filled[n] > 0 && (uint64_t)filled[n] + stripe <= UVM_MMAP_TOP);
    for (unsigned i = 0; i <= n && i < UVM_PLACEMENT_PROBES; i++)
        KT_EXPECT_EQ(uvm_munmap((uint64_t)filled[i], stripe), 0);
    long big = uvm_mmap_placed(0, 2 * stripe, rw, anon, &odd); /* larger than a stripe: anywhere */
    KT_EXPECT(big > 0 && (uint64_t)big + 2 * stripe <= UVM_MMAP_TOP);
    const long all[] = { a, b, c, hinted };
    const uint64_t lens[] = { 4 * PAGE_SIZE, 12 * PAGE_SIZE, PAGE_SIZE, PAGE_SIZE };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        KT_EXPECT_EQ(uvm_munmap((uint64_t)all[i], lens[i]), 0);
    KT_EXPECT_EQ(uvm_munmap((uint64_t)big, 2 * stripe), 0);
}

KTEST(uvm_usercopy_faults_become_efault)
{
    program_kernel_init();
    long addr = uvm_mmap(0, 2 * PAGE_SIZE, LINUX_PROT_READ | LINUX_PROT_WRITE, LINUX_MAP_PRIVATE | LINUX_MAP_ANONYMOUS);
    KT_EXPECT(addr > 0);
    uint64_t a = (uint64_t)addr;
    char out[16] = "dsmk usercopy!", in[16] = "";
    /* Untouched pages are materialised by the copy itself (demand zero through the seam). */
    uint64_t before = uvm_pages_materialised();
    KT_EXPECT_EQ(copy_to_user(a + PAGE_SIZE - 7, out, sizeof out), 0);
    KT_EXPECT_EQ(uvm_pages_materialised(), before + 2);
    KT_EXPECT_EQ(copy_from_user(in, a + PAGE_SIZE - 7, sizeof in), 0);
    KT_EXPECT(memcmp(in, out, sizeof in) == 0);
    /* Past the mapping, below it, and in the kernel half: -EFAULT, never a kernel fault. */
    KT_EXPECT_EQ(copy_from_user(in, a + 2 * PAGE_SIZE - 8, sizeof in), -LINUX_EFAULT);
    KT_EXPECT_EQ(copy_to_user(a - 4, out, sizeof out), -LINUX_EFAULT);
    KT_EXPECT_EQ(copy_from_user(in, KERNEL_VMA, sizeof in), -LINUX_EFAULT);
    KT_EXPECT_EQ(copy_from_user(in, UVM_USER_END - 8, sizeof in), -LINUX_EFAULT);
    char name[8];
    KT_EXPECT_EQ(copy_string_from_user(name, a, sizeof name), 0); /* zero page: empty string */
    KT_EXPECT_EQ(copy_to_user(a, "abcdefghij", 10), 0);
    KT_EXPECT_EQ(copy_string_from_user(name, a, sizeof name), -LINUX_ENAMETOOLONG);
    KT_EXPECT_EQ(uvm_munmap(a, 2 * PAGE_SIZE), 0);
    KT_EXPECT_EQ(copy_from_user(in, a, 1), -LINUX_EFAULT);
}

/* A shared file mapping's mark: kept by mprotect, not merged with plain memory, and found
 * part by part. Adjacent marked mappings merge into one region, so a walk that stops at one
 * mapping's end must get no (empty) part there: it looped for ever on musl's second
 * sem_open of a semaphore, whose new mapping lies right below the first. */
KTEST(uvm_shared_file_mark)
{
    program_kernel_init();
    const unsigned rw = LINUX_PROT_READ | LINUX_PROT_WRITE, anon = LINUX_MAP_PRIVATE | LINUX_MAP_ANONYMOUS;
    long first = uvm_mmap(0, PAGE_SIZE, rw | UVM_PROT_SHARED_FILE, anon);
    long second = uvm_mmap(0, PAGE_SIZE, rw | UVM_PROT_SHARED_FILE, anon);
    long plain = uvm_mmap(0, PAGE_SIZE, rw, anon);
    KT_EXPECT(first > 0 && second == first - (long)PAGE_SIZE && plain == second - (long)PAGE_SIZE);
    uint64_t a = (uint64_t)plain, start = 0, stop = 0;
    KT_EXPECT(uvm_next_shared_file(a, a + 3 * PAGE_SIZE, &start, &stop));
    KT_EXPECT(start == a + PAGE_SIZE && stop == a + 3 * PAGE_SIZE);
    KT_EXPECT(!uvm_next_shared_file(a + 2 * PAGE_SIZE, a + 2 * PAGE_SIZE, &start, &stop));
    KT_EXPECT(!uvm_next_shared_file(a, a + PAGE_SIZE, &start, &stop));
    KT_EXPECT_EQ(uvm_mprotect(a + PAGE_SIZE, PAGE_SIZE, LINUX_PROT_READ), 0);
    KT_EXPECT_EQ(uvm_region_rights(a + PAGE_SIZE), LINUX_PROT_READ);
    KT_EXPECT(uvm_next_shared_file(a + PAGE_SIZE, a + 2 * PAGE_SIZE, &start, &stop));
    KT_EXPECT_EQ(uvm_handle_fault(a + PAGE_SIZE, UVM_ACCESS_READ), UVM_FAULT_RESOLVED);
    KT_EXPECT_EQ(uvm_handle_fault(a + PAGE_SIZE, UVM_ACCESS_WRITE), UVM_FAULT_VIOLATION);
    KT_EXPECT_EQ(uvm_munmap(a, 3 * PAGE_SIZE), 0);
    KT_EXPECT(!uvm_next_shared_file(a, a + 3 * PAGE_SIZE, &start, &stop));
}

/* The DSM's page install: an absent page gets the copy with the given rights at once, a
 * present one is overwritten in place and takes the new rights. */
KTEST(uvm_page_install_absent_and_present)
{
    program_kernel_init();
    long addr = uvm_mmap(0, PAGE_SIZE, LINUX_PROT_READ | LINUX_PROT_WRITE, LINUX_MAP_PRIVATE | LINUX_MAP_ANONYMOUS);
    KT_EXPECT(addr > 0);
    uint64_t va = (uint64_t)addr;
    static uint8_t page[PAGE_SIZE];
    for (size_t i = 0; i < PAGE_SIZE; i++)
        page[i] = (uint8_t)(i * 7 + 1);
    unsigned prot = 0;
    uint32_t last = 0;
    KT_EXPECT(!uvm_page_present(va, NULL));
    KT_EXPECT(uvm_page_install(va, LINUX_PROT_READ, page));
    KT_EXPECT(uvm_page_present(va, &prot));
    KT_EXPECT_EQ(prot, LINUX_PROT_READ);
    KT_EXPECT_EQ(copy_from_user(&last, va + PAGE_SIZE - sizeof last, sizeof last), 0);
    KT_EXPECT(memcmp(&last, page + PAGE_SIZE - sizeof last, sizeof last) == 0);
    page[PAGE_SIZE - 1] ^= 0xff;
    KT_EXPECT(uvm_page_install(va, LINUX_PROT_READ | LINUX_PROT_WRITE, page));
    KT_EXPECT(uvm_page_present(va, &prot));
    KT_EXPECT_EQ(prot, LINUX_PROT_READ | LINUX_PROT_WRITE);
    KT_EXPECT_EQ(copy_from_user(&last, va + PAGE_SIZE - sizeof last, sizeof last), 0);
    KT_EXPECT(memcmp(&last, page + PAGE_SIZE - sizeof last, sizeof last) == 0);
    KT_EXPECT_EQ(uvm_munmap(va, PAGE_SIZE), 0);
}

KTEST(uvm_mremap_moves_pages)
{
    program_kernel_init();
    long addr = uvm_mmap(0, PAGE_SIZE, LINUX_PROT_READ | LINUX_PROT_WRITE, LINUX_MAP_PRIVATE | LINUX_MAP_ANONYMOUS);
    KT_EXPECT(addr > 0);
    uint32_t v = 0xd5a4, r = 0;
    KT_EXPECT_EQ(copy_to_user((uint64_t)addr, &v, sizeof v), 0);
    /* The page above is taken, so growing must move (MREMAP_MAYMOVE) and keep the data. */
    long blocker = uvm_mmap((uint64_t)addr + PAGE_SIZE, PAGE_SIZE, LINUX_PROT_READ,
                            LINUX_MAP_PRIVATE | LINUX_MAP_ANONYMOUS | LINUX_MAP_FIXED);
    KT_EXPECT_EQ(blocker, addr + (long)PAGE_SIZE);
    KT_EXPECT_EQ(uvm_mremap((uint64_t)addr, PAGE_SIZE, 3 * PAGE_SIZE, 0, 0), -LINUX_ENOMEM);
    long moved = uvm_mremap((uint64_t)addr, PAGE_SIZE, 3 * PAGE_SIZE, LINUX_MREMAP_MAYMOVE, 0);
    KT_EXPECT(moved > 0 && moved != addr);
    KT_EXPECT_EQ(copy_from_user(&r, (uint64_t)moved, sizeof r), 0);
    KT_EXPECT_EQ(r, v);
    KT_EXPECT_EQ(uvm_munmap((uint64_t)moved, 3 * PAGE_SIZE), 0);
    KT_EXPECT_EQ(uvm_munmap((uint64_t)blocker, PAGE_SIZE), 0);
}
