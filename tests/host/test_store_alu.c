/* SPDX-License-Identifier: MIT */
/* Host tests of kernel/store_alu.c against the host CPU itself: each instruction runs for
 * real (inline asm, flags loaded with popfq and read back with pushfq) on edge and
 * pseudo-random operands, and the emulation must give the same result and status flags. */
#include <stddef.h>

#include "tests/host/check.h"

#include "kernel/store_alu.h"

#define SA_RFLAGS_FIXED 0x202ull /* bit 1 (always 1) and IF */
#define SA_RED_ZONE "128"        /* psABI 3.2.2: the asm must not push into the red zone */

/* One function per instruction and width: d = d OP s with flags in/out through *f. */
#define SA_HW(name, text)                                                                             \
    static uint64_t name(uint64_t d, uint64_t s, uint64_t *f)                                         \
    {                                                                                                 \
        uint64_t fl = *f;                                                                             \
        __asm__ volatile("sub $" SA_RED_ZONE ", %%rsp\n\tpush %[fl]\n\tpopfq\n\t" text                \
                         "\n\tpushfq\n\tpop %[fl]\n\tadd $" SA_RED_ZONE ", %%rsp"                     \
                         : [d] "+r"(d), [fl] "+r"(fl) : [s] "r"(s) : "cc", "memory");                 \
        *f = fl;                                                                                      \
        return d;                                                                                     \
    }

SA_HW(hw_add8, "addb %b[s], %b[d]")
SA_HW(hw_add64, "addq %[s], %[d]")
SA_HW(hw_adc16, "adcw %w[s], %w[d]")
SA_HW(hw_adc64, "adcq %[s], %[d]")
SA_HW(hw_sub32, "subl %k[s], %k[d]")
SA_HW(hw_sub8, "subb %b[s], %b[d]")
SA_HW(hw_sbb8, "sbbb %b[s], %b[d]")
SA_HW(hw_sbb64, "sbbq %[s], %[d]")
SA_HW(hw_and32, "andl %k[s], %k[d]")
SA_HW(hw_or16, "orw %w[s], %w[d]")
SA_HW(hw_xor64, "xorq %[s], %[d]")
SA_HW(hw_inc8, "incb %b[d]")
SA_HW(hw_inc64, "incq %[d]")
SA_HW(hw_dec32, "decl %k[d]")
SA_HW(hw_not16, "notw %w[d]")
SA_HW(hw_neg8, "negb %b[d]")
SA_HW(hw_neg64, "negq %[d]")

struct sa_case {
    enum store_alu op;
    unsigned width;
    uint64_t (*hw)(uint64_t, uint64_t, uint64_t *);
    uint64_t undefined; /* flags the SDM leaves undefined for this op: not compared */
};

static const struct sa_case sa_cases[] = {
    { STORE_ALU_ADD, 1, hw_add8, 0 },  { STORE_ALU_ADD, 8, hw_add64, 0 }, { STORE_ALU_ADC, 2, hw_adc16, 0 },
    { STORE_ALU_ADC, 8, hw_adc64, 0 }, { STORE_ALU_SUB, 4, hw_sub32, 0 }, { STORE_ALU_SUB, 1, hw_sub8, 0 },
    { STORE_ALU_SBB, 1, hw_sbb8, 0 },  { STORE_ALU_SBB, 8, hw_sbb64, 0 },
    { STORE_ALU_AND, 4, hw_and32, STORE_ALU_AF }, { STORE_ALU_OR, 2, hw_or16, STORE_ALU_AF },
    { STORE_ALU_XOR, 8, hw_xor64, STORE_ALU_AF },
    { STORE_ALU_INC, 1, hw_inc8, 0 },  { STORE_ALU_INC, 8, hw_inc64, 0 }, { STORE_ALU_DEC, 4, hw_dec32, 0 },
    { STORE_ALU_NOT, 2, hw_not16, 0 }, { STORE_ALU_NEG, 1, hw_neg8, 0 },  { STORE_ALU_NEG, 8, hw_neg64, 0 },
};

static uint64_t sa_next(uint64_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return *state;
}

TEST(store_alu_matches_the_cpu)
{
    static const uint64_t edges[] = { 0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000,
                                      0xffffffff, 0x7fffffffffffffffull, 0x8000000000000000ull, ~0ull, 0x0f, 0x10 };
    const size_t nedges = sizeof edges / sizeof edges[0];
    uint64_t state = 0x9e3779b97f4a7c15ull;
    unsigned mismatches = 0;
    for (size_t k = 0; k < sizeof sa_cases / sizeof sa_cases[0]; k++) {
        const struct sa_case *c = &sa_cases[k];
        uint64_t mask = c->width == 8 ? ~0ull : (1ull << (8 * c->width)) - 1;
        for (unsigned i = 0; i < 2000; i++) {
            uint64_t d = i < nedges * nedges ? edges[i % nedges] : sa_next(&state);
            uint64_t s = i < nedges * nedges ? edges[i / nedges % nedges] : sa_next(&state);
            uint64_t flags_in = SA_RFLAGS_FIXED | ((i & 1) ? STORE_ALU_STATUS : 0); /* CF in both ways */
            uint64_t hw_flags = flags_in, emu_flags = flags_in;
            uint64_t want = c->hw(d, s, &hw_flags) & mask;
            uint64_t got = store_alu_apply(c->op, c->width, d, s, &emu_flags);
            uint64_t compared = STORE_ALU_STATUS & ~c->undefined;
            if (got != want || (hw_flags & compared) != (emu_flags & compared)) {
                if (mismatches++ < 5)
                    CHECK_EQ(((uint64_t)k << 56) | (got ^ want), ((uint64_t)k << 56) | ((hw_flags ^ emu_flags) & compared));
            }
        }
    }
    CHECK_EQ(mismatches, 0);
}
