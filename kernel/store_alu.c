/* SPDX-License-Identifier: MIT */
/* x86 ALU results and status flags (kernel/store_alu.h). Carry and overflow come from
 * the masked operands without wider arithmetic, so 64-bit operands need no special case. */
#include "kernel/store_alu.h"

#include <stdbool.h>

#define SA_NIBBLE_CARRY 0x10u /* AF: carry out of bit 3 */

/* PF: set when the low byte of the result has an even number of ones. */
static bool sa_parity_even(uint64_t r)
{
    unsigned x = (unsigned)(r & 0xff);
    x ^= x >> 4;
    x ^= x >> 2;
    x ^= x >> 1;
    return (x & 1) == 0;
}

uint64_t store_alu_apply(enum store_alu op, unsigned width, uint64_t dst, uint64_t src, uint64_t *rflags)
{
    unsigned bits = 8 * width;
    uint64_t mask = bits >= 64 ? ~0ull : (1ull << bits) - 1, sign = 1ull << (bits - 1);
    uint64_t d = dst & mask, s = src & mask, cf_in = (*rflags & STORE_ALU_CF) ? 1 : 0;
    uint64_t r, a, b, c = 0;
    bool cf = false, of = false, af = false;
    switch (op) {
    case STORE_ALU_ADD: case STORE_ALU_ADC: case STORE_ALU_INC:
        b = op == STORE_ALU_INC ? 1 : s;
        c = op == STORE_ALU_ADC ? cf_in : 0;
        r = (d + b + c) & mask;
        cf = op == STORE_ALU_INC ? cf_in : (r < d || (c && r == d));
        of = ((d ^ r) & (b ^ r) & sign) != 0;
        af = ((d ^ b ^ r) & SA_NIBBLE_CARRY) != 0;
        break;
    case STORE_ALU_SUB: case STORE_ALU_SBB: case STORE_ALU_DEC: case STORE_ALU_NEG:
        a = op == STORE_ALU_NEG ? 0 : d; /* NEG is 0 - dst */
        b = op == STORE_ALU_NEG ? d : op == STORE_ALU_DEC ? 1 : s;
        c = op == STORE_ALU_SBB ? cf_in : 0;
        r = (a - b - c) & mask;
        cf = op == STORE_ALU_DEC ? cf_in : (a < b || (c && a == b));
        of = ((a ^ b) & (a ^ r) & sign) != 0;
        af = ((a ^ b ^ r) & SA_NIBBLE_CARRY) != 0;
        break;
    case STORE_ALU_AND: r = d & s; break;
    case STORE_ALU_OR: r = d | s; break;
    case STORE_ALU_XOR: r = d ^ s; break;
    case STORE_ALU_NOT: return ~d & mask;
    case STORE_ALU_BTS: case STORE_ALU_BTR: case STORE_ALU_BTC:
        b = 1ull << (s & (bits - 1));
        *rflags = (*rflags & ~STORE_ALU_CF) | ((d & b) ? STORE_ALU_CF : 0);
        return op == STORE_ALU_BTS ? d | b : op == STORE_ALU_BTR ? d & ~b : d ^ b;
    default: return s; /* STORE_ALU_NONE: a plain store of src */
    }
    uint64_t flags = (cf ? STORE_ALU_CF : 0) | (sa_parity_even(r) ? STORE_ALU_PF : 0) | (af ? STORE_ALU_AF : 0) |
                     (r == 0 ? STORE_ALU_ZF : 0) | ((r & sign) ? STORE_ALU_SF : 0) | (of ? STORE_ALU_OF : 0);
    *rflags = (*rflags & ~STORE_ALU_STATUS) | flags;
    return r;
}

static uint64_t sa_mask(unsigned width)
{
    return width >= 8 ? ~0ull : (1ull << (8 * width)) - 1;
}

bool store_alu_rmw_plan(enum store_atomic form, enum store_alu alu, unsigned width, uint64_t src, uint64_t rax,
                        uint64_t rflags, uint64_t expect, struct store_rmw *out)
{
    uint64_t mask = sa_mask(width);
    *out = (struct store_rmw){ .op = STORE_RMW_ADD, .operand = src & mask };
    switch (form) {
    case STORE_ATOMIC_XCHG: out->op = STORE_RMW_XCHG; return true;
    case STORE_ATOMIC_XADD: return true;
    case STORE_ATOMIC_CMPXCHG:
        out->op = STORE_RMW_CMPXCHG;
        out->compare = rax & mask;
        return true;
    default: break;
    }
    switch (alu) {
    case STORE_ALU_ADD: return true;
    case STORE_ALU_SUB: out->operand = (0 - src) & mask; return true;
    case STORE_ALU_INC: out->operand = 1; return true;
    case STORE_ALU_DEC: out->operand = mask; return true; /* -1 modulo 2^(8 width) */
    case STORE_ALU_AND: out->op = STORE_RMW_AND; return true;
    case STORE_ALU_OR: out->op = STORE_RMW_OR; return true;
    case STORE_ALU_XOR: out->op = STORE_RMW_XOR; return true;
    case STORE_ALU_NOT:
        out->op = STORE_RMW_XOR;
        out->operand = mask;
        return true;
    case STORE_ALU_BTS: case STORE_ALU_BTR: case STORE_ALU_BTC:
        out->operand = 1ull << (src & (8 * width - 1));
        out->op = alu == STORE_ALU_BTS ? STORE_RMW_OR : alu == STORE_ALU_BTC ? STORE_RMW_XOR : STORE_RMW_AND;
        if (alu == STORE_ALU_BTR)
            out->operand = ~out->operand & mask;
        return true;
    default: /* ADC, SBB, NEG: the new bytes depend on the old ones otherwise than by one op */
        out->op = STORE_RMW_CMPXCHG;
        out->compare = expect & mask;
        out->operand = store_alu_apply(alu, width, expect, src, &rflags);
        return false;
    }
}

/* A register after an instruction wrote width bytes v into it (SDM vol. 1 3.4.1.1: a
 * 32-bit write zero-extends, 8- and 16-bit writes keep the other bits). */
static uint64_t sa_reg_write(uint64_t reg, unsigned width, bool high_byte, uint64_t v)
{
    uint64_t mask = sa_mask(width);
    unsigned shift = high_byte ? 8 : 0;
    if (width >= 4)
        return v & mask;
    return (reg & ~(mask << shift)) | ((v & mask) << shift);
}

void store_alu_atomic_finish(enum store_atomic form, enum store_alu alu, unsigned width, unsigned reg, bool high_byte,
                             uint64_t src, uint64_t old, uint64_t gpr[16], uint64_t *rflags)
{
    switch (form) {
    case STORE_ATOMIC_XCHG: gpr[reg & 15] = sa_reg_write(gpr[reg & 15], width, high_byte, old); break;
    case STORE_ATOMIC_XADD:
        store_alu_apply(STORE_ALU_ADD, width, old, src, rflags);
        gpr[reg & 15] = sa_reg_write(gpr[reg & 15], width, high_byte, old);
        break;
    case STORE_ATOMIC_CMPXCHG:
        store_alu_apply(STORE_ALU_SUB, width, gpr[0], old, rflags);
        if ((*rflags & STORE_ALU_ZF) == 0)
            gpr[0] = sa_reg_write(gpr[0], width, false, old);
        break;
    default: store_alu_apply(alu, width, old, src, rflags); break;
    }
}
