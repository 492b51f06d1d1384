/* SPDX-License-Identifier: MIT */
/* The program's file descriptors: 0 = stdin (the boot module whose command line has the
 * word "stdin", else empty), 1 = stdout (COM2), 2 = stderr (COM3), 3.. = read-only files
 * from boot modules whose command line has a word "file=/path". One table for the whole
 * program (all threads share it, CLONE_FILES). No directories, no writes to files. */
#ifndef KERNEL_FILES_H
#define KERNEL_FILES_H

#include <stdint.h>

#include "kernel/multiboot.h"

#define FILES_MAX_FDS 64
#define FILES_PATH_MAX 256

/* Registers the stdin and file= modules of info (module 0, the program, is skipped). */
void files_init(const struct boot_info *info);
/* read(2) on fd into user memory; bytes read, 0 at end, or a negative errno. */
long files_read(int fd, uint64_t ubuf, uint64_t len);
/* True if fd is open. */
int files_check_fd(int fd);

#endif
