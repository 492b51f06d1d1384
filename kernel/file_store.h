/* SPDX-License-Identifier: MIT */
/* The files a program can open by path: read-only boot modules ("file=/path", their
 * directories made for them), and files it creates with open(O_CREAT), kept in memory
 * (kernel/ramfile.h) until unlinked, in a tree of directories under "/" (mkdir, rmdir,
 * rename of files and whole directories, getdents64 listings). Paths here are canonical
 * and absolute: kernel/files.c resolves the program's (kernel/path.h, with file_store_kind)
 * against its working directory first. Asked for on the command line (files.out=), created
 * files are written out on COM4 at the program's exit, for `tools/dsmk run --out` to save
 * on the host. Each keeps permission bits and access, modification and status change
 * times (on the program's CLOCK_REALTIME), as Linux's stat shows them. Node 0 (or the only
 * node) holds the store. */
#ifndef KERNEL_FILE_STORE_H
#define KERNEL_FILE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/file_devices.h"
#include "kernel/linux_abi.h"
#include "kernel/path.h"

struct file_node;

/* Adds a read-only file at path (len bytes, no NUL; relative to "/"; missing directories on
 * the way are made) over data; false when the table is full, the path is taken or bad. */
bool file_store_add_module(const char *path, size_t len, const uint8_t *data, uint64_t size);
/* Adds character device device at canonical path (its directory exists): false when the
 * table is full or the path taken. */
bool file_store_add_device(const char *path, enum file_device device);
/* Adds a generated file (kernel/file_proc.h's kind, nonzero) at canonical path (its directory
 * exists) with permission bits perm: false when the table is full or the path taken. */
bool file_store_add_generated(const char *path, unsigned kind, uint32_t perm);
/* n's generated kind, or 0 for any other node. */
unsigned file_store_generated(const struct file_node *n);
/* Whether n is a character device (kernel/file_devices.h): read and write go there, it
 * has no size, truncate is EINVAL. */
bool file_store_is_device(const struct file_node *n);
/* path_link_fn over the store (ctx unused): the target of the symbolic link at path. */
int file_store_read_link(const char *path, char *target, size_t size, void *ctx);
/* symlink(2): a symbolic link at canonical path (free, its parent a directory) to target
 * (len bytes, no NUL): 0, -EEXIST, -ENOENT (empty), -ENAMETOOLONG, -ENOSPC. */
int64_t file_store_symlink(const char *path, const char *target, size_t len);
/* Whether n is a symbolic link (stat shows S_IFLNK, its size the target's length). */
bool file_store_is_symlink(const struct file_node *n);
/* mkfifo(3): a named FIFO at canonical path (free, its parent a directory) with permission
 * bits perm: 0, -EEXIST, -ENOSPC, -ENAMETOOLONG. */
int64_t file_store_mkfifo(const char *path, uint32_t perm);
/* bind(2)'s name for an AF_UNIX socket at canonical path (free, its parent a directory) with
 * permission bits perm: 0, -EEXIST (EADDRINUSE to the caller), -ENOSPC. */
int64_t file_store_mksock(const char *path, uint32_t perm);
/* Whether n is a socket's name (kernel/files_socket.c connects through it). */
bool file_store_is_socket(const struct file_node *n);
/* Whether n is a named FIFO (kernel/files_fifo.c opens it). */
bool file_store_is_fifo(const struct file_node *n);
/* FIFO n's pipe slot (NULL while no end is open) and its opens of each end so far ([0]
 * read, [1] write), kept for kernel/files_fifo.c. */
void **file_store_fifo_pipe(struct file_node *n);
uint64_t *file_store_fifo_opens(struct file_node *n);
/* The file or directory at canonical path ("/": the root directory), or NULL. */
struct file_node *file_store_lookup(const char *path);
/* path_resolve's question over the store (ctx unused). */
enum path_kind file_store_kind(const char *path, void *ctx);
/* A new empty file at canonical path (free, its parent a directory) with permission bits
 * perm: the node, or NULL with *err -ENOSPC (no slot) or -ENAMETOOLONG. */
struct file_node *file_store_create(const char *path, uint32_t perm, int64_t *err);
/* n's canonical path (as of now: a rename of it or a directory above moves it). */
const char *file_store_path(const struct file_node *n);
/* Whether the program may write n (it made it; boot modules are read-only). */
bool file_store_writable(const struct file_node *n);
/* Whether n is a directory. */
bool file_store_is_dir(const struct file_node *n);
/* Whether a path still names n (unlinked, it lives on while held). */
bool file_store_is_linked(const struct file_node *n);
/* mkdir(2) with permission bits perm: 0, -EEXIST, -ENOSPC, -ENAMETOOLONG. */
int64_t file_store_mkdir(const char *path, uint32_t perm);
/* chmod(2): n's permission bits (07777 of perm): 0, or -EROFS for a boot module. */
int64_t file_store_chmod(struct file_node *n, uint32_t perm);
/* utimensat(2): n's access and modification times (ns since the epoch; FILE_STORE_TIME_OMIT
 * keeps one), its status change time now: 0, or -EROFS for a boot module. */
#define FILE_STORE_TIME_OMIT UINT64_MAX
int64_t file_store_set_times(struct file_node *n, uint64_t atime_ns, uint64_t mtime_ns);
/* chown(2): n's owner and group (FILE_STORE_ID_KEEP keeps one), its status change time
 * now: 0, or -EROFS for a boot module. */
#define FILE_STORE_ID_KEEP UINT32_MAX
int64_t file_store_chown(struct file_node *n, uint32_t uid, uint32_t gid);
/* memfd_create(2): a new empty writable file that no path names (name is what
 * file_store_path shows), freed with its last hold: the node, or NULL with *err -ENOSPC. */
struct file_node *file_store_create_unlinked(const char *name, int64_t *err);
/* statfs(2)'s figures: the pages files may hold, those still free, the file slots, those
 * still free. */
void file_store_usage(uint64_t *pages, uint64_t *pages_free, uint64_t *nodes, uint64_t *nodes_free);
/* flock(2)'s state of n: how many open descriptions hold it shared, whether one holds it
 * exclusive (kernel/files_flock.c keeps it). */
struct file_store_flock {
    uint32_t shared;
    bool exclusive;
};
struct file_store_flock *file_store_flock_state(struct file_node *n);
/* n's permission bits. */
uint32_t file_store_perm(const struct file_node *n);
/* rmdir(2): 0, -ENOENT, -ENOTDIR, -ENOTEMPTY, -EBUSY (the root). */
int64_t file_store_rmdir(const char *path);
uint64_t file_store_size(const struct file_node *n);
/* Copies up to len bytes at off into dst (its access time moves, as relatime moves it); the count. */
size_t file_store_read(struct file_node *n, uint64_t off, void *dst, size_t len);
/* Writes len bytes at off (n writable): len, -ENOSPC (the store's memory is used up) or -EFBIG. */
int64_t file_store_write(struct file_node *n, uint64_t off, const void *src, size_t len);
/* Sets n's size (writable): 0, -ENOSPC or -EFBIG. */
int64_t file_store_truncate(struct file_node *n, uint64_t size);
/* Removes path from the namespace (its memory goes with the last close): 0, -ENOENT, -EROFS,
 * -EISDIR. */
int64_t file_store_unlink(const char *path);
/* link(2): the file at from also takes the path to: 0, -ENOENT, -EPERM (a directory),
 * -EROFS (a boot module), -EEXIST, -ENAMETOOLONG, -ENOSPC (no room for another name). */
int64_t file_store_link(const char *from, const char *to);
/* rename(2): from's file or directory (with everything below it) takes the path to,
 * replacing a file or an empty directory there: 0, -ENOENT, -EROFS (a boot module on either
 * side), -EISDIR / -ENOTDIR (a file over a directory / the reverse), -ENOTEMPTY, -EINVAL
 * (a directory into itself), -EBUSY (the root), -ENAMETOOLONG. */
int64_t file_store_rename(const char *from, const char *to);
/* An open description now names n / no longer does. */
void file_store_hold(struct file_node *n);
void file_store_release(struct file_node *n);
/* n's stat: a regular file or a directory with its permission bits (a module 0444, made at
 * boot) and times. */
void file_store_stat(const struct file_node *n, struct linux_stat *st);
/* getdents64(2) of directory dir from position *cookie: linux_dirent64 records into
 * buf[0..len), "." and ".." first; bytes, 0 at the end (or for a removed directory), or
 * -EINVAL when the first record does not fit. *cookie moves past what was given. */
int64_t file_store_list(const struct file_node *dir, uint64_t *cookie, void *buf, size_t len);
/* Appends one getdents64 record (inode ino, next cookie next, DT_* type, name) at buf +
 * *used, len bytes in all: false when it does not fit. */
bool file_store_dirent(void *buf, size_t len, size_t *used, uint64_t ino, uint64_t next, uint8_t type,
                       const char *name);
/* At the program's exit: the files.out= paths, each as "dsmk-file SIZE PATH\n" and its
 * bytes ("dsmk-file -1 PATH\n" when there is none), on COM4. */
void file_store_export(void);

#endif
