/* SPDX-License-Identifier: MIT */
/* The arithmetic of the x86 memory-destination ALU instructions the write-update trap
 * emulates without a lock prefix (SDM vol. 2: ADD, OR, ADC, SBB, AND, SUB, XOR, INC, DEC,
 * NOT, NEG; vol. 1 3.4.3.1 for the status flags): result and new RFLAGS. Portable.
 * Where the SDM leaves AF undefined (AND/OR/XOR) it is cleared. */
#ifndef KERNEL_STORE_ALU_H
#define KERNEL_STORE_ALU_H

#include <stdint.h>

/* ADD..XOR in the order of the opcode groups (00-31, 80-83 /0../6). */
enum store_alu {
    STORE_ALU_NONE = 0, /* a plain store */
    STORE_ALU_ADD, STORE_ALU_OR, STORE_ALU_ADC, STORE_ALU_SBB, STORE_ALU_AND, STORE_ALU_SUB, STORE_ALU_XOR,
    STORE_ALU_INC, STORE_ALU_DEC, STORE_ALU_NOT, STORE_ALU_NEG,
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
 * *rflags as the CPU does (ADC/SBB read CF from it; INC/DEC keep CF; NOT changes none). */
uint64_t store_alu_apply(enum store_alu op, unsigned width, uint64_t dst, uint64_t src, uint64_t *rflags);

#endif
