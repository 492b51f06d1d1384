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
    default: return s; /* STORE_ALU_NONE: a plain store of src */
    }
    uint64_t flags = (cf ? STORE_ALU_CF : 0) | (sa_parity_even(r) ? STORE_ALU_PF : 0) | (af ? STORE_ALU_AF : 0) |
                     (r == 0 ? STORE_ALU_ZF : 0) | ((r & sign) ? STORE_ALU_SF : 0) | (of ? STORE_ALU_OF : 0);
    *rflags = (*rflags & ~STORE_ALU_STATUS) | flags;
    return r;
}
