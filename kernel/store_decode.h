/* SPDX-License-Identifier: MIT */
/* Decoder of the x86-64 store instructions compiled C uses (SDM vol. 2 chapter 2: prefixes,
 * REX, ModRM/SIB/displacement/immediate), for the write-update trap (kernel/dsm_update.c):
 * plain MOV to memory, MOV of an immediate, the SSE register stores, the string stores
 * (rep) stos/movs that memset/memcpy use, and the memory-destination ALU forms without a
 * lock prefix (add/or/adc/sbb/and/sub/xor with a register or immediate, inc, dec, not,
 * neg: `x += y` on a global), and the atomic forms: those ALU forms with a lock prefix,
 * xchg with memory, (lock) xadd and (lock) cmpxchg (SDM vol. 2 8.1.2.2 / LOCK), and
 * (lock) bts/btr/btc with a register or imm8 bit offset. Portable. Anything else -
 * cmpxchg8b/16b, shifts, MMX, string ops with 32-bit addressing, HLE hints - is
 * unsupported. */
#ifndef KERNEL_STORE_DECODE_H
#define KERNEL_STORE_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/store_alu.h"

#define STORE_DECODE_MAX_LENGTH 15 /* SDM vol. 2 2.3.11: longest legal instruction */

enum store_source {
    STORE_SOURCE_GPR, /* general register `reg` (RAX=0 .. R15=15; `high_byte`: AH CH DH BH) */
    STORE_SOURCE_IMM, /* `imm`, already sign-extended to the store's width */
    STORE_SOURCE_XMM, /* XMM register `reg`, `width` bytes from byte `xmm_offset` of it */
    STORE_SOURCE_STOS, /* string store: elements of `width` bytes of RAX to [RDI] (`rep`: RCX times) */
    STORE_SOURCE_MOVS, /* string move: elements of `width` bytes from [RSI] to [RDI] (`rep`: RCX times) */
};

#define STORE_REG_NONE 0xffu /* no base or no index register */


/* The memory operand, to compute the effective address (SDM vol. 2 3.7.5):
 * base + index * scale + disp, or RIP after the instruction + disp; 32-bit wrap with addr32,
 * plus the FS/GS segment base when `segment` says so. */
struct store_mem {
    uint8_t base, index;  /* register numbers, or STORE_REG_NONE */
    uint8_t scale;        /* 1, 2, 4 or 8 */
    bool rip_relative;
    bool addr32;          /* 0x67 prefix */
    bool bit_string;      /* bts/btr/btc r/m, reg: the register's signed bit offset moves the
                           * address by whole operands (SDM vol. 2 BT, "bit string") */
    uint8_t segment;      /* 0, or the FS/GS prefix byte (0x64/0x65) */
    int64_t disp;
};

struct store_insn {
    unsigned length;    /* bytes of the instruction: RIP advances by this much */
    unsigned width;     /* bytes stored at the fault address: 1, 2, 4, 8 or 16 */
    enum store_source source;
    unsigned reg;
    bool high_byte;     /* 8-bit store from AH/CH/DH/BH (reg 4..7 without REX) */
    unsigned xmm_offset;/* 8 for movhps/movhpd (the high quadword), else 0 */
    uint64_t imm;
    bool rep;           /* F3 prefix on a string instruction */
    enum store_alu alu; /* not NONE: a read-modify-write; the source (GPR or IMM) is its operand */
    enum store_atomic atomic; /* not NONE: source GPR `reg` (ALU: as above) */
    struct store_mem mem; /* not for string instructions: they address [RDI] */
};

/* The effective address of out->mem given the general registers (RAX=0 .. R15=15), the
 * instruction's address and the FS/GS bases. */
uint64_t store_effective_address(const struct store_insn *insn, const uint64_t gpr[16], uint64_t rip,
                                 uint64_t fs_base, uint64_t gs_base);

/* Decodes the instruction in bytes[0..len) (len may exceed the instruction; fewer bytes
 * than it needs, or len 0, is a failure). True and *out filled for a supported store to
 * memory; false for anything else. */
bool store_decode(const uint8_t *bytes, size_t len, struct store_insn *out);

#endif
