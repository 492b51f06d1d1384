/* SPDX-License-Identifier: MIT */
/* The `fault=` command-line key: each kind raises one exception (SDM vol. 3 table 6-1)
 * from a function of its own, so the report's RIP names it. Nothing here claims the
 * exception; the point is to see the unclaimed-exception report and status 43. */
#include "kernel/fault_inject.h"

#include <stdint.h>

#include "kernel/cmdline.h"
#include "kernel/log.h"

/* Canonical, above the boot identity map (0-4 GiB) and below any user mapping made at
 * boot: unmapped in every kernel address space. */
#define FAULT_INJECT_UNMAPPED_ADDRESS 0x00000dead0000000ull
/* Bit 63 set, bits 62-47 clear: not canonical, so any access is #GP(0) (SDM vol. 1 3.3.7.1). */
#define FAULT_INJECT_NONCANONICAL_ADDRESS 0x8000000000000000ull

enum fault_inject_kind {
    FAULT_NONE,
    FAULT_PAGEFAULT,
    FAULT_GP,
    FAULT_UD,
    FAULT_DIVIDE,
    FAULT_DOUBLE,
    FAULT_BREAKPOINT,
};

static const char *const fault_inject_names[] = {
    [FAULT_NONE] = "none",
    [FAULT_PAGEFAULT] = "pagefault",
    [FAULT_GP] = "gp",
    [FAULT_UD] = "ud",
    [FAULT_DIVIDE] = "divide",
    [FAULT_DOUBLE] = "double",
    [FAULT_BREAKPOINT] = "breakpoint",
    NULL,
};

static unsigned fault_inject_kind;
CMDLINE_PARAM_CHOICE(fault_inject_kind, "fault", fault_inject_names,
                     "raise an exception after the ready line: pagefault|gp|ud|divide|double|breakpoint");

static __attribute__((noinline)) void fault_inject_pagefault(void)
{
    *(volatile uint64_t *)(uintptr_t)FAULT_INJECT_UNMAPPED_ADDRESS = 1;
}

static __attribute__((noinline)) void fault_inject_gp(void)
{
    (void)*(volatile uint64_t *)(uintptr_t)FAULT_INJECT_NONCANONICAL_ADDRESS;
}

static __attribute__((noinline)) void fault_inject_ud(void)
{
    __asm__ volatile("ud2");
}

static __attribute__((noinline)) void fault_inject_divide(void)
{
    volatile uint32_t zero = 0;
    uint32_t divisor = zero;
    /* In asm: a C division by zero is undefined, and the compiler may drop it. */
    __asm__ volatile("xorl %%edx, %%edx\n\t"
                     "movl $1, %%eax\n\t"
                     "divl %0"
                     :
                     : "r"(divisor)
                     : "rax", "rdx");
}

/* The push faults (#PF on the unmapped stack); delivering that #PF pushes onto the same
 * stack and faults again, which the CPU turns into #DF (SDM vol. 3 table 6-5). */
static __attribute__((noinline)) void fault_inject_double(void)
{
    __asm__ volatile("movq %0, %%rsp\n\t"
                     "pushq $0"
                     :
                     : "r"(FAULT_INJECT_UNMAPPED_ADDRESS)
                     : "memory");
}

static __attribute__((noinline)) void fault_inject_breakpoint(void)
{
    __asm__ volatile("int3");
}

void fault_inject_run(void)
{
    if (fault_inject_kind == FAULT_NONE)
        return;
    log_info("fault: raising '%s' now", fault_inject_names[fault_inject_kind]);
    switch ((enum fault_inject_kind)fault_inject_kind) {
    case FAULT_PAGEFAULT: fault_inject_pagefault(); break;
    case FAULT_GP: fault_inject_gp(); break;
    case FAULT_UD: fault_inject_ud(); break;
    case FAULT_DIVIDE: fault_inject_divide(); break;
    case FAULT_DOUBLE: fault_inject_double(); break;
    case FAULT_BREAKPOINT: fault_inject_breakpoint(); break;
    case FAULT_NONE: break;
    }
    log_error("fault: '%s' did not trap", fault_inject_names[fault_inject_kind]);
}
