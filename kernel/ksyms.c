/* SPDX-License-Identifier: MIT */
/* Symbol lookup over the generated table: binary search for the last symbol at or below
 * the address, bounded by the end of kernel text. */
#include "kernel/ksyms.h"

extern const char _text_start[], _text_end[];

const char *ksym_lookup(uint64_t address, uint64_t *offset)
{
    if (ksym_count == 0 || address < (uint64_t)_text_start || address >= (uint64_t)_text_end)
        return NULL;
    size_t lo = 0, hi = ksym_count;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (ksym_table[mid].address <= address)
            lo = mid;
        else
            hi = mid;
    }
    if (ksym_table[lo].address > address)
        return NULL;
    *offset = address - ksym_table[lo].address;
    return ksym_table[lo].name;
}
