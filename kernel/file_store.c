/* SPDX-License-Identifier: MIT */
/* The file store (kernel/file_store.h). A node's memory is bounded: the program's files
 * hold at most FILE_STORE_RAM_PAGES pages between them (ENOSPC past it), so a program that
 * writes without end cannot starve the kernel or the DSM of frames. Invariants: every linked
 * node's path is canonical (kernel/path.h) and its parent is a linked directory (the root,
 * "/", is a node outside the table); a file's further names (link(2)) live in
 * file_store_links, each naming a linked regular file, so a file with no name of its own
 * (unlinked) has none there either: unlinking a file's own name while it has another moves
 * that one into its path. */
#include "kernel/file_store.h"

#include "drivers/serial_ports.h"
#include "kernel/clock.h"
#include "kernel/cmdline.h"
#include "kernel/file_devices.h"
#include "kernel/files.h"
#include "kernel/format.h"
#include "kernel/libc.h"
#include "kernel/log.h"
#include "kernel/mm.h"
#include "kernel/path.h"
#include "kernel/ramfile.h"
#include "kernel/time_conv.h"

#define FILE_STORE_MAX 256           /* boot modules (at most 8), their directories, /tmp, /dev and its
                                      * devices, the program's files and directories */
#define FILE_STORE_RAM_PAGES 8192    /* 32 MiB: a quarter of a node's default 128 MiB */
#define FILE_STORE_INO_BASE 1000     /* the root's inode number; past FILES_DESCS_MAX, which number
                                      * descriptors' terminals and pipes */
#define FILE_STORE_MODULE_MODE 0444
#define FILE_STORE_DIR_MODE 0755
#define FILE_STORE_PERM_BITS 07777 /* S_ISUID | S_ISGID | S_ISVTX | rwxrwxrwx */
#define FILE_STORE_DIR_LINKS 2       /* a directory's st_nlink: its name and its "." */
#define FILE_STORE_MEMFD_PERM 0777   /* memfd_create's file (mm/memfd.c: S_IRWXUGO) */
#define FILE_STORE_DEVICE_PERM 0666  /* /dev/null and the others (drivers/char/mem.c devlist) */
#define FILE_STORE_SYMLINK_PERM 0777 /* a symbolic link's mode: its own bits are never checked */
#define FILE_STORE_BLOCK_SIZE 4096
#define FILE_STORE_STAT_BLOCK 512    /* st_blocks counts 512-byte units */
#define FILE_STORE_OUT_MAX 512       /* files.out: comma-separated paths */
#define FILE_STORE_OUT_SEPARATOR ','
#define FILE_STORE_PATH_MAX FILES_PATH_MAX
#define FILE_STORE_HEADER_MAX (FILE_STORE_PATH_MAX + 48) /* "dsmk-file", a size, a path */
#define FILE_STORE_CHUNK 4096        /* bytes copied out per serial write */
#define FILE_STORE_COOKIE_DOT 0      /* getdents positions: ".", "..", then 2 + a table slot */
#define FILE_STORE_COOKIE_DOTDOT 1
#define FILE_STORE_COOKIE_SLOTS 2
#define FILE_STORE_DIRENT_ALIGN 8    /* getdents64 records are 8-byte aligned (fs/readdir.c) */
#define FILE_STORE_LINKS_MAX 128     /* names of files beyond each one's first (link(2)) */
#define FILE_STORE_FNV_OFFSET 2166136261u /* FNV-1a, 32 bits (draft-eastlake-fnv) */
#define FILE_STORE_FNV_PRIME 16777619u

struct file_node {
    char path[FILE_STORE_PATH_MAX];
    uint32_t path_hash;   /* file_store_hash(path): a lookup compares it before the path */
    const uint8_t *data;  /* a module's bytes (read-only), else NULL: the file is ram */
    uint64_t size;        /* a module's size */
    struct ramfile ram;
    bool used;            /* the slot holds a file */
    bool dir;             /* a directory (made by the program or for a module): no bytes */
    enum file_device device; /* a character device (kernel/file_devices.h): no bytes of its own */
    bool symlink;         /* a symbolic link: its bytes (ram) are the target */
    bool fifo;            /* a named FIFO (mkfifo(3)): its bytes go through fifo_pipe */
    unsigned generated;   /* a /proc file (kernel/file_proc.h): its bytes are made at each open */
    bool socket;          /* a bound AF_UNIX socket's name (bind(2)): connect finds its listener */
    void *fifo_pipe;      /* the FIFO's pipe while an end is open (kernel/files_fifo.c), else NULL */
    uint64_t fifo_opens[2]; /* FIFO: opens of its read end [0] and write end [1] so far */
    bool linked;          /* its path finds it */
    uint32_t holds;       /* open descriptions naming it */
    uint32_t perm;        /* permission bits (07777): chmod, open's and mkdir's mode less the umask */
    uint32_t uid, gid;    /* owner and group: root's (0) until chown */
    struct file_store_flock flock;
    uint64_t atime_ns, mtime_ns, ctime_ns; /* on CLOCK_REALTIME: last read (relatime), change of
                                            * bytes or entries, change of anything */
};

static struct file_node file_store[FILE_STORE_MAX];

/* A further name of a file (link(2)). */
struct file_store_link {
    char path[FILE_STORE_PATH_MAX];
    uint32_t path_hash;     /* file_store_hash(path) */
    struct file_node *node; /* a linked regular file; NULL: the slot is free */
};
static struct file_store_link file_store_links[FILE_STORE_LINKS_MAX];
static struct file_node file_store_root = { .path = "/", .used = true, .dir = true, .linked = true,
                                            .perm = FILE_STORE_DIR_MODE };
static size_t file_store_ram_pages; /* pages held by every ram file */
static char file_store_out[FILE_STORE_OUT_MAX];
CMDLINE_PARAM_STRING(file_store_out, "files.out",
                     "paths of files the program writes, sent out on COM4 at its exit (comma-separated)");

static void *file_store_alloc(size_t bytes) { return kmalloc(bytes); }
static void file_store_free(void *p) { kfree(p); }
static const struct ramfile_alloc file_store_allocator = { file_store_alloc, file_store_free };

/* CLOCK_REALTIME on the program clock (node 0 holds the store: its clock is the program's). */
static uint64_t file_store_now(void)
{
    return time_program_ns() + time_realtime_epoch_ns();
}

/* n's bytes or entries changed now (its status too, as with every such change). */
static void file_store_modified(struct file_node *n)
{
    n->mtime_ns = n->ctime_ns = file_store_now();
}

/* The directory holding path changed its entries now. */
static void file_store_parent_modified(const char *path)
{
    char parent[FILE_STORE_PATH_MAX];
    size_t len = (size_t)(path_last(path) - path);
    if (len > 1)
        len--; /* not the root: drop the separator before the last name */
    if (len >= sizeof parent)
        return;
    memcpy(parent, path, len);
    parent[len] = '\0';
    struct file_node *d = file_store_lookup(parent);
    if (d)
        file_store_modified(d);
}

/* A free slot, or NULL. */
static struct file_node *file_store_slot(void)
{
    for (size_t i = 0; i < FILE_STORE_MAX; i++)
        if (!file_store[i].used)
            return &file_store[i];
    return NULL;
}

/* A path's hash: a lookup's scan compares it first, so a full table costs little. */
static uint32_t file_store_hash(const char *path)
{
    uint32_t h = FILE_STORE_FNV_OFFSET;
    for (; *path; path++)
        h = (h ^ (uint8_t)*path) * FILE_STORE_FNV_PRIME;
    return h;
}

/* The further name path, or NULL. */
static struct file_store_link *file_store_link_named(const char *path)
{
    uint32_t h = file_store_hash(path);
    for (size_t i = 0; i < FILE_STORE_LINKS_MAX; i++) {
        struct file_store_link *l = &file_store_links[i];
        if (l->node && l->path_hash == h && strcmp(l->path, path) == 0)
            return l;
    }
    return NULL;
}

/* A further name of n (NULL for n itself: a free slot), or NULL. */
static struct file_store_link *file_store_link_of(const struct file_node *n)
{
    for (size_t i = 0; i < FILE_STORE_LINKS_MAX; i++)
        if (file_store_links[i].node == n)
            return &file_store_links[i];
    return NULL;
}

struct file_node *file_store_lookup(const char *path)
{
    if (strcmp(path, "/") == 0)
        return &file_store_root;
    uint32_t h = file_store_hash(path);
    for (size_t i = 0; i < FILE_STORE_MAX; i++) {
        struct file_node *n = &file_store[i];
        if (n->used && n->linked && n->path_hash == h && strcmp(n->path, path) == 0)
            return n;
    }
    struct file_store_link *l = file_store_link_named(path);
    return l ? l->node : NULL;
}

enum path_kind file_store_kind(const char *path, void *ctx)
{
    (void)ctx;
    const struct file_node *n = file_store_lookup(path);
    return !n ? PATH_MISSING : n->dir ? PATH_DIR : n->symlink ? PATH_LINK : PATH_FILE;
}

int file_store_read_link(const char *path, char *target, size_t size, void *ctx)
{
    (void)ctx;
    struct file_node *n = file_store_lookup(path);
    if (!n || !n->symlink || n->ram.size >= size)
        return -LINUX_ENAMETOOLONG; /* a link store holds is shorter than FILE_STORE_PATH_MAX */
    size_t len = ramfile_read(&n->ram, 0, target, (size_t)n->ram.size);
    target[len] = '\0';
    return (int)len;
}

bool file_store_is_symlink(const struct file_node *n)
{
    return n->symlink;
}

bool file_store_is_fifo(const struct file_node *n)
{
    return n->fifo;
}

void **file_store_fifo_pipe(struct file_node *n)
{
    return &n->fifo_pipe;
}

uint64_t *file_store_fifo_opens(struct file_node *n)
{
    return n->fifo_opens;
}

/* A new empty file named name (len bytes, < FILE_STORE_PATH_MAX) in a free slot, linked or
 * not, all its times now: the node, or NULL with *err -ENOSPC. */
static struct file_node *file_store_new(const char *name, size_t len, uint32_t perm, bool linked, int64_t *err)
{
    struct file_node *n = file_store_slot();
    if (!n) {
        *err = -LINUX_ENOSPC;
        return NULL;
    }
    uint64_t now = file_store_now();
    *n = (struct file_node){ .used = true, .linked = linked, .perm = perm & FILE_STORE_PERM_BITS, .atime_ns = now,
                             .mtime_ns = now, .ctime_ns = now };
    memcpy(n->path, name, len);
    n->path[len] = '\0';
    n->path_hash = file_store_hash(n->path);
    return n;
}

struct file_node *file_store_create(const char *path, uint32_t perm, int64_t *err)
{
    size_t len = strlen(path);
    if (len >= FILE_STORE_PATH_MAX) {
        *err = -LINUX_ENAMETOOLONG;
        return NULL;
    }
    struct file_node *n = file_store_new(path, len, perm, true, err);
    if (n)
        file_store_parent_modified(n->path);
    return n;
}

/* A new node at canonical path with permission bits perm, for mkdir, mkfifo, symlink and
 * the devices to make their kind of: it, or NULL with *err (-EEXIST when the path is taken). */
static struct file_node *file_store_make(const char *path, uint32_t perm, int64_t *err)
{
    if (file_store_lookup(path)) {
        *err = -LINUX_EEXIST;
        return NULL;
    }
    return file_store_create(path, perm, err);
}

int64_t file_store_mksock(const char *path, uint32_t perm)
{
    int64_t err = 0;
    struct file_node *n = file_store_make(path, perm, &err);
    if (n)
        n->socket = true;
    return err;
}

bool file_store_is_socket(const struct file_node *n)
{
    return n->socket;
}

int64_t file_store_mkfifo(const char *path, uint32_t perm)
{
    int64_t err = 0;
    struct file_node *n = file_store_make(path, perm, &err);
    if (n)
        n->fifo = true;
    return err;
}

int64_t file_store_symlink(const char *path, const char *target, size_t len)
{
    if (!len)
        return -LINUX_ENOENT; /* symlink(2): an empty target */
    if (len >= FILE_STORE_PATH_MAX)
        return -LINUX_ENAMETOOLONG;
    int64_t err = 0;
    struct file_node *n = file_store_make(path, FILE_STORE_SYMLINK_PERM, &err);
    if (!n)
        return err;
    n->symlink = true;
    err = file_store_write(n, 0, target, len);
    if (err < 0) {
        file_store_unlink(path);
        return err;
    }
    return 0;
}

/* A boot module's path: missing directories on the way are to be made, files block it. */
static enum path_kind file_store_module_kind(const char *path, void *ctx)
{
    enum path_kind k = file_store_kind(path, ctx);
    return k == PATH_MISSING ? PATH_DIR : k;
}

bool file_store_add_module(const char *path, size_t len, const uint8_t *data, uint64_t size)
{
    char raw[FILE_STORE_PATH_MAX], canon[FILE_STORE_PATH_MAX];
    struct path_result how;
    if (len >= sizeof raw)
        return false;
    memcpy(raw, path, len);
    raw[len] = '\0';
    if (path_resolve("/", raw, canon, sizeof canon, file_store_module_kind, NULL, &how) != 0 || how.dir_only ||
        file_store_lookup(canon))
        return false;
    int64_t err = 0;
    for (size_t i = 1; canon[i]; i++) { /* its directories, outermost first */
        if (canon[i] != '/')
            continue;
        canon[i] = '\0';
        bool made = file_store_lookup(canon) || file_store_mkdir(canon, FILE_STORE_DIR_MODE) == 0;
        canon[i] = '/';
        if (!made)
            return false;
    }
    struct file_node *n = file_store_create(canon, FILE_STORE_MODULE_MODE, &err);
    if (!n)
        return false;
    n->data = data;
    n->size = size;
    return true;
}

bool file_store_add_device(const char *path, enum file_device device)
{
    int64_t err = 0;
    struct file_node *n = file_store_make(path, FILE_STORE_DEVICE_PERM, &err);
    if (n)
        n->device = device;
    return n != NULL;
}

bool file_store_add_generated(const char *path, unsigned kind, uint32_t perm)
{
    int64_t err = 0;
    struct file_node *n = file_store_make(path, perm, &err);
    if (n)
        n->generated = kind;
    return n != NULL;
}

unsigned file_store_generated(const struct file_node *n)
{
    return n->generated;
}

bool file_store_is_device(const struct file_node *n)
{
    return n->device != FILE_DEVICE_NONE;
}

bool file_store_writable(const struct file_node *n)
{
    return !n->data && !n->dir && !n->generated;
}

bool file_store_is_dir(const struct file_node *n)
{
    return n->dir;
}

bool file_store_is_linked(const struct file_node *n)
{
    return n->linked;
}

const char *file_store_path(const struct file_node *n)
{
    return n->path;
}

int64_t file_store_mkdir(const char *path, uint32_t perm)
{
    int64_t err = 0;
    struct file_node *n = file_store_make(path, perm, &err);
    if (n)
        n->dir = true;
    return err;
}

int64_t file_store_chmod(struct file_node *n, uint32_t perm)
{
    if (n->data)
        return -LINUX_EROFS; /* a boot module */
    n->perm = perm & FILE_STORE_PERM_BITS;
    n->ctime_ns = file_store_now();
    return 0;
}

int64_t file_store_set_times(struct file_node *n, uint64_t atime_ns, uint64_t mtime_ns)
{
    if (n->data)
        return -LINUX_EROFS;
    if (atime_ns != FILE_STORE_TIME_OMIT)
        n->atime_ns = atime_ns;
    if (mtime_ns != FILE_STORE_TIME_OMIT)
        n->mtime_ns = mtime_ns;
    n->ctime_ns = file_store_now();
    return 0;
}

int64_t file_store_chown(struct file_node *n, uint32_t uid, uint32_t gid)
{
    if (n->data)
        return -LINUX_EROFS;
    if (uid != FILE_STORE_ID_KEEP)
        n->uid = uid;
    if (gid != FILE_STORE_ID_KEEP)
        n->gid = gid;
    n->ctime_ns = file_store_now();
    return 0;
}

struct file_node *file_store_create_unlinked(const char *name, int64_t *err)
{
    return file_store_new(name, strnlen(name, FILE_STORE_PATH_MAX - 1), FILE_STORE_MEMFD_PERM, false, err);
}

void file_store_usage(uint64_t *pages, uint64_t *pages_free, uint64_t *nodes, uint64_t *nodes_free)
{
    *pages = FILE_STORE_RAM_PAGES;
    *pages_free = FILE_STORE_RAM_PAGES - file_store_ram_pages;
    *nodes = FILE_STORE_MAX;
    *nodes_free = 0;
    for (size_t i = 0; i < FILE_STORE_MAX; i++)
        *nodes_free += !file_store[i].used;
}

struct file_store_flock *file_store_flock_state(struct file_node *n)
{
    return &n->flock;
}

uint32_t file_store_perm(const struct file_node *n)
{
    return n->perm;
}

/* Whether a linked node's path, or a further name, lies below directory d. */
static bool file_store_has_children(const struct file_node *d)
{
    for (size_t i = 0; i < FILE_STORE_MAX; i++) {
        const struct file_node *n = &file_store[i];
        if (n->used && n->linked && path_is_below(n->path, d->path))
            return true;
    }
    for (size_t i = 0; i < FILE_STORE_LINKS_MAX; i++)
        if (file_store_links[i].node && path_is_below(file_store_links[i].path, d->path))
            return true;
    return false;
}

uint64_t file_store_size(const struct file_node *n)
{
    return n->data ? n->size : n->ram.size;
}

size_t file_store_read(struct file_node *n, uint64_t off, void *dst, size_t len)
{
    if (n->atime_ns <= n->mtime_ns)
        n->atime_ns = file_store_now(); /* relatime: Linux's default */
    if (n->device)
        return file_device_read(n->device, dst, len);
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
    if (n->device)
        return file_device_write(n->device, len);
    if (off > RAMFILE_MAX_BYTES || len > RAMFILE_MAX_BYTES - off)
        return -LINUX_EFBIG;
    /* At most: every page the bytes touch is new, and the page list doubles past their end. */
    size_t before = file_store_footprint(&n->ram);
    size_t worst = n->ram.pages_held + len / RAMFILE_PAGE + 2 +
                   file_store_pages_for(2 * file_store_pages_for(off + len) * sizeof *n->ram.pages);
    if (file_store_ram_pages - before + worst > FILE_STORE_RAM_PAGES)
        return -LINUX_ENOSPC;
    int64_t rc = file_store_account(ramfile_write(&n->ram, &file_store_allocator, off, src, len), before, &n->ram);
    if (len)
        file_store_modified(n);
    return rc ? rc : (int64_t)len;
}

int64_t file_store_truncate(struct file_node *n, uint64_t size)
{
    if (n->device)
        return -LINUX_EINVAL; /* as Linux's do_truncate for what is not a regular file */
    size_t before = file_store_footprint(&n->ram);
    file_store_modified(n); /* even to the same size, as Linux's truncate and O_TRUNC */
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
    if (n == &file_store_root)
        return -LINUX_EBUSY;
    if (file_store_has_children(n))
        return -LINUX_ENOTEMPTY;
    n->linked = false;
    file_store_parent_modified(n->path);
    file_store_reap(n);
    return 0;
}

/* Removes name path of file n (one of its names): a further name goes; n's own moves to a
 * further one if it has one; else n is unlinked (and freed unless held). */
static void file_store_drop_name(struct file_node *n, const char *path)
{
    n->ctime_ns = file_store_now(); /* its link count fell */
    file_store_parent_modified(path);
    struct file_store_link *l = file_store_link_named(path);
    if (!l && (l = file_store_link_of(n)) != NULL) {
        memcpy(n->path, l->path, sizeof n->path);
        n->path_hash = l->path_hash;
    }
    if (l) {
        l->node = NULL;
        return;
    }
    n->linked = false;
    file_store_reap(n);
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
    file_store_drop_name(n, path);
    return 0;
}

int64_t file_store_link(const char *from, const char *to)
{
    struct file_node *n = file_store_lookup(from);
    if (!n)
        return -LINUX_ENOENT;
    if (n->dir)
        return -LINUX_EPERM; /* link(2): no hard links to directories */
    if (!file_store_writable(n))
        return -LINUX_EROFS; /* boot modules are a read-only file system */
    if (file_store_lookup(to))
        return -LINUX_EEXIST;
    size_t len = strlen(to);
    if (len >= FILE_STORE_PATH_MAX)
        return -LINUX_ENAMETOOLONG;
    struct file_store_link *l = file_store_link_of(NULL);
    if (!l)
        return -LINUX_ENOSPC; /* no room for the directory entry */
    memcpy(l->path, to, len + 1);
    l->path_hash = file_store_hash(l->path);
    l->node = n;
    n->ctime_ns = file_store_now(); /* its link count rose */
    file_store_parent_modified(to);
    return 0;
}

/* path, whose first prefix_len bytes are a path being renamed, now starts with to (to_len
 * bytes; the caller checked the result fits). */
static void file_store_rebase(char *path, uint32_t *hash, size_t prefix_len, const char *to, size_t to_len)
{
    char *rest = path + prefix_len;
    memmove(path + to_len, rest, strlen(rest) + 1);
    memcpy(path, to, to_len);
    *hash = file_store_hash(path);
}

int64_t file_store_rename(const char *from, const char *to)
{
    struct file_node *n = file_store_lookup(from);
    if (!n)
        return -LINUX_ENOENT;
    struct file_node *old = file_store_lookup(to);
    if (n == &file_store_root || old == &file_store_root)
        return -LINUX_EBUSY;
    if (old == n)
        return 0; /* the same file: nothing to do, as rename(2) says */
    if (path_is_below(to, from))
        return -LINUX_EINVAL; /* a directory into itself */
    if (old && n->dir != old->dir)
        return n->dir ? -LINUX_ENOTDIR : -LINUX_EISDIR;
    if (old && old->dir && file_store_has_children(old))
        return -LINUX_ENOTEMPTY;
    if ((!n->dir && !file_store_writable(n)) || (old && !old->dir && !file_store_writable(old)))
        return -LINUX_EROFS;
    size_t from_len = strlen(from), to_len = strlen(to);
    if (to_len >= FILE_STORE_PATH_MAX)
        return -LINUX_ENAMETOOLONG;
    for (size_t i = 0; n->dir && i < FILE_STORE_MAX; i++) { /* every path below a directory moves with it */
        const struct file_node *m = &file_store[i];
        if (m->used && m->linked && path_is_below(m->path, from) &&
            strlen(m->path) - from_len + to_len >= FILE_STORE_PATH_MAX)
            return -LINUX_ENAMETOOLONG;
    }
    for (size_t i = 0; n->dir && i < FILE_STORE_LINKS_MAX; i++) {
        const struct file_store_link *l = &file_store_links[i];
        if (l->node && path_is_below(l->path, from) && strlen(l->path) - from_len + to_len >= FILE_STORE_PATH_MAX)
            return -LINUX_ENAMETOOLONG;
    }
    if (old)
        file_store_drop_name(old, to);
    file_store_parent_modified(from);
    file_store_parent_modified(to);
    n->ctime_ns = file_store_now();
    struct file_store_link *named = file_store_link_named(from);
    if (named) { /* a further name of a file: only it moves */
        memcpy(named->path, to, to_len + 1);
        named->path_hash = file_store_hash(named->path);
        return 0;
    }
    for (size_t i = 0; i < FILE_STORE_MAX; i++) {
        struct file_node *m = &file_store[i];
        if (m->used && m->linked && (m == n || path_is_below(m->path, from)))
            file_store_rebase(m->path, &m->path_hash, from_len, to, to_len);
    }
    for (size_t i = 0; i < FILE_STORE_LINKS_MAX; i++)
        if (file_store_links[i].node && path_is_below(file_store_links[i].path, from))
            file_store_rebase(file_store_links[i].path, &file_store_links[i].path_hash, from_len, to, to_len);
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

static uint64_t file_store_ino(const struct file_node *n)
{
    return n == &file_store_root ? FILE_STORE_INO_BASE : FILE_STORE_INO_BASE + 1 + (uint64_t)(n - file_store);
}

bool file_store_dirent(void *out, size_t len, size_t *used, uint64_t ino, uint64_t next, uint8_t type,
                       const char *name)
{
    uint8_t *buf = out;
    size_t name_len = strlen(name);
    size_t reclen = offsetof(struct linux_dirent64, d_name) + name_len + 1;
    reclen = (reclen + FILE_STORE_DIRENT_ALIGN - 1) / FILE_STORE_DIRENT_ALIGN * FILE_STORE_DIRENT_ALIGN;
    if (reclen > len - *used)
        return false;
    struct linux_dirent64 d = { .d_ino = ino, .d_off = (int64_t)next, .d_reclen = (uint16_t)reclen, .d_type = type };
    uint8_t *at = buf + *used;
    memset(at, 0, reclen);
    memcpy(at, &d, offsetof(struct linux_dirent64, d_name));
    memcpy(at + offsetof(struct linux_dirent64, d_name), name, name_len);
    *used += reclen;
    return true;
}

int64_t file_store_list(const struct file_node *dir, uint64_t *cookie, void *buf, size_t len)
{
    size_t used = 0;
    if (!dir->linked)
        return 0; /* removed while open: empty, as Linux lists a deleted directory */
    const uint64_t end = FILE_STORE_COOKIE_SLOTS + FILE_STORE_MAX + FILE_STORE_LINKS_MAX;
    for (uint64_t c = *cookie; c < end; c++) {
        const struct file_node *n = NULL;
        const char *name = c == FILE_STORE_COOKIE_DOT ? "." : "..";
        if (c == FILE_STORE_COOKIE_DOT) {
            n = dir;
        } else if (c == FILE_STORE_COOKIE_DOTDOT) {
            char parent[FILE_STORE_PATH_MAX];
            size_t plen = (size_t)(path_last(dir->path) - dir->path);
            plen = plen > 1 ? plen - 1 : 1; /* without the slash, but "/" stays */
            memcpy(parent, dir->path, plen);
            parent[plen] = '\0';
            n = file_store_lookup(parent);
        } else if (c < FILE_STORE_COOKIE_SLOTS + FILE_STORE_MAX) {
            n = &file_store[c - FILE_STORE_COOKIE_SLOTS];
            if (!n->used || !n->linked || !path_is_child(n->path, dir->path))
                continue;
            name = path_last(n->path);
        } else { /* the further names */
            const struct file_store_link *l = &file_store_links[c - FILE_STORE_COOKIE_SLOTS - FILE_STORE_MAX];
            if (!l->node || !path_is_child(l->path, dir->path))
                continue;
            n = l->node;
            name = path_last(l->path);
        }
        if (!n)
            continue;
        uint8_t type = n->dir       ? LINUX_DT_DIR
                       : n->device  ? LINUX_DT_CHR
                       : n->symlink ? LINUX_DT_LNK
                       : n->fifo    ? LINUX_DT_FIFO
                       : n->socket  ? LINUX_DT_SOCK
                                    : LINUX_DT_REG;
        if (!file_store_dirent(buf, len, &used, file_store_ino(n), c + 1, type, name))
            return used ? (int64_t)used : -LINUX_EINVAL; /* the first record must fit (getdents64(2)) */
        *cookie = c + 1;
    }
    *cookie = end;
    return (int64_t)used;
}

void file_store_stat(const struct file_node *n, struct linux_stat *st)
{
    memset(st, 0, sizeof *st);
    st->st_ino = file_store_ino(n);
    st->st_nlink = n->linked;
    for (size_t i = 0; i < FILE_STORE_LINKS_MAX; i++)
        st->st_nlink += file_store_links[i].node == n;
    st->st_uid = n->uid;
    st->st_gid = n->gid;
    st->st_blksize = FILE_STORE_BLOCK_SIZE;
    st->st_atime_sec = n->atime_ns / NS_PER_SEC;
    st->st_atime_nsec = n->atime_ns % NS_PER_SEC;
    st->st_mtime_sec = n->mtime_ns / NS_PER_SEC;
    st->st_mtime_nsec = n->mtime_ns % NS_PER_SEC;
    st->st_ctime_sec = n->ctime_ns / NS_PER_SEC;
    st->st_ctime_nsec = n->ctime_ns % NS_PER_SEC;
    if (n->dir) {
        st->st_mode = LINUX_S_IFDIR | n->perm;
        st->st_nlink = FILE_STORE_DIR_LINKS;
        return;
    }
    if (n->device) {
        st->st_mode = LINUX_S_IFCHR | n->perm;
        st->st_rdev = file_device_number(n->device);
        return;
    }
    st->st_mode = (n->symlink ? LINUX_S_IFLNK : n->fifo ? LINUX_S_IFIFO : n->socket ? LINUX_S_IFSOCK : LINUX_S_IFREG) |
                  n->perm;
    st->st_size = (int64_t)file_store_size(n);
    st->st_blocks = n->data ? (st->st_size + FILE_STORE_STAT_BLOCK - 1) / FILE_STORE_STAT_BLOCK
                            : (int64_t)(n->ram.pages_held * (RAMFILE_PAGE / FILE_STORE_STAT_BLOCK));
}

/* Sends one file (or its absence) on COM4. */
static void file_store_export_one(const char *path)
{
    char canon[FILE_STORE_PATH_MAX];
    struct path_result how;
    struct file_node *n = path_resolve("/", path, canon, sizeof canon, file_store_kind, NULL, &how) == 0
                              ? file_store_lookup(canon) : NULL;
    if (n && n->dir)
        n = NULL;
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
