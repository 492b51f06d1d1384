/* SPDX-License-Identifier: MIT */
/* A file kept in memory as a sparse list of 4 KiB pages: what a program creates with
 * open(O_CREAT) and writes (kernel/files.c). Pages never written read as zeros, so a seek
 * past the end and a write there cost only the pages written. Portable (no hardware
 * includes; also built into host tests): memory comes from the caller's allocator. */
#ifndef KERNEL_RAMFILE_H
#define KERNEL_RAMFILE_H

#include <stddef.h>
#include <stdint.h>

#define RAMFILE_PAGE 4096u
#define RAMFILE_MAX_BYTES (1ull << 30) /* a file grows to 1 GiB at most (EFBIG beyond) */

enum ramfile_error {
    RAMFILE_OK = 0,
    RAMFILE_NO_MEMORY = -1, /* the allocator said no: nothing changed */
    RAMFILE_TOO_BIG = -2,   /* past RAMFILE_MAX_BYTES: nothing changed */
};

struct ramfile_alloc {
    void *(*alloc)(size_t bytes); /* NULL when out of memory */
    void (*free)(void *p);
};

struct ramfile {
    uint8_t **pages;    /* page_slots entries, NULL = a page of zeros */
    size_t page_slots;
    size_t pages_held;  /* non-NULL entries */
    uint64_t size;      /* bytes */
};

/* Copies up to len bytes at off (bounded by the size) into dst; the count. */
size_t ramfile_read(const struct ramfile *f, uint64_t off, void *dst, size_t len);
/* Writes len bytes of src at off, growing the file (a gap reads as zeros). RAMFILE_OK or
 * an error, with the file unchanged. */
int ramfile_write(struct ramfile *f, const struct ramfile_alloc *a, uint64_t off, const void *src, size_t len);
/* Sets the size: pages past it are freed, the rest of the last one reads as zeros; growing
 * adds only a gap. RAMFILE_OK or RAMFILE_TOO_BIG. */
int ramfile_truncate(struct ramfile *f, const struct ramfile_alloc *a, uint64_t size);
/* Frees every page and the list; the file is empty after. */
void ramfile_free(struct ramfile *f, const struct ramfile_alloc *a);

#endif
