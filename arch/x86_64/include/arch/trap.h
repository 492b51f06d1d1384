/* SPDX-License-Identifier: MIT */
/* Traps: the register frame every IDT vector pushes, and claiming exceptions.
 * All 256 vectors enter through arch/x86_64/trap_entry.asm and reach one C dispatcher
 * (SDM vol. 3 6.12-6.15). Vectors 0-31 are CPU exceptions; 32-255 are interrupts, owned
 * by kernel/irq.h. An exception nobody claims is reported on COM1 and stops the node. */
#ifndef ARCH_TRAP_H
#define ARCH_TRAP_H

#include <stdbool.h>
#include <stdint.h>

/* Exception vectors (SDM vol. 3 table 6-1). */
#define TRAP_DIVIDE_ERROR 0
#define TRAP_DEBUG 1
#define TRAP_NMI 2
#define TRAP_BREAKPOINT 3
#define TRAP_OVERFLOW 4
#define TRAP_BOUND_RANGE 5
#define TRAP_INVALID_OPCODE 6
#define TRAP_DEVICE_NOT_AVAILABLE 7
#define TRAP_DOUBLE_FAULT 8
#define TRAP_INVALID_TSS 10
#define TRAP_SEGMENT_NOT_PRESENT 11
#define TRAP_STACK_FAULT 12
#define TRAP_GENERAL_PROTECTION 13
#define TRAP_PAGE_FAULT 14
#define TRAP_X87_FP 16
#define TRAP_ALIGNMENT_CHECK 17
#define TRAP_MACHINE_CHECK 18
#define TRAP_SIMD_FP 19
#define TRAP_VIRTUALIZATION 20
#define TRAP_CONTROL_PROTECTION 21
#define TRAP_EXCEPTION_COUNT 32
#define TRAP_VECTOR_COUNT 256

/* #PF error code bits (SDM vol. 3 4.7). */
#define PF_ERR_PRESENT (1u << 0)  /* 0: not-present page, 1: protection violation */
#define PF_ERR_WRITE (1u << 1)
#define PF_ERR_USER (1u << 2)
#define PF_ERR_RESERVED (1u << 3) /* reserved bit set in a paging entry */
#define PF_ERR_FETCH (1u << 4)    /* instruction fetch */
#define PF_ERR_PK (1u << 5)       /* protection key */
#define PF_ERR_SS (1u << 6)       /* shadow stack */

/* Saved state at trap entry, lowest address first. The stubs push vector and error_code
 * (0 when the CPU pushes none); the CPU pushes rip..ss. Handlers may modify any field;
 * the stub restores from the frame, so changing rip resumes elsewhere. */
struct trap_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector;
    uint64_t error_code;
    uint64_t rip, cs, rflags, rsp, ss;
};
_Static_assert(sizeof(struct trap_frame) == 22 * 8, "trap_entry.asm pushes 22 quadwords");

/* Returns true if it handled the trap (execution resumes from the frame), false to pass. */
typedef bool (*trap_handler_fn)(struct trap_frame *frame);

/* Builds and loads the IDT for all 256 vectors. Call right after gdt_init. */
void idt_init(void);
/* Installs fn for an exception vector (0..31); NULL removes it. Returns the previous one. */
trap_handler_fn trap_set_handler(unsigned vector, trap_handler_fn fn);
/* The C entry from trap_entry.asm; interrupts are off and stay off. */
void trap_dispatch(struct trap_frame *frame);
/* True if the trap came from user mode (CPL 3 in the saved CS). */
static inline bool trap_from_user(const struct trap_frame *frame) { return (frame->cs & 3) == 3; }
/* Short name of an exception vector ("#PF"), or "IRQ" for vectors >= 32. */
const char *trap_vector_mnemonic(unsigned vector);
/* Reports an unclaimed exception (vector, error code, CR2, registers, backtrace) and exits
 * with EXIT_CPU_EXCEPTION. Callers that decide a trap is fatal may call it themselves. */
__attribute__((noreturn)) void trap_report_fatal(const struct trap_frame *frame);

#endif
