/* SPDX-License-Identifier: MIT */
/* Host tests of the multiboot v1 parser (kernel/multiboot.c) against a fake physical
 * memory: well-formed structures, each malformation the parser must name and refuse,
 * and random corruption that must never crash it (ASan/UBSan watch). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/multiboot.h"
#include "tests/host/check.h"

#define FAKE_PHYS_SIZE 0x20000u /* readable physical bytes [0, FAKE_PHYS_SIZE) */
#define MB_INFO 0x1000u          /* where each test builds its structures */
#define MB_MMAP 0x2000u
#define MB_MODS 0x3000u
#define MB_CMDLINE 0x4000u
#define MB_LOADER 0x5000u
#define MB_MOD_STRINGS 0x6000u
#define MB_FLAGS_ALL (0x001u | 0x004u | 0x008u | 0x040u | 0x200u) /* mem, cmdline, mods, mmap, loader */

struct fake_phys {
    uint8_t bytes[FAKE_PHYS_SIZE];
    unsigned reads; /* calls made, to bound work on hostile input */
};

static bool fake_read(void *ctx, uint64_t phys, void *dst, size_t len)
{
    struct fake_phys *m = ctx;
    m->reads++;
    if (phys >= FAKE_PHYS_SIZE || len > FAKE_PHYS_SIZE - phys)
        return false;
    memcpy(dst, m->bytes + phys, len);
    return true;
}

static void put32(struct fake_phys *m, uint32_t at, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        m->bytes[at + i] = (uint8_t)(v >> (8 * i));
}

static void put64(struct fake_phys *m, uint32_t at, uint64_t v)
{
    put32(m, at, (uint32_t)v);
    put32(m, at + 4, (uint32_t)(v >> 32));
}

static void put_mmap_entry(struct fake_phys *m, uint32_t at, uint32_t size, uint64_t base, uint64_t len, uint32_t type)
{
    put32(m, at, size);
    put64(m, at + 4, base);
    put64(m, at + 12, len);
    put32(m, at + 20, type);
}

/* A QEMU-like structure: 3 memory regions, 2 modules, a command line and a loader name. */
static struct fake_phys *fake_good(void)
{
    struct fake_phys *m = calloc(1, sizeof *m);
    put32(m, MB_INFO + 0, MB_FLAGS_ALL);
    put32(m, MB_INFO + 16, MB_CMDLINE);
    put32(m, MB_INFO + 20, 2);
    put32(m, MB_INFO + 24, MB_MODS);
    put32(m, MB_INFO + 44, 3 * 24);
    put32(m, MB_INFO + 48, MB_MMAP);
    put32(m, MB_INFO + 64, MB_LOADER);
    put_mmap_entry(m, MB_MMAP, 20, 0, 0x9fc00, 1);
    put_mmap_entry(m, MB_MMAP + 24, 20, 0x9fc00, 0x400, 2);
    put_mmap_entry(m, MB_MMAP + 48, 20, 0x100000, 0xfee0000, 1);
    put32(m, MB_MODS + 0, 0x200000);
    put32(m, MB_MODS + 4, 0x212345);
    put32(m, MB_MODS + 8, MB_MOD_STRINGS);
    put32(m, MB_MODS + 16, 0x213000);
    put32(m, MB_MODS + 20, 0x213100);
    put32(m, MB_MODS + 24, MB_MOD_STRINGS + 0x100);
    strcpy((char *)m->bytes + MB_CMDLINE, "/path/dsmk.elf node=1 -- prog a b");
    strcpy((char *)m->bytes + MB_LOADER, "qemu");
    strcpy((char *)m->bytes + MB_MOD_STRINGS, "prog");
    strcpy((char *)m->bytes + MB_MOD_STRINGS + 0x100, "stdin");
    return m;
}

static struct boot_info info;
static char err[200];

static bool parse(struct fake_phys *m)
{
    err[0] = '\0';
    return multiboot_parse(MULTIBOOT_BOOT_MAGIC, MB_INFO, fake_read, m, &info, err, sizeof err);
}

/* Expects the parse to fail with an error mentioning needle. */
static void expect_refused(struct fake_phys *m, const char *needle)
{
    if (!CHECK(!parse(m)))
        return;
    if (!CHECK(strstr(err, needle) != NULL))
        printf("    error was '%s', expected '%s'\n", err, needle);
}

TEST(multiboot_parses_qemu_like_structure)
{
    struct fake_phys *m = fake_good();
    CHECK(parse(m));
    CHECK(strcmp(info.cmdline, "/path/dsmk.elf node=1 -- prog a b") == 0);
    CHECK(strcmp(info.loader_name, "qemu") == 0);
    CHECK_EQ(info.region_count, 3);
    CHECK_EQ(info.regions[0].base, 0);
    CHECK_EQ(info.regions[0].length, 0x9fc00);
    CHECK_EQ(info.regions[0].type, BOOT_MEMORY_USABLE);
    CHECK_EQ(info.regions[1].type, BOOT_MEMORY_RESERVED);
    CHECK_EQ(info.regions[2].base, 0x100000);
    CHECK_EQ(info.module_count, 2);
    CHECK_EQ(info.modules[0].start, 0x200000);
    CHECK_EQ(info.modules[0].end, 0x212345);
    CHECK(strcmp(info.modules[0].cmdline, "prog") == 0);
    CHECK(strcmp(info.modules[1].cmdline, "stdin") == 0);
    CHECK_EQ(info.mbi_phys, MB_INFO);
    free(m);
}

TEST(multiboot_optional_parts_and_entry_types)
{
    struct fake_phys *m = fake_good();
    put32(m, MB_INFO, 0x040); /* only the memory map */
    put32(m, MB_MMAP + 48 + 20, 3); /* ACPI reclaimable counts as reserved */
    CHECK(parse(m));
    CHECK_EQ(info.cmdline[0], '\0');
    CHECK_EQ(info.loader_name[0], '\0');
    CHECK_EQ(info.module_count, 0);
    CHECK_EQ(info.regions[2].type, BOOT_MEMORY_RESERVED);
    /* entries larger than 20 bytes (the size field allows growth) are stepped over */
    put32(m, MB_INFO + 44, 2 * 28);
    put_mmap_entry(m, MB_MMAP, 24, 0, 0x1000, 1);
    put_mmap_entry(m, MB_MMAP + 28, 24, 0x100000, 0x100000, 1);
    CHECK(parse(m));
    CHECK_EQ(info.region_count, 2);
    CHECK_EQ(info.regions[1].base, 0x100000);
    /* a module without a command line string */
    put32(m, MB_INFO, 0x048);
    put32(m, MB_INFO + 20, 1);
    put32(m, MB_MODS + 8, 0);
    CHECK(parse(m));
    CHECK_EQ(info.module_count, 1);
    CHECK_EQ(info.modules[0].cmdline[0], '\0');
    free(m);
}

TEST(multiboot_refuses_bad_magic_and_unreadable_info)
{
    struct fake_phys *m = fake_good();
    CHECK(!multiboot_parse(0x1BADB002u, MB_INFO, fake_read, m, &info, err, sizeof err));
    CHECK(strstr(err, "magic") != NULL);
    CHECK(!multiboot_parse(MULTIBOOT_BOOT_MAGIC, 0, fake_read, m, &info, err, sizeof err));
    CHECK(strstr(err, "unreadable") != NULL);
    CHECK(!multiboot_parse(MULTIBOOT_BOOT_MAGIC, FAKE_PHYS_SIZE - 40, fake_read, m, &info, err, sizeof err));
    CHECK(strstr(err, "unreadable") != NULL);
    CHECK(!multiboot_parse(MULTIBOOT_BOOT_MAGIC, 0xfffffff0u, fake_read, m, &info, err, sizeof err));
    free(m);
}

TEST(multiboot_refuses_bad_memory_maps)
{
    struct fake_phys *m = fake_good();
    put32(m, MB_INFO, MB_FLAGS_ALL & ~0x040u);
    expect_refused(m, "no memory map");
    put32(m, MB_INFO, MB_FLAGS_ALL);

    put32(m, MB_INFO + 44, 0);
    expect_refused(m, "length 0");
    put32(m, MB_INFO + 44, 4097);
    expect_refused(m, "length 4097");
    put32(m, MB_INFO + 44, 0xffffffffu);
    expect_refused(m, "is not in");
    put32(m, MB_INFO + 44, 3 * 24 + 2); /* two stray bytes: truncated entry */
    expect_refused(m, "truncated");
    put32(m, MB_INFO + 44, 3 * 24 - 4); /* last entry cut short */
    expect_refused(m, "bad size");
    put32(m, MB_INFO + 44, 3 * 24);

    put32(m, MB_MMAP + 24, 12); /* entry smaller than base+length+type */
    expect_refused(m, "bad size 12");
    put32(m, MB_MMAP + 24, 0xfffffff0u); /* runs past the map */
    expect_refused(m, "bad size");
    put32(m, MB_MMAP + 24, 20);

    put_mmap_entry(m, MB_MMAP + 48, 20, 0xfffffffffffff000ull, 0x2000, 1);
    expect_refused(m, "wraps");
    put_mmap_entry(m, MB_MMAP + 48, 20, 0x100000, 0xfee0000, 1);

    put32(m, MB_INFO + 48, FAKE_PHYS_SIZE - 16); /* map address unreadable */
    expect_refused(m, "unreadable");
    put32(m, MB_INFO + 48, MB_MMAP);
    CHECK(parse(m));
    free(m);
}

TEST(multiboot_refuses_too_many_regions)
{
    struct fake_phys *m = fake_good();
    for (uint32_t i = 0; i < BOOT_MAX_MEMORY_REGIONS + 1; i++)
        put_mmap_entry(m, MB_MMAP + 24 * i, 20, 0x100000ull * i, 0x1000, 1);
    put32(m, MB_INFO + 44, 24 * BOOT_MAX_MEMORY_REGIONS);
    CHECK(parse(m));
    CHECK_EQ(info.region_count, BOOT_MAX_MEMORY_REGIONS);
    put32(m, MB_INFO + 44, 24 * (BOOT_MAX_MEMORY_REGIONS + 1));
    expect_refused(m, "more than");
    free(m);
}

TEST(multiboot_refuses_bad_modules)
{
    struct fake_phys *m = fake_good();
    put32(m, MB_INFO + 20, 1000000);
    expect_refused(m, "implausible");
    put32(m, MB_INFO + 20, 0xffffffffu);
    expect_refused(m, "implausible");
    put32(m, MB_INFO + 20, BOOT_MAX_MODULES + 1);
    expect_refused(m, "at most");
    put32(m, MB_INFO + 20, 2);

    put32(m, MB_INFO + 24, FAKE_PHYS_SIZE - 8); /* descriptors unreadable */
    expect_refused(m, "descriptor is unreadable");
    put32(m, MB_INFO + 24, 0xfffffff8u); /* descriptor address + i*16 past 4 GiB */
    expect_refused(m, "unreadable");
    put32(m, MB_INFO + 24, MB_MODS);

    put32(m, MB_MODS + 16 + 4, 0x212000); /* module 1 ends before it starts */
    expect_refused(m, "module 1 ends");
    put32(m, MB_MODS + 16 + 4, 0x213100);

    memset(m->bytes + MB_MOD_STRINGS, 'x', BOOT_MODULE_CMDLINE_MAX); /* unterminated within bound */
    expect_refused(m, "module 0 command line");
    strcpy((char *)m->bytes + MB_MOD_STRINGS, "prog");
    put32(m, MB_MODS + 8, FAKE_PHYS_SIZE - 2); /* string runs off readable memory */
    memset(m->bytes + FAKE_PHYS_SIZE - 2, 'y', 2);
    expect_refused(m, "module 0 command line");
    put32(m, MB_MODS + 8, MB_MOD_STRINGS);
    CHECK(parse(m));
    free(m);
}

TEST(multiboot_refuses_bad_command_line_keeps_long_loader_name)
{
    struct fake_phys *m = fake_good();
    memset(m->bytes + MB_CMDLINE, 'k', CMDLINE_MAX); /* no NUL within CMDLINE_MAX */
    m->bytes[MB_CMDLINE + CMDLINE_MAX] = '\0';
    CHECK(parse(m)); /* kept, flagged, and refused later by the command-line step (status 39) */
    CHECK(info.cmdline_too_long);
    CHECK_EQ(strlen(info.cmdline), CMDLINE_MAX - 1);
    memset(m->bytes + MB_CMDLINE, 'k', CMDLINE_MAX - 1); /* exactly the longest accepted */
    m->bytes[MB_CMDLINE + CMDLINE_MAX - 1] = '\0';
    CHECK(parse(m));
    CHECK(!info.cmdline_too_long);
    CHECK_EQ(strlen(info.cmdline), CMDLINE_MAX - 1);
    put32(m, MB_INFO + 16, 0xfffffff0u);
    expect_refused(m, "command line");
    put32(m, MB_INFO + 16, MB_CMDLINE);

    memset(m->bytes + MB_LOADER, 'L', 300); /* cosmetic: truncated, not refused */
    CHECK(parse(m));
    CHECK_EQ(strlen(info.loader_name), BOOT_LOADER_NAME_MAX - 1);
    put32(m, MB_INFO + 64, 0xfffffff0u);
    CHECK(parse(m));
    CHECK_EQ(info.loader_name[0], '\0');
    free(m);
}

/* Random byte corruption of a good structure: never a crash, and on success the result
 * keeps every bound the kernel relies on. */
TEST(multiboot_survives_random_corruption)
{
    srand(20261125);
    struct fake_phys *good = fake_good(), *m = malloc(sizeof *m);
    static const uint32_t areas[] = { MB_INFO, MB_MMAP, MB_MODS, MB_CMDLINE, MB_MOD_STRINGS };
    int accepted = 0;
    for (int round = 0; round < 3000; round++) {
        memcpy(m, good, sizeof *m);
        int flips = 1 + rand() % 8;
        for (int i = 0; i < flips; i++) {
            uint32_t at = areas[rand() % 5] + (uint32_t)(rand() % 96);
            m->bytes[at] = rand() % 4 == 0 ? 0xff : (uint8_t)rand();
        }
        m->reads = 0;
        if (parse(m)) {
            accepted++;
            CHECK(info.region_count >= 1 && info.region_count <= BOOT_MAX_MEMORY_REGIONS);
            CHECK(info.module_count <= BOOT_MAX_MODULES);
            CHECK(strnlen(info.cmdline, CMDLINE_MAX) < CMDLINE_MAX);
            CHECK(strnlen(info.loader_name, BOOT_LOADER_NAME_MAX) < BOOT_LOADER_NAME_MAX);
            for (size_t i = 0; i < info.module_count; i++) {
                CHECK(info.modules[i].start <= info.modules[i].end);
                CHECK(strnlen(info.modules[i].cmdline, BOOT_MODULE_CMDLINE_MAX) < BOOT_MODULE_CMDLINE_MAX);
            }
            for (size_t i = 0; i < info.region_count; i++)
                CHECK(info.regions[i].base + info.regions[i].length >= info.regions[i].base);
        } else {
            CHECK(err[0] != '\0');
        }
        CHECK(m->reads < 20000); /* bounded work */
    }
    CHECK(accepted > 0);
    free(good);
    free(m);
}

/* Module command lines name a module by a whole word ("stdin", "env") or a prefix word
 * ("file=/path"); a longer word with the same start is another word. */
TEST(boot_module_word_matches_whole_words)
{
    const char *line = "/boot/in.txt  file=/data/x envelope env";
    CHECK(boot_module_word(line, "env", false) == line + 36);
    CHECK(strcmp(boot_module_word(line, "file=", true), "file=/data/x envelope env") == 0);
    CHECK(boot_module_word(line, "stdin", false) == NULL);
    CHECK(boot_module_word("", "env", false) == NULL);
    CHECK(boot_module_word("environment", "env", false) == NULL);
}
