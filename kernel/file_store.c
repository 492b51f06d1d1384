/* SPDX-License-Identifier: MIT */
/* The file store (kernel/file_store.h). A node's memory is bounded: the program's files
 * hold at most FILE_STORE_RAM_PAGES pages between them (ENOSPC past it), so a program that
 * writes without end cannot starve the kernel or the DSM of frames. */
#include "kernel/file_store.h"

#include "drivers/serial_ports.h"
#include "kernel/cmdline.h"
#include "kernel/files.h"
#include "kernel/format.h"
#include "kernel/libc.h"
#include "kernel/log.h"
#include "kernel/mm.h"
#include "kernel/ramfile.h"

#define FILE_STORE_MAX 32            /* boot modules (at most 8) and files the program made */
#define FILE_STORE_RAM_PAGES 8192    /* 32 MiB: a quarter of a node's default 128 MiB */
#define FILE_STORE_INO_BASE 100      /* inode numbers past those of descriptors' terminals and pipes */
#define FILE_STORE_MODULE_MODE 0444
#define FILE_STORE_RAM_MODE 0644
#define FILE_STORE_DIR_MODE 0755
#define FILE_STORE_DIR_LINKS 2       /* a directory's st_nlink: its name and its "." */
#define FILE_STORE_BLOCK_SIZE 4096
#define FILE_STORE_STAT_BLOCK 512    /* st_blocks counts 512-byte units */
#define FILE_STORE_OUT_MAX 512       /* files.out: comma-separated paths */
#define FILE_STORE_OUT_SEPARATOR ','
#define FILE_STORE_PATH_MAX FILES_PATH_MAX
#define FILE_STORE_HEADER_MAX (FILE_STORE_PATH_MAX + 48) /* "dsmk-file", a size, a path */
#define FILE_STORE_CHUNK 4096        /* bytes copied out per serial write */

struct file_node {
    char path[FILE_STORE_PATH_MAX];
    const uint8_t *data;  /* a module's bytes (read-only), else NULL: the file is ram */
    uint64_t size;        /* a module's size */
    struct ramfile ram;
    bool used;            /* the slot holds a file */
    bool dir;             /* a directory the program made: no bytes */
    bool linked;          /* its path finds it */
    uint32_t holds;       /* open descriptions naming it */
};

static struct file_node file_store[FILE_STORE_MAX];
static size_t file_store_ram_pages; /* pages held by every ram file */
static char file_store_out[FILE_STORE_OUT_MAX];
CMDLINE_PARAM_STRING(file_store_out, "files.out",
                     "paths of files the program writes, sent out on COM4 at its exit (comma-separated)");

static void *file_store_alloc(size_t bytes) { return kmalloc(bytes); }
static void file_store_free(void *p) { kfree(p); }
static const struct ramfile_alloc file_store_allocator = { file_store_alloc, file_store_free };

/* A free slot, or NULL. */
static struct file_node *file_store_slot(void)
{
    for (size_t i = 0; i < FILE_STORE_MAX; i++)
        if (!file_store[i].used)
            return &file_store[i];
    return NULL;
}

bool file_store_add_module(const char *path, size_t len, const uint8_t *data, uint64_t size)
{
    struct file_node *n = file_store_slot();
    if (!n || len >= sizeof n->path)
        return false;
    *n = (struct file_node){ .data = data, .size = size, .used = true, .linked = true };
    memcpy(n->path, path, len);
    n->path[len] = '\0';
    return true;
}

struct file_node *file_store_lookup(const char *path)
{
    if (!path[0])
        return NULL;
    for (size_t i = 0; i < FILE_STORE_MAX; i++) {
        struct file_node *n = &file_store[i];
        const char *p = n->path;
        if (n->used && n->linked &&
            (strcmp(p, path) == 0 || (path[0] != '/' && p[0] == '/' && strcmp(p + 1, path) == 0)))
            return n;
    }
    return NULL;
}

struct file_node *file_store_create(const char *path, int64_t *err)
{
    bool relative = path[0] != '/';
    size_t len = strlen(path);
    if (len + relative >= FILE_STORE_PATH_MAX || !len) {
        *err = len ? -LINUX_ENAMETOOLONG : -LINUX_ENOENT;
        return NULL;
    }
    struct file_node *n = file_store_slot();
    if (!n) {
        *err = -LINUX_ENOSPC;
        return NULL;
    }
    *n = (struct file_node){ .used = true, .linked = true };
    n->path[0] = '/'; /* stored absolute: "/" is the cwd */
    memcpy(n->path + relative, path, len + 1);
    return n;
}

bool file_store_writable(const struct file_node *n)
{
    return !n->data && !n->dir;
}

bool file_store_is_dir(const struct file_node *n)
{
    return n->dir;
}

int64_t file_store_mkdir(const char *path)
{
    if (file_store_lookup(path))
        return -LINUX_EEXIST;
    int64_t err = 0;
    struct file_node *n = file_store_create(path, &err);
    if (n)
        n->dir = true;
    return err;
}

/* Whether a linked file's path lies below directory d ("d/..."). */
static bool file_store_has_children(const struct file_node *d)
{
    size_t len = strlen(d->path);
    for (size_t i = 0; i < FILE_STORE_MAX; i++) {
        const struct file_node *n = &file_store[i];
        if (n != d && n->used && n->linked && strncmp(n->path, d->path, len) == 0 && n->path[len] == '/')
            return true;
    }
    return false;
}

uint64_t file_store_size(const struct file_node *n)
{
    return n->data ? n->size : n->ram.size;
}

size_t file_store_read(const struct file_node *n, uint64_t off, void *dst, size_t len)
{
    if (!n->data)
        return ramfile_read(&n->ram, off, dst, len);
    if (off >= n->size)
        return 0;
    if (len > n->size - off)
        len = (size_t)(n->size - off);
    memcpy(dst, n->data + off, len);
    return len;
}

static size_t file_store_pages_for(uint64_t bytes)
{
    return (size_t)((bytes + RAMFILE_PAGE - 1) / RAMFILE_PAGE);
}

/* Pages f holds: its data and its page list (a sparse file's list can outweigh its data). */
static size_t file_store_footprint(const struct ramfile *f)
{
    return f->pages_held + file_store_pages_for(f->page_slots * sizeof *f->pages);
}

/* The store's answer to a ramfile change that went from a footprint of before to now. */
static int64_t file_store_account(int rc, size_t before, const struct ramfile *f)
{
    file_store_ram_pages = file_store_ram_pages - before + file_store_footprint(f);
    if (rc == RAMFILE_TOO_BIG)
        return -LINUX_EFBIG;
    return rc == RAMFILE_OK ? 0 : -LINUX_ENOSPC;
}

int64_t file_store_write(struct file_node *n, uint64_t off, const void *src, size_t len)
{
    if (off > RAMFILE_MAX_BYTES || len > RAMFILE_MAX_BYTES - off)
        return -LINUX_EFBIG;
    /* At most: every page the bytes touch is new, and the page list doubles past their end. */
    size_t before = file_store_footprint(&n->ram);
    size_t worst = n->ram.pages_held + len / RAMFILE_PAGE + 2 +
                   file_store_pages_for(2 * file_store_pages_for(off + len) * sizeof *n->ram.pages);
    if (file_store_ram_pages - before + worst > FILE_STORE_RAM_PAGES)
        return -LINUX_ENOSPC;
    int64_t rc = file_store_account(ramfile_write(&n->ram, &file_store_allocator, off, src, len), before, &n->ram);
    return rc ? rc : (int64_t)len;
}

int64_t file_store_truncate(struct file_node *n, uint64_t size)
{
    size_t before = file_store_footprint(&n->ram);
    return file_store_account(ramfile_truncate(&n->ram, &file_store_allocator, size), before, &n->ram);
}

/* Frees n once nothing names it: no path, no open description. */
static void file_store_reap(struct file_node *n)
{
    if (n->linked || n->holds)
        return;
    size_t before = file_store_footprint(&n->ram);
    ramfile_free(&n->ram, &file_store_allocator);
    file_store_account(RAMFILE_OK, before, &n->ram);
    n->used = false;
}

int64_t file_store_rmdir(const char *path)
{
    struct file_node *n = file_store_lookup(path);
    if (!n)
        return -LINUX_ENOENT;
    if (!n->dir)
        return -LINUX_ENOTDIR;
    if (file_store_has_children(n))
        return -LINUX_ENOTEMPTY;
    n->linked = false;
    file_store_reap(n);
    return 0;
}

int64_t file_store_unlink(const char *path)
{
    struct file_node *n = file_store_lookup(path);
    if (!n)
        return -LINUX_ENOENT;
    if (n->dir)
        return -LINUX_EISDIR;
    if (!file_store_writable(n))
        return -LINUX_EROFS;
    n->linked = false;
    file_store_reap(n);
    return 0;
}

int64_t file_store_rename(const char *from, const char *to)
{
    struct file_node *n = file_store_lookup(from);
    if (!n || !to[0])
        return -LINUX_ENOENT;
    struct file_node *old = file_store_lookup(to);
    if (n->dir || (old && old->dir))
        return -LINUX_EXDEV; /* moving a directory would move the paths below it: not done */
    if (!file_store_writable(n) || (old && !file_store_writable(old)))
        return -LINUX_EROFS;
    bool relative = to[0] != '/';
    size_t len = strlen(to);
    if (len + relative >= sizeof n->path)
        return -LINUX_ENAMETOOLONG;
    if (old == n)
        return 0; /* the same file: nothing to do, as rename(2) says */
    if (old) {
        old->linked = false;
        file_store_reap(old);
    }
    n->path[0] = '/';
    memcpy(n->path + relative, to, len + 1);
    return 0;
}

void file_store_hold(struct file_node *n)
{
    n->holds++;
}

void file_store_release(struct file_node *n)
{
    n->holds--;
    file_store_reap(n);
}

void file_store_stat(const struct file_node *n, struct linux_stat *st)
{
    memset(st, 0, sizeof *st);
    st->st_ino = FILE_STORE_INO_BASE + (uint64_t)(n - file_store);
    st->st_nlink = n->linked;
    st->st_blksize = FILE_STORE_BLOCK_SIZE;
    if (n->dir) {
        st->st_mode = LINUX_S_IFDIR | FILE_STORE_DIR_MODE;
        st->st_nlink = FILE_STORE_DIR_LINKS;
        return;
    }
    st->st_mode = LINUX_S_IFREG | (n->data ? FILE_STORE_MODULE_MODE : FILE_STORE_RAM_MODE);
    st->st_size = (int64_t)file_store_size(n);
    st->st_blocks = n->data ? (st->st_size + FILE_STORE_STAT_BLOCK - 1) / FILE_STORE_STAT_BLOCK
                            : (int64_t)(n->ram.pages_held * (RAMFILE_PAGE / FILE_STORE_STAT_BLOCK));
}

/* Sends one file (or its absence) on COM4. */
static void file_store_export_one(const char *path)
{
    struct file_node *n = file_store_lookup(path);
    char header[FILE_STORE_HEADER_MAX];
    int len = n ? fmt_snprintf(header, sizeof header, "dsmk-file %llu %s\n", (unsigned long long)file_store_size(n),
                               path)
                : fmt_snprintf(header, sizeof header, "dsmk-file -1 %s\n", path);
    serial_port_write_raw(SERIAL_PORT_COM4, header, (size_t)len < sizeof header ? (size_t)len : sizeof header - 1);
    static uint8_t chunk[FILE_STORE_CHUNK];
    for (uint64_t off = 0; n && off < file_store_size(n);) {
        size_t got = file_store_read(n, off, chunk, sizeof chunk);
        serial_port_write_raw(SERIAL_PORT_COM4, chunk, got);
        off += got;
    }
    log_info("files: %s sent out (%lld bytes)", path, n ? (long long)file_store_size(n) : -1ll);
}

void file_store_export(void)
{
    if (!file_store_out[0])
        return;
    serial_port_init(SERIAL_PORT_COM4);
    char path[FILE_STORE_PATH_MAX];
    for (const char *p = file_store_out; *p;) {
        size_t len = 0;
        while (p[len] && p[len] != FILE_STORE_OUT_SEPARATOR)
            len++;
        if (len && len < sizeof path) {
            memcpy(path, p, len);
            path[len] = '\0';
            file_store_export_one(path);
        }
        p += len + (p[len] == FILE_STORE_OUT_SEPARATOR);
    }
}
