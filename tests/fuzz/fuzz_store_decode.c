/* SPDX-License-Identifier: MIT */
/* Fuzzes the write-update store decoder (kernel/store_decode.h) on the bytes a user
 * program leaves at RIP: any input is decoded without a crash, an accepted store has a
 * sane shape, and it decodes the same from exactly its own bytes (nothing past its length
 * was read). */
#include <stdlib.h>

#include "kernel/store_decode.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct store_insn d, again;
    if (!store_decode(data, size, &d))
        return 0;
    if (d.length == 0 || d.length > STORE_DECODE_MAX_LENGTH || d.length > size)
        abort();
    if (d.width != 1 && d.width != 2 && d.width != 4 && d.width != 8 && d.width != 16)
        abort();
    if (d.reg > 15 || (d.source == STORE_SOURCE_XMM && d.xmm_offset + d.width > 16))
        abort();
    if (d.atomic != STORE_ATOMIC_NONE && (d.width > 8 || (d.atomic == STORE_ATOMIC_ALU) != (d.alu != STORE_ALU_NONE) ||
                                          (d.atomic != STORE_ATOMIC_ALU && d.source != STORE_SOURCE_GPR)))
        abort();
    if (!store_decode(data, d.length, &again) || again.length != d.length || again.width != d.width ||
        again.source != d.source || again.alu != d.alu || again.atomic != d.atomic || again.reg != d.reg || again.imm != d.imm || again.rep != d.rep ||
        again.mem.disp != d.mem.disp || again.mem.base != d.mem.base || again.mem.index != d.mem.index)
        abort();
    uint64_t gpr[16];
    for (unsigned i = 0; i < 16; i++)
        gpr[i] = 0x0101010101010101ull * i;
    if (d.source != STORE_SOURCE_STOS && d.source != STORE_SOURCE_MOVS)
        (void)store_effective_address(&d, gpr, 0x401000, 0x7000, 0);
    return 0;
}
