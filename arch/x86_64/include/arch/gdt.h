/* SPDX-License-Identifier: MIT */
/* The GDT and the 64-bit TSS (SDM vol. 3 3.4.5, 7.7). The layout is fixed because
 * syscall/sysret derive user selectors from STAR: user data must sit right below user
 * code. The IST stacks for #DF, NMI and #MC live here; per-thread rsp0 is set by the
 * scheduler. No per-CPU data (one CPU per node), no LDT, no I/O permission bitmap. */
#ifndef ARCH_GDT_H
#define ARCH_GDT_H

#include <stdbool.h>
#include <stdint.h>

#define GDT_KERNEL_CODE 0x08 /* 64-bit code, DPL 0 */
#define GDT_KERNEL_DATA 0x10 /* data, DPL 0 */
#define GDT_USER_DATA 0x1b   /* 0x18 with RPL 3 (STAR[63:48]+8 for sysret) */
#define GDT_USER_CODE 0x23   /* 0x20 with RPL 3 (STAR[63:48]+16 for sysret) */
#define GDT_TSS 0x28         /* 16-byte system descriptor */

/* IST slots (SDM vol. 3 6.14.5): index 1..7 in the TSS, named by the IDT entries using them. */
#define IST_DOUBLE_FAULT 1
#define IST_NMI 2
#define IST_MACHINE_CHECK 3
#define IST_COUNT 3

#define IST_STACK_SIZE 16384 /* 4 pages: a fault report needs ~2 KiB */

/* Loads the GDT and the TSS, reloads every segment register. Call once, first thing. */
void gdt_init(void);
/* Moves the IST stacks to kstack_alloc stacks (guard page below); after paging_init. */
void ist_stacks_init(void);
/* Sets TSS.rsp0: the stack the CPU switches to on an interrupt from user mode. */
void tss_set_kernel_stack(uint64_t rsp0);
/* True if addr lies inside IST stack ist (1..IST_COUNT); for fault reports. */
bool ist_stack_contains(unsigned ist, uint64_t addr);
/* Top (initial RSP) of IST stack ist (1..IST_COUNT), 0 if out of range. */
uint64_t ist_stack_top(unsigned ist);

#endif
