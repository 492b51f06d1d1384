/* SPDX-License-Identifier: MIT */
/* The struct dsm_env of the kernel (dsm/env.h, docs/dsm-protocol.md section 8) and the
 * start of a multi-node program: pages through the uvm page seam (kernel/uvm_page.h),
 * messages over the cluster transport, one kernel timer, threads parked in the scheduler.
 * Node 0 declares the loaded image to the core (text read-only, data and the initial
 * stack preloaded) and sends the region table to the others. Not done: eviction, recovery. */
#include "kernel/dsm_glue.h"

#include <arch/cpu.h>

#include "dsm/dsm.h"
#include "dsm/sites.h"
#include "kernel/clock.h"
#include "kernel/cmdline.h"
#include "kernel/dsm_internal.h"
#include "kernel/dsm_update.h"
#include "kernel/dsm_affinity.h"
#include "kernel/dsm_phase.h"
#include "kernel/exit_codes.h"
#include "kernel/libc.h"
#include "kernel/linux_abi.h"
#include "kernel/log.h"
#include "kernel/mm.h"
#include "kernel/net_glue.h"
#include "kernel/panic.h"
#include "kernel/program.h"
#include "kernel/sched.h"
#include "kernel/syscall.h"
#include "kernel/thread.h"
#include "kernel/timer.h"
#include "kernel/uvm.h"
#include "kernel/uvm_page.h"
#include "net/net.h"

#define DSM_GLUE_READY_TIMEOUT_NS (60ull * NS_PER_SEC)  /* TCG nodes boot within seconds */
#define DSM_GLUE_START_TIMEOUT_NS (30ull * NS_PER_SEC)
#define DSM_GLUE_START_RETRY_NS (500ull * NS_PER_MS)  /* a node still booting may drop the first one */
#define DSM_GLUE_MAX_DSM_REGIONS 16                   /* dsm/internal.h DSM_MAX_REGIONS */
#define DSM_GLUE_MAX_UVM_REGIONS 64                   /* regions at start: segments + stack */
#define DSM_GLUE_DUMP_MISMATCHES 16                   /* stale mappings a state dump lists */
#define DSM_GLUE_HELD_MAX 64                          /* pages granted but not yet accessible */
#define DSM_GLUE_SYS_NODE_ID 0                        /* user/include/dsmk.h DSMK_SYS_* - base */
#define DSM_GLUE_SYS_NODE_COUNT 1
#define DSM_GLUE_STATUS_CANNOT_EXECUTE 126            /* as kernel/program.c: a shell's "cannot execute" */

struct dsm_node *dsm_core;
unsigned dsm_self, dsm_nnodes;
static bool dsm_on;
/* enum dsm_scheme order, then "auto": dynamic (2 messages per fault when the owner is known;
 * as fast or faster on every bundled program), or fixed when dsm.update= asks for
 * write-update pages, whose sequencer must not move. Resolved in dsm_setup. */
#define DSM_GLUE_SCHEME_AUTO 3
static unsigned dsm_scheme_choice = DSM_GLUE_SCHEME_AUTO;
static const char *const dsm_scheme_names[] = { "fixed", "central", "dynamic", "auto", NULL };
CMDLINE_PARAM_CHOICE(dsm_scheme_choice, "dsm.manager", dsm_scheme_names,
                     "DSM page location: fixed (hash of the page), central (node 0), dynamic (probable "
                     "owners) or auto (default: dynamic, fixed with dsm.update=)");

static struct timer dsm_timer;
static uint64_t dsm_env_errors; /* sends or installs that failed (logged) */

bool dsm_active(void)
{
    return dsm_on;
}

unsigned dsm_glue_cpus(void)
{
    return dsm_active() ? dsm_nnodes : 1;
}

unsigned dsm_glue_cpu_of_caller(void)
{
    return dsm_active() ? dsm_self : 0;
}

/* ---- parking ---- */

struct dsm_park {
    bool done;
    int64_t result;
    uint64_t woken_ns;   /* when the wake came (fault phase timing) */
    uint64_t input_ns;   /* start of the message handler that woke it; 0: not from one */
    unsigned from;       /* the node whose message woke it; DSM_NODE_NONE: not a message */
};
static struct dsm_park dsm_parks[THREAD_MAX];
static uint64_t dsm_input_start_ns; /* while dsm_core_input runs: when it started; else 0 */
static unsigned dsm_input_from = DSM_NODE_NONE; /* while dsm_core_input runs: its sender */

bool dsm_glue_interrupt_wait(struct thread *t)
{
    return dsm_active() &&
           (dsm_futex_cancel(dsm_core, (unsigned)thread_index(t), -LINUX_ERESTARTSYS) || dsm_files_interrupt(t));
}

uint64_t dsm_park_prepare(void)
{
    unsigned i = (unsigned)thread_index(thread_current());
    dsm_parks[i].done = false;
    dsm_parks[i].result = 0;
    return i;
}

int64_t dsm_park_wait(uint64_t token)
{
    bool woken;
    return dsm_park_wait_until(token, 0, &woken);
}

int64_t dsm_park_wait_until(uint64_t token, uint64_t deadline, bool *woken)
{
    struct thread *t = thread_current();
    while (!dsm_parks[token].done && (!deadline || clock_now_ns() < deadline)) {
        t->wake_deadline_ns = deadline;
        sched_block();
    }
    t->wake_deadline_ns = 0;
    *woken = dsm_parks[token].done;
    return *woken ? dsm_parks[token].result : 0;
}

void dsm_park_wake(uint64_t token, int64_t result)
{
    if (token >= THREAD_MAX)
        return;
    dsm_parks[token].done = true;
    dsm_parks[token].result = result;
    dsm_parks[token].woken_ns = clock_now_ns();
    dsm_parks[token].input_ns = dsm_input_start_ns;
    dsm_parks[token].from = dsm_input_from;
    sched_wake(thread_slot((int)token));
}

/* ---- requests from thread context ---- */

static void dsm_request_done(void *ctx, int status, const uint8_t *reply, size_t len)
{
    int64_t v = 0;
    if (status != NET_OK)
        v = -LINUX_EIO;
    else if (reply && len >= sizeof v)
        memcpy(&v, reply, sizeof v);
    dsm_park_wake((uint64_t)(uintptr_t)ctx, v);
}

struct dsm_request_data {
    uint64_t token;
    void *out;
    size_t len;
};

static void dsm_request_data_done(void *ctx, int status, const uint8_t *reply, size_t len)
{
    struct dsm_request_data *r = ctx;
    bool ok = status == NET_OK && reply && len == r->len;
    if (ok)
        memcpy(r->out, reply, len);
    dsm_park_wake(r->token, ok ? 0 : -LINUX_EIO);
}

int64_t dsm_request_wait_data(unsigned to, uint8_t type, const void *msg, size_t len, void *out, size_t out_len)
{
    struct dsm_request_data r = { .token = dsm_park_prepare(), .out = out, .len = out_len };
    int rc;
    while ((rc = transport_request(net_glue_net(), to, type, msg, len, dsm_request_data_done, &r)) == NET_ERR_AGAIN)
        net_glue_poll();
    if (rc != NET_OK)
        return -LINUX_EIO;
    return dsm_park_wait(r.token);
}

int64_t dsm_request_wait(unsigned to, uint8_t type, const void *msg, size_t len)
{
    uint64_t token = dsm_park_prepare();
    int rc;
    while ((rc = transport_request(net_glue_net(), to, type, msg, len, dsm_request_done, (void *)(uintptr_t)token)) ==
           NET_ERR_AGAIN)
        net_glue_poll();
    if (rc != NET_OK)
        return -LINUX_EIO;
    return dsm_park_wait(token);
}

/* ---- the environment ---- */

/* Pages granted inaccessible (acks outstanding): their data waits here, unmapped. */
struct dsm_held {
    uint64_t page;
    uint8_t *data; /* NULL = free slot */
};
static struct dsm_held dsm_held[DSM_GLUE_HELD_MAX];

static struct dsm_held *dsm_held_find(uint64_t page)
{
    for (unsigned i = 0; i < DSM_GLUE_HELD_MAX; i++)
        if (dsm_held[i].data && dsm_held[i].page == page)
            return &dsm_held[i];
    return NULL;
}

/* The local rights for a copy in state prot: the region's, without write for READ (a
 * present page is always readable: write or exec implies read); none in a PROT_NONE or
 * retired region, whose copy the core keeps all the same. */
static unsigned dsm_rights(uint64_t va, enum dsm_prot prot)
{
    unsigned rights = uvm_region_rights(va);
    if (rights)
        rights |= LINUX_PROT_READ;
    if (prot != DSM_PROT_WRITE)
        rights &= ~(unsigned)LINUX_PROT_WRITE;
    return rights;
}

static uint8_t *dsm_page_bytes(uint64_t va)
{
    uint64_t phys;
    if (!pt_query(as_kernel(), va, &phys, NULL))
        return NULL;
    return phys_to_virt(phys & ~(uint64_t)(PAGE_SIZE - 1));
}

static void dsm_env_error(const char *what, uint64_t page)
{
    dsm_env_errors++;
    log_error("dsm: %s failed for page 0x%llx", what, (unsigned long long)page);
}

static void dsm_env_send(void *ctx, unsigned to, const void *bytes, size_t len)
{
    (void)ctx;
    int rc = transport_send_queued(net_glue_net(), to, DSM_TYPE_CORE, bytes, len);
    if (rc != NET_OK) { /* the spill is full or the heap empty: the protocol loses a message */
        dsm_env_errors++;
        log_error("dsm: a message to node %u was refused by the transport (%d)", to, rc);
    }
}

static void dsm_map(uint64_t page, const void *data, enum dsm_prot prot)
{
    uint64_t va = page << DSM_PAGE_SHIFT;
    unsigned rights = dsm_rights(va, prot);
    bool ok;
    if (data)
        ok = uvm_page_install(va, rights, data);
    else if (uvm_page_present(va, NULL)) {
        static const uint8_t zero[DSM_PAGE_SIZE];
        ok = uvm_page_fill(va, rights, zero, DSM_PAGE_SIZE) && uvm_page_set_rights(va, rights);
    } else
        ok = uvm_page_materialise(va, rights);
    if (!ok)
        dsm_env_error("install", page);
}

static void dsm_env_page_install(void *ctx, uint64_t page, const void *data, enum dsm_prot prot)
{
    (void)ctx;
    struct dsm_held *h = dsm_held_find(page);
    if (prot != DSM_PROT_NONE) {
        if (h) {
            kfree(h->data);
            h->data = NULL;
        }
        dsm_map(page, data, prot);
        return;
    }
    uint64_t va = page << DSM_PAGE_SHIFT;
    uvm_pages_drop(va, va + DSM_PAGE_SIZE);
    for (unsigned i = 0; !h && i < DSM_GLUE_HELD_MAX; i++)
        if (!dsm_held[i].data)
            h = &dsm_held[i];
    if (!h || (!h->data && !(h->data = kmalloc(DSM_PAGE_SIZE)))) {
        dsm_env_error("hold", page);
        return;
    }
    h->page = page;
    if (data)
        memcpy(h->data, data, DSM_PAGE_SIZE);
    else
        memset(h->data, 0, DSM_PAGE_SIZE);
}

static void dsm_env_page_protect(void *ctx, uint64_t page, enum dsm_prot prot)
{
    (void)ctx;
    struct dsm_held *h = dsm_held_find(page);
    if (h) {
        if (prot != DSM_PROT_NONE) {
            dsm_map(page, h->data, prot);
            kfree(h->data);
            h->data = NULL;
        }
        return;
    }
    uint64_t va = page << DSM_PAGE_SHIFT;
    if (prot == DSM_PROT_NONE) {
        uint8_t *bytes = dsm_page_bytes(va);
        if (bytes)
            dsm_env_page_install(ctx, page, bytes, DSM_PROT_NONE);
        return;
    }
    if (!uvm_page_set_rights(va, dsm_rights(va, prot)))
        dsm_env_error("protect", page);
}

static void dsm_env_page_read(void *ctx, uint64_t page, void *buf)
{
    (void)ctx;
    struct dsm_held *h = dsm_held_find(page);
    const uint8_t *bytes = h ? h->data : dsm_page_bytes(page << DSM_PAGE_SHIFT);
    if (bytes)
        memcpy(buf, bytes, DSM_PAGE_SIZE);
    else {
        memset(buf, 0, DSM_PAGE_SIZE);
        dsm_env_error("read", page);
    }
}

static void dsm_env_page_drop(void *ctx, uint64_t page)
{
    (void)ctx;
    struct dsm_held *h = dsm_held_find(page);
    if (h) {
        kfree(h->data);
        h->data = NULL;
    }
    uint64_t va = page << DSM_PAGE_SHIFT;
    uvm_pages_drop(va, va + DSM_PAGE_SIZE);
}

static uint32_t dsm_env_read_u32(void *ctx, uint64_t addr)
{
    (void)ctx;
    uint64_t page = addr >> DSM_PAGE_SHIFT;
    struct dsm_held *h = dsm_held_find(page);
    const uint8_t *bytes = h ? h->data : dsm_page_bytes(page << DSM_PAGE_SHIFT);
    uint32_t v = 0;
    if (bytes)
        memcpy(&v, bytes + (addr & (DSM_PAGE_SIZE - 1)), sizeof v);
    return v;
}

static void dsm_env_wake(void *ctx, uint64_t token, int64_t result)
{
    (void)ctx;
    dsm_park_wake(token, result);
}

static uint64_t dsm_env_now(void *ctx)
{
    (void)ctx;
    return clock_now_ns();
}

static void dsm_timer_fired(struct timer *t, void *arg)
{
    (void)t;
    (void)arg;
    if (dsm_core)
        dsm_timer_expired(dsm_core);
}

static void dsm_env_timer_arm(void *ctx, uint64_t deadline_ns)
{
    (void)ctx;
    if (deadline_ns)
        timer_arm(&dsm_timer, deadline_ns, dsm_timer_fired, NULL);
    else
        timer_cancel(&dsm_timer);
}

static void *dsm_env_alloc(void *ctx, size_t size)
{
    (void)ctx;
    return kmalloc(size);
}

static void dsm_env_free(void *ctx, void *ptr)
{
    (void)ctx;
    kfree(ptr);
}

static void dsm_env_log(void *ctx, const char *line)
{
    (void)ctx;
    log_info("dsm: %s", line);
}

static const struct dsm_env dsm_env = {
    .ctx = NULL,
    .send = dsm_env_send,
    .page_install = dsm_env_page_install,
    .page_protect = dsm_env_page_protect,
    .page_read = dsm_env_page_read,
    .page_drop = dsm_env_page_drop,
    .read_u32 = dsm_env_read_u32,
    .wake = dsm_env_wake,
    .now_ns = dsm_env_now,
    .timer_arm = dsm_env_timer_arm,
    .alloc = dsm_env_alloc,
    .free = dsm_env_free,
    .log = dsm_env_log,
};

static void dsm_core_input(void *ctx, struct net *n, uint32_t from, uint8_t type, const uint8_t *msg, size_t len,
                           uint64_t request_id)
{
    (void)ctx, (void)n, (void)type, (void)request_id;
    if (!dsm_core)
        return;
    dsm_input_start_ns = clock_now_ns();
    dsm_input_from = from;
    dsm_receive(dsm_core, from, msg, len);
    /* Byte 1 of the wire header is the message type (docs/dsm-protocol.md section 3). */
    dsm_phase_record(dsm_phase_of_msg(len > 1 ? msg[1] : 0), clock_now_ns() - dsm_input_start_ns);
    dsm_input_start_ns = 0;
    dsm_input_from = DSM_NODE_NONE;
}

/* Splits one remote fault's time into its phases (kernel/dsm_phase.h). */
static void dsm_fault_phases(uint64_t token, uint64_t trap_ns, uint64_t sent_ns)
{
    const struct dsm_park *pk = &dsm_parks[token];
    uint64_t now = clock_now_ns();
    dsm_phase_record(DSM_PHASE_SEND, sent_ns - trap_ns);
    if (pk->input_ns >= sent_ns) {
        dsm_phase_record(DSM_PHASE_NET, pk->input_ns - sent_ns);
        dsm_phase_record(DSM_PHASE_INSTALL, pk->woken_ns - pk->input_ns);
    }
    dsm_phase_record(DSM_PHASE_RESUME, now - pk->woken_ns);
    dsm_phase_record(DSM_PHASE_TOTAL, now - trap_ns);
}

/* Present user pages whose mapping grants more than the core's state of the page: a
 * mapping the protocol does not know of (a stale copy). Logs up to a few, and the count. */
static void dsm_glue_dump_mismatches(void)
{
    uint64_t start, end;
    unsigned prot, checked = 0, bad = 0;
    for (size_t i = 0; uvm_region_get(i, &start, &end, &prot); i++)
        for (uint64_t va = start; va < end; va += PAGE_SIZE) {
            unsigned rights;
            if (!uvm_page_present(va, &rights))
                continue;
            checked++;
            struct dsm_page_info info;
            dsm_page_query(dsm_core, va >> DSM_PAGE_SHIFT, &info);
            if (info.state != DSM_PROT_NONE && (info.state == DSM_PROT_WRITE || !(rights & LINUX_PROT_WRITE)))
                continue;
            if (bad++ < DSM_GLUE_DUMP_MISMATCHES)
                log_info("dump: page 0x%llx mapped %s but the DSM holds it %s", (unsigned long long)va,
                         (rights & LINUX_PROT_WRITE) ? "writable" : "readable",
                         info.state == DSM_PROT_NONE ? "invalid" : "read-only");
        }
    log_info("dump: %u mapped pages checked against the DSM, %u grant more than it", checked, bad);
}

void dsm_glue_dump(void)
{
    if (!dsm_core)
        return;
    dsm_dump(dsm_core);
    dsm_glue_dump_mismatches();
    for (int i = thread_next_used(0); i < THREAD_MAX; i = thread_next_used(i + 1)) {
        const struct thread *t = thread_slot(i);
        if (t->state != THREAD_BLOCKED)
            continue;
        uint32_t id = 0;
        enum dsm_call_state call = dsm_futex_call_query(dsm_core, (uint64_t)i, &id);
        log_info("dump: dsm thread %d park %s, futex call state %u id %u", t->tid,
                 dsm_parks[i].done ? "done" : "open", (unsigned)call, id);
    }
}

/* ---- the fault path ---- */

#define DSM_GLUE_SITES_LINE 720 /* the dsm-sites line: its head and DSM_GLUE_SITES_SHOWN sites */
#define DSM_GLUE_SITES_SHOWN 8

static struct dsm_sites dsm_fault_sites; /* this node's remote faults by program site */

/* Charges a remote fault at user address addr to the user instruction behind it: the
 * faulting one, or for the kernel's access to user memory the program's system call. */
static void dsm_glue_charge_site(uint64_t addr, bool write, bool taken, uint64_t wait_ns)
{
    struct thread *t = thread_current();
    if (!t)
        return;
    const struct trap_frame *f = thread_user_frame(t);
    unsigned kind = (write ? DSM_SITE_WRITE : DSM_SITE_READ) |
                    (f->vector == SYSCALL_FRAME_VECTOR ? DSM_SITE_SYSCALL : 0u);
    dsm_sites_record(&dsm_fault_sites, f->rip, kind, addr, taken, wait_ns);
}

void dsm_glue_sites_log(void)
{
    if (!dsm_fault_sites.faults)
        return;
    char line[DSM_GLUE_SITES_LINE];
    dsm_sites_format(&dsm_fault_sites, dsm_self, DSM_GLUE_SITES_SHOWN, line, sizeof line);
    log_info("%s", line);
}

/* A data read by the program itself (not the kernel for a system call) of the page its
 * stack pointer is in, which its mapping lets it write: the thread writes that page right
 * after (a push, a call; a new thread's first instructions pop, then call), so it asks for
 * write access at once, one round trip instead of two. Write-update pages keep their path. */
static bool dsm_glue_read_of_own_stack(uint64_t va, enum uvm_access access)
{
    struct thread *t = thread_current();
    if (access != UVM_ACCESS_READ || !t || dsm_update_page(va >> DSM_PAGE_SHIFT))
        return false;
    const struct trap_frame *f = thread_user_frame(t);
    return f->vector != SYSCALL_FRAME_VECTOR && PAGE_ALIGN_DOWN(f->rsp) == va &&
           (uvm_region_rights(va) & LINUX_PROT_WRITE);
}

enum uvm_fault dsm_glue_fault(uint64_t addr, uint64_t va, enum uvm_access access)
{
    uint64_t page = va >> DSM_PAGE_SHIFT;
    enum dsm_access want = access == UVM_ACCESS_WRITE ? DSM_ACCESS_WRITE : DSM_ACCESS_READ;
    if (want == DSM_ACCESS_WRITE && dsm_update_page(page))
        return dsm_update_fault(va); /* write-update pages stay read-only: the store is emulated */
    uint64_t trap_ns = clock_now_ns();
    uint64_t token = dsm_park_prepare();
    int rc = -DSM_EFAULT;
    if (dsm_glue_read_of_own_stack(va, access))
        rc = dsm_fault(dsm_core, page, DSM_ACCESS_WRITE, token);
    if (rc == -DSM_EFAULT) /* a read-only region of the core refuses writes: read it */
        rc = dsm_fault(dsm_core, page, want, token);
    if (rc == DSM_PENDING) {
        uint64_t sent_ns = clock_now_ns();
        /* Granted (or failed). The page may already be gone again by the time this thread
         * runs: the access then simply faults once more. */
        rc = (int)dsm_park_wait(token);
        dsm_fault_phases(token, trap_ns, sent_ns);
        struct dsm_page_info info; /* taken is sticky: set before the fault, or by a taking during the wait */
        dsm_page_query(dsm_core, page, &info);
        uint64_t waited_ns = clock_now_ns() - trap_ns;
        if (dsm_parks[token].from != DSM_NODE_NONE) /* else done here: a zero fill at the home */
            dsm_glue_charge_site(addr, want == DSM_ACCESS_WRITE, info.taken, waited_ns);
        dsm_affinity_fault(info.taken, dsm_parks[token].from, waited_ns, page);
        if (rc == 0) {
            dsm_resumed(dsm_core, page);
            return UVM_FAULT_RESOLVED;
        }
    } else if (rc == 0) {
        struct dsm_page_info info;
        dsm_page_query(dsm_core, page, &info);
        unsigned now, rights = dsm_rights(va, info.state);
        if (uvm_page_present(va, &now)) {
            /* A stale TLB entry or a racing upgrade: retry. Or a copy read ahead into a
             * mapping whose news from node 0 had not come yet, mapped then without rights
             * (kernel/dsm_control.c): it takes its region's now. */
            if ((rights & ~now) && !uvm_page_set_rights(va, rights))
                return UVM_FAULT_VIOLATION;
            return UVM_FAULT_RESOLVED;
        }
        /* The core holds the page but uvm dropped it: a MAP_FIXED mapping replaced the
         * range here, so the new mapping reads as zeros, as mmap(2) says. */
        if (!uvm_page_materialise(va, rights))
            return UVM_FAULT_NO_MEMORY;
        return UVM_FAULT_RESOLVED;
    }
    return rc == -DSM_ENOMEM ? UVM_FAULT_NO_MEMORY : UVM_FAULT_VIOLATION;
}

/* Re-applies the DSM's rights to the present pages of [start, end) within one region. */
static void dsm_glue_resync_span(uint64_t start, uint64_t end)
{
    for (uint64_t va = start; va < end; va += PAGE_SIZE) {
        if (!uvm_page_present(va, NULL))
            continue;
        struct dsm_page_info info;
        dsm_page_query(dsm_core, va >> DSM_PAGE_SHIFT, &info);
        if (info.state != DSM_PROT_NONE)
            uvm_page_set_rights(va, dsm_rights(va, info.state));
    }
}

/* Only pages inside regions can be present, so walk the intersections: a request may name
 * a range of terabytes (munmap of nothing succeeds), which page by page would stall the node. */
void dsm_glue_resync(uint64_t start, uint64_t end)
{
    uint64_t rstart, rend;
    unsigned prot;
    for (size_t i = 0; uvm_region_get(i, &rstart, &rend, &prot); i++) {
        uint64_t lo = rstart > start ? rstart : start, hi = rend < end ? rend : end;
        if (lo < hi)
            dsm_glue_resync_span(lo, hi);
    }
}

/* ---- dsmk's own syscalls ---- */

static long dsm_sys_node_id(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
    return dsm_self;
}

static long dsm_sys_node_count(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
    return dsm_nnodes;
}

/* ---- start ---- */

/* START message: header, then uvm regions, then core regions. */
struct dsm_start_header {
    uint32_t uvm_count, dsm_count;
    uint64_t brk_base;
};
struct dsm_start_uvm {
    uint64_t start, end;
    uint64_t prot;
};
struct dsm_start_region {
    uint64_t first, count;
    uint32_t flags, owner;
};
struct dsm_start_msg {
    struct dsm_start_header h;
    struct dsm_start_uvm uvm[DSM_GLUE_MAX_UVM_REGIONS];
    struct dsm_start_region dsm[DSM_GLUE_MAX_DSM_REGIONS];
};
static struct dsm_start_msg dsm_start_msg;
static uint64_t dsm_start_acked; /* bit per node that took the table */
static bool dsm_member_started;

static bool dsm_setup(void)
{
    struct net *n = net_glue_net();
    dsm_self = net_glue_node_id();
    dsm_nnodes = net_glue_node_count();
    if (dsm_nnodes <= 1)
        return false;
    if (!n) {
        log_error("dsm: nodes=%u but no network; running on this node alone", dsm_nnodes);
        return false;
    }
    uint64_t wu_first, wu_count;
    if (dsm_scheme_choice == DSM_GLUE_SCHEME_AUTO)
        dsm_scheme_choice = dsm_update_range_get(0, &wu_first, &wu_count) ? DSM_SCHEME_FIXED : DSM_SCHEME_DYNAMIC;
    dsm_core = dsm_node_create(&dsm_env, dsm_self, dsm_nnodes,
                               (enum dsm_scheme)dsm_scheme_choice);
    if (!dsm_core)
        panic("dsm: cannot create the core");
    /* A woken thread runs only after the rest of the interrupt's network work and a
     * switch (the dsm-phases `resume`, about 100 us under TCG): without the hold a page
     * in demand left again before its thread touched it, and the fault repeated. */
    dsm_set_resume_hold(dsm_core, true);
    transport_register_handler(n, DSM_TYPE_CORE, dsm_core_input, NULL);
    syscall_set_dsmk(DSM_GLUE_SYS_NODE_ID, dsm_sys_node_id);
    syscall_set_dsmk(DSM_GLUE_SYS_NODE_COUNT, dsm_sys_node_count);
    dsm_threads_init();
    dsm_affinity_init();
    dsm_control_init();
    dsm_clock_init();
    dsm_region_mode_init();
    return true;
}

static bool dsm_add_region(struct dsm_start_msg *m, uint64_t first, uint64_t count, unsigned flags)
{
    if (m->h.dsm_count == DSM_GLUE_MAX_DSM_REGIONS)
        return false;
    m->dsm[m->h.dsm_count++] = (struct dsm_start_region){ first, count, flags, 0 };
    return true;
}

/* Groups the present pages of every region into core regions (read-only text, preloaded
 * data and stack; preloaded pages in a dsm.update= range are write-update too); the rest
 * of the address space is untouched (zero fill). False when the image has more pieces
 * than the tables hold. */
static bool dsm_collect_regions(struct dsm_start_msg *m)
{
    uint64_t start, end;
    unsigned prot;
    for (size_t i = 0; uvm_region_get(i, &start, &end, &prot); i++) {
        if (m->h.uvm_count == DSM_GLUE_MAX_UVM_REGIONS)
            return false;
        m->uvm[m->h.uvm_count++] = (struct dsm_start_uvm){ start, end, prot };
        unsigned flags = (prot & LINUX_PROT_WRITE) ? DSM_REGION_PRELOADED : DSM_REGION_READONLY, run_flags = 0;
        uint64_t run = 0;
        for (uint64_t va = start; va <= end; va += PAGE_SIZE) {
            bool present = va < end && uvm_page_present(va, NULL);
            unsigned f = flags;
            if (flags == DSM_REGION_PRELOADED && dsm_update_range_has(va >> DSM_PAGE_SHIFT))
                f |= DSM_REGION_WRITE_UPDATE;
            if (present && run && f == run_flags)
                continue;
            if (run && !dsm_add_region(m, run >> DSM_PAGE_SHIFT, (va - run) >> DSM_PAGE_SHIFT, run_flags))
                return false;
            run = present ? va : 0;
            run_flags = f;
        }
    }
    return true;
}

static bool dsm_add_update_region(void *m, uint64_t first, uint64_t count)
{
    return dsm_add_region(m, first, count, DSM_REGION_WRITE_UPDATE);
}

static bool dsm_ready_check(void *ctx)
{
    (void)ctx;
    return net_cluster_ready(net_glue_net());
}

static uint64_t dsm_all_members(void)
{
    return (dsm_nnodes >= DSM_MAX_NODES ? ~0ull : (1ull << dsm_nnodes) - 1) & ~1ull;
}

static bool dsm_start_check(void *ctx)
{
    (void)ctx;
    return dsm_start_acked == dsm_all_members();
}

static void dsm_start_done(void *ctx, int status, const uint8_t *reply, size_t len)
{
    (void)reply, (void)len;
    if (status == NET_OK)
        dsm_start_acked |= 1ull << (uintptr_t)ctx;
}

static void dsm_apply_regions(const struct dsm_start_msg *m)
{
    for (uint32_t i = 0; i < m->h.dsm_count; i++)
        if (dsm_region_add(dsm_core, m->dsm[i].first, m->dsm[i].count, m->dsm[i].flags, m->dsm[i].owner) != 0)
            log_error("dsm: core region %u refused", i);
        else
            dsm_update_note_region(m->dsm[i].first, m->dsm[i].count, m->dsm[i].flags);
}

void dsm_glue_start_controller(void)
{
    if (!dsm_setup())
        return;
    if (!net_glue_spin_until(dsm_ready_check, NULL, DSM_GLUE_READY_TIMEOUT_NS)) {
        log_error("dsm: the cluster did not form");
        kernel_exit(EXIT_PANIC);
    }
    struct dsm_start_msg *m = &dsm_start_msg;
    memset(m, 0, sizeof *m);
    m->h.brk_base = (uint64_t)uvm_brk(0);
    if (!dsm_collect_regions(m)) {
        log_error("program: cannot execute: its image has more pieces than the DSM tables hold (%d regions)",
                  DSM_GLUE_MAX_DSM_REGIONS);
        program_exit(DSM_GLUE_STATUS_CANNOT_EXECUTE);
    }
    if (!dsm_update_check_start(dsm_scheme_choice))
        program_exit(DSM_GLUE_STATUS_CANNOT_EXECUTE);
    if (!dsm_update_add_untouched(dsm_add_update_region, m)) {
        log_error("program: cannot execute: dsm.update= ranges and the image need more than %d DSM regions",
                  DSM_GLUE_MAX_DSM_REGIONS);
        program_exit(DSM_GLUE_STATUS_CANNOT_EXECUTE);
    }
    dsm_apply_regions(m);
    /* A node whose handler is not registered yet drops the table (the transport still
     * acks it), so it goes again to every node that has not answered. */
    uint64_t give_up = clock_now_ns() + DSM_GLUE_START_TIMEOUT_NS;
    while (!dsm_start_check(NULL) && clock_now_ns() < give_up) {
        for (unsigned to = 1; to < dsm_nnodes; to++) {
            if (dsm_start_acked & (1ull << to))
                continue;
            while (transport_request(net_glue_net(), to, DSM_TYPE_START, m, sizeof *m, dsm_start_done,
                                     (void *)(uintptr_t)to) == NET_ERR_AGAIN)
                net_glue_poll();
        }
        net_glue_spin_until(dsm_start_check, NULL, DSM_GLUE_START_RETRY_NS);
    }
    if (!dsm_start_check(NULL)) {
        log_error("dsm: not every node took the region table");
        kernel_exit(EXIT_PANIC);
    }
    if (!dsm_clock_sync_members())
        kernel_exit(EXIT_PANIC);
    dsm_on = true;
    dsm_phase_mark_start();
    log_info("dsm: program spans %u nodes (%u core regions, manager %s)", dsm_nnodes, m->h.dsm_count,
             dsm_scheme_names[dsm_scheme_choice]);
}

static void dsm_start_input(void *ctx, struct net *n, uint32_t from, uint8_t type, const uint8_t *msg, size_t len,
                            uint64_t request_id)
{
    (void)ctx, (void)type;
    const struct dsm_start_msg *m = (const struct dsm_start_msg *)msg;
    if (from == 0 && dsm_member_started && len == sizeof *m) {
        transport_reply(n, from, request_id, NULL, 0); /* node 0 sent it again: our answer was late */
        return;
    }
    if (from != 0 || dsm_member_started || len != sizeof *m || m->h.uvm_count > DSM_GLUE_MAX_UVM_REGIONS ||
        m->h.dsm_count > DSM_GLUE_MAX_DSM_REGIONS) {
        log_error("dsm: bad start message from node %u", from);
        return;
    }
    for (uint32_t i = 0; i < m->h.uvm_count; i++)
        if (uvm_region_add(m->uvm[i].start, m->uvm[i].end - m->uvm[i].start, (unsigned)m->uvm[i].prot) != 0)
            log_error("dsm: region 0x%llx refused", (unsigned long long)m->uvm[i].start);
    uvm_brk_init(m->h.brk_base);
    dsm_apply_regions(m);
    dsm_member_started = true;
    dsm_on = true;
    dsm_phase_mark_start();
    transport_reply(n, from, request_id, NULL, 0);
}

void dsm_glue_run_member(void)
{
    if (net_glue_node_count() <= 1 || net_glue_node_id() == 0)
        return;
    program_kernel_init();
    if (!dsm_setup())
        return;
    transport_register_handler(net_glue_net(), DSM_TYPE_START, dsm_start_input, NULL);
    log_info("dsm: node %u waiting for the program", dsm_self);
    while (thread_live_count() == 0)
        cpu_wait_for_interrupt();
    sched_start();
}
