/* SPDX-License-Identifier: MIT */
/* Host tests for kernel/elf.c: a synthetic musl-like static image (text at 0x400000, a
 * read-write segment starting mid-page with bss, PT_TLS, PT_GNU_STACK) and corrupted
 * variants of it, each of which must be refused with a reason, never crash. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/elf.h"
#include "tests/host/check.h"

#define IMG_SIZE 0x3000
#define PH_OFF 64
#define PHDR_SIZE 56

struct test_phdr {
    uint32_t type, flags;
    uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

static void put(uint8_t *img, size_t off, const void *src, size_t len)
{
    memcpy(img + off, src, len);
}

static void put16(uint8_t *img, size_t off, uint16_t v) { put(img, off, &v, sizeof v); }
static void put32(uint8_t *img, size_t off, uint32_t v) { put(img, off, &v, sizeof v); }
static void put64(uint8_t *img, size_t off, uint64_t v) { put(img, off, &v, sizeof v); }

static void put_phdr(uint8_t *img, int index, struct test_phdr ph)
{
    size_t off = PH_OFF + (size_t)index * PHDR_SIZE;
    put32(img, off + 0, ph.type);
    put32(img, off + 4, ph.flags);
    put64(img, off + 8, ph.offset);
    put64(img, off + 16, ph.vaddr);
    put64(img, off + 24, ph.vaddr);
    put64(img, off + 32, ph.filesz);
    put64(img, off + 40, ph.memsz);
    put64(img, off + 48, ph.align);
}

/* Builds the image musl-gcc -static typically produces: headers inside the first
 * (read-only) PT_LOAD, text, and a RW segment at file offset 0x1e10 / vaddr 0x402e10. */
static uint8_t *make_image(void)
{
    uint8_t *img = calloc(1, IMG_SIZE);
    static const uint8_t ident[16] = { 0x7f, 'E', 'L', 'F', 2, 1, 1 };
    put(img, 0, ident, sizeof ident);
    put16(img, 16, 2);      /* ET_EXEC */
    put16(img, 18, 62);     /* EM_X86_64 */
    put32(img, 20, 1);
    put64(img, 24, 0x401010); /* entry */
    put64(img, 32, PH_OFF);
    put16(img, 52, 64);
    put16(img, 54, PHDR_SIZE);
    put16(img, 56, 5);
    put_phdr(img, 0, (struct test_phdr){ 1, ELF_PF_R, 0, 0x400000, 0, 0x200, 0x200, 0x1000 });
    put_phdr(img, 1, (struct test_phdr){ 1, ELF_PF_R | ELF_PF_X, 0x1000, 0x401000, 0, 0x800, 0x800, 0x1000 });
    put_phdr(img, 2, (struct test_phdr){ 1, ELF_PF_R | ELF_PF_W, 0x1e10, 0x402e10, 0, 0x1f0, 0x10000, 0x1000 });
    put_phdr(img, 3, (struct test_phdr){ 7, ELF_PF_R, 0x1e10, 0x402e10, 0, 0x8, 0x20, 8 });
    put_phdr(img, 4, (struct test_phdr){ 0x6474e551u, ELF_PF_R | ELF_PF_W, 0, 0, 0, 0, 0, 16 });
    return img;
}

static bool parse(const uint8_t *img, size_t size, struct elf_image *out, char *err)
{
    return elf_parse(img, size, out, err, 128);
}

TEST(elf_parses_musl_like_image)
{
    uint8_t *img = make_image();
    struct elf_image e;
    char err[128] = "";
    CHECK(parse(img, IMG_SIZE, &e, err));
    CHECK_EQ(e.entry, 0x401010);
    CHECK_EQ(e.segment_count, 3);
    CHECK_EQ(e.phdr_vaddr, 0x400040);
    CHECK_EQ(e.phnum, 5);
    CHECK_EQ(e.phent, 56);
    CHECK(e.has_tls);
    CHECK(!e.stack_exec);
    CHECK_EQ(e.segments[2].vaddr, 0x402e10);
    CHECK_EQ(e.segments[2].filesz, 0x1f0);
    CHECK_EQ(e.image_end, 0x402e10 + 0x10000);
    free(img);
}

/* Applies one corruption and expects a refusal with a message. */
#define EXPECT_REFUSED(stmt)                                                                           \
    do {                                                                                               \
        uint8_t *img = make_image();                                                                   \
        struct elf_image e;                                                                            \
        char err[128] = "";                                                                            \
        size_t size = IMG_SIZE;                                                                        \
        stmt;                                                                                          \
        CHECK(!parse(img, size, &e, err));                                                             \
        CHECK(err[0] != '\0');                                                                         \
        free(img);                                                                                     \
    } while (0)

TEST(elf_refuses_bad_headers)
{
    EXPECT_REFUSED(img[0] = 0);                    /* magic */
    EXPECT_REFUSED(img[4] = 1);                    /* 32-bit */
    EXPECT_REFUSED(put16(img, 18, 3));             /* i386 */
    EXPECT_REFUSED(put16(img, 16, 3));             /* ET_DYN */
    EXPECT_REFUSED(put16(img, 54, 32));            /* phentsize */
    EXPECT_REFUSED(put16(img, 56, 0));             /* no headers */
    EXPECT_REFUSED(put16(img, 56, 0xffff));        /* table past end */
    EXPECT_REFUSED(put64(img, 32, ~0ull - 8));     /* phoff wraps */
    EXPECT_REFUSED(size = 40);                     /* truncated */
    EXPECT_REFUSED(put64(img, 24, 0x402e20));      /* entry in data */
}

TEST(elf_refuses_bad_segments)
{
    EXPECT_REFUSED(put64(img, PH_OFF + 2 * PHDR_SIZE + 32, 0x20000)); /* filesz > memsz */
    EXPECT_REFUSED(put64(img, PH_OFF + 2 * PHDR_SIZE + 32, 0x1200));  /* data past file end */
    EXPECT_REFUSED(put64(img, PH_OFF + 2 * PHDR_SIZE + 8, 0x1e18));   /* offset/vaddr disagree */
    EXPECT_REFUSED(put64(img, PH_OFF + 2 * PHDR_SIZE + 40, ~0ull));   /* memsz wraps */
    EXPECT_REFUSED(put64(img, PH_OFF + 1 * PHDR_SIZE + 16, 0x400000)); /* overlaps segment 0 */
    EXPECT_REFUSED(put64(img, PH_OFF + 0 * PHDR_SIZE + 16, 0));       /* maps page 0 */
    EXPECT_REFUSED(put64(img, PH_OFF + 2 * PHDR_SIZE + 16, 0x7ffffffffe10ull)); /* crosses user end */
    EXPECT_REFUSED(put32(img, PH_OFF + 4 * PHDR_SIZE, 3));            /* PT_INTERP */
    EXPECT_REFUSED(put32(img, PH_OFF + 0 * PHDR_SIZE, 0);              /* headers not loaded */
                   put32(img, PH_OFF + 1 * PHDR_SIZE, 0);
                   put64(img, 24, 0x402e20); put32(img, PH_OFF + 2 * PHDR_SIZE + 4, 7));
}

TEST(elf_survives_random_corruption)
{
    srand(4);
    for (int round = 0; round < 20000; round++) {
        uint8_t *img = make_image();
        int flips = 1 + rand() % 8;
        for (int i = 0; i < flips; i++)
            img[(size_t)rand() % (PH_OFF + 5 * PHDR_SIZE)] = (uint8_t)rand();
        struct elf_image e;
        char err[128];
        size_t size = (size_t)(rand() % 4 ? IMG_SIZE : rand() % IMG_SIZE);
        if (elf_parse(img, size, &e, err, sizeof err)) {
            /* Whatever is accepted must be internally consistent. */
            for (size_t s = 0; s < e.segment_count; s++) {
                CHECK(e.segments[s].filesz <= e.segments[s].memsz);
                CHECK(e.segments[s].offset + e.segments[s].filesz <= size);
                CHECK(e.segments[s].vaddr + e.segments[s].memsz <= ELF_USER_LIMIT);
            }
        }
        free(img);
    }
}

/* A real musl-gcc binary, when the build made one (optional: skipped when absent). */
TEST(elf_parses_real_binary_if_present)
{
    const char *path = getenv("DSMK_TEST_ELF");
    if (!path)
        return;
    FILE *f = fopen(path, "rb");
    if (!CHECK(f != NULL))
        return;
    static uint8_t buf[4 << 20];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    struct elf_image e;
    char err[128] = "";
    CHECK(elf_parse(buf, n, &e, err, sizeof err));
    if (err[0])
        printf("    %s\n", err);
    CHECK(e.has_tls || e.segment_count >= 2);
}
