/* SPDX-License-Identifier: MIT */
/* The files a program can open by path: read-only boot modules ("file=/path"), and files it
 * creates with open(O_CREAT), kept in memory (kernel/ramfile.h) until unlinked. One flat
 * namespace: a path names a file whatever its directories. Directories a program makes
 * (mkdir) exist for stat, access, rmdir (ENOTEMPTY while a path below them names a file)
 * and mkdir's EEXIST; they cannot be listed, renamed (EXDEV) or entered ("/" is the only
 * cwd). Asked for on the command line (files.out=), created files are written out on COM4
 * at the program's exit, for `tools/dsmk run --out` to save on the host. Node 0 (or the
 * only node) holds the store; kernel/files.c opens, reads and writes through it. */
#ifndef KERNEL_FILE_STORE_H
#define KERNEL_FILE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/linux_abi.h"

struct file_node;

/* Adds a read-only file path (len bytes, no NUL) over data; false when the table is full. */
bool file_store_add_module(const char *path, size_t len, const uint8_t *data, uint64_t size);
/* The file path names (absolute, or relative to "/"), or NULL. */
struct file_node *file_store_lookup(const char *path);
/* A new empty file at path (not found by file_store_lookup): the node, or NULL with *err
 * -ENOSPC (no slot) or -ENAMETOOLONG. */
struct file_node *file_store_create(const char *path, int64_t *err);
/* Whether the program may write n (it made it; boot modules are read-only). */
bool file_store_writable(const struct file_node *n);
/* Whether n is a directory the program made. */
bool file_store_is_dir(const struct file_node *n);
/* mkdir(2): 0, -EEXIST, -ENOSPC, -ENAMETOOLONG. */
int64_t file_store_mkdir(const char *path);
/* rmdir(2): 0, -ENOENT, -ENOTDIR, -ENOTEMPTY. */
int64_t file_store_rmdir(const char *path);
uint64_t file_store_size(const struct file_node *n);
/* Copies up to len bytes at off into dst; the count. */
size_t file_store_read(const struct file_node *n, uint64_t off, void *dst, size_t len);
/* Writes len bytes at off (n writable): len, -ENOSPC (the store's memory is used up) or -EFBIG. */
int64_t file_store_write(struct file_node *n, uint64_t off, const void *src, size_t len);
/* Sets n's size (writable): 0, -ENOSPC or -EFBIG. */
int64_t file_store_truncate(struct file_node *n, uint64_t size);
/* Removes path from the namespace (its memory goes with the last close): 0, -ENOENT, -EROFS,
 * -EISDIR. */
int64_t file_store_unlink(const char *path);
/* rename(2): from's file takes the path to, replacing a file there: 0, -ENOENT, -EROFS (a
 * boot module on either side), -EXDEV (a directory), -ENAMETOOLONG. */
int64_t file_store_rename(const char *from, const char *to);
/* An open description now names n / no longer does. */
void file_store_hold(struct file_node *n);
void file_store_release(struct file_node *n);
/* n's stat: a regular file, 0444 for a module, 0644 for the program's own; a directory 0755. */
void file_store_stat(const struct file_node *n, struct linux_stat *st);
/* At the program's exit: the files.out= paths, each as "dsmk-file SIZE PATH\n" and its
 * bytes ("dsmk-file -1 PATH\n" when there is none), on COM4. */
void file_store_export(void);

#endif
