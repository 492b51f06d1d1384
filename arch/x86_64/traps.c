/* SPDX-License-Identifier: MIT */
/* The C side of every trap: exceptions go to a claimed handler or to the fatal report;
 * interrupts go to kernel/irq.h. The report (SDM vol. 3 6.15 for error codes) names the
 * vector, decodes the error code, resolves RIP to a symbol and prints all registers and a
 * backtrace. It does not try to recover: recovery is the claiming handler's job. */
#include <arch/cpu.h>
#include <arch/gdt.h>
#include <arch/trap.h>
#include <arch/usercopy.h>

#include "kernel/exit_codes.h"
#include "kernel/format.h"
#include "kernel/irq.h"
#include "kernel/ksyms.h"
#include "kernel/ktest.h"
#include "kernel/log.h"
#include "kernel/panic.h"

/* Selector error code (SDM vol. 3 6.13). */
#define SEL_ERR_EXTERNAL (1u << 0)
#define SEL_ERR_IDT (1u << 1)
#define SEL_ERR_LDT (1u << 2)
#define SEL_ERR_INDEX_MASK 0xfff8u
/* Most a CPU pushes delivering an exception without a stack switch (SDM vol. 3 6.14.2):
 * ss, rsp, rflags, cs, rip, error code, after aligning RSP down by up to 8 bytes. */
#define TRAP_FRAME_PUSH_BYTES (7 * 8)

struct trap_vector_name {
    const char *mnemonic;
    const char *name;
};

static const struct trap_vector_name trap_names[TRAP_EXCEPTION_COUNT] = {
    [0] = { "#DE", "divide error" },
    [1] = { "#DB", "debug" },
    [2] = { "NMI", "non-maskable interrupt" },
    [3] = { "#BP", "breakpoint" },
    [4] = { "#OF", "overflow" },
    [5] = { "#BR", "bound range exceeded" },
    [6] = { "#UD", "invalid opcode" },
    [7] = { "#NM", "device not available" },
    [8] = { "#DF", "double fault" },
    [9] = { "#CSO", "coprocessor segment overrun" },
    [10] = { "#TS", "invalid TSS" },
    [11] = { "#NP", "segment not present" },
    [12] = { "#SS", "stack-segment fault" },
    [13] = { "#GP", "general protection" },
    [14] = { "#PF", "page fault" },
    [15] = { "#15", "reserved" },
    [16] = { "#MF", "x87 floating-point error" },
    [17] = { "#AC", "alignment check" },
    [18] = { "#MC", "machine check" },
    [19] = { "#XM", "SIMD floating-point" },
    [20] = { "#VE", "virtualization exception" },
    [21] = { "#CP", "control protection" },
    [22] = { "#22", "reserved" },
    [23] = { "#23", "reserved" },
    [24] = { "#24", "reserved" },
    [25] = { "#25", "reserved" },
    [26] = { "#26", "reserved" },
    [27] = { "#27", "reserved" },
    [28] = { "#HV", "hypervisor injection" },
    [29] = { "#VC", "VMM communication" },
    [30] = { "#SX", "security exception" },
    [31] = { "#31", "reserved" },
};

static trap_handler_fn trap_handlers[TRAP_EXCEPTION_COUNT];
static int trap_report_depth; /* >0 while a fatal report is printing */

const char *trap_vector_mnemonic(unsigned vector)
{
    return vector < TRAP_EXCEPTION_COUNT ? trap_names[vector].mnemonic : "IRQ";
}

trap_handler_fn trap_set_handler(unsigned vector, trap_handler_fn fn)
{
    if (vector >= TRAP_EXCEPTION_COUNT)
        return NULL;
    trap_handler_fn old = trap_handlers[vector];
    trap_handlers[vector] = fn;
    return old;
}

static bool trap_has_selector_error(unsigned vector)
{
    return vector == TRAP_INVALID_TSS || vector == TRAP_SEGMENT_NOT_PRESENT || vector == TRAP_STACK_FAULT ||
           vector == TRAP_GENERAL_PROTECTION;
}

/* "[write, not-present, kernel]" for #PF, "[selector 0x28 gdt, kernel]" for selector errors. */
static void trap_describe_error(const struct trap_frame *f, char *buf, size_t size)
{
    const char *mode = trap_from_user(f) ? "user" : "kernel";
    uint64_t e = f->error_code;
    if (f->vector == TRAP_PAGE_FAULT) {
        const char *access = (e & PF_ERR_FETCH) ? "fetch" : (e & PF_ERR_WRITE) ? "write" : "read";
        fmt_snprintf(buf, size, "[%s, %s%s, %s]", access, (e & PF_ERR_PRESENT) ? "protection" : "not-present",
                     (e & PF_ERR_RESERVED) ? ", reserved-bit" : "", mode);
    } else if (trap_has_selector_error((unsigned)f->vector) && e != 0) {
        const char *table = (e & SEL_ERR_IDT) ? "idt" : (e & SEL_ERR_LDT) ? "ldt" : "gdt";
        fmt_snprintf(buf, size, "[selector 0x%llx %s%s, %s]", (unsigned long long)(e & SEL_ERR_INDEX_MASK), table,
                     (e & SEL_ERR_EXTERNAL) ? " external" : "", mode);
    } else {
        fmt_snprintf(buf, size, "[%s]", mode);
    }
}

static void trap_print_symbol(const char *label, uint64_t address)
{
    uint64_t off = 0;
    const char *name = ksym_lookup(address, &off);
    if (name)
        console_printf("%s=0x%016llx <%s+0x%llx>", label, (unsigned long long)address, name, (unsigned long long)off);
    else
        console_printf("%s=0x%016llx <?>", label, (unsigned long long)address);
}

static void trap_print_registers(const struct trap_frame *f)
{
    console_printf("rax=0x%016llx rbx=0x%016llx rcx=0x%016llx\n", (unsigned long long)f->rax,
                   (unsigned long long)f->rbx, (unsigned long long)f->rcx);
    console_printf("rdx=0x%016llx rsi=0x%016llx rdi=0x%016llx\n", (unsigned long long)f->rdx,
                   (unsigned long long)f->rsi, (unsigned long long)f->rdi);
    console_printf("rbp=0x%016llx rsp=0x%016llx r8 =0x%016llx\n", (unsigned long long)f->rbp,
                   (unsigned long long)f->rsp, (unsigned long long)f->r8);
    console_printf("r9 =0x%016llx r10=0x%016llx r11=0x%016llx\n", (unsigned long long)f->r9,
                   (unsigned long long)f->r10, (unsigned long long)f->r11);
    console_printf("r12=0x%016llx r13=0x%016llx r14=0x%016llx\n", (unsigned long long)f->r12,
                   (unsigned long long)f->r13, (unsigned long long)f->r14);
    console_printf("r15=0x%016llx rflags=0x%016llx cs=0x%llx ss=0x%llx\n", (unsigned long long)f->r15,
                   (unsigned long long)f->rflags, (unsigned long long)f->cs, (unsigned long long)f->ss);
    console_printf("cr0=0x%016llx cr3=0x%016llx cr4=0x%016llx\n", (unsigned long long)cpu_read_cr0(),
                   (unsigned long long)cpu_read_cr3(), (unsigned long long)cpu_read_cr4());
}

void trap_report_fatal(const struct trap_frame *f)
{
    if (trap_report_depth++ > 0) {
        console_printf("EXCEPTION %s (vector %llu) while reporting an exception, stopping\n",
                       trap_vector_mnemonic((unsigned)f->vector), (unsigned long long)f->vector);
        kernel_exit(EXIT_CPU_EXCEPTION);
    }
    unsigned v = (unsigned)f->vector;
    char detail[96];
    trap_describe_error(f, detail, sizeof detail);
    console_printf("\nEXCEPTION %s %s (vector %u) error=0x%llx %s\n", trap_names[v].mnemonic, trap_names[v].name, v,
                   (unsigned long long)f->error_code, detail);
    if (v == TRAP_PAGE_FAULT)
        console_printf("cr2=0x%016llx ", (unsigned long long)cpu_read_cr2());
    trap_print_symbol("rip", f->rip);
    console_printf("\n");
    if (v == TRAP_DOUBLE_FAULT || v == TRAP_NMI || v == TRAP_MACHINE_CHECK) {
        unsigned ist = v == TRAP_DOUBLE_FAULT ? IST_DOUBLE_FAULT : v == TRAP_NMI ? IST_NMI : IST_MACHINE_CHECK;
        uint64_t here = (uint64_t)(uintptr_t)&detail;
        console_printf("%s handler running on rsp=0x%016llx, %s the IST%u stack [0x%016llx, 0x%016llx)\n",
                       trap_names[v].mnemonic, (unsigned long long)here,
                       ist_stack_contains(ist, here) ? "inside" : "OUTSIDE", ist,
                       (unsigned long long)(ist_stack_top(ist) - IST_STACK_SIZE), (unsigned long long)ist_stack_top(ist));
    }
    if (v == TRAP_DOUBLE_FAULT) {
        /* A #PF whose delivery faulted leaves its address in CR2: just below RSP means the
         * CPU could not push the exception frame. */
        uint64_t cr2 = cpu_read_cr2();
        bool stack = cr2 < f->rsp && f->rsp - cr2 <= TRAP_FRAME_PUSH_BYTES;
        console_printf("cr2=0x%016llx%s\n", (unsigned long long)cr2,
                       stack ? " (just below rsp: the stack is unmapped or overflowed)" : "");
    }
    trap_print_registers(f);
    panic_backtrace(f->rbp);
    kernel_exit(EXIT_CPU_EXCEPTION);
}

void trap_dispatch(struct trap_frame *frame)
{
    /* User code may set RFLAGS.AC, which would lift SMAP inside every handler; iretq puts
     * the interrupted context's AC back. (syscall entry clears AC through SFMASK.) */
    usercopy_smap_close();
    unsigned v = (unsigned)frame->vector;
    if (v >= TRAP_EXCEPTION_COUNT) {
        irq_dispatch(v);
        return;
    }
    trap_handler_fn fn = trap_handlers[v];
    if (fn && fn(frame))
        return;
    trap_report_fatal(frame);
}

/* ktests: a claimed exception resumes where the handler says. */

#define TRAPS_KTEST_ADDRESS 0x00000dead0001000ull /* unmapped, like fault_inject's */
#define TRAPS_KTEST_VALUE 0x5eed5eed5eedull
#define TRAPS_KTEST_LOAD_LENGTH 3 /* "mov (%rbx), %rax" = 48 8b 03 */

static unsigned traps_ktest_claims;

static bool traps_ktest_fixup_load(struct trap_frame *f)
{
    if (trap_from_user(f) || cpu_read_cr2() != TRAPS_KTEST_ADDRESS || (f->error_code & PF_ERR_WRITE))
        return false;
    f->rax = TRAPS_KTEST_VALUE;
    f->rip += TRAPS_KTEST_LOAD_LENGTH;
    traps_ktest_claims++;
    return true;
}

static bool traps_ktest_count_breakpoint(struct trap_frame *f)
{
    (void)f;
    traps_ktest_claims++;
    return true; /* #BP is a trap: the saved RIP is already past int3 */
}

KTEST(trap_claimed_page_fault_resumes)
{
    traps_ktest_claims = 0;
    trap_handler_fn old = trap_set_handler(TRAP_PAGE_FAULT, traps_ktest_fixup_load);
    uint64_t value;
    /* Spelled as bytes so the instruction length the handler skips is certain. */
    __asm__ volatile(".byte 0x48, 0x8b, 0x03" : "=a"(value) : "b"(TRAPS_KTEST_ADDRESS) : "memory");
    KT_EXPECT(trap_set_handler(TRAP_PAGE_FAULT, old) == traps_ktest_fixup_load);
    KT_EXPECT_EQ(value, TRAPS_KTEST_VALUE);
    KT_EXPECT_EQ(traps_ktest_claims, 1);
}

KTEST(trap_claimed_breakpoint_resumes)
{
    traps_ktest_claims = 0;
    trap_handler_fn old = trap_set_handler(TRAP_BREAKPOINT, traps_ktest_count_breakpoint);
    __asm__ volatile("int3");
    __asm__ volatile("int3");
    trap_set_handler(TRAP_BREAKPOINT, old);
    KT_EXPECT_EQ(traps_ktest_claims, 2);
    KT_EXPECT(trap_set_handler(TRAP_VECTOR_COUNT, NULL) == NULL); /* out of range: refused */
}
