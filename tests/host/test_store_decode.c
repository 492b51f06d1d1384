/* SPDX-License-Identifier: MIT */
/* Host tests of kernel/store_decode.c. The byte strings are what GNU as 2.x emitted for the
 * instruction in the comment beside each (checked with objdump -d), not hand-assembled. */
#include "tests/host/check.h"

#include "kernel/store_decode.h"

#define SD_BYTES(...) ((const uint8_t[]){ __VA_ARGS__ })
#define SD_LEN(...) sizeof((const uint8_t[]){ __VA_ARGS__ })
/* Decodes the bytes with 15 bytes of padding behind them, as the kernel copies them in. */
#define SD_DECODE(out, ...) sd_decode_padded(SD_BYTES(__VA_ARGS__), SD_LEN(__VA_ARGS__), (out))

static bool sd_decode_padded(const uint8_t *bytes, size_t len, struct store_insn *out)
{
    uint8_t buf[STORE_DECODE_MAX_LENGTH * 2] = { 0x90 };
    for (size_t i = 0; i < len; i++)
        buf[i] = bytes[i];
    return store_decode(buf, sizeof buf, out);
}

/* Checks the decoded shape: length, width, source, register (GPR and XMM) and the field
 * that goes with the source (GPR: high_byte, XMM: xmm_offset, string: rep). */
static void sd_expect(const struct store_insn *d, unsigned length, unsigned width, enum store_source src,
                      unsigned reg, unsigned extra)
{
    CHECK_EQ(d->length, length);
    CHECK_EQ(d->width, width);
    CHECK_EQ(d->source, src);
    if (src == STORE_SOURCE_GPR || src == STORE_SOURCE_XMM)
        CHECK_EQ(d->reg, reg);
    unsigned got = src == STORE_SOURCE_GPR ? d->high_byte : src == STORE_SOURCE_XMM ? d->xmm_offset : d->rep;
    CHECK_EQ(got, extra);
}

TEST(store_decode_mov_register_forms)
{
    struct store_insn d;
    CHECK(SD_DECODE(&d, 0x88, 0x07)); /* mov %al,(%rdi) */
    sd_expect(&d, 2, 1, STORE_SOURCE_GPR, 0, false);
    CHECK(SD_DECODE(&d, 0x88, 0x27)); /* mov %ah,(%rdi) */
    sd_expect(&d, 2, 1, STORE_SOURCE_GPR, 0, true);
    CHECK(SD_DECODE(&d, 0x40, 0x88, 0x72, 0x03)); /* mov %sil,0x3(%rdx) */
    sd_expect(&d, 4, 1, STORE_SOURCE_GPR, 6, false);
    CHECK(SD_DECODE(&d, 0x47, 0x88, 0x0c, 0x9a)); /* mov %r9b,(%r10,%r11,4) */
    sd_expect(&d, 4, 1, STORE_SOURCE_GPR, 9, false);
    CHECK(SD_DECODE(&d, 0x66, 0x89, 0x1d, 0x78, 0x56, 0x34, 0x12)); /* mov %bx,0x12345678(%rip) */
    sd_expect(&d, 7, 2, STORE_SOURCE_GPR, 3, false);
    CHECK(SD_DECODE(&d, 0x89, 0x4d, 0xf8)); /* mov %ecx,-0x8(%rbp) */
    sd_expect(&d, 3, 4, STORE_SOURCE_GPR, 1, false);
    CHECK(SD_DECODE(&d, 0x48, 0x89, 0x04, 0x24)); /* mov %rax,(%rsp) */
    sd_expect(&d, 4, 8, STORE_SOURCE_GPR, 0, false);
    CHECK(SD_DECODE(&d, 0x4d, 0x89, 0xbc, 0xc5, 0x00, 0x01, 0x00, 0x00)); /* mov %r15,0x100(%r13,%rax,8) */
    sd_expect(&d, 8, 8, STORE_SOURCE_GPR, 15, false);
}

TEST(store_decode_addressing_forms)
{
    struct store_insn d;
    CHECK(SD_DECODE(&d, 0x89, 0x55, 0x00)); /* mov %edx,0x0(%rbp): rbp base needs disp8 */
    sd_expect(&d, 3, 4, STORE_SOURCE_GPR, 2, false);
    CHECK(SD_DECODE(&d, 0x41, 0x89, 0x55, 0x00)); /* mov %edx,0x0(%r13) */
    sd_expect(&d, 4, 4, STORE_SOURCE_GPR, 2, false);
    CHECK(SD_DECODE(&d, 0x89, 0x14, 0x45, 0x00, 0x00, 0x00, 0x00)); /* mov %edx,0x0(,%rax,2): SIB, no base */
    sd_expect(&d, 7, 4, STORE_SOURCE_GPR, 2, false);
    CHECK(SD_DECODE(&d, 0x89, 0x54, 0x24, 0x10)); /* mov %edx,0x10(%rsp) */
    sd_expect(&d, 4, 4, STORE_SOURCE_GPR, 2, false);
    CHECK(SD_DECODE(&d, 0x64, 0x89, 0x04, 0x25, 0x10, 0x00, 0x00, 0x00)); /* mov %eax,%fs:0x10 */
    sd_expect(&d, 8, 4, STORE_SOURCE_GPR, 0, false);
    CHECK(SD_DECODE(&d, 0x67, 0x89, 0x07)); /* addr32 mov %eax,(%edi) */
    sd_expect(&d, 3, 4, STORE_SOURCE_GPR, 0, false);
}

TEST(store_decode_immediates)
{
    struct store_insn d;
    CHECK(SD_DECODE(&d, 0xc6, 0x00, 0x7f)); /* movb $0x7f,(%rax) */
    CHECK_EQ(d.length, 3);
    CHECK_EQ(d.width, 1);
    CHECK_EQ(d.source, STORE_SOURCE_IMM);
    CHECK_EQ(d.imm, 0x7f);
    CHECK(SD_DECODE(&d, 0x66, 0xc7, 0x43, 0x04, 0xfe, 0xff)); /* movw $-2,4(%rbx) */
    CHECK_EQ(d.length, 6);
    CHECK_EQ(d.width, 2);
    CHECK_EQ(d.imm, 0xfffe);
    CHECK(SD_DECODE(&d, 0xc7, 0x01, 0xef, 0xbe, 0xad, 0xde)); /* movl $0xdeadbeef,(%rcx) */
    CHECK_EQ(d.length, 6);
    CHECK_EQ(d.width, 4);
    CHECK_EQ(d.imm, 0xdeadbeef);
    CHECK(SD_DECODE(&d, 0x48, 0xc7, 0x42, 0x08, 0xff, 0xff, 0xff, 0xff)); /* movq $-1,0x8(%rdx) */
    CHECK_EQ(d.length, 8);
    CHECK_EQ(d.width, 8);
    CHECK_EQ(d.imm, ~0ull);
    /* movq $0x12345678,0x11223344(%rip): RIP-relative disp32, then imm32 */
    CHECK(SD_DECODE(&d, 0x48, 0xc7, 0x05, 0x44, 0x33, 0x22, 0x11, 0x78, 0x56, 0x34, 0x12));
    CHECK_EQ(d.length, 11);
    CHECK_EQ(d.width, 8);
    CHECK_EQ(d.imm, 0x12345678);
}

TEST(store_decode_sse_stores)
{
    struct store_insn d;
    CHECK(SD_DECODE(&d, 0x0f, 0x11, 0x0f)); /* movups %xmm1,(%rdi) */
    sd_expect(&d, 3, 16, STORE_SOURCE_XMM, 1, 0);
    CHECK(SD_DECODE(&d, 0x44, 0x0f, 0x29, 0x4e, 0x10)); /* movaps %xmm9,0x10(%rsi) */
    sd_expect(&d, 5, 16, STORE_SOURCE_XMM, 9, 0);
    CHECK(SD_DECODE(&d, 0xf3, 0x0f, 0x7f, 0x10)); /* movdqu %xmm2,(%rax) */
    sd_expect(&d, 4, 16, STORE_SOURCE_XMM, 2, 0);
    CHECK(SD_DECODE(&d, 0x66, 0x45, 0x0f, 0x7f, 0x38)); /* movdqa %xmm15,(%r8) */
    sd_expect(&d, 5, 16, STORE_SOURCE_XMM, 15, 0);
    CHECK(SD_DECODE(&d, 0x66, 0x0f, 0xd6, 0x1a)); /* movq %xmm3,(%rdx) */
    sd_expect(&d, 4, 8, STORE_SOURCE_XMM, 3, 0);
    CHECK(SD_DECODE(&d, 0x66, 0x0f, 0x7e, 0x21)); /* movd %xmm4,(%rcx) */
    sd_expect(&d, 4, 4, STORE_SOURCE_XMM, 4, 0);
    CHECK(SD_DECODE(&d, 0xf3, 0x0f, 0x11, 0x33)); /* movss %xmm6,(%rbx) */
    sd_expect(&d, 4, 4, STORE_SOURCE_XMM, 6, 0);
    CHECK(SD_DECODE(&d, 0xf2, 0x0f, 0x11, 0x3b)); /* movsd %xmm7,(%rbx) */
    sd_expect(&d, 4, 8, STORE_SOURCE_XMM, 7, 0);
    CHECK(SD_DECODE(&d, 0x0f, 0x17, 0x4f, 0x08)); /* movhps %xmm1,0x8(%rdi) */
    sd_expect(&d, 4, 8, STORE_SOURCE_XMM, 1, 8);
    CHECK(SD_DECODE(&d, 0x0f, 0x13, 0x0f)); /* movlps %xmm1,(%rdi) */
    sd_expect(&d, 3, 8, STORE_SOURCE_XMM, 1, 0);
    CHECK(SD_DECODE(&d, 0x66, 0x0f, 0xe7, 0x07)); /* movntdq %xmm0,(%rdi) */
    sd_expect(&d, 4, 16, STORE_SOURCE_XMM, 0, 0);
    CHECK(SD_DECODE(&d, 0x0f, 0xc3, 0x07)); /* movnti %eax,(%rdi) */
    sd_expect(&d, 3, 4, STORE_SOURCE_GPR, 0, false);
    CHECK(SD_DECODE(&d, 0x48, 0x0f, 0xc3, 0x07)); /* movnti %rax,(%rdi) */
    sd_expect(&d, 4, 8, STORE_SOURCE_GPR, 0, false);
}

TEST(store_decode_refuses_the_rest)
{
    struct store_insn d;
    CHECK(!SD_DECODE(&d, 0x89, 0xc3));                   /* mov %eax,%ebx: no memory operand */
    CHECK(!SD_DECODE(&d, 0x66, 0x48, 0x0f, 0x7e, 0xe8)); /* movq %xmm5,%rax: register */
    CHECK(!SD_DECODE(&d, 0xf3, 0x0f, 0x7e, 0x10));       /* movq (%rax),%xmm2: a load */
    CHECK(!SD_DECODE(&d, 0x0f, 0x7f, 0x10));             /* movq %mm2,(%rax): MMX */
    CHECK(!SD_DECODE(&d, 0xc7, 0xf8, 0x00, 0x00, 0x00, 0x00)); /* xbegin: C7 /7 */
}

TEST(store_decode_needs_every_byte)
{
    /* movq $-1,0x8(%rdx) is 8 bytes: each shorter copy fails. */
    static const uint8_t insn[] = { 0x48, 0xc7, 0x42, 0x08, 0xff, 0xff, 0xff, 0xff };
    struct store_insn d;
    for (size_t len = 0; len < sizeof insn; len++)
        CHECK(!store_decode(insn, len, &d));
    CHECK(store_decode(insn, sizeof insn, &d));
    CHECK_EQ(d.length, sizeof insn);
    /* 15 prefixes leave no room for an opcode: longer than any legal instruction. */
    uint8_t prefixes[STORE_DECODE_MAX_LENGTH + 2];
    for (size_t i = 0; i < sizeof prefixes; i++)
        prefixes[i] = 0x66;
    prefixes[sizeof prefixes - 2] = 0x89;
    prefixes[sizeof prefixes - 1] = 0x07;
    CHECK(!store_decode(prefixes, sizeof prefixes, &d));
}

TEST(store_decode_effective_addresses)
{
    uint64_t gpr[16];
    for (unsigned i = 0; i < 16; i++)
        gpr[i] = 0x10000 * (i + 1);
    const uint64_t rip = 0x401000, fs = 0x7000000;
    struct store_insn d;
    CHECK(SD_DECODE(&d, 0x4d, 0x89, 0xbc, 0xc5, 0x00, 0x01, 0x00, 0x00)); /* mov %r15,0x100(%r13,%rax,8) */
    CHECK_EQ(store_effective_address(&d, gpr, rip, fs, 0), gpr[13] + gpr[0] * 8 + 0x100);
    CHECK(SD_DECODE(&d, 0x89, 0x4d, 0xf8)); /* mov %ecx,-0x8(%rbp) */
    CHECK_EQ(store_effective_address(&d, gpr, rip, fs, 0), gpr[5] - 8);
    CHECK(SD_DECODE(&d, 0x89, 0x14, 0x45, 0x00, 0x00, 0x00, 0x00)); /* mov %edx,0x0(,%rax,2) */
    CHECK_EQ(store_effective_address(&d, gpr, rip, fs, 0), gpr[0] * 2);
    CHECK(SD_DECODE(&d, 0x48, 0x89, 0x04, 0x24)); /* mov %rax,(%rsp) */
    CHECK_EQ(store_effective_address(&d, gpr, rip, fs, 0), gpr[4]);
    CHECK(SD_DECODE(&d, 0x47, 0x88, 0x0c, 0x9a)); /* mov %r9b,(%r10,%r11,4) */
    CHECK_EQ(store_effective_address(&d, gpr, rip, fs, 0), gpr[10] + gpr[11] * 4);
    /* movq $0x12345678,0x11223344(%rip): RIP of the next instruction (11 bytes on) */
    CHECK(SD_DECODE(&d, 0x48, 0xc7, 0x05, 0x44, 0x33, 0x22, 0x11, 0x78, 0x56, 0x34, 0x12));
    CHECK_EQ(store_effective_address(&d, gpr, rip, fs, 0), rip + 11 + 0x11223344);
    CHECK(SD_DECODE(&d, 0x64, 0x89, 0x04, 0x25, 0x10, 0x00, 0x00, 0x00)); /* mov %eax,%fs:0x10 */
    CHECK_EQ(store_effective_address(&d, gpr, rip, fs, 0), fs + 0x10);
    CHECK(SD_DECODE(&d, 0x44, 0x0f, 0x29, 0x4e, 0x10)); /* movaps %xmm9,0x10(%rsi) */
    CHECK_EQ(store_effective_address(&d, gpr, rip, fs, 0), gpr[6] + 0x10);
    CHECK(SD_DECODE(&d, 0x41, 0x89, 0x55, 0x00)); /* mov %edx,0x0(%r13) */
    CHECK_EQ(store_effective_address(&d, gpr, rip, fs, 0), gpr[13]);
    gpr[7] = 0x1234567890ull;
    CHECK(SD_DECODE(&d, 0x67, 0x89, 0x07)); /* addr32 mov %eax,(%edi) */
    CHECK_EQ(store_effective_address(&d, gpr, rip, fs, 0), 0x34567890ull);
}

TEST(store_decode_string_stores)
{
    struct store_insn d;
    CHECK(SD_DECODE(&d, 0xf3, 0x48, 0xab)); /* rep stos %rax,%es:(%rdi) */
    sd_expect(&d, 3, 8, STORE_SOURCE_STOS, 0, true);
    CHECK(SD_DECODE(&d, 0xf3, 0xaa)); /* rep stos %al,%es:(%rdi) */
    sd_expect(&d, 2, 1, STORE_SOURCE_STOS, 0, true);
    CHECK(SD_DECODE(&d, 0xab)); /* stos %eax,%es:(%rdi) */
    sd_expect(&d, 1, 4, STORE_SOURCE_STOS, 0, false);
    CHECK(SD_DECODE(&d, 0x66, 0xf3, 0xab)); /* rep stos %ax,%es:(%rdi) */
    sd_expect(&d, 3, 2, STORE_SOURCE_STOS, 0, true);
    CHECK(SD_DECODE(&d, 0xf3, 0x48, 0xa5)); /* rep movsq %ds:(%rsi),%es:(%rdi) */
    sd_expect(&d, 3, 8, STORE_SOURCE_MOVS, 0, true);
    CHECK(SD_DECODE(&d, 0xa4)); /* movsb %ds:(%rsi),%es:(%rdi) */
    sd_expect(&d, 1, 1, STORE_SOURCE_MOVS, 0, false);
    CHECK(SD_DECODE(&d, 0x66, 0xf3, 0xa5)); /* rep movsw %ds:(%rsi),%es:(%rdi) */
    sd_expect(&d, 3, 2, STORE_SOURCE_MOVS, 0, true);
    CHECK(!SD_DECODE(&d, 0x67, 0xf3, 0xaa)); /* rep stos %al,%es:(%edi): 32-bit addressing */
    CHECK(!SD_DECODE(&d, 0xf2, 0xaa));       /* repnz stos %al,%es:(%rdi) */
    CHECK(!SD_DECODE(&d, 0x64, 0xf3, 0xa4)); /* rep movsb %fs:(%rsi),%es:(%rdi) */
}

/* The ALU form's shape: alu op, width, length, and the operand (register or immediate). */
static void sd_expect_alu(const struct store_insn *d, unsigned length, unsigned width, enum store_alu alu,
                          enum store_source src, uint64_t operand)
{
    CHECK_EQ(d->length, length);
    CHECK_EQ(d->width, width);
    CHECK_EQ(d->alu, alu);
    CHECK_EQ(d->source, src);
    CHECK_EQ(src == STORE_SOURCE_GPR ? d->reg : d->imm, operand);
}

TEST(store_decode_read_modify_write_without_lock)
{
    struct store_insn d;
    CHECK(SD_DECODE(&d, 0x48, 0x83, 0x05, 0x10, 0x00, 0x00, 0x00, 0x01)); /* addq $0x1,0x10(%rip) */
    sd_expect_alu(&d, 8, 8, STORE_ALU_ADD, STORE_SOURCE_IMM, 1);
    CHECK(d.mem.rip_relative && d.mem.disp == 0x10);
    CHECK(SD_DECODE(&d, 0xff, 0x07)); /* incl (%rdi) */
    sd_expect_alu(&d, 2, 4, STORE_ALU_INC, STORE_SOURCE_IMM, 0);
    CHECK(SD_DECODE(&d, 0xfe, 0x48, 0x03)); /* decb 0x3(%rax) */
    sd_expect_alu(&d, 3, 1, STORE_ALU_DEC, STORE_SOURCE_IMM, 0);
    CHECK(SD_DECODE(&d, 0x01, 0x07)); /* add %eax,(%rdi) */
    sd_expect_alu(&d, 2, 4, STORE_ALU_ADD, STORE_SOURCE_GPR, 0);
    CHECK(SD_DECODE(&d, 0x4c, 0x29, 0x4c, 0x24, 0x08)); /* sub %r9,0x8(%rsp) */
    sd_expect_alu(&d, 5, 8, STORE_ALU_SUB, STORE_SOURCE_GPR, 9);
    CHECK(SD_DECODE(&d, 0x08, 0x23)); /* or %ah,(%rbx) */
    sd_expect_alu(&d, 2, 1, STORE_ALU_OR, STORE_SOURCE_GPR, 0);
    CHECK(d.high_byte);
    CHECK(SD_DECODE(&d, 0x66, 0x81, 0x31, 0x34, 0x12)); /* xorw $0x1234,(%rcx) */
    sd_expect_alu(&d, 5, 2, STORE_ALU_XOR, STORE_SOURCE_IMM, 0x1234);
    CHECK(SD_DECODE(&d, 0x83, 0x22, 0xf0)); /* andl $0xfffffff0,(%rdx) */
    sd_expect_alu(&d, 3, 4, STORE_ALU_AND, STORE_SOURCE_IMM, 0xfffffff0);
    CHECK(SD_DECODE(&d, 0x48, 0x83, 0x16, 0xfb)); /* adcq $-5,(%rsi) */
    sd_expect_alu(&d, 4, 8, STORE_ALU_ADC, STORE_SOURCE_IMM, (uint64_t)-5);
    CHECK(SD_DECODE(&d, 0x19, 0x0f)); /* sbb %ecx,(%rdi) */
    sd_expect_alu(&d, 2, 4, STORE_ALU_SBB, STORE_SOURCE_GPR, 1);
    CHECK(SD_DECODE(&d, 0x48, 0xf7, 0x17)); /* notq (%rdi) */
    sd_expect_alu(&d, 3, 8, STORE_ALU_NOT, STORE_SOURCE_IMM, 0);
    CHECK(SD_DECODE(&d, 0x66, 0xf7, 0x1f)); /* negw (%rdi) */
    sd_expect_alu(&d, 3, 2, STORE_ALU_NEG, STORE_SOURCE_IMM, 0);
    CHECK(SD_DECODE(&d, 0x80, 0x07, 0x07)); /* addb $0x7,(%rdi) */
    sd_expect_alu(&d, 3, 1, STORE_ALU_ADD, STORE_SOURCE_IMM, 7);
    CHECK(SD_DECODE(&d, 0x48, 0x81, 0x0f, 0xff, 0xff, 0xff, 0x7f)); /* orq $0x7fffffff,(%rdi) */
    sd_expect_alu(&d, 7, 8, STORE_ALU_OR, STORE_SOURCE_IMM, 0x7fffffff);
    CHECK(SD_DECODE(&d, 0x88, 0x07)); /* mov %al,(%rdi): a plain store */
    CHECK_EQ(d.alu, STORE_ALU_NONE);
    CHECK(!SD_DECODE(&d, 0x39, 0x07));                   /* cmp %eax,(%rdi) */
    CHECK(!SD_DECODE(&d, 0x48, 0x83, 0x3f, 0x01));       /* cmpq $0x1,(%rdi) */
    CHECK(!SD_DECODE(&d, 0x03, 0x07));                   /* add (%rdi),%eax: a load */
    CHECK(!SD_DECODE(&d, 0xf7, 0x07, 0x01, 0, 0, 0));    /* testl $0x1,(%rdi) */
    CHECK(!SD_DECODE(&d, 0xff, 0x17));                   /* call *(%rdi) */
    CHECK(!SD_DECODE(&d, 0xff, 0x37));                   /* push (%rdi) */
    CHECK(!SD_DECODE(&d, 0x01, 0xc3));                   /* add %eax,%ebx */
}

/* The atomic forms: the lock-prefixed ALU forms, xchg, (lock) xadd, (lock) cmpxchg. */
TEST(store_decode_atomic_forms)
{
    struct store_insn d;
    CHECK(SD_DECODE(&d, 0xf0, 0x83, 0x07, 0x01)); /* lock addl $0x1,(%rdi) */
    sd_expect_alu(&d, 4, 4, STORE_ALU_ADD, STORE_SOURCE_IMM, 1);
    CHECK_EQ(d.atomic, STORE_ATOMIC_ALU);
    CHECK(SD_DECODE(&d, 0xf0, 0xff, 0x07)); /* lock incl (%rdi) */
    sd_expect_alu(&d, 3, 4, STORE_ALU_INC, STORE_SOURCE_IMM, 0);
    CHECK_EQ(d.atomic, STORE_ATOMIC_ALU);
    CHECK(SD_DECODE(&d, 0xf0, 0x48, 0x09, 0x0f)); /* lock or %rcx,(%rdi) */
    sd_expect_alu(&d, 4, 8, STORE_ALU_OR, STORE_SOURCE_GPR, 1);
    CHECK_EQ(d.atomic, STORE_ATOMIC_ALU);
    CHECK(SD_DECODE(&d, 0x66, 0xf0, 0xf7, 0x1f)); /* lock negw (%rdi) */
    sd_expect_alu(&d, 4, 2, STORE_ALU_NEG, STORE_SOURCE_IMM, 0);
    CHECK(SD_DECODE(&d, 0x87, 0x07)); /* xchg %eax,(%rdi) */
    sd_expect_alu(&d, 2, 4, STORE_ALU_NONE, STORE_SOURCE_GPR, 0);
    CHECK_EQ(d.atomic, STORE_ATOMIC_XCHG);
    CHECK(SD_DECODE(&d, 0x86, 0x27)); /* xchg %ah,(%rdi) */
    sd_expect_alu(&d, 2, 1, STORE_ALU_NONE, STORE_SOURCE_GPR, 0);
    CHECK(d.high_byte && d.atomic == STORE_ATOMIC_XCHG);
    CHECK(SD_DECODE(&d, 0xf0, 0x0f, 0xb1, 0x0f)); /* lock cmpxchg %ecx,(%rdi) */
    sd_expect_alu(&d, 4, 4, STORE_ALU_NONE, STORE_SOURCE_GPR, 1);
    CHECK_EQ(d.atomic, STORE_ATOMIC_CMPXCHG);
    CHECK(SD_DECODE(&d, 0xf0, 0x4c, 0x0f, 0xb1, 0x45, 0x08)); /* lock cmpxchg %r8,0x8(%rbp) */
    sd_expect_alu(&d, 6, 8, STORE_ALU_NONE, STORE_SOURCE_GPR, 8);
    CHECK(SD_DECODE(&d, 0x0f, 0xb0, 0x0f)); /* cmpxchg %cl,(%rdi): unlocked, taken as atomic */
    sd_expect_alu(&d, 3, 1, STORE_ALU_NONE, STORE_SOURCE_GPR, 1);
    CHECK_EQ(d.atomic, STORE_ATOMIC_CMPXCHG);
    CHECK(SD_DECODE(&d, 0x66, 0xf0, 0x0f, 0xc1, 0x07)); /* lock xadd %ax,(%rdi) */
    sd_expect_alu(&d, 5, 2, STORE_ALU_NONE, STORE_SOURCE_GPR, 0);
    CHECK_EQ(d.atomic, STORE_ATOMIC_XADD);
    CHECK(!SD_DECODE(&d, 0xf0, 0x89, 0x07));             /* lock mov: #UD */
    CHECK(!SD_DECODE(&d, 0xf0, 0x0f, 0x11, 0x07));       /* lock movups: #UD */
    CHECK(!SD_DECODE(&d, 0xf0, 0xab));                   /* lock stos: #UD */
    CHECK(!SD_DECODE(&d, 0xf0, 0x39, 0x07));             /* lock cmp: #UD */
    CHECK(!SD_DECODE(&d, 0xf2, 0xf0, 0x01, 0x07));       /* xacquire lock add: HLE */
    CHECK(!SD_DECODE(&d, 0x87, 0xc3));                   /* xchg %eax,%ebx: registers */
    CHECK(!SD_DECODE(&d, 0xf0, 0x0f, 0xc7, 0x0f));       /* lock cmpxchg8b (%rdi) */
    CHECK(!SD_DECODE(&d, 0xf0, 0x0f, 0xba, 0x27, 0x03)); /* lock bt $3,(%rdi): no store */
    CHECK(!SD_DECODE(&d, 0xf0, 0x0f, 0xa3, 0x07));       /* lock bt %eax,(%rdi) */
}

/* bts/btr/btc: the register form addresses a bit string, the imm8 form its operand. */
TEST(store_decode_bit_forms)
{
    struct store_insn d;
    CHECK(SD_DECODE(&d, 0xf0, 0x48, 0x0f, 0xab, 0x07)); /* lock bts %rax,(%rdi) */
    sd_expect_alu(&d, 5, 8, STORE_ALU_BTS, STORE_SOURCE_GPR, 0);
    CHECK(d.atomic == STORE_ATOMIC_ALU && d.mem.bit_string);
    uint64_t gpr[16] = { 0 };
    gpr[7] = 0x1000;
    gpr[0] = 70; /* qword 1, bit 6 */
    CHECK_EQ(store_effective_address(&d, gpr, 0, 0, 0), 0x1008);
    gpr[0] = (uint64_t)-1; /* qword -1, bit 63 */
    CHECK_EQ(store_effective_address(&d, gpr, 0, 0, 0), 0xff8);
    gpr[0] = 1ull << 63; /* the lowest offset: 2^57 qwords down */
    CHECK_EQ(store_effective_address(&d, gpr, 0, 0, 0), 0x1000 - (1ull << 60));
    CHECK(SD_DECODE(&d, 0x66, 0x0f, 0xb3, 0x0f)); /* btr %cx,(%rdi): unlocked */
    sd_expect_alu(&d, 4, 2, STORE_ALU_BTR, STORE_SOURCE_GPR, 1);
    CHECK_EQ(d.atomic, STORE_ATOMIC_NONE);
    gpr[1] = 0xfff0; /* -16 as a 16-bit offset: word -1 */
    CHECK_EQ(store_effective_address(&d, gpr, 0, 0, 0), 0xffe);
    CHECK(SD_DECODE(&d, 0xf0, 0x0f, 0xba, 0x3f, 0x21)); /* lock btc $33,(%rdi) */
    sd_expect_alu(&d, 5, 4, STORE_ALU_BTC, STORE_SOURCE_IMM, 33);
    CHECK(d.atomic == STORE_ATOMIC_ALU && !d.mem.bit_string);
    CHECK_EQ(store_effective_address(&d, gpr, 0, 0, 0), 0x1000);
}
