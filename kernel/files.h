/* SPDX-License-Identifier: MIT */
/* The program's file descriptors: 0 = stdin (the boot module whose command line has the
 * word "stdin", else empty), 1 = stdout (COM2), 2 = stderr (COM3), 3.. = read-only files
 * from boot modules whose command line has a word "file=/path". One table for the whole
 * program (all threads share it, CLONE_FILES): it lives on node 0, and the other nodes of
 * a cluster ship every file call there (kernel/dsm_files.c), so offsets and descriptors
 * are the same whichever node a thread runs on. No directories, no writes to files. */
#ifndef KERNEL_FILES_H
#define KERNEL_FILES_H

#include <stddef.h>
#include <stdint.h>

#include "kernel/multiboot.h"

#define FILES_MAX_FDS 64
#define FILES_PATH_MAX 256
/* Read bytes one call moves: one transport message with room to spare (TRANSPORT_MAX_MSG). */
#define FILES_XFER_MAX 4096

/* One file operation on the descriptor table, in kernel memory only (no user pointers),
 * so it can run on this node or be shipped to node 0. */
enum files_op {
    FILES_OP_CHECK = 1, /* is fd open: 0 or -EBADF */
    FILES_OP_OPEN,      /* path, arg = flags: the new fd */
    FILES_OP_CLOSE,     /* fd */
    FILES_OP_READ,      /* fd, len: bytes into data at the fd's offset, which advances */
    FILES_OP_PREAD,     /* fd, len, arg = offset: bytes into data */
    FILES_OP_LSEEK,     /* fd, arg = offset, arg2 = whence: the new offset */
    FILES_OP_FSTAT,     /* fd: a struct linux_stat into data */
    FILES_OP_STAT,      /* path: a struct linux_stat into data */
    FILES_OP_ACCESS,    /* path, arg = mode */
    FILES_OP_LAST = FILES_OP_ACCESS,
};

struct files_call {
    uint32_t op;        /* enum files_op */
    int32_t fd;
    uint64_t arg;
    uint64_t arg2;
    uint32_t len;       /* READ/PREAD: bytes wanted, at most FILES_XFER_MAX */
    uint32_t path_len;  /* OPEN/STAT/ACCESS: bytes of path, no NUL, < FILES_PATH_MAX */
    char path[FILES_PATH_MAX];
};

/* Registers the stdin and file= modules of info (module 0, the program, is skipped) and,
 * on node 0 of a cluster, serves the other nodes' file calls. */
void files_init(const struct boot_info *info);
/* Node 0 of a cluster: starts answering file calls shipped by other nodes (dsm_files.c). */
void files_remote_init(void);
/* Runs c on this node's table. Returns the result (>= 0) or a negative errno; data
 * (FILES_XFER_MAX bytes of room) receives the bytes read or the stat, *data_len their count. */
int64_t files_execute(const struct files_call *c, void *data, size_t *data_len);
/* Runs c where the table lives: here on one node or node 0, else shipped to node 0
 * (kernel/dsm_files.c). Same contract as files_execute. Thread context only (may park). */
int64_t files_call(const struct files_call *c, void *data, size_t *data_len);
/* read(2) on fd into user memory; bytes read, 0 at end, or a negative errno. */
long files_read(int fd, uint64_t ubuf, uint64_t len);
/* 0 if fd is open, else -EBADF. */
int files_check_fd(int fd);

#endif
