/* SPDX-License-Identifier: MIT */
/* The arithmetic of the x86 memory-destination ALU instructions the write-update trap
 * emulates without a lock prefix (SDM vol. 2: ADD, OR, ADC, SBB, AND, SUB, XOR, INC, DEC,
 * NOT, NEG, BTS, BTR, BTC; vol. 1 3.4.3.1 for the status flags): result and new RFLAGS; and the atomic
 * forms (LOCK prefix, XCHG, XADD, CMPXCHG) as one atomic read-modify-write of memory plus
 * their register and flag effects. Portable. Where the SDM leaves AF undefined
 * (AND/OR/XOR) it is cleared. */
#ifndef KERNEL_STORE_ALU_H
#define KERNEL_STORE_ALU_H

#include <stdbool.h>
#include <stdint.h>

/* ADD..XOR in the order of the opcode groups (00-31, 80-83 /0../6). */
enum store_alu {
    STORE_ALU_NONE = 0, /* a plain store */
    STORE_ALU_ADD, STORE_ALU_OR, STORE_ALU_ADC, STORE_ALU_SBB, STORE_ALU_AND, STORE_ALU_SUB, STORE_ALU_XOR,
    STORE_ALU_INC, STORE_ALU_DEC, STORE_ALU_NOT, STORE_ALU_NEG,
    STORE_ALU_BTS, STORE_ALU_BTR, STORE_ALU_BTC, /* bit src mod 8 width: set, clear, complement */
};

/* RFLAGS status bits (SDM vol. 1 3.4.3.1) the ALU instructions write. */
#define STORE_ALU_CF (1ull << 0)
#define STORE_ALU_PF (1ull << 2)
#define STORE_ALU_AF (1ull << 4)
#define STORE_ALU_ZF (1ull << 6)
#define STORE_ALU_SF (1ull << 7)
#define STORE_ALU_OF (1ull << 11)
#define STORE_ALU_STATUS (STORE_ALU_CF | STORE_ALU_PF | STORE_ALU_AF | STORE_ALU_ZF | STORE_ALU_SF | STORE_ALU_OF)

/* op applied to the width-byte (1, 2, 4, 8) destination dst and source src (INC, DEC,
 * NOT, NEG ignore src): returns the result (zero-extended) and updates the status bits of
 * *rflags as the CPU does (ADC/SBB read CF from it; INC/DEC keep CF; NOT changes none;
 * BT* set CF to the old bit and keep the rest, which the SDM leaves undefined but ZF). */
uint64_t store_alu_apply(enum store_alu op, unsigned width, uint64_t dst, uint64_t src, uint64_t *rflags);

/* Read-modify-writes that must be atomic (the trap runs them through the sequencer). The
 * unlocked xadd and cmpxchg forms are taken as atomic too: the same result, stronger. */
enum store_atomic {
    STORE_ATOMIC_NONE = 0, /* a plain store, or an unlocked ALU form */
    STORE_ATOMIC_ALU,      /* a lock-prefixed ALU form with its operand */
    STORE_ATOMIC_XCHG,     /* xchg r/m, reg (locked by definition): reg gets the old bytes */
    STORE_ATOMIC_XADD,     /* xadd r/m, reg: r/m += reg, reg gets the old bytes, flags of the add */
    STORE_ATOMIC_CMPXCHG,  /* cmpxchg r/m, reg: r/m = reg if r/m == RAX (ZF=1), else RAX = r/m;
                            * flags of cmp RAX, r/m */
};

/* One atomic memory operation (numbered as enum dsm_atomic_op in dsm/dsm.h). */
enum store_rmw_op {
    STORE_RMW_XCHG = 1, STORE_RMW_CMPXCHG, STORE_RMW_ADD, STORE_RMW_AND, STORE_RMW_OR, STORE_RMW_XOR,
};
struct store_rmw {
    enum store_rmw_op op;
    uint64_t operand, compare; /* compare: CMPXCHG only */
};

/* The atomic memory operation that performs `form` (`alu` for STORE_ATOMIC_ALU) of width
 * bytes with source operand src, accumulator rax and flags rflags (ADC/SBB read CF). True if
 * it is exact whatever the old bytes are; false for ADC, SBB, NEG: a CMPXCHG of `expect`
 * that must be retried with the old bytes it finds until they equal expect. */
bool store_alu_rmw_plan(enum store_atomic form, enum store_alu alu, unsigned width, uint64_t src, uint64_t rax,
                        uint64_t rflags, uint64_t expect, struct store_rmw *out);
/* The register and flag effects of `form` given the old bytes: gpr[reg] (bits 8..15 when
 * high_byte) and gpr[0] (RAX) as the CPU leaves them, and *rflags. src is the operand. */
void store_alu_atomic_finish(enum store_atomic form, enum store_alu alu, unsigned width, unsigned reg, bool high_byte,
                             uint64_t src, uint64_t old, uint64_t gpr[16], uint64_t *rflags);

#endif
