/* SPDX-License-Identifier: MIT */
/* The write-update store trap and dsm.update= (kernel/dsm_update.h; issue 6, docs/dsm-
 * protocol.md 4c). The faulting store is emulated, not single-stepped: decoded from the
 * bytes at RIP, its effective address checked against CR2, its value taken from the
 * thread's registers or FXSAVE area (unlocked ALU forms: combined with the bytes read
 * first, flags set), then handed to dsm_write; (rep) stos/movs a page at a time; the atomic
 * forms (lock prefix, xchg, xadd, cmpxchg) through dsm_atomic, registers and flags from the
 * old bytes it returns. Not done: cmpxchg8b/16b, MMX; an atomic across two
 * pages; kernel writes into such pages (EFAULT). Not under `dynamic` (no fixed sequencer). */
#include "kernel/dsm_update.h"

#include <arch/context.h>
#include <arch/cpu.h>
#include <arch/fpu.h>
#include <arch/trap.h>

#include "dsm/dsm.h"
#include "kernel/cmdline.h"
#include "kernel/dsm_internal.h"
#include "kernel/dsm_update_ranges.h"
#include "kernel/format.h"
#include "kernel/libc.h"
#include "kernel/linux_abi.h"
#include "kernel/log.h"
#include "kernel/mm.h"
#include "kernel/store_alu.h"
#include "kernel/store_decode.h"
#include "kernel/thread.h"
#include "kernel/usercopy.h"
#include "kernel/uvm_page.h"

#define DSM_UPDATE_PIECE 8u          /* dsm_write takes at most 8 bytes (dsm/dsm.h) */
#define DSM_UPDATE_XMM_BYTES 16
#define FXSAVE_XMM0_OFFSET 160       /* SDM vol. 1 table 10-2: XMM0 at byte 160, 16 bytes each */
#define DSM_UPDATE_STRING_CHUNK 64   /* bytes of a string store staged on the stack at a time */
#define DSM_UPDATE_MAX_NOTED 16      /* core regions (kernel/dsm_glue.c DSM_GLUE_MAX_DSM_REGIONS) */

_Static_assert((int)STORE_RMW_XCHG == (int)DSM_ATOMIC_XCHG && (int)STORE_RMW_CMPXCHG == (int)DSM_ATOMIC_CMPXCHG &&
                   (int)STORE_RMW_ADD == (int)DSM_ATOMIC_ADD && (int)STORE_RMW_AND == (int)DSM_ATOMIC_AND &&
                   (int)STORE_RMW_OR == (int)DSM_ATOMIC_OR && (int)STORE_RMW_XOR == (int)DSM_ATOMIC_XOR,
               "store_alu's atomic operations are the core's");

static struct dsm_update_range dsm_update_ranges[DSM_UPDATE_MAX_RANGES];
static int dsm_update_range_count;

static bool dsm_update_parse_param(const struct cmdline_param *p, const char *value, char *err, size_t err_size)
{
    int n = dsm_update_ranges_parse(value, p->storage, DSM_UPDATE_MAX_RANGES, err, err_size);
    if (n < 0)
        return false;
    dsm_update_range_count = n;
    return true;
}

static const struct cmdline_param cmdline_param_dsm_update CMDLINE_SECTION = {
    .name = "dsm.update",
    .parse = dsm_update_parse_param,
    .storage = dsm_update_ranges,
    .storage_size = sizeof dsm_update_ranges,
    .help = "write-update regions (issue 6): 0xSTART+LEN[,...], page aligned, untouched at start",
};

/* The core regions with DSM_REGION_WRITE_UPDATE, as this node added them. */
static struct dsm_update_range dsm_update_noted[DSM_UPDATE_MAX_NOTED];
static unsigned dsm_update_noted_count;

static uint64_t dsm_update_stores;      /* stores emulated */
static uint64_t dsm_update_unsupported; /* stores refused: the program was ended */
static uint64_t dsm_update_kernel;      /* kernel writes sent through the sequencer */
static uint64_t dsm_update_retries;     /* atomic ADC/SBB/NEG compare-exchanges that found other bytes */

bool dsm_update_range_get(size_t index, uint64_t *first, uint64_t *count)
{
    if (index >= (size_t)dsm_update_range_count)
        return false;
    *first = dsm_update_ranges[index].first;
    *count = dsm_update_ranges[index].count;
    return true;
}

bool dsm_update_range_has(uint64_t page)
{
    for (int i = 0; i < dsm_update_range_count; i++)
        if (page - dsm_update_ranges[i].first < dsm_update_ranges[i].count)
            return true;
    return false;
}

/* True if a read-only page of [start, end) is present (text: it cannot be write-update);
 * only pages inside uvm regions can be. */
static bool dsm_update_any_readonly(uint64_t start, uint64_t end, uint64_t *where)
{
    uint64_t rstart, rend;
    unsigned prot;
    for (size_t i = 0; uvm_region_get(i, &rstart, &rend, &prot); i++) {
        uint64_t lo = rstart > start ? rstart : start, hi = rend < end ? rend : end;
        for (uint64_t va = lo; (prot & LINUX_PROT_WRITE) == 0 && va < hi; va += PAGE_SIZE)
            if (uvm_page_present(va, NULL)) {
                *where = va;
                return true;
            }
    }
    return false;
}

bool dsm_update_add_untouched(bool (*add)(void *ctx, uint64_t first, uint64_t count), void *ctx)
{
    for (int i = 0; i < dsm_update_range_count; i++) {
        uint64_t first = dsm_update_ranges[i].first, end = first + dsm_update_ranges[i].count, run = 0;
        for (uint64_t page = first; page <= end; page++) {
            if (page < end && !uvm_page_present(page << DSM_PAGE_SHIFT, NULL)) {
                run = run ? run : page + 1; /* run holds first + 1, so page 0 is no special case */
                continue;
            }
            if (run && !add(ctx, run - 1, page - (run - 1)))
                return false;
            run = 0;
        }
    }
    return true;
}

bool dsm_update_check_start(unsigned scheme)
{
    if (dsm_update_range_count == 0)
        return true;
    if (scheme == DSM_SCHEME_DYNAMIC) {
        log_error("dsm: dsm.update= needs dsm.manager=fixed or central: under dynamic a page's sequencer "
                  "would move with its owner");
        return false;
    }
    for (int i = 0; i < dsm_update_range_count; i++) {
        uint64_t start = dsm_update_ranges[i].first << DSM_PAGE_SHIFT;
        uint64_t end = start + (dsm_update_ranges[i].count << DSM_PAGE_SHIFT), va;
        if (dsm_update_any_readonly(start, end, &va)) {
            log_error("dsm: dsm.update= range 0x%llx-0x%llx: page 0x%llx is read-only program text; write-update "
                      "pages hold data",
                      (unsigned long long)start, (unsigned long long)end, (unsigned long long)va);
            return false;
        }
    }
    return true;
}

void dsm_update_note_region(uint64_t first, uint64_t count, unsigned flags)
{
    if (!(flags & DSM_REGION_WRITE_UPDATE) || dsm_update_noted_count == DSM_UPDATE_MAX_NOTED)
        return;
    unsigned prot;
    for (uint64_t va = first << DSM_PAGE_SHIFT; va < (first + count) << DSM_PAGE_SHIFT; va += PAGE_SIZE)
        if (uvm_page_present(va, &prot) && !uvm_page_set_rights(va, prot & ~(unsigned)LINUX_PROT_WRITE))
            log_error("dsm: cannot map write-update page 0x%llx read-only", (unsigned long long)va);
    dsm_update_noted[dsm_update_noted_count++] = (struct dsm_update_range){ first, count };
    log_info("dsm: write-update region 0x%llx-0x%llx", (unsigned long long)(first << DSM_PAGE_SHIFT),
             (unsigned long long)((first + count) << DSM_PAGE_SHIFT));
}

uint64_t dsm_update_pages_in(uint64_t first, uint64_t count)
{
    uint64_t n = 0, end = first + count < first ? UINT64_MAX : first + count;
    for (unsigned i = 0; i < dsm_update_noted_count; i++) {
        uint64_t lo = dsm_update_noted[i].first, hi = lo + dsm_update_noted[i].count;
        lo = lo > first ? lo : first;
        hi = hi < end ? hi : end;
        n += hi > lo ? hi - lo : 0;
    }
    return n;
}

bool dsm_update_page(uint64_t page)
{
    for (unsigned i = 0; i < dsm_update_noted_count; i++)
        if (page - dsm_update_noted[i].first < dsm_update_noted[i].count)
            return true;
    return false;
}

/* ---- the trap ---- */

/* General registers in the decoder's numbering (RAX=0 .. R15=15, SDM vol. 2 table 2-2). */
static void dsm_update_gprs(const struct trap_frame *f, uint64_t gpr[16])
{
    const uint64_t regs[16] = { f->rax, f->rcx, f->rdx, f->rbx, f->rsp, f->rbp, f->rsi, f->rdi,
                                f->r8,  f->r9,  f->r10, f->r11, f->r12, f->r13, f->r14, f->r15 };
    memcpy(gpr, regs, sizeof regs);
}

static void dsm_update_set_gprs(struct trap_frame *f, const uint64_t gpr[16])
{
    uint64_t *const regs[16] = { &f->rax, &f->rcx, &f->rdx, &f->rbx, &f->rsp, &f->rbp, &f->rsi, &f->rdi,
                                 &f->r8,  &f->r9,  &f->r10, &f->r11, &f->r12, &f->r13, &f->r14, &f->r15 };
    for (unsigned i = 0; i < 16; i++)
        *regs[i] = gpr[i];
}

/* The bytes the store writes, little endian, into value[0..insn->width). */
static void dsm_update_value(const struct store_insn *insn, const uint64_t gpr[16], struct thread *t,
                             uint8_t value[DSM_UPDATE_XMM_BYTES])
{
    uint64_t v = insn->imm;
    if (insn->source == STORE_SOURCE_XMM) {
        fpu_save(&t->fpu); /* the live registers are the thread's current ones */
        memcpy(value, t->fpu.area + FXSAVE_XMM0_OFFSET + DSM_UPDATE_XMM_BYTES * insn->reg + insn->xmm_offset,
               insn->width);
        return;
    }
    if (insn->source == STORE_SOURCE_GPR)
        v = insn->high_byte ? gpr[insn->reg] >> 8 : gpr[insn->reg];
    memcpy(value, &v, sizeof v);
}

/* A read-modify-write without lock: value[] holds the operand on entry and the result on
 * return, computed from the bytes this node reads now (a read fault fetches a copy if it
 * holds none) with *rflags updated as the CPU would. Not atomic, exactly like the CPU's
 * unlocked form: another node's write may fall between the read and the sequenced write. */
static bool dsm_update_alu(const struct store_insn *insn, uint64_t ea, uint8_t *value, uint64_t *rflags)
{
    uint64_t old = 0, operand = 0;
    if (copy_from_user(&old, ea, insn->width) != 0)
        return false;
    memcpy(&operand, value, sizeof operand);
    uint64_t r = store_alu_apply(insn->alu, insn->width, old, operand, rflags);
    memcpy(value, &r, sizeof r);
    return true;
}

/* Up to 15 instruction bytes at rip; fewer when the code ends at an unmapped page. */
static size_t dsm_update_fetch(uint64_t rip, uint8_t *bytes)
{
    size_t n = 0;
    while (n < STORE_DECODE_MAX_LENGTH && copy_from_user(&bytes[n], rip + n, 1) == 0)
        n++;
    return n;
}

static enum uvm_fault dsm_update_refuse(const struct trap_frame *f, uint64_t addr, const uint8_t *bytes, size_t n,
                                        const char *why)
{
    char hex[3 * STORE_DECODE_MAX_LENGTH + 1] = "";
    for (size_t i = 0; i < n; i++)
        fmt_snprintf(hex + 3 * i, sizeof hex - 3 * i, "%02x ", bytes[i]);
    dsm_update_unsupported++;
    log_error("dsm: write-update page: unsupported store instruction at RIP 0x%llx (%s; addr 0x%llx; bytes %s) "
              "[%llu refused, %llu emulated, %llu atomic retries]",
              (unsigned long long)f->rip, why, (unsigned long long)addr, hex,
              (unsigned long long)dsm_update_unsupported, (unsigned long long)dsm_update_stores,
              (unsigned long long)dsm_update_retries);
    return UVM_FAULT_VIOLATION;
}

/* Writes src[0..len) at user address at through dsm_write, each piece at most 8 bytes and
 * within one page (dsm_write's rules), the thread parked until each is everywhere. */
static enum uvm_fault dsm_update_write(uint64_t at, const uint8_t *src, uint64_t len)
{
    for (uint64_t end = at + len, done = 0; at < end; src += done) {
        uint64_t page_end = PAGE_ALIGN_DOWN(at) + PAGE_SIZE, stop = at + DSM_UPDATE_PIECE;
        stop = stop < end ? stop : end;
        stop = stop < page_end ? stop : page_end;
        uint64_t piece = 0;
        memcpy(&piece, src, stop - at);
        uint64_t token = dsm_park_prepare();
        int rc = dsm_write(dsm_core, at, (unsigned)(stop - at), piece, token);
        if (rc == DSM_PENDING)
            rc = (int)dsm_park_wait(token);
        if (rc != 0)
            return rc == -DSM_ENOMEM ? UVM_FAULT_NO_MEMORY : UVM_FAULT_VIOLATION;
        done = stop - at;
        at = stop;
    }
    return UVM_FAULT_RESOLVED;
}

int dsm_update_kernel_write(uint64_t dst, const void *src, size_t n)
{
    if (dsm_update_write(dst, src, n) != UVM_FAULT_RESOLVED)
        return -LINUX_EFAULT;
    dsm_update_kernel++;
    return 0;
}

/* An atomic form: one dsm_atomic at the page's sequencer (ADC/SBB/NEG: a compare-exchange
 * of the bytes read first, retried with the bytes it found until they were the expected
 * ones), then the registers and flags from the old bytes, as the CPU leaves them. */
static enum uvm_fault dsm_update_atomic(struct trap_frame *f, const struct store_insn *insn, uint64_t ea,
                                        uint64_t gpr[16], const uint8_t *value)
{
    uint64_t src = 0, expect = 0, old = 0;
    memcpy(&src, value, sizeof src);
    struct store_rmw rmw;
    bool exact = store_alu_rmw_plan(insn->atomic, insn->alu, insn->width, src, gpr[0], f->rflags, 0, &rmw);
    if (!exact && copy_from_user(&expect, ea, insn->width) != 0)
        return UVM_FAULT_VIOLATION;
    for (;;) {
        exact = store_alu_rmw_plan(insn->atomic, insn->alu, insn->width, src, gpr[0], f->rflags, expect, &rmw);
        uint64_t token = dsm_park_prepare();
        int rc = dsm_atomic(dsm_core, ea, insn->width, (enum dsm_atomic_op)rmw.op, rmw.operand, rmw.compare, &old,
                            token);
        if (rc == DSM_PENDING)
            rc = (int)dsm_park_wait(token);
        if (rc != 0)
            return rc == -DSM_ENOMEM ? UVM_FAULT_NO_MEMORY : UVM_FAULT_VIOLATION;
        if (exact || old == expect)
            break;
        dsm_update_retries++;
        expect = old;
    }
    uint64_t rflags = f->rflags;
    store_alu_atomic_finish(insn->atomic, insn->alu, insn->width, insn->reg, insn->high_byte, src, old, gpr, &rflags);
    dsm_update_set_gprs(f, gpr);
    f->rflags = rflags;
    f->rip += insn->length;
    dsm_update_stores++;
    return UVM_FAULT_RESOLVED;
}

/* (rep) stos / movs: the elements whose destination starts in RDI's page are emulated
 * and RDI/RSI/RCX advanced as the CPU would; RIP moves on only when RCX reaches 0, so
 * the CPU itself runs the rest (and faults again at the next write-update page). String
 * instructions are restartable by design (SDM vol. 2, REP: "interrupted ... resumes"). */
static enum uvm_fault dsm_update_string(struct trap_frame *f, const struct store_insn *insn, uint64_t addr,
                                        uint64_t va, const uint8_t *bytes)
{
    uint64_t w = insn->width, count = insn->rep ? f->rcx : 1, rdi = f->rdi;
    bool down = (f->rflags & RFLAGS_DF) != 0, movs = insn->source == STORE_SOURCE_MOVS;
    if (count == 0 || (rdi != addr && !(addr == va && rdi < va && rdi + w > va)))
        return dsm_update_refuse(f, addr, bytes, insn->length, "address does not match the string store");
    uint64_t page = PAGE_ALIGN_DOWN(rdi);
    uint64_t n = down ? (rdi - page) / w + 1 : (page + PAGE_SIZE - rdi + w - 1) / w;
    n = n < count ? n : count;
    uint64_t len = n * w, lo = down ? rdi - (len - w) : rdi, src = down ? f->rsi - (len - w) : f->rsi;
    if (!dsm_update_page(lo >> DSM_PAGE_SHIFT) || !dsm_update_page((lo + len - 1) >> DSM_PAGE_SHIFT))
        return dsm_update_refuse(f, addr, bytes, insn->length, "string store crosses into a page not write-update");
    if (movs && src < lo + len && lo < src + len)
        return dsm_update_refuse(f, addr, bytes, insn->length, "overlapping string move");
    uint8_t chunk[DSM_UPDATE_STRING_CHUNK];
    for (uint64_t off = 0; off < len; off += sizeof chunk) {
        uint64_t k = len - off < sizeof chunk ? len - off : sizeof chunk;
        if (movs && copy_from_user(chunk, src + off, k) != 0)
            return UVM_FAULT_VIOLATION; /* the source is bad: SIGSEGV, as on the CPU */
        for (uint64_t i = 0; !movs && i < k; i++)
            chunk[i] = (uint8_t)(f->rax >> (8 * ((off + i) % w)));
        enum uvm_fault result = dsm_update_write(lo + off, chunk, k);
        if (result != UVM_FAULT_RESOLVED)
            return result;
    }
    f->rdi = down ? rdi - len : rdi + len;
    if (movs)
        f->rsi = down ? f->rsi - len : f->rsi + len;
    if (insn->rep)
        f->rcx -= n;
    if (!insn->rep || f->rcx == 0)
        f->rip += insn->length;
    dsm_update_stores++;
    return UVM_FAULT_RESOLVED;
}

enum uvm_fault dsm_update_fault(uint64_t va)
{
    uint64_t addr = cpu_read_cr2(); /* first: fetching the instruction may fault again */
    struct thread *t = thread_current();
    struct trap_frame *f = thread_user_frame(t);
    /* A user store leaves its own #PF frame on top of the kernel stack. A kernel write
     * (copy_to_user) never gets here: it takes write-update pages through
     * dsm_update_kernel_write; any other kernel access is refused. */
    if (f->vector != TRAP_PAGE_FAULT || !(f->error_code & PF_ERR_USER) || !(f->error_code & PF_ERR_WRITE) ||
        PAGE_ALIGN_DOWN(addr) != va) {
        log_warn("dsm: kernel write to write-update page 0x%llx refused (EFAULT)", (unsigned long long)va);
        return UVM_FAULT_VIOLATION;
    }
    uint8_t bytes[STORE_DECODE_MAX_LENGTH];
    size_t n = dsm_update_fetch(f->rip, bytes);
    struct store_insn insn;
    if (!store_decode(bytes, n, &insn))
        return dsm_update_refuse(f, addr, bytes, n, "not a store form the trap emulates");
    if (insn.source == STORE_SOURCE_STOS || insn.source == STORE_SOURCE_MOVS)
        return dsm_update_string(f, &insn, addr, va, bytes);
    uint64_t gpr[16];
    dsm_update_gprs(f, gpr);
    uint64_t ea = store_effective_address(&insn, gpr, f->rip, t->fs_base, 0), end = ea + insn.width;
    /* CR2 is where the store starts, or the start of its second page when it crosses. */
    if (ea != addr && !(addr == va && ea < va && end > va))
        return dsm_update_refuse(f, addr, bytes, insn.length, "address does not match the decoded store");
    if (!dsm_update_page((end - 1) >> DSM_PAGE_SHIFT) || !dsm_update_page(ea >> DSM_PAGE_SHIFT))
        return dsm_update_refuse(f, addr, bytes, insn.length, "store crosses into a page not write-update");
    uint8_t value[DSM_UPDATE_XMM_BYTES];
    dsm_update_value(&insn, gpr, t, value);
    if (insn.atomic != STORE_ATOMIC_NONE) {
        if (PAGE_ALIGN_DOWN(ea) != PAGE_ALIGN_DOWN(end - 1))
            return dsm_update_refuse(f, addr, bytes, insn.length, "atomic across two pages");
        return dsm_update_atomic(f, &insn, ea, gpr, value);
    }
    uint64_t rflags = f->rflags;
    if (insn.alu != STORE_ALU_NONE && !dsm_update_alu(&insn, ea, value, &rflags))
        return UVM_FAULT_VIOLATION;
    enum uvm_fault result = dsm_update_write(ea, value, insn.width);
    if (result != UVM_FAULT_RESOLVED)
        return result;
    f->rflags = rflags;
    dsm_update_stores++;
    f->rip += insn.length;
    return UVM_FAULT_RESOLVED;
}
