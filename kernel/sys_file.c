/* SPDX-License-Identifier: MIT */
/* Read-only files from boot modules and the descriptor table (kernel/files.h), with
 * open/openat/close/lseek/fstat/stat/newfstatat/access/getcwd/pread64 (man 2). Paths match a
 * module's "file=/path" exactly; relative paths are taken from "/" (the only cwd).
 * Not done: directories, dup, fcntl, writes to files, mmap of files. */
#include "kernel/files.h"

#include "kernel/libc.h"
#include "kernel/linux_abi.h"
#include "kernel/log.h"
#include "kernel/mm.h"
#include "kernel/syscall.h"
#include "kernel/usercopy.h"

#define FILES_MAX 8                /* boot modules are at most BOOT_MAX_MODULES */
#define FILES_STDIN 0
#define FILES_STDOUT 1
#define FILES_STDERR 2
#define FILES_FIRST_FREE 3
#define FILES_CHUNK 512            /* bytes per copy_to_user in read */
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
}

int files_check_fd(int fd)
{
    if (fd < 0 || fd >= FILES_MAX_FDS)
        return -LINUX_EBADF;
    if (fd == FILES_STDOUT || fd == FILES_STDERR || files_fds[fd].file)
        return 0;
    return -LINUX_EBADF;
}

/* Copies up to len bytes of f at offset to user memory; bytes copied or -EFAULT. */
static long files_copy_out(const struct boot_file *f, uint64_t offset, uint64_t ubuf, uint64_t len)
{
    if (offset >= f->size)
        return 0;
    if (len > f->size - offset)
        len = f->size - offset;
    uint64_t done = 0;
    while (done < len) {
        size_t n = len - done < FILES_CHUNK ? (size_t)(len - done) : FILES_CHUNK;
        if (copy_to_user(ubuf + done, f->data + offset + done, n) != 0)
            return done ? (long)done : -LINUX_EFAULT;
        done += n;
    }
    return (long)done;
}

long files_read(int fd, uint64_t ubuf, uint64_t len)
{
    if (fd < 0 || fd >= FILES_MAX_FDS || !files_fds[fd].file)
        return -LINUX_EBADF;
    if (!user_range_ok(ubuf, len))
        return -LINUX_EFAULT; /* checked up front, like Linux's access_ok, even at end of file */
    struct open_file *of = &files_fds[fd];
    long n = files_copy_out(of->file, of->offset, ubuf, len);
    if (n > 0)
        of->offset += (uint64_t)n;
    return n;
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

static long files_open(uint64_t upath, uint64_t flags)
{
    char path[FILES_PATH_MAX];
    long len = copy_string_from_user(path, upath, sizeof path);
    if (len < 0)
        return len;
    if (len == 0)
        return -LINUX_ENOENT;
    const struct boot_file *f = files_lookup(path);
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

long sys_open(uint64_t upath, uint64_t flags, uint64_t mode, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)mode, (void)a3, (void)a4, (void)a5;
    return files_open(upath, flags);
}

long sys_openat(uint64_t dirfd, uint64_t upath, uint64_t flags, uint64_t mode, uint64_t a4, uint64_t a5)
{
    (void)mode, (void)a4, (void)a5;
    if ((int32_t)dirfd != LINUX_AT_FDCWD && files_check_fd((int)dirfd) != 0)
        return -LINUX_EBADF;
    if ((int32_t)dirfd != LINUX_AT_FDCWD)
        return -LINUX_ENOTDIR; /* no descriptor is a directory */
    return files_open(upath, flags);
}

long sys_close(uint64_t fd, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
    if (fd >= FILES_MAX_FDS || files_check_fd((int)fd) != 0)
        return -LINUX_EBADF;
    if (fd >= FILES_FIRST_FREE)
        files_fds[fd].file = NULL;
    return 0; /* closing 0-2 is allowed and changes nothing */
}

long sys_lseek(uint64_t fd, uint64_t offset, uint64_t whence, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    if (fd >= FILES_MAX_FDS || files_check_fd((int)fd) != 0)
        return -LINUX_EBADF;
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
    return (long)of->offset;
}

long sys_pread64(uint64_t fd, uint64_t ubuf, uint64_t len, uint64_t offset, uint64_t a4, uint64_t a5)
{
    (void)a4, (void)a5;
    if (fd >= FILES_MAX_FDS || files_check_fd((int)fd) != 0)
        return -LINUX_EBADF;
    if (fd < FILES_FIRST_FREE)
        return -LINUX_ESPIPE;
    if ((int64_t)offset < 0)
        return -LINUX_EINVAL;
    return files_copy_out(files_fds[fd].file, offset, ubuf, len);
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

static long files_stat_fd(uint64_t fd, uint64_t ustat)
{
    if (fd >= FILES_MAX_FDS || files_check_fd((int)fd) != 0)
        return -LINUX_EBADF;
    struct linux_stat st;
    files_fill_stat(&st, fd + 1, fd < FILES_FIRST_FREE ? NULL : files_fds[fd].file);
    return copy_to_user(ustat, &st, sizeof st);
}

/* stat of a path: a boot file (its inode number is its table index past the fds). */
static long files_stat_path(uint64_t upath, uint64_t ustat)
{
    char path[FILES_PATH_MAX];
    long len = copy_string_from_user(path, upath, sizeof path);
    if (len < 0)
        return len;
    const struct boot_file *f = len ? files_lookup(path) : NULL;
    if (!f)
        return -LINUX_ENOENT;
    struct linux_stat st;
    files_fill_stat(&st, FILES_MAX_FDS + (uint64_t)(f - files_table) + 1, f);
    return copy_to_user(ustat, &st, sizeof st);
}

long sys_fstat(uint64_t fd, uint64_t ustat, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a2, (void)a3, (void)a4, (void)a5;
    return files_stat_fd(fd, ustat);
}

long sys_stat(uint64_t upath, uint64_t ustat, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a2, (void)a3, (void)a4, (void)a5;
    return files_stat_path(upath, ustat);
}

long sys_newfstatat(uint64_t dirfd, uint64_t upath, uint64_t ustat, uint64_t flags, uint64_t a4, uint64_t a5)
{
    (void)a4, (void)a5;
    if (flags & ~(uint64_t)(LINUX_AT_EMPTY_PATH | LINUX_AT_SYMLINK_NOFOLLOW | LINUX_AT_NO_AUTOMOUNT))
        return -LINUX_EINVAL;
    if (flags & LINUX_AT_EMPTY_PATH) {
        char first;
        if (copy_from_user(&first, upath, 1) != 0)
            return -LINUX_EFAULT;
        if (first == '\0')
            return files_stat_fd(dirfd, ustat);
    }
    if ((int32_t)dirfd != LINUX_AT_FDCWD && files_check_fd((int)dirfd) != 0)
        return -LINUX_EBADF;
    return files_stat_path(upath, ustat);
}

long sys_access(uint64_t upath, uint64_t mode, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a2, (void)a3, (void)a4, (void)a5;
    char path[FILES_PATH_MAX];
    long len = copy_string_from_user(path, upath, sizeof path);
    if (len < 0)
        return len;
    if (mode & ~(uint64_t)LINUX_ACCESS_MODE_MASK)
        return -LINUX_EINVAL;
    if (!len || !files_lookup(path))
        return -LINUX_ENOENT;
    return (mode & (LINUX_W_OK | LINUX_X_OK)) ? -LINUX_EACCES : 0; /* files are read-only data */
}

long sys_getcwd(uint64_t ubuf, uint64_t size, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a2, (void)a3, (void)a4, (void)a5;
    static const char cwd[] = "/";
    if (size < sizeof cwd)
        return -LINUX_ERANGE;
    if (copy_to_user(ubuf, cwd, sizeof cwd) != 0)
        return -LINUX_EFAULT;
    return (long)sizeof cwd; /* the raw syscall returns the length including the NUL */
}
