/* SPDX-License-Identifier: MIT */
/* dsmk_region_mode(addr, len, mode) (user/include/dsmk.h; DESIGN.md 4 and 5): a program
 * makes a range of its memory write-update at run time, as dsm.update= does at boot. It
 * runs as a memory syscall (kernel/dsm_control.c): node 0 decides, every node applies the
 * same core region before the call returns. The switch is made only while nobody holds
 * state for the range: its pages untouched and the program never run outside node 0
 * (otherwise copies and directory entries of those pages could sit on any node, and
 * changing their mode would need a cluster-wide quiesce and a directory query: EBUSY).
 * Going back to write-invalidate is refused the same way. Write-update needs the fixed or
 * central manager (dsm.manager=fixed|central): EOPNOTSUPP under dynamic. */
#include "kernel/dsm_glue.h"

#include "kernel/dsm_internal.h"
#include "kernel/dsm_update.h"
#include "kernel/libc.h"
#include "kernel/linux_abi.h"
#include "kernel/log.h"
#include "kernel/mm.h"
#include "kernel/syscall.h"
#include "kernel/uvm.h"
#include "kernel/uvm_page.h"

#define DSM_REGION_MODE_SYS 3        /* user/include/dsmk.h DSMK_SYS_REGION_MODE - DSMK_SYS_BASE */
#define DSM_REGION_MODE_INVALIDATE 0 /* DSMK_REGION_INVALIDATE */
#define DSM_REGION_MODE_UPDATE 1     /* DSMK_REGION_UPDATE */

/* True if no node can hold state for page: node 0 (where the whole program has run so
 * far) neither maps it nor has a copy or a request of it in flight. */
static bool dsm_region_mode_untouched(uint64_t page)
{
    struct dsm_page_info info;
    dsm_page_query(dsm_core, page, &info);
    return !uvm_page_present(page << DSM_PAGE_SHIFT, NULL) && info.state == DSM_PROT_NONE && !info.pending;
}

static bool dsm_region_mode_add(uint64_t first, uint64_t count)
{
    if (dsm_region_add(dsm_core, first, count, DSM_REGION_WRITE_UPDATE, 0) != 0)
        return false;
    dsm_update_note_region(first, count, DSM_REGION_WRITE_UPDATE);
    return true;
}

long dsm_region_mode_execute(uint64_t addr, uint64_t len, uint64_t mode)
{
    uint64_t first = addr >> DSM_PAGE_SHIFT, count = len >> DSM_PAGE_SHIFT;
    uint64_t already = dsm_update_pages_in(first, count);
    if (mode == DSM_REGION_MODE_INVALIDATE)
        return already ? -LINUX_EBUSY : 0;
    if (already == count)
        return 0;
    if (already)
        return -LINUX_EBUSY;
    if (strcmp(dsm_scheme_name(dsm_core), "dynamic") == 0)
        return -LINUX_EOPNOTSUPP;
    /* Mapped writable everywhere, so count is bounded by the program's memory before the
     * page walk below (a range of terabytes, page by page, stalled node 0 with interrupts
     * off: found by sysfuzz seed 21 on 2 nodes). */
    if (!uvm_range_rights_between(addr, len, LINUX_PROT_WRITE, LINUX_PROT_MASK))
        return -LINUX_ENOMEM;
    if (dsm_threads_spread())
        return -LINUX_EBUSY;
    for (uint64_t i = 0; i < count; i++)
        if (!dsm_region_mode_untouched(first + i))
            return -LINUX_EBUSY;
    return dsm_region_mode_add(first, count) ? 0 : -LINUX_ENOMEM;
}

void dsm_region_mode_apply(uint64_t addr, uint64_t len, uint64_t mode)
{
    uint64_t first = addr >> DSM_PAGE_SHIFT, count = len >> DSM_PAGE_SHIFT;
    if (mode == DSM_REGION_MODE_UPDATE && dsm_update_pages_in(first, count) == 0 &&
        !dsm_region_mode_add(first, count))
        log_error("dsm: write-update region 0x%llx+0x%llx refused here but not at node 0",
                  (unsigned long long)addr, (unsigned long long)len);
}

static long dsm_sys_region_mode(uint64_t addr, uint64_t len, uint64_t mode, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    if ((addr & (PAGE_SIZE - 1)) || len == 0 || addr >= USER_SPACE_END || len > USER_SPACE_END - addr ||
        (mode != DSM_REGION_MODE_INVALIDATE && mode != DSM_REGION_MODE_UPDATE))
        return -LINUX_EINVAL;
    return dsm_control_mm(DSM_MM_REGION_MODE, addr, PAGE_ALIGN_UP(len), mode, 0);
}

void dsm_region_mode_init(void)
{
    syscall_set_dsmk(DSM_REGION_MODE_SYS, dsm_sys_region_mode);
}
