/* SPDX-License-Identifier: MIT */
/* Shared writable file mappings (mmap MAP_SHARED with PROT_WRITE of a file open for reading
 * and writing), the calling side. Such a mapping is user memory filled from the file at mmap
 * (kernel/sys_mm.c), its regions marked UVM_PROT_SHARED_FILE on every node; node 0 records
 * which file and offset it stands for (kernel/files_maps.c). Its stores reach the file when
 * msync, munmap (or a MAP_FIXED mapping over it) or the program's exit writes them back, a
 * page per file call, only differing bytes changing the file. Unlike Linux, whose page
 * cache is the mapping, a read() of the file sees the stores only once written back, a
 * write() to the file does not reach a mapping made before it, and two mappings of the same
 * bytes are two copies; a program killed by a signal loses stores not written back. */
#ifndef KERNEL_SHARED_MAPS_H
#define KERNEL_SHARED_MAPS_H

#include <stdint.h>

/* Records that user range [start, start + len) (page aligned, already mapped with
 * UVM_PROT_SHARED_FILE and filled) stands for fd's file from offset: 0 or the mmap error. */
long shared_maps_attach(uint64_t start, uint64_t len, uint64_t fd, uint64_t offset);
/* Writes the shared file mappings' bytes in [start, end) back to their files: 0, or the
 * first file call's error (the pages after it are still written). Costs nothing when no
 * such mapping lies there. Thread context. */
long shared_maps_write_back(uint64_t start, uint64_t end);
/* Writes [start, end) back, then forgets the mappings there (before munmap, or a MAP_FIXED
 * mapping over them, takes the range): 0 or -errno. */
long shared_maps_detach(uint64_t start, uint64_t end);

#endif
