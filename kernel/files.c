/* SPDX-License-Identifier: MIT */
/* The boot-module files and the descriptor table (kernel/files.h), and the file operations
 * on them in kernel memory (files_execute). Paths match a module's "file=/path" exactly;
 * relative paths are taken from "/" (the only cwd). The system calls that marshal user
 * arguments into these operations are in kernel/sys_file.c.
 * Not done: directories, dup, fcntl, writes to files, mmap of files. */
#include "kernel/files.h"

#include "kernel/libc.h"
#include "kernel/linux_abi.h"
#include "kernel/log.h"
#include "kernel/mm.h"

#define FILES_MAX 8                /* boot modules are at most BOOT_MAX_MODULES */
#define FILES_STDIN 0
#define FILES_STDOUT 1
#define FILES_STDERR 2
#define FILES_FIRST_FREE 3
#define FILES_KEY_STDIN "stdin"
#define FILES_KEY_FILE "file="
#define FILES_BLOCK_SIZE 4096
#define FILES_STAT_BLOCK 512       /* st_blocks counts 512-byte units */

struct boot_file {
    char path[FILES_PATH_MAX];
    const uint8_t *data; /* the module's bytes through the direct map */
    uint64_t size;
};

struct open_file {
    const struct boot_file *file; /* NULL = slot free */
    uint64_t offset;
};

static struct boot_file files_table[FILES_MAX];
static size_t files_count;
static struct boot_file files_stdin; /* empty unless a module says "stdin" */
static struct open_file files_fds[FILES_MAX_FDS];

/* Finds word (or a word starting with it, when prefix) in a module command line; returns
 * the word's start or NULL. */
static const char *files_find_word(const char *line, const char *word, bool prefix)
{
    size_t wlen = strlen(word);
    for (const char *p = line; *p;) {
        while (*p == ' ')
            p++;
        const char *start = p;
        while (*p && *p != ' ')
            p++;
        size_t len = (size_t)(p - start);
        if ((prefix ? len >= wlen : len == wlen) && strncmp(start, word, wlen) == 0)
            return start;
    }
    return NULL;
}

void files_init(const struct boot_info *info)
{
    for (size_t i = 1; i < info->module_count; i++) {
        const struct boot_module *m = &info->modules[i];
        const uint8_t *data = phys_to_virt(m->start);
        uint64_t size = m->end - m->start;
        const char *path = files_find_word(m->cmdline, FILES_KEY_FILE, true);
        if (files_find_word(m->cmdline, FILES_KEY_STDIN, false)) {
            files_stdin = (struct boot_file){ .path = "stdin", .data = data, .size = size };
            log_info("files: stdin is module %zu (%llu bytes)", i, (unsigned long long)size);
        } else if (path && files_count < FILES_MAX) {
            struct boot_file *f = &files_table[files_count++];
            path += strlen(FILES_KEY_FILE);
            size_t len = 0;
            while (path[len] && path[len] != ' ' && len + 1 < sizeof f->path)
                len++;
            memcpy(f->path, path, len);
            f->path[len] = '\0';
            f->data = data;
            f->size = size;
            log_info("files: %s is module %zu (%llu bytes)", f->path, i, (unsigned long long)size);
        } else {
            log_warn("files: module %zu ('%s') is neither stdin nor file=/path; ignored", i, m->cmdline);
        }
    }
    files_fds[FILES_STDIN] = (struct open_file){ &files_stdin, 0 };
    files_remote_init();
}

static int files_check(int fd)
{
    if (fd < 0 || fd >= FILES_MAX_FDS)
        return -LINUX_EBADF;
    if (fd == FILES_STDOUT || fd == FILES_STDERR || files_fds[fd].file)
        return 0;
    return -LINUX_EBADF;
}

/* Copies up to len bytes of f at offset into data; the count. */
static int64_t files_copy(const struct boot_file *f, uint64_t offset, void *data, uint32_t len, size_t *data_len)
{
    uint64_t n = offset >= f->size ? 0 : f->size - offset;
    if (n > len)
        n = len;
    if (n)
        memcpy(data, f->data + offset, (size_t)n);
    *data_len = (size_t)n;
    return (int64_t)n;
}

static const struct boot_file *files_lookup(const char *path)
{
    for (size_t i = 0; i < files_count; i++) {
        const char *p = files_table[i].path;
        if (strcmp(p, path) == 0 || (path[0] != '/' && p[0] == '/' && strcmp(p + 1, path) == 0))
            return &files_table[i];
    }
    return NULL;
}

static int64_t files_open(const char *path, uint64_t flags)
{
    const struct boot_file *f = path[0] ? files_lookup(path) : NULL;
    if (!f)
        return -LINUX_ENOENT;
    if ((flags & LINUX_O_ACCMODE) != LINUX_O_RDONLY)
        return -LINUX_EROFS;
    for (int fd = FILES_FIRST_FREE; fd < FILES_MAX_FDS; fd++) {
        if (!files_fds[fd].file) {
            files_fds[fd] = (struct open_file){ f, 0 };
            return fd;
        }
    }
    return -LINUX_EMFILE;
}

static int64_t files_lseek(int fd, uint64_t offset, uint64_t whence)
{
    if (fd < FILES_FIRST_FREE)
        return -LINUX_ESPIPE;
    struct open_file *of = &files_fds[fd];
    int64_t base;
    switch (whence) {
    case LINUX_SEEK_SET: base = 0; break;
    case LINUX_SEEK_CUR: base = (int64_t)of->offset; break;
    case LINUX_SEEK_END: base = (int64_t)of->file->size; break;
    default: return -LINUX_EINVAL;
    }
    int64_t off = (int64_t)offset;
    if ((off < 0 && base + off < 0) || (off > 0 && base > INT64_MAX - off))
        return -LINUX_EINVAL;
    of->offset = (uint64_t)(base + off);
    return (int64_t)of->offset;
}

/* The stat of a descriptor's object (a terminal for 0-2, a regular file otherwise). */
static void files_fill_stat(struct linux_stat *st, uint64_t ino, const struct boot_file *f)
{
    memset(st, 0, sizeof *st);
    st->st_ino = ino;
    st->st_nlink = 1;
    st->st_blksize = FILES_BLOCK_SIZE;
    if (!f) {
        st->st_mode = LINUX_S_IFCHR | 0620;
        return;
    }
    st->st_mode = LINUX_S_IFREG | 0444;
    st->st_size = (int64_t)f->size;
    st->st_blocks = (st->st_size + FILES_STAT_BLOCK - 1) / FILES_STAT_BLOCK;
}

/* stat of a path: a boot file (its inode number is its table index past the fds). */
static int64_t files_stat_path(const char *path, void *data, size_t *data_len)
{
    const struct boot_file *f = path[0] ? files_lookup(path) : NULL;
    if (!f)
        return -LINUX_ENOENT;
    files_fill_stat(data, FILES_MAX_FDS + (uint64_t)(f - files_table) + 1, f);
    *data_len = sizeof(struct linux_stat);
    return 0;
}

/* Operations that name a descriptor; fd is open. */
static int64_t files_execute_fd(const struct files_call *c, void *data, size_t *data_len)
{
    struct open_file *of = &files_fds[c->fd];
    switch (c->op) {
    case FILES_OP_CHECK:
        return 0;
    case FILES_OP_CLOSE:
        if (c->fd >= FILES_FIRST_FREE)
            of->file = NULL;
        return 0; /* closing 0-2 is allowed and changes nothing */
    case FILES_OP_READ: {
        if (!of->file)
            return -LINUX_EBADF; /* stdout, stderr: not open for reading */
        int64_t n = files_copy(of->file, of->offset, data, c->len, data_len);
        of->offset += (uint64_t)n;
        return n;
    }
    case FILES_OP_PREAD:
        if (c->fd < FILES_FIRST_FREE)
            return -LINUX_ESPIPE;
        if ((int64_t)c->arg < 0)
            return -LINUX_EINVAL;
        return files_copy(of->file, c->arg, data, c->len, data_len);
    case FILES_OP_LSEEK:
        return files_lseek(c->fd, c->arg, c->arg2);
    case FILES_OP_FSTAT:
        files_fill_stat(data, (uint64_t)c->fd + 1, c->fd < FILES_FIRST_FREE ? NULL : of->file);
        *data_len = sizeof(struct linux_stat);
        return 0;
    default:
        return -LINUX_EINVAL;
    }
}

int64_t files_execute(const struct files_call *c, void *data, size_t *data_len)
{
    *data_len = 0;
    if (c->len > FILES_XFER_MAX || c->path_len >= FILES_PATH_MAX || strnlen(c->path, c->path_len) != c->path_len ||
        c->path[c->path_len] != '\0')
        return -LINUX_EINVAL;
    switch (c->op) {
    case FILES_OP_OPEN:
        return files_open(c->path, c->arg);
    case FILES_OP_STAT:
        return files_stat_path(c->path, data, data_len);
    case FILES_OP_ACCESS:
        if (c->arg & ~(uint64_t)LINUX_ACCESS_MODE_MASK)
            return -LINUX_EINVAL;
        if (!c->path[0] || !files_lookup(c->path))
            return -LINUX_ENOENT;
        return (c->arg & (LINUX_W_OK | LINUX_X_OK)) ? -LINUX_EACCES : 0; /* files are read-only data */
    default:
        break;
    }
    int rc = files_check(c->fd);
    return rc ? rc : files_execute_fd(c, data, data_len);
}
