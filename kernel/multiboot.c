/* SPDX-License-Identifier: MIT */
/* Multiboot v1 information parser (spec 0.6.96 section 3.3). Every string is read with a
 * bound and must be NUL-terminated within it; the memory map must be a whole number of
 * well-formed entries; module ranges must be ordered. Anything else is refused. */
#include "kernel/multiboot.h"

#include "kernel/format.h"
#include "kernel/libc.h"

/* Offsets and flag bits of struct multiboot_info (spec 3.3, "Boot information format"). */
#define MBI_FLAG_MEMORY 0x001
#define MBI_FLAG_CMDLINE 0x004
#define MBI_FLAG_MODULES 0x008
#define MBI_FLAG_MMAP 0x040
#define MBI_FLAG_LOADER_NAME 0x200
#define MBI_OFF_FLAGS 0
#define MBI_OFF_CMDLINE 16
#define MBI_OFF_MODS_COUNT 20
#define MBI_OFF_MODS_ADDR 24
#define MBI_OFF_MMAP_LENGTH 44
#define MBI_OFF_MMAP_ADDR 48
#define MBI_OFF_LOADER_NAME 64
#define MBI_SIZE 88
#define MBI_MODULE_SIZE 16         /* mod_start, mod_end, string, reserved */
#define MBI_MMAP_ENTRY_MIN_SIZE 20 /* base_addr(8) + length(8) + type(4), after the size field */
#define MBI_MMAP_MAX_BYTES 4096
#define MBI_MAX_MODULES_ACCEPTED 64 /* more than this is a corrupt count */

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
    return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

enum string_read { STRING_OK, STRING_UNREADABLE, STRING_TOO_LONG };

/* Reads a NUL-terminated string of at most max-1 characters into dst (always terminated). */
static enum string_read read_string(boot_phys_reader read, void *ctx, uint32_t phys, char *dst, size_t max)
{
    for (size_t i = 0; i < max; i++) {
        char c;
        if (!read(ctx, (uint64_t)phys + i, &c, 1)) {
            dst[i] = '\0';
            return STRING_UNREADABLE;
        }
        dst[i] = c;
        if (c == '\0')
            return STRING_OK;
    }
    dst[max - 1] = '\0';
    return STRING_TOO_LONG;
}

static bool parse_mmap(const uint8_t *mbi, boot_phys_reader read, void *ctx, struct boot_info *info, char *err,
                       size_t err_size)
{
    uint32_t length = le32(mbi + MBI_OFF_MMAP_LENGTH), addr = le32(mbi + MBI_OFF_MMAP_ADDR);
    if (length == 0 || length > MBI_MMAP_MAX_BYTES) {
        fmt_snprintf(err, err_size, "memory map length %u is not in 1..%d", length, MBI_MMAP_MAX_BYTES);
        return false;
    }
    uint8_t buf[MBI_MMAP_MAX_BYTES];
    if (!read(ctx, addr, buf, length)) {
        fmt_snprintf(err, err_size, "memory map at 0x%x is unreadable", addr);
        return false;
    }
    uint32_t pos = 0;
    while (pos < length) {
        if (length - pos < 4) {
            fmt_snprintf(err, err_size, "memory map entry at +%u is truncated", pos);
            return false;
        }
        uint32_t size = le32(buf + pos);
        if (size < MBI_MMAP_ENTRY_MIN_SIZE || size > length - pos - 4) {
            fmt_snprintf(err, err_size, "memory map entry at +%u has bad size %u", pos, size);
            return false;
        }
        if (info->region_count >= BOOT_MAX_MEMORY_REGIONS) {
            fmt_snprintf(err, err_size, "more than %d memory map entries", BOOT_MAX_MEMORY_REGIONS);
            return false;
        }
        struct boot_memory_region *r = &info->regions[info->region_count++];
        r->base = le64(buf + pos + 4);
        r->length = le64(buf + pos + 12);
        r->type = le32(buf + pos + 20) == BOOT_MEMORY_USABLE ? BOOT_MEMORY_USABLE : BOOT_MEMORY_RESERVED;
        if (r->base + r->length < r->base) {
            fmt_snprintf(err, err_size, "memory map entry 0x%llx+0x%llx wraps", (unsigned long long)r->base,
                         (unsigned long long)r->length);
            return false;
        }
        pos += size + 4;
    }
    return true;
}

static bool parse_modules(const uint8_t *mbi, boot_phys_reader read, void *ctx, struct boot_info *info, char *err,
                          size_t err_size)
{
    uint32_t count = le32(mbi + MBI_OFF_MODS_COUNT), addr = le32(mbi + MBI_OFF_MODS_ADDR);
    if (count > MBI_MAX_MODULES_ACCEPTED) {
        fmt_snprintf(err, err_size, "module count %u is implausible", count);
        return false;
    }
    if (count > BOOT_MAX_MODULES) {
        fmt_snprintf(err, err_size, "%u modules given, at most %d supported", count, BOOT_MAX_MODULES);
        return false;
    }
    for (uint32_t i = 0; i < count; i++) {
        uint8_t entry[MBI_MODULE_SIZE];
        if (!read(ctx, (uint64_t)addr + i * MBI_MODULE_SIZE, entry, sizeof entry)) {
            fmt_snprintf(err, err_size, "module %u descriptor is unreadable", i);
            return false;
        }
        struct boot_module *m = &info->modules[i];
        m->start = le32(entry);
        m->end = le32(entry + 4);
        if (m->end < m->start) {
            fmt_snprintf(err, err_size, "module %u ends (0x%llx) before it starts (0x%llx)", i,
                         (unsigned long long)m->end, (unsigned long long)m->start);
            return false;
        }
        uint32_t string = le32(entry + 8);
        m->cmdline[0] = '\0';
        if (string && read_string(read, ctx, string, m->cmdline, sizeof m->cmdline) != STRING_OK) {
            fmt_snprintf(err, err_size, "module %u command line is unreadable or too long", i);
            return false;
        }
    }
    info->module_count = count;
    return true;
}

bool multiboot_parse(uint32_t magic, uint32_t mbi_phys, boot_phys_reader read, void *ctx, struct boot_info *info,
                     char *err, size_t err_size)
{
    memset(info, 0, sizeof *info);
    info->mbi_phys = mbi_phys;
    if (magic != MULTIBOOT_BOOT_MAGIC) {
        fmt_snprintf(err, err_size, "boot magic 0x%x is not multiboot's 0x%x", magic, MULTIBOOT_BOOT_MAGIC);
        return false;
    }
    uint8_t mbi[MBI_SIZE];
    if (mbi_phys == 0 || !read(ctx, mbi_phys, mbi, sizeof mbi)) {
        fmt_snprintf(err, err_size, "multiboot information at 0x%x is unreadable", mbi_phys);
        return false;
    }
    uint32_t flags = le32(mbi + MBI_OFF_FLAGS);
    if (flags & MBI_FLAG_CMDLINE) {
        /* A command line that is merely too long is the command line's problem, refused by
         * cmdline parsing with its own status; an unreadable one is the structure's. */
        enum string_read r = read_string(read, ctx, le32(mbi + MBI_OFF_CMDLINE), info->cmdline, sizeof info->cmdline);
        if (r == STRING_UNREADABLE) {
            fmt_snprintf(err, err_size, "command line at 0x%x is unreadable", le32(mbi + MBI_OFF_CMDLINE));
            return false;
        }
        info->cmdline_too_long = r == STRING_TOO_LONG;
    }
    if (flags & MBI_FLAG_LOADER_NAME) {
        /* The loader's name is only shown: a long or unreadable one is cut, not refused. */
        read_string(read, ctx, le32(mbi + MBI_OFF_LOADER_NAME), info->loader_name, sizeof info->loader_name);
    }
    if (!(flags & MBI_FLAG_MMAP)) {
        fmt_snprintf(err, err_size, "the loader gave no memory map (flags 0x%x)", flags);
        return false;
    }
    if (!parse_mmap(mbi, read, ctx, info, err, err_size))
        return false;
    if ((flags & MBI_FLAG_MODULES) && !parse_modules(mbi, read, ctx, info, err, err_size))
        return false;
    return true;
}

const char *boot_module_word(const char *cmdline, const char *word, bool prefix)
{
    size_t wlen = strlen(word);
    for (const char *p = cmdline; *p;) {
        while (*p == ' ')
            p++;
        const char *start = p;
        while (*p && *p != ' ')
            p++;
        size_t len = (size_t)(p - start);
        if ((prefix ? len >= wlen : len == wlen) && strncmp(start, word, wlen) == 0)
            return start;
    }
    return NULL;
}
