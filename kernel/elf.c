/* SPDX-License-Identifier: MIT */
/* ELF64 executable parser (gABI 4.1 chapters "ELF Header" and "Program Header"; x86-64
 * psABI section 4.1). Reads fields by offset with memcpy, so the image may sit at any
 * alignment. Does not load: kernel/program.c maps what this describes. */
#include "kernel/elf.h"

#include "kernel/format.h"
#include "kernel/libc.h"

#define ELF_EHDR_SIZE 64
#define ELF_PHDR_SIZE 56
#define ELF_PAGE_SIZE 4096ull
#define ELF_PAGE_MASK (ELF_PAGE_SIZE - 1)

/* e_ident (gABI "ELF Identification") */
#define ELF_EI_CLASS 4
#define ELF_EI_DATA 5
#define ELF_EI_VERSION 6
#define ELF_CLASS_64 2
#define ELF_DATA_LSB 1
#define ELF_VERSION_CURRENT 1
/* ELF header field offsets (ELF64_Ehdr) */
#define ELF_OFF_TYPE 16
#define ELF_OFF_MACHINE 18
#define ELF_OFF_VERSION 20
#define ELF_OFF_ENTRY 24
#define ELF_OFF_PHOFF 32
#define ELF_OFF_PHENTSIZE 54
#define ELF_OFF_PHNUM 56
#define ELF_TYPE_EXEC 2
#define ELF_TYPE_DYN 3
#define ELF_MACHINE_X86_64 62
/* Program header field offsets (ELF64_Phdr) */
#define ELF_PH_TYPE 0
#define ELF_PH_FLAGS 4
#define ELF_PH_OFFSET 8
#define ELF_PH_VADDR 16
#define ELF_PH_FILESZ 32
#define ELF_PH_MEMSZ 40
/* p_type values */
#define ELF_PT_LOAD 1
#define ELF_PT_DYNAMIC 2
#define ELF_PT_INTERP 3
#define ELF_PT_PHDR 6
#define ELF_PT_TLS 7
#define ELF_PT_GNU_STACK 0x6474e551u

static uint16_t elf_read16(const uint8_t *p, size_t off)
{
    uint16_t v;
    memcpy(&v, p + off, sizeof v);
    return v;
}

static uint32_t elf_read32(const uint8_t *p, size_t off)
{
    uint32_t v;
    memcpy(&v, p + off, sizeof v);
    return v;
}

static uint64_t elf_read64(const uint8_t *p, size_t off)
{
    uint64_t v;
    memcpy(&v, p + off, sizeof v);
    return v;
}

static bool elf_fail(char *err, size_t err_size, const char *reason, uint64_t value)
{
    fmt_snprintf(err, err_size, "%s (0x%llx)", reason, (unsigned long long)value);
    return false;
}

/* True when [start, start+len) lies inside [0, limit) without wrapping. */
static bool elf_range_ok(uint64_t start, uint64_t len, uint64_t limit)
{
    return start <= limit && len <= limit - start;
}

static bool elf_check_header(const uint8_t *p, size_t size, char *err, size_t err_size)
{
    static const uint8_t magic[4] = { 0x7f, 'E', 'L', 'F' };
    if (size < ELF_EHDR_SIZE)
        return elf_fail(err, err_size, "file shorter than an ELF header", size);
    if (memcmp(p, magic, sizeof magic) != 0)
        return elf_fail(err, err_size, "not an ELF file", 0);
    if (p[ELF_EI_CLASS] != ELF_CLASS_64)
        return elf_fail(err, err_size, "not a 64-bit ELF", p[ELF_EI_CLASS]);
    if (p[ELF_EI_DATA] != ELF_DATA_LSB)
        return elf_fail(err, err_size, "not little-endian", p[ELF_EI_DATA]);
    if (p[ELF_EI_VERSION] != ELF_VERSION_CURRENT || elf_read32(p, ELF_OFF_VERSION) != ELF_VERSION_CURRENT)
        return elf_fail(err, err_size, "unknown ELF version", p[ELF_EI_VERSION]);
    if (elf_read16(p, ELF_OFF_MACHINE) != ELF_MACHINE_X86_64)
        return elf_fail(err, err_size, "not an x86-64 image", elf_read16(p, ELF_OFF_MACHINE));
    uint16_t type = elf_read16(p, ELF_OFF_TYPE);
    if (type == ELF_TYPE_DYN)
        return elf_fail(err, err_size, "position-independent (ET_DYN) images are not supported; link with -static -no-pie", type);
    if (type != ELF_TYPE_EXEC)
        return elf_fail(err, err_size, "not an executable", type);
    if (elf_read16(p, ELF_OFF_PHENTSIZE) != ELF_PHDR_SIZE)
        return elf_fail(err, err_size, "unexpected program header size", elf_read16(p, ELF_OFF_PHENTSIZE));
    return true;
}

static bool elf_add_load(struct elf_image *img, const uint8_t *ph, size_t size, char *err, size_t err_size)
{
    struct elf_segment seg = {
        .vaddr = elf_read64(ph, ELF_PH_VADDR),
        .memsz = elf_read64(ph, ELF_PH_MEMSZ),
        .offset = elf_read64(ph, ELF_PH_OFFSET),
        .filesz = elf_read64(ph, ELF_PH_FILESZ),
        .flags = elf_read32(ph, ELF_PH_FLAGS),
    };
    if (seg.memsz == 0)
        return true; /* an empty segment maps nothing */
    if (img->segment_count == ELF_MAX_SEGMENTS)
        return elf_fail(err, err_size, "too many PT_LOAD segments", ELF_MAX_SEGMENTS);
    if (seg.filesz > seg.memsz)
        return elf_fail(err, err_size, "segment file size exceeds memory size", seg.filesz);
    if (!elf_range_ok(seg.offset, seg.filesz, size))
        return elf_fail(err, err_size, "segment data outside the file", seg.offset);
    if (seg.vaddr < ELF_MIN_VADDR || !elf_range_ok(seg.vaddr, seg.memsz, ELF_USER_LIMIT))
        return elf_fail(err, err_size, "segment outside user space", seg.vaddr);
    if ((seg.vaddr & ELF_PAGE_MASK) != (seg.offset & ELF_PAGE_MASK))
        return elf_fail(err, err_size, "segment address and offset disagree modulo the page size", seg.vaddr);
    if (img->segment_count > 0) {
        const struct elf_segment *prev = &img->segments[img->segment_count - 1];
        /* gABI: PT_LOAD entries ascend by p_vaddr. Two segments may share a page only if
         * the loader can give that page one content; we refuse sharing outright. */
        uint64_t prev_end_page = (prev->vaddr + prev->memsz + ELF_PAGE_MASK) & ~ELF_PAGE_MASK;
        if ((seg.vaddr & ~ELF_PAGE_MASK) < prev_end_page)
            return elf_fail(err, err_size, "PT_LOAD segments overlap or share a page", seg.vaddr);
    }
    img->segments[img->segment_count++] = seg;
    if (seg.vaddr + seg.memsz > img->image_end)
        img->image_end = seg.vaddr + seg.memsz;
    return true;
}

/* AT_PHDR is where the headers are in memory: PT_PHDR if given, else inside the
 * PT_LOAD segment whose file range holds them (musl's static startup uses it for PT_TLS). */
static bool elf_find_phdr(struct elf_image *img, uint64_t phoff, uint64_t phdr_vaddr_hint, bool have_hint,
                          char *err, size_t err_size)
{
    uint64_t table = (uint64_t)img->phnum * ELF_PHDR_SIZE;
    for (size_t i = 0; i < img->segment_count; i++) {
        const struct elf_segment *s = &img->segments[i];
        uint64_t vaddr = have_hint ? phdr_vaddr_hint : s->vaddr + (phoff - s->offset);
        if (!have_hint && (phoff < s->offset || phoff - s->offset > s->filesz || table > s->filesz - (phoff - s->offset)))
            continue;
        if (vaddr >= s->vaddr && vaddr - s->vaddr <= s->memsz && table <= s->memsz - (vaddr - s->vaddr)) {
            img->phdr_vaddr = vaddr;
            return true;
        }
    }
    return elf_fail(err, err_size, "program headers are not inside a loaded segment", phoff);
}

bool elf_parse(const void *data, size_t size, struct elf_image *img, char *err, size_t err_size)
{
    const uint8_t *p = data;
    memset(img, 0, sizeof *img);
    if (!elf_check_header(p, size, err, err_size))
        return false;
    uint64_t phoff = elf_read64(p, ELF_OFF_PHOFF);
    img->entry = elf_read64(p, ELF_OFF_ENTRY);
    img->phent = ELF_PHDR_SIZE;
    img->phnum = elf_read16(p, ELF_OFF_PHNUM);
    if (img->phnum == 0)
        return elf_fail(err, err_size, "no program headers", 0);
    if (!elf_range_ok(phoff, (uint64_t)img->phnum * ELF_PHDR_SIZE, size))
        return elf_fail(err, err_size, "program headers outside the file", phoff);

    uint64_t phdr_hint = 0;
    bool have_hint = false;
    for (uint16_t i = 0; i < img->phnum; i++) {
        const uint8_t *ph = p + phoff + (uint64_t)i * ELF_PHDR_SIZE;
        uint32_t type = elf_read32(ph, ELF_PH_TYPE);
        switch (type) {
        case ELF_PT_LOAD:
            if (!elf_add_load(img, ph, size, err, err_size))
                return false;
            break;
        case ELF_PT_PHDR:
            phdr_hint = elf_read64(ph, ELF_PH_VADDR);
            have_hint = true;
            break;
        case ELF_PT_TLS:
            img->has_tls = true;
            break;
        case ELF_PT_GNU_STACK:
            img->stack_exec = (elf_read32(ph, ELF_PH_FLAGS) & ELF_PF_X) != 0;
            break;
        case ELF_PT_INTERP:
        case ELF_PT_DYNAMIC:
            return elf_fail(err, err_size, "dynamically linked images are not supported; link with -static", type);
        default:
            break; /* notes, GNU_RELRO, EH_FRAME: nothing to do for a static image */
        }
    }
    if (img->segment_count == 0)
        return elf_fail(err, err_size, "no loadable segments", 0);
    bool entry_ok = false;
    for (size_t i = 0; i < img->segment_count; i++) {
        const struct elf_segment *s = &img->segments[i];
        if ((s->flags & ELF_PF_X) && img->entry >= s->vaddr && img->entry - s->vaddr < s->memsz)
            entry_ok = true;
    }
    if (!entry_ok)
        return elf_fail(err, err_size, "entry point is not in an executable segment", img->entry);
    return elf_find_phdr(img, phoff, phdr_hint, have_hint, err, err_size);
}
