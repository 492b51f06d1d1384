/* SPDX-License-Identifier: MIT */
/* The kernel's own text symbols, generated at link time (tools/gen_ksyms.py) so that
 * exception reports and backtraces name functions. Sorted by address. */
#ifndef KERNEL_KSYMS_H
#define KERNEL_KSYMS_H

#include <stddef.h>
#include <stdint.h>

struct ksym {
    uint64_t address;
    const char *name;
};

extern const struct ksym ksym_table[];
extern const size_t ksym_count;

/* Names the function containing address: returns its name and sets *offset, or NULL. */
const char *ksym_lookup(uint64_t address, uint64_t *offset);

#endif
