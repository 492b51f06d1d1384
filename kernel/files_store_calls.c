/* SPDX-License-Identifier: MIT */
/* File calls that act on the store as a whole or grow a file: fallocate (mode 0: the file
 * grows to cover the range, since a memory file has no blocks to reserve), statfs (the
 * store as one tmpfs-like file system: its page budget and its file slots) and
 * memfd_create (a file no path names, freed with its last descriptor). Node 0 runs them. */
#include "kernel/file_store.h"
#include "kernel/files_internal.h"
#include "kernel/libc.h"
#include "kernel/linux_abi.h"

#define FILES_MEMFD_PREFIX "memfd:" /* what Linux shows as such a file's name (mm/memfd.c) */
#define FILES_STATFS_BLOCK 4096     /* the store counts in pages (kernel/ramfile.h) */

int64_t files_fallocate(struct file_desc *d, uint64_t offset, uint64_t len)
{
    if (files_is_pipe(d) || d->kind == FILE_KIND_SOCKET)
        return -LINUX_ESPIPE;
    if (d->kind != FILE_KIND_FILE)
        return -LINUX_ENODEV;
    if ((d->status & LINUX_O_ACCMODE) == LINUX_O_RDONLY)
        return -LINUX_EBADF;
    if (file_store_is_dir(d->file))
        return -LINUX_EISDIR;
    if (file_store_size(d->file) >= offset + len)
        return 0;
    return file_store_truncate(d->file, offset + len);
}

int64_t files_statfs(void *data, size_t *data_len)
{
    uint64_t pages, pages_free, nodes, nodes_free;
    file_store_usage(&pages, &pages_free, &nodes, &nodes_free);
    struct linux_statfs st = {
        .f_type = LINUX_TMPFS_MAGIC, .f_bsize = FILES_STATFS_BLOCK, .f_blocks = (int64_t)pages,
        .f_bfree = (int64_t)pages_free, .f_bavail = (int64_t)pages_free, .f_files = (int64_t)nodes,
        .f_ffree = (int64_t)nodes_free, .f_namelen = LINUX_NAME_MAX, .f_frsize = FILES_STATFS_BLOCK,
        .f_flags = LINUX_ST_VALID,
    };
    memcpy(data, &st, sizeof st);
    *data_len = sizeof st;
    return 0;
}

int64_t files_memfd_create(const struct files_call *c)
{
    char name[FILES_PATH_MAX];
    size_t prefix = strlen(FILES_MEMFD_PREFIX);
    if (c->len + prefix >= sizeof name)
        return -LINUX_EINVAL;
    memcpy(name, FILES_MEMFD_PREFIX, prefix);
    memcpy(name + prefix, c->in, c->len);
    name[prefix + c->len] = '\0';
    int fd = files_lowest_free(0);
    if (fd < 0)
        return fd;
    struct file_desc *d = files_desc_new(FILE_KIND_FILE, LINUX_O_RDWR | LINUX_O_LARGEFILE);
    if (!d)
        return -LINUX_ENFILE;
    int64_t err = 0;
    struct file_node *f = file_store_create_unlinked(name, &err);
    if (!f) {
        d->refs = 0;
        return err;
    }
    d->file = f;
    file_store_hold(f);
    files_fd_install(fd, d, (c->arg & LINUX_O_CLOEXEC) != 0);
    return fd;
}
