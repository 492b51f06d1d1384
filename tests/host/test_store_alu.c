/* SPDX-License-Identifier: MIT */
/* Host tests of kernel/store_alu.c against the host CPU itself: each instruction runs for
 * real (inline asm, flags loaded with popfq and read back with pushfq) on edge and
 * pseudo-random operands, and the emulation must give the same result and status flags. */
#include <stddef.h>

#include "tests/host/check.h"

#include "dsm/dsm.h"
#include "kernel/store_alu.h"

#define SA_RFLAGS_FIXED 0x202ull /* bit 1 (always 1) and IF */
#define SA_RED_ZONE "128"        /* psABI 3.2.2: the asm must not push into the red zone */
/* BTS/BTR/BTC: OF, SF, AF, PF undefined (SDM vol. 2 BTS). */
#define SA_BT_UNDEFINED (STORE_ALU_OF | STORE_ALU_SF | STORE_ALU_AF | STORE_ALU_PF)

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
SA_HW(hw_bts16, "btsw %w[s], %w[d]")
SA_HW(hw_btr32, "btrl %k[s], %k[d]")
SA_HW(hw_btc64, "btcq %[s], %[d]")

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
    { STORE_ALU_BTS, 2, hw_bts16, SA_BT_UNDEFINED }, { STORE_ALU_BTR, 4, hw_btr32, SA_BT_UNDEFINED },
    { STORE_ALU_BTC, 8, hw_btc64, SA_BT_UNDEFINED },
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

/* The atomic forms, each run for real on a memory word: *m the memory (width bytes used),
 * *s the source register, *a RAX, *f RFLAGS, all in and out. */
#define SA_HW_ATOMIC(name, text)                                                                      \
    static void name(uint64_t *m, uint64_t *s, uint64_t *a, uint64_t *f)                              \
    {                                                                                                 \
        uint64_t fl = *f, sv = *s, av = *a;                                                           \
        __asm__ volatile("sub $" SA_RED_ZONE ", %%rsp\n\tpush %[fl]\n\tpopfq\n\t" text                \
                         "\n\tpushfq\n\tpop %[fl]\n\tadd $" SA_RED_ZONE ", %%rsp"                     \
                         : [s] "+r"(sv), [a] "+a"(av), [fl] "+r"(fl) : [p] "r"(m) : "cc", "memory");  \
        *f = fl;                                                                                      \
        *s = sv;                                                                                      \
        *a = av;                                                                                      \
    }

SA_HW_ATOMIC(hw_lock_add8, "lock addb %b[s], (%[p])")
SA_HW_ATOMIC(hw_lock_sub32, "lock subl %k[s], (%[p])")
SA_HW_ATOMIC(hw_lock_inc64, "lock incq (%[p])")
SA_HW_ATOMIC(hw_lock_dec16, "lock decw (%[p])")
SA_HW_ATOMIC(hw_lock_and32, "lock andl %k[s], (%[p])")
SA_HW_ATOMIC(hw_lock_or64, "lock orq %[s], (%[p])")
SA_HW_ATOMIC(hw_lock_xor8, "lock xorb %b[s], (%[p])")
SA_HW_ATOMIC(hw_lock_not32, "lock notl (%[p])")
SA_HW_ATOMIC(hw_lock_neg64, "lock negq (%[p])")
SA_HW_ATOMIC(hw_lock_adc32, "lock adcl %k[s], (%[p])")
SA_HW_ATOMIC(hw_lock_sbb8, "lock sbbb %b[s], (%[p])")
SA_HW_ATOMIC(hw_xchg8, "xchgb %b[s], (%[p])")
SA_HW_ATOMIC(hw_xchg32, "xchgl %k[s], (%[p])")
SA_HW_ATOMIC(hw_xchg64, "xchgq %[s], (%[p])")
SA_HW_ATOMIC(hw_xadd16, "lock xaddw %w[s], (%[p])")
SA_HW_ATOMIC(hw_xadd32, "lock xaddl %k[s], (%[p])")
SA_HW_ATOMIC(hw_xadd64, "lock xaddq %[s], (%[p])")
SA_HW_ATOMIC(hw_cmpxchg8, "lock cmpxchgb %b[s], (%[p])")
SA_HW_ATOMIC(hw_cmpxchg16, "lock cmpxchgw %w[s], (%[p])")
SA_HW_ATOMIC(hw_cmpxchg32, "lock cmpxchgl %k[s], (%[p])")
SA_HW_ATOMIC(hw_cmpxchg64, "lock cmpxchgq %[s], (%[p])")
SA_HW_ATOMIC(hw_lock_bts64, "lock btsq %[s], (%[p])")
SA_HW_ATOMIC(hw_lock_btr32, "lock btrl %k[s], (%[p])")
SA_HW_ATOMIC(hw_lock_btc16, "lock btcw %w[s], (%[p])")

struct sa_atomic_case {
    enum store_atomic form;
    enum store_alu alu;
    unsigned width;
    void (*hw)(uint64_t *, uint64_t *, uint64_t *, uint64_t *);
    uint64_t undefined;
};

static const struct sa_atomic_case sa_atomic_cases[] = {
    { STORE_ATOMIC_ALU, STORE_ALU_ADD, 1, hw_lock_add8, 0 }, { STORE_ATOMIC_ALU, STORE_ALU_SUB, 4, hw_lock_sub32, 0 },
    { STORE_ATOMIC_ALU, STORE_ALU_INC, 8, hw_lock_inc64, 0 }, { STORE_ATOMIC_ALU, STORE_ALU_DEC, 2, hw_lock_dec16, 0 },
    { STORE_ATOMIC_ALU, STORE_ALU_AND, 4, hw_lock_and32, STORE_ALU_AF },
    { STORE_ATOMIC_ALU, STORE_ALU_OR, 8, hw_lock_or64, STORE_ALU_AF },
    { STORE_ATOMIC_ALU, STORE_ALU_XOR, 1, hw_lock_xor8, STORE_ALU_AF },
    { STORE_ATOMIC_ALU, STORE_ALU_NOT, 4, hw_lock_not32, 0 }, { STORE_ATOMIC_ALU, STORE_ALU_NEG, 8, hw_lock_neg64, 0 },
    { STORE_ATOMIC_ALU, STORE_ALU_ADC, 4, hw_lock_adc32, 0 }, { STORE_ATOMIC_ALU, STORE_ALU_SBB, 1, hw_lock_sbb8, 0 },
    { STORE_ATOMIC_XCHG, STORE_ALU_NONE, 1, hw_xchg8, 0 }, { STORE_ATOMIC_XCHG, STORE_ALU_NONE, 4, hw_xchg32, 0 },
    { STORE_ATOMIC_XCHG, STORE_ALU_NONE, 8, hw_xchg64, 0 }, { STORE_ATOMIC_XADD, STORE_ALU_NONE, 2, hw_xadd16, 0 },
    { STORE_ATOMIC_XADD, STORE_ALU_NONE, 4, hw_xadd32, 0 }, { STORE_ATOMIC_XADD, STORE_ALU_NONE, 8, hw_xadd64, 0 },
    { STORE_ATOMIC_CMPXCHG, STORE_ALU_NONE, 1, hw_cmpxchg8, 0 },
    { STORE_ATOMIC_CMPXCHG, STORE_ALU_NONE, 2, hw_cmpxchg16, 0 },
    { STORE_ATOMIC_CMPXCHG, STORE_ALU_NONE, 4, hw_cmpxchg32, 0 },
    { STORE_ATOMIC_CMPXCHG, STORE_ALU_NONE, 8, hw_cmpxchg64, 0 },
    { STORE_ATOMIC_ALU, STORE_ALU_BTS, 8, hw_lock_bts64, SA_BT_UNDEFINED },
    { STORE_ATOMIC_ALU, STORE_ALU_BTR, 4, hw_lock_btr32, SA_BT_UNDEFINED },
    { STORE_ATOMIC_ALU, STORE_ALU_BTC, 2, hw_lock_btc16, SA_BT_UNDEFINED },
};

/* Plan, the core's memory operation (dsm_atomic_apply, what every copy applies) and the
 * register effects together against the CPU: memory, the source
 * register (all 64 bits), RAX (all 64 bits) and the defined status flags must match. A plan
 * that is not exact gets the old bytes it expected (one thread: they are). */
TEST(store_alu_atomic_forms_match_the_cpu)
{
    uint64_t state = 0x2545f4914f6cdd1dull;
    unsigned mismatches = 0;
    for (size_t k = 0; k < sizeof sa_atomic_cases / sizeof sa_atomic_cases[0]; k++) {
        const struct sa_atomic_case *c = &sa_atomic_cases[k];
        for (unsigned i = 0; i < 3000; i++) {
            uint64_t mem = sa_next(&state), src = sa_next(&state), rax = (i % 3) ? sa_next(&state) : mem;
            if (c->alu >= STORE_ALU_BTS)
                src &= 8 * c->width - 1; /* a bit of the word itself (the bit string beyond: decode test) */
            if (i % 5 == 0)
                mem = (i & 8) ? 0 : ~0ull;
            if (i % 7 == 0)
                rax = (rax & ~0xffull) | (mem & 0xff); /* equal in the low byte only */
            uint64_t flags_in = SA_RFLAGS_FIXED | ((i & 1) ? STORE_ALU_STATUS : 0);
            uint64_t hw_mem = mem, hw_src = src, hw_rax = rax, hw_flags = flags_in;
            c->hw(&hw_mem, &hw_src, &hw_rax, &hw_flags);
            uint64_t mask = c->width == 8 ? ~0ull : (1ull << (8 * c->width)) - 1;
            struct store_rmw rmw;
            store_alu_rmw_plan(c->form, c->alu, c->width, src, rax, flags_in, mem & mask, &rmw);
            uint64_t emu_mem = (mem & ~mask) | dsm_atomic_apply(rmw.op, c->width, mem, rmw.operand, rmw.compare);
            uint64_t gpr[16] = { rax, src }, emu_flags = flags_in;
            store_alu_atomic_finish(c->form, c->alu, c->width, 1, false, src, mem & mask, gpr, &emu_flags);
            uint64_t compared = STORE_ALU_STATUS & ~c->undefined;
            if (emu_mem != hw_mem || gpr[1] != hw_src || gpr[0] != hw_rax ||
                (emu_flags & compared) != (hw_flags & compared)) {
                if (mismatches++ < 5) {
                    CHECK_EQ(((uint64_t)k << 56) | (emu_mem ^ hw_mem), ((uint64_t)k << 56));
                    CHECK_EQ(gpr[1] ^ hw_src, 0);
                    CHECK_EQ(gpr[0] ^ hw_rax, 0);
                    CHECK_EQ((emu_flags ^ hw_flags) & compared, 0);
                }
            }
        }
    }
    CHECK_EQ(mismatches, 0);
}

/* Register write widths: a byte into AH keeps the rest, a dword write zero-extends. */
TEST(store_alu_atomic_register_widths)
{
    uint64_t gpr[16] = { 0x1111222233334444ull, 0x5555666677778888ull }, flags = SA_RFLAGS_FIXED;
    store_alu_atomic_finish(STORE_ATOMIC_XCHG, STORE_ALU_NONE, 1, 0, true, 0, 0xab, gpr, &flags);
    CHECK_EQ(gpr[0], 0x111122223333ab44ull);
    store_alu_atomic_finish(STORE_ATOMIC_XADD, STORE_ALU_NONE, 4, 1, false, 1, 0xfffffffe, gpr, &flags);
    CHECK_EQ(gpr[1], 0xfffffffe);
    CHECK_EQ(flags & STORE_ALU_SF, STORE_ALU_SF);
}
