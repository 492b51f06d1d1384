/* SPDX-License-Identifier: MIT */
/* Shared file mappings (mmap MAP_SHARED of a file), the calling side. Such a mapping is user
 * memory filled from the file at mmap (kernel/sys_mm.c), its regions marked
 * UVM_PROT_SHARED_FILE on every node; node 0 records which file and offset it stands for
 * (kernel/files_maps.c). It is kept coherent with the file as Linux's page cache keeps it:
 * a read, pread (and so a later mmap) of bytes a writable mapping holds first writes that
 * mapping's pages back; a write or pwrite of mapped bytes copies them into every mapping
 * of them (a read-only one too: through a moment of PROT_WRITE under the DSM). Stores also
 * reach the file when msync, munmap (or a MAP_FIXED mapping over it) or the program's exit
 * writes the writable pages back, a page per file call, only differing bytes changing the
 * file (and the file's other mappings of them taking them too). Unlike Linux: two mappings
 * of the same bytes are two copies (each sees the file's writes, but the other's stores
 * only once they are written back), a program killed by a signal loses the stores not
 * written back, and a file's size changes do not reach its mappings (what lies past the
 * end reads as it did, never SIGBUS). */
#ifndef KERNEL_SHARED_MAPS_H
#define KERNEL_SHARED_MAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct files_call;

/* Records that user range [start, start + len) (page aligned, already mapped with
 * UVM_PROT_SHARED_FILE and filled) stands for fd's file from offset, writable or not: 0
 * or the mmap error. */
long shared_maps_attach(uint64_t start, uint64_t len, uint64_t fd, uint64_t offset, bool writable);
/* files_call for a READ, PREAD, WRITE or PWRITE that keeps the shared mappings of the
 * file's bytes coherent (see above). data as files_call's (a read's bytes; a write's NULL). */
int64_t shared_maps_file_call(struct files_call *c, void *data, size_t *data_len);
/* Writes the shared file mappings' bytes in [start, end) back to their files (the pages
 * the program may write: a read-only mapping's never changed): 0, or the first file call's
 * error (the pages after it are still written). Costs nothing when no such mapping lies
 * there. Thread context. */
long shared_maps_write_back(uint64_t start, uint64_t end);
/* Writes [start, end) back, then forgets the mappings there (before munmap, or a MAP_FIXED
 * mapping over them, takes the range): 0 or -errno. */
long shared_maps_detach(uint64_t start, uint64_t end);

#endif
