/* SPDX-License-Identifier: MIT */
/* x86-64 store decoder (kernel/store_decode.h), after SDM vol. 2 chapter 2 (instruction
 * format, REX 2.2.1, ModRM/SIB tables 2-2/2-3 read in 64-bit mode, RIP-relative 2.2.1.6)
 * and the opcode pages of MOV, MOVNTI and the SSE moves. 64-bit mode only; no VEX (the
 * kernel leaves AVX disabled, arch/fpu.h), no 3DNow!, no MMX. */
#include "kernel/store_decode.h"

/* Legacy prefixes (SDM vol. 2 2.1.1). */
#define SD_PREFIX_LOCK 0xf0
#define SD_PREFIX_REPNE 0xf2 /* also selects the scalar-double SSE form */
#define SD_PREFIX_REP 0xf3   /* also selects the scalar-single / dqu SSE form */
#define SD_PREFIX_OPSIZE 0x66
#define SD_PREFIX_ADDRSIZE 0x67
#define SD_PREFIX_ES 0x26
#define SD_PREFIX_CS 0x2e
#define SD_PREFIX_SS 0x36
#define SD_PREFIX_DS 0x3e
#define SD_PREFIX_FS 0x64
#define SD_PREFIX_GS 0x65
/* REX (SDM vol. 2 2.2.1): 0100WRXB. */
#define SD_REX_MASK 0xf0
#define SD_REX_BASE 0x40
#define SD_REX_W 0x08
#define SD_REX_R 0x04
#define SD_REX_X 0x02
#define SD_REX_B 0x01
/* Opcodes. */
#define SD_OP_ESCAPE 0x0f
#define SD_OP_MOV_RM8_R8 0x88
#define SD_OP_MOV_RM_R 0x89
#define SD_OP_MOV_RM8_IMM8 0xc6
#define SD_OP_MOV_RM_IMM 0xc7
#define SD_OP_ALU_LAST 0x31     /* 00-31: ADD OR ADC SBB AND SUB XOR r/m, r (8 = opcode group) */
#define SD_OP_ALU_GROUP_SHIFT 3
#define SD_OP_ALU_FORM_MASK 7   /* low bits 0: r/m8, r8; 1: r/m, r (2-5: other directions) */
#define SD_ALU_GROUP_CMP 7      /* 38/39 and 80 /7: compare, no store */
#define SD_OP_ALU_IMM8 0x80     /* r/m8, imm8 (/0../6) */
#define SD_OP_ALU_IMM 0x81      /* r/m, imm16/32 */
#define SD_OP_ALU_IMM8_SX 0x83  /* r/m, imm8 sign-extended */
#define SD_OP_INC_DEC8 0xfe     /* /0 inc, /1 dec */
#define SD_OP_INC_DEC 0xff      /* /0 inc, /1 dec (/2../7: call, jmp, push) */
#define SD_OP_UNARY8 0xf6       /* /2 not, /3 neg (/0 test, /4../7 mul, div) */
#define SD_OP_UNARY 0xf7
#define SD_EXT_INC 0
#define SD_EXT_DEC 1
#define SD_EXT_NOT 2
#define SD_EXT_NEG 3
#define SD_OP_MOVSB 0xa4
#define SD_OP_MOVS 0xa5        /* 66: movsw, REX.W: movsq, else movsd */
#define SD_OP_STOSB 0xaa
#define SD_OP_STOS 0xab        /* 66: stosw, REX.W: stosq, else stosd */
#define SD_OP_XCHG_RM8_R8 0x86
#define SD_OP_XCHG_RM_R 0x87
#define SD_OP2_CMPXCHG_RM8_R8 0xb0
#define SD_OP2_CMPXCHG_RM_R 0xb1
#define SD_OP2_XADD_RM8_R8 0xc0
#define SD_OP2_XADD_RM_R 0xc1
#define SD_OP2_BTS_RM_R 0xab
#define SD_OP2_BTR_RM_R 0xb3
#define SD_OP2_BTC_RM_R 0xbb
#define SD_OP2_BT_GROUP_IMM8 0xba /* /4 bt (no store), /5 bts, /6 btr, /7 btc */
#define SD_EXT_BTS 5
#define SD_EXT_BTR 6
#define SD_EXT_BTC 7
#define SD_OP2_MOVUPS_STORE 0x11  /* 66: movupd, f3: movss, f2: movsd */
#define SD_OP2_MOVLPS_STORE 0x13  /* 66: movlpd */
#define SD_OP2_MOVHPS_STORE 0x17  /* 66: movhpd */
#define SD_OP2_MOVAPS_STORE 0x29  /* 66: movapd */
#define SD_OP2_MOVNTPS 0x2b       /* 66: movntpd */
#define SD_OP2_MOVD_STORE 0x7e    /* 66: movd/movq xmm -> r/m32/64 */
#define SD_OP2_MOVDQ_STORE 0x7f   /* 66: movdqa, f3: movdqu */
#define SD_OP2_MOVNTI 0xc3
#define SD_OP2_MOVQ_STORE 0xd6    /* 66: movq xmm -> m64 */
#define SD_OP2_MOVNTDQ 0xe7       /* 66 */
/* ModRM / SIB fields (SDM vol. 2 2.1.5). */
#define SD_MOD_MEM_NODISP 0
#define SD_MOD_MEM_DISP8 1
#define SD_MOD_MEM_DISP32 2
#define SD_MOD_REGISTER 3
#define SD_RM_SIB 4
#define SD_RM_RIP_RELATIVE 5 /* with mod 0 */
#define SD_SIB_BASE_NONE 5   /* with mod 0: disp32, no base */
#define SD_SIB_INDEX_NONE 4  /* index field 100 without REX.X: no index */
#define SD_GPR_HIGH_BYTE_FIRST 4 /* AH without REX (SDM vol. 2 3.1.1.1 table 3-1) */

enum sd_mandatory { SD_NONE, SD_66, SD_F3, SD_F2 };

struct sd_cursor {
    const uint8_t *bytes;
    size_t len, pos;
    bool ok;
};

static uint8_t sd_byte(struct sd_cursor *c)
{
    if (c->pos >= c->len || c->pos >= STORE_DECODE_MAX_LENGTH) {
        c->ok = false;
        return 0;
    }
    return c->bytes[c->pos++];
}

/* Little-endian immediate of size bytes, sign-extended to 64 bits. */
static uint64_t sd_imm(struct sd_cursor *c, unsigned size)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint64_t)sd_byte(c) << (8 * i);
    unsigned bits = 8 * size;
    if (bits < 64 && (v >> (bits - 1)) & 1)
        v |= ~0ull << bits;
    return v;
}

/* Reads ModRM and whatever addressing bytes follow into *mem; false for a register operand. */
static bool sd_memory_operand(struct sd_cursor *c, unsigned rex, unsigned *reg_field, struct store_mem *mem)
{
    uint8_t modrm = sd_byte(c);
    unsigned mod = modrm >> 6, rm = modrm & 7;
    unsigned rex_b = (rex & SD_REX_B) ? 8 : 0, rex_x = (rex & SD_REX_X) ? 8 : 0;
    *reg_field = (modrm >> 3) & 7;
    if (mod == SD_MOD_REGISTER)
        return false;
    unsigned disp = mod == SD_MOD_MEM_DISP8 ? 1 : mod == SD_MOD_MEM_DISP32 ? 4 : 0;
    mem->base = (uint8_t)(rm | rex_b);
    mem->index = STORE_REG_NONE;
    mem->scale = 1;
    if (rm == SD_RM_SIB) {
        uint8_t sib = sd_byte(c);
        unsigned index = ((sib >> 3) & 7) | rex_x;
        if (index != SD_SIB_INDEX_NONE)
            mem->index = (uint8_t)index;
        mem->scale = (uint8_t)(1u << (sib >> 6));
        mem->base = (uint8_t)((sib & 7) | rex_b);
        if (mod == SD_MOD_MEM_NODISP && (sib & 7) == SD_SIB_BASE_NONE) {
            mem->base = STORE_REG_NONE;
            disp = 4;
        }
    } else if (mod == SD_MOD_MEM_NODISP && rm == SD_RM_RIP_RELATIVE) {
        mem->base = STORE_REG_NONE;
        mem->rip_relative = true;
        disp = 4;
    }
    mem->disp = disp ? (int64_t)sd_imm(c, disp) : 0;
    return c->ok;
}

uint64_t store_effective_address(const struct store_insn *insn, const uint64_t gpr[16], uint64_t rip,
                                 uint64_t fs_base, uint64_t gs_base)
{
    const struct store_mem *m = &insn->mem;
    uint64_t ea = (uint64_t)m->disp;
    if (m->rip_relative)
        ea += rip + insn->length;
    if (m->base != STORE_REG_NONE)
        ea += gpr[m->base & 15];
    if (m->index != STORE_REG_NONE)
        ea += gpr[m->index & 15] * m->scale;
    if (m->bit_string) {
        /* Operands to move: the width-bit signed offset divided by width bits, rounded down
         * (an arithmetic shift, done on unsigned values: it is modulo 2^64 anyway). */
        unsigned bits = 8 * insn->width, shift = bits == 64 ? 6 : bits == 32 ? 5 : 4;
        uint64_t offset = bits == 64 ? gpr[insn->reg & 15] : gpr[insn->reg & 15] & ((1ull << bits) - 1);
        uint64_t operands = offset >> shift;
        if (offset >> (bits - 1))
            operands |= ~0ull << (bits - shift);
        ea += operands * insn->width;
    }
    if (m->addr32)
        ea &= UINT32_MAX;
    if (m->segment == SD_PREFIX_FS)
        ea += fs_base;
    else if (m->segment == SD_PREFIX_GS)
        ea += gs_base;
    return ea;
}

static bool sd_store_sse(struct sd_cursor *c, uint8_t op, enum sd_mandatory pre, unsigned rex, struct store_insn *out)
{
    unsigned width;
    out->source = STORE_SOURCE_XMM;
    switch (op) {
    case SD_OP2_MOVUPS_STORE: width = pre == SD_F3 ? 4 : pre == SD_F2 ? 8 : 16; break;
    case SD_OP2_MOVLPS_STORE: width = pre == SD_NONE || pre == SD_66 ? 8 : 0; break;
    case SD_OP2_MOVHPS_STORE:
        width = pre == SD_NONE || pre == SD_66 ? 8 : 0;
        out->xmm_offset = 8;
        break;
    case SD_OP2_MOVAPS_STORE: case SD_OP2_MOVNTPS: width = pre == SD_NONE || pre == SD_66 ? 16 : 0; break;
    case SD_OP2_MOVDQ_STORE: width = pre == SD_66 || pre == SD_F3 ? 16 : 0; break; /* none: MMX movq */
    case SD_OP2_MOVNTDQ: width = pre == SD_66 ? 16 : 0; break;
    case SD_OP2_MOVQ_STORE: width = pre == SD_66 ? 8 : 0; break;
    case SD_OP2_MOVD_STORE: width = pre == SD_66 ? ((rex & SD_REX_W) ? 8 : 4) : 0; break; /* f3: a load */
    case SD_OP2_MOVNTI:
        if (pre != SD_NONE)
            return false;
        width = (rex & SD_REX_W) ? 8 : 4;
        out->source = STORE_SOURCE_GPR;
        break;
    default: return false;
    }
    unsigned reg;
    if (width == 0 || !sd_memory_operand(c, rex, &reg, &out->mem))
        return false;
    out->width = width;
    out->reg = reg | ((rex & SD_REX_R) ? 8 : 0);
    return true;
}

/* The register operand of a ModRM reg field (AH..BH for 8-bit stores without REX). */
static void sd_gpr_source(struct store_insn *out, unsigned reg, unsigned rex)
{
    out->source = STORE_SOURCE_GPR;
    out->reg = reg | ((rex & SD_REX_R) ? 8 : 0);
    out->high_byte = out->width == 1 && rex == 0 && reg >= SD_GPR_HIGH_BYTE_FIRST;
    if (out->high_byte)
        out->reg = reg - SD_GPR_HIGH_BYTE_FIRST; /* AH is bits 8..15 of RAX */
}

/* An immediate of the store's width (imm32 sign-extended for 64-bit stores), masked. */
static void sd_imm_source(struct sd_cursor *c, struct store_insn *out, unsigned size)
{
    out->source = STORE_SOURCE_IMM;
    uint64_t imm = sd_imm(c, size);
    out->imm = out->width == 8 ? imm : imm & ((1ull << (8 * out->width)) - 1);
}

static bool sd_store_alu(struct sd_cursor *c, uint8_t op, bool opsize, unsigned rex, struct store_insn *out)
{
    bool byte_op = op == SD_OP_ALU_IMM8 || op == SD_OP_INC_DEC8 || op == SD_OP_UNARY8 ||
                   (op <= SD_OP_ALU_LAST && (op & 1) == 0);
    unsigned reg;
    out->width = byte_op ? 1 : (rex & SD_REX_W) ? 8 : opsize ? 2 : 4;
    if (!sd_memory_operand(c, rex, &reg, &out->mem))
        return false;
    if (op <= SD_OP_ALU_LAST) {
        out->alu = (enum store_alu)(STORE_ALU_ADD + (op >> SD_OP_ALU_GROUP_SHIFT));
        sd_gpr_source(out, reg, rex);
    } else if (op == SD_OP_ALU_IMM8 || op == SD_OP_ALU_IMM || op == SD_OP_ALU_IMM8_SX) {
        if (reg == SD_ALU_GROUP_CMP)
            return false;
        out->alu = (enum store_alu)(STORE_ALU_ADD + reg);
        sd_imm_source(c, out, op == SD_OP_ALU_IMM ? (out->width == 2 ? 2 : 4) : 1);
    } else if (op == SD_OP_INC_DEC8 || op == SD_OP_INC_DEC) {
        if (reg != SD_EXT_INC && reg != SD_EXT_DEC)
            return false;
        out->alu = reg == SD_EXT_INC ? STORE_ALU_INC : STORE_ALU_DEC;
        out->source = STORE_SOURCE_IMM;
    } else {
        if (reg != SD_EXT_NOT && reg != SD_EXT_NEG)
            return false;
        out->alu = reg == SD_EXT_NOT ? STORE_ALU_NOT : STORE_ALU_NEG;
        out->source = STORE_SOURCE_IMM;
    }
    return c->ok;
}

static bool sd_is_atomic2(uint8_t op)
{
    return op == SD_OP2_CMPXCHG_RM8_R8 || op == SD_OP2_CMPXCHG_RM_R || op == SD_OP2_XADD_RM8_R8 ||
           op == SD_OP2_XADD_RM_R;
}

/* xchg r/m, r (one-byte opcode) or the 0F cmpxchg / xadd forms (two_byte). */
static bool sd_store_atomic(struct sd_cursor *c, uint8_t op, bool two_byte, bool opsize, unsigned rex,
                            struct store_insn *out)
{
    unsigned reg;
    bool byte_op = op == (two_byte ? SD_OP2_CMPXCHG_RM8_R8 : SD_OP_XCHG_RM8_R8) || op == SD_OP2_XADD_RM8_R8;
    out->width = byte_op ? 1 : (rex & SD_REX_W) ? 8 : opsize ? 2 : 4;
    out->atomic = !two_byte ? STORE_ATOMIC_XCHG
                  : op == SD_OP2_XADD_RM8_R8 || op == SD_OP2_XADD_RM_R ? STORE_ATOMIC_XADD : STORE_ATOMIC_CMPXCHG;
    if (!sd_memory_operand(c, rex, &reg, &out->mem))
        return false;
    sd_gpr_source(out, reg, rex);
    return true;
}

static bool sd_is_bit_op(uint8_t op)
{
    return op == SD_OP2_BTS_RM_R || op == SD_OP2_BTR_RM_R || op == SD_OP2_BTC_RM_R || op == SD_OP2_BT_GROUP_IMM8;
}

/* bts/btr/btc r/m16/32/64 with a register (bit string) or imm8 bit offset. */
static bool sd_store_bit(struct sd_cursor *c, uint8_t op, bool opsize, unsigned rex, struct store_insn *out)
{
    unsigned reg;
    out->width = (rex & SD_REX_W) ? 8 : opsize ? 2 : 4;
    if (!sd_memory_operand(c, rex, &reg, &out->mem))
        return false;
    if (op != SD_OP2_BT_GROUP_IMM8) {
        out->alu = op == SD_OP2_BTS_RM_R ? STORE_ALU_BTS : op == SD_OP2_BTR_RM_R ? STORE_ALU_BTR : STORE_ALU_BTC;
        sd_gpr_source(out, reg, rex);
        out->mem.bit_string = true;
        return true;
    }
    if (reg != SD_EXT_BTS && reg != SD_EXT_BTR && reg != SD_EXT_BTC)
        return false;
    out->alu = reg == SD_EXT_BTS ? STORE_ALU_BTS : reg == SD_EXT_BTR ? STORE_ALU_BTR : STORE_ALU_BTC;
    out->source = STORE_SOURCE_IMM;
    out->imm = sd_imm(c, 1) & 0xff; /* taken modulo the operand size */
    return c->ok;
}

static bool sd_is_alu(uint8_t op)
{
    if (op <= SD_OP_ALU_LAST)
        return (op & SD_OP_ALU_FORM_MASK) <= 1 && (op >> SD_OP_ALU_GROUP_SHIFT) != SD_ALU_GROUP_CMP;
    return op == SD_OP_ALU_IMM8 || op == SD_OP_ALU_IMM || op == SD_OP_ALU_IMM8_SX || op == SD_OP_INC_DEC8 ||
           op == SD_OP_INC_DEC || op == SD_OP_UNARY8 || op == SD_OP_UNARY;
}

static bool sd_store_mov(struct sd_cursor *c, uint8_t op, bool opsize, unsigned rex, struct store_insn *out)
{
    unsigned width = (rex & SD_REX_W) ? 8 : opsize ? 2 : 4;
    unsigned reg;
    if (op == SD_OP_MOV_RM8_R8 || op == SD_OP_MOV_RM8_IMM8)
        width = 1;
    if (!sd_memory_operand(c, rex, &reg, &out->mem))
        return false;
    out->width = width;
    if (op == SD_OP_MOV_RM8_R8 || op == SD_OP_MOV_RM_R) {
        sd_gpr_source(out, reg, rex);
        return true;
    }
    if (reg != 0) /* C6/C7 with reg != 0 are other instructions (xabort, xbegin) */
        return false;
    sd_imm_source(c, out, width > 4 ? 4 : width);
    return c->ok;
}

bool store_decode(const uint8_t *bytes, size_t len, struct store_insn *out)
{
    struct sd_cursor c = { .bytes = bytes, .len = len, .pos = 0, .ok = true };
    enum sd_mandatory pre = SD_NONE;
    bool opsize = false, addr32 = false, lock = false;
    unsigned rex = 0;
    uint8_t segment = 0;
    *out = (struct store_insn){ 0 };
    uint8_t b;
    for (;;) {
        b = sd_byte(&c);
        if (!c.ok)
            return false;
        if ((b & SD_REX_MASK) == SD_REX_BASE) {
            rex = b; /* only a REX right before the opcode counts (SDM vol. 2 2.2.1) */
            continue;
        }
        if (b == SD_PREFIX_OPSIZE || b == SD_PREFIX_REP || b == SD_PREFIX_REPNE) {
            opsize |= b == SD_PREFIX_OPSIZE;
            /* Of 66/F2/F3, F2 and F3 take precedence as the SSE mandatory prefix. */
            if (b == SD_PREFIX_REP)
                pre = SD_F3;
            else if (b == SD_PREFIX_REPNE)
                pre = SD_F2;
            else if (pre == SD_NONE)
                pre = SD_66;
        } else if (b == SD_PREFIX_LOCK)
            lock = true;
        else if (b == SD_PREFIX_ADDRSIZE)
            addr32 = true;
        else if (b == SD_PREFIX_FS || b == SD_PREFIX_GS)
            segment = b;
        else if (b != SD_PREFIX_ES && b != SD_PREFIX_CS && b != SD_PREFIX_SS && b != SD_PREFIX_DS)
            break; /* ES/CS/SS/DS overrides are ignored in 64-bit mode (SDM vol. 1 3.3.7.1) */
        rex = 0;
    }
    bool ok;
    /* F2/F3 on a MOV or a locked instruction are the HLE xacquire/xrelease hints, on an ALU
     * form meaningless: refused. */
    bool no_rep = pre != SD_F2 && pre != SD_F3;
    if (b == SD_OP_ESCAPE) {
        uint8_t op = sd_byte(&c);
        if (sd_is_atomic2(op))
            ok = no_rep && sd_store_atomic(&c, op, true, opsize, rex, out);
        else if (sd_is_bit_op(op)) {
            ok = no_rep && sd_store_bit(&c, op, opsize, rex, out);
            out->atomic = lock ? STORE_ATOMIC_ALU : STORE_ATOMIC_NONE;
        } else
            ok = c.ok && !lock && sd_store_sse(&c, op, pre, rex, out);
    } else if (b == SD_OP_XCHG_RM8_R8 || b == SD_OP_XCHG_RM_R) {
        ok = no_rep && sd_store_atomic(&c, b, false, opsize, rex, out);
    } else if (lock) {
        /* Only the read-modify-write forms take a lock prefix (else #UD, SDM vol. 2 LOCK). */
        ok = no_rep && sd_is_alu(b) && sd_store_alu(&c, b, opsize, rex, out);
        out->atomic = STORE_ATOMIC_ALU;
    } else if (b == SD_OP_MOV_RM8_R8 || b == SD_OP_MOV_RM_R || b == SD_OP_MOV_RM8_IMM8 || b == SD_OP_MOV_RM_IMM) {
        ok = no_rep && sd_store_mov(&c, b, opsize, rex, out);
    } else if (sd_is_alu(b)) {
        ok = no_rep && sd_store_alu(&c, b, opsize, rex, out);
    } else if (b == SD_OP_MOVSB || b == SD_OP_MOVS || b == SD_OP_STOSB || b == SD_OP_STOS) {
        /* 32-bit addressing (ESI/EDI/ECX), a source segment override and repne are refused. */
        ok = !addr32 && segment == 0 && pre != SD_F2;
        out->rep = pre == SD_F3;
        out->source = b == SD_OP_MOVSB || b == SD_OP_MOVS ? STORE_SOURCE_MOVS : STORE_SOURCE_STOS;
        out->width = b == SD_OP_MOVSB || b == SD_OP_STOSB ? 1 : (rex & SD_REX_W) ? 8 : opsize ? 2 : 4;
    } else
        ok = false;
    if (!ok || !c.ok)
        return false;
    out->length = (unsigned)c.pos;
    out->mem.addr32 = addr32;
    out->mem.segment = segment;
    return true;
}
