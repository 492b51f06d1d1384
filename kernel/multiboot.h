/* SPDX-License-Identifier: MIT */
/* Multiboot v1 boot information, checked and copied into kernel-owned storage.
 * Follows the Multiboot Specification 0.6.96 section 3.3. Portable: the structure
 * is read through a caller-supplied physical reader, so host tests feed it bytes. */
#ifndef KERNEL_MULTIBOOT_H
#define KERNEL_MULTIBOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/cmdline.h"

#define MULTIBOOT_BOOT_MAGIC 0x2BADB002u /* eax from a compliant loader (spec 3.2) */
#define BOOT_MAX_MEMORY_REGIONS 64
#define BOOT_MAX_MODULES 8
#define BOOT_MODULE_CMDLINE_MAX 256
#define BOOT_LOADER_NAME_MAX 64

enum boot_memory_type { BOOT_MEMORY_USABLE = 1, BOOT_MEMORY_RESERVED = 2 };

struct boot_memory_region {
    uint64_t base;
    uint64_t length;
    enum boot_memory_type type;
};

struct boot_module {
    uint64_t start; /* physical, inclusive */
    uint64_t end;   /* physical, exclusive */
    char cmdline[BOOT_MODULE_CMDLINE_MAX];
};

struct boot_info {
    char cmdline[CMDLINE_MAX];
    bool cmdline_too_long;  /* the loader's line did not fit: cmdline holds its start only */
    char loader_name[BOOT_LOADER_NAME_MAX];
    size_t region_count;
    struct boot_memory_region regions[BOOT_MAX_MEMORY_REGIONS];
    size_t module_count;
    struct boot_module modules[BOOT_MAX_MODULES];
    uint32_t mbi_phys; /* where the loader left the structure, to keep it out of the allocator */
};

/* The module whose command line has this word holds the program's environment: NAME=VALUE
 * entries, each ended by a NUL (tools/dsmk run --env). */
#define BOOT_MODULE_ENV "env"

/* Finds word (or, when prefix, a word starting with it) among the space-separated words of
 * a module command line: the word's start, or NULL. */
const char *boot_module_word(const char *cmdline, const char *word, bool prefix);

/* Copies len bytes at physical address phys into dst; false if that range cannot be read. */
typedef bool (*boot_phys_reader)(void *ctx, uint64_t phys, void *dst, size_t len);

/* Checks the loader's magic and structure at mbi_phys and fills info. Returns true on
 * success; otherwise writes the reason to err and returns false. Never trusts a length
 * or pointer without a bound. */
bool multiboot_parse(uint32_t magic, uint32_t mbi_phys, boot_phys_reader read, void *ctx, struct boot_info *info,
                     char *err, size_t err_size);

#endif
