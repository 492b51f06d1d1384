/* SPDX-License-Identifier: MIT */
/* ELF64 executable parser for the program loader (System V gABI 4.1 "Program Header",
 * x86-64 psABI 1.0 section 4). Portable: it checks and describes an image held in memory
 * and never maps anything. Accepts only static x86-64 ET_EXEC images (what musl-gcc
 * -static produces); no dynamic linking, no relocation, no ET_DYN. */
#ifndef KERNEL_ELF_H
#define KERNEL_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ELF_MAX_SEGMENTS 16        /* PT_LOAD entries kept; musl images have 2-4 */
#define ELF_USER_LIMIT 0x0000800000000000ull /* first non-canonical user address */
#define ELF_MIN_VADDR 0x10000ull   /* keep page 0 (and a little more) unmapped for NULL faults */

/* p_flags bits (gABI "Segment Flag Bits") */
#define ELF_PF_X 0x1u
#define ELF_PF_W 0x2u
#define ELF_PF_R 0x4u

struct elf_segment {
    uint64_t vaddr;  /* first byte in memory (not necessarily page aligned) */
    uint64_t memsz;  /* bytes in memory; [filesz, memsz) is zero (bss) */
    uint64_t offset; /* file offset of the first byte */
    uint64_t filesz; /* bytes taken from the file */
    uint32_t flags;  /* ELF_PF_* */
};

struct elf_image {
    uint64_t entry;      /* e_entry, inside an executable segment */
    uint64_t phdr_vaddr; /* runtime address of the program headers (auxv AT_PHDR) */
    uint16_t phent;      /* auxv AT_PHENT */
    uint16_t phnum;      /* auxv AT_PHNUM */
    size_t segment_count;
    struct elf_segment segments[ELF_MAX_SEGMENTS]; /* ascending, non-overlapping pages */
    uint64_t image_end;  /* highest vaddr + memsz: the initial program break starts at its page end */
    bool has_tls;        /* a PT_TLS header exists (musl finds it through AT_PHDR) */
    bool stack_exec;     /* PT_GNU_STACK asks for an executable stack (absent: not executable) */
};

/* Checks the image at data[0..size) and fills img. Returns true on success; otherwise
 * writes the reason into err and returns false. Every offset, size and address is
 * bounds-checked; the caller may trust img afterwards. */
bool elf_parse(const void *data, size_t size, struct elf_image *img, char *err, size_t err_size);

#endif
