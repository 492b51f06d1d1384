/* SPDX-License-Identifier: MIT */
/* open/openat/close/lseek/fstat/stat/newfstatat/access/getcwd/pread64 and read (man 2):
 * each marshals its user arguments into a struct files_call (kernel/files.h), which runs
 * where the descriptor table lives (files_call), and copies results back to the caller. */
#include "kernel/files.h"

#include "kernel/libc.h"
#include "kernel/linux_abi.h"
#include "kernel/mm.h"
#include "kernel/syscall.h"
#include "kernel/usercopy.h"

/* A call on fd alone (check, close, lseek). */
static int64_t files_fd_call(enum files_op op, uint64_t fd, uint64_t arg, uint64_t arg2)
{
    if (fd >= FILES_MAX_FDS)
        return -LINUX_EBADF;
    struct files_call c = { .op = op, .fd = (int32_t)fd, .arg = arg, .arg2 = arg2 };
    size_t n;
    return files_call(&c, NULL, &n);
}

int files_check_fd(int fd)
{
    return (int)files_fd_call(FILES_OP_CHECK, (uint64_t)(uint32_t)fd, 0, 0);
}

/* Reads through op (READ, or PREAD from offset) into user memory, FILES_XFER_MAX bytes a
 * call, until len or a short transfer; bytes read or a negative errno. */
static long files_read_into(enum files_op op, uint64_t fd, uint64_t ubuf, uint64_t len, uint64_t offset)
{
    if (fd >= FILES_MAX_FDS)
        return -LINUX_EBADF;
    if (!user_range_ok(ubuf, len)) {
        /* -EFAULT up front, like Linux's access_ok, even at end of file; but the descriptor's
         * own errors come first: a zero-length call finds them without moving the offset. */
        struct files_call probe = { .op = op, .fd = (int32_t)fd, .arg = offset };
        size_t n;
        int64_t r = files_call(&probe, NULL, &n);
        return r < 0 ? (long)r : -LINUX_EFAULT;
    }
    uint8_t *buf = kmalloc(FILES_XFER_MAX);
    if (!buf)
        return -LINUX_ENOMEM;
    uint64_t done = 0;
    long result = 0;
    do {
        struct files_call c = { .op = op, .fd = (int32_t)fd, .arg = offset + done };
        c.len = len - done < FILES_XFER_MAX ? (uint32_t)(len - done) : FILES_XFER_MAX;
        size_t n;
        int64_t r = files_call(&c, buf, &n);
        if (r < 0) {
            result = (long)r;
            break;
        }
        if (copy_to_user(ubuf + done, buf, n) != 0) {
            result = -LINUX_EFAULT;
            break;
        }
        done += n;
        if (n < c.len)
            break;
    } while (done < len);
    kfree(buf);
    return done ? (long)done : result;
}

long files_read(int fd, uint64_t ubuf, uint64_t len)
{
    return files_read_into(FILES_OP_READ, (uint64_t)(uint32_t)fd, ubuf, len, 0);
}

/* A call on a user path (open, stat, access); stat results go to ustat. */
static int64_t files_path_call(enum files_op op, uint64_t upath, uint64_t arg, uint64_t ustat)
{
    struct files_call *c = kmalloc(sizeof *c);
    struct linux_stat st;
    if (!c)
        return -LINUX_ENOMEM;
    memset(c, 0, sizeof *c);
    long len = copy_string_from_user(c->path, upath, sizeof c->path);
    int64_t r = len;
    if (len >= 0) {
        c->op = op;
        c->arg = arg;
        c->path_len = (uint32_t)len;
        size_t n = 0;
        r = files_call(c, &st, &n);
        if (r == 0 && op == FILES_OP_STAT && copy_to_user(ustat, &st, sizeof st) != 0)
            r = -LINUX_EFAULT;
    }
    kfree(c);
    return r;
}

static long files_stat_fd(uint64_t fd, uint64_t ustat)
{
    if (fd >= FILES_MAX_FDS)
        return -LINUX_EBADF;
    struct files_call c = { .op = FILES_OP_FSTAT, .fd = (int32_t)fd };
    struct linux_stat st;
    size_t n;
    int64_t r = files_call(&c, &st, &n);
    if (r < 0)
        return (long)r;
    return copy_to_user(ustat, &st, sizeof st);
}

long sys_open(uint64_t upath, uint64_t flags, uint64_t mode, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)mode, (void)a3, (void)a4, (void)a5;
    return (long)files_path_call(FILES_OP_OPEN, upath, flags, 0);
}

long sys_openat(uint64_t dirfd, uint64_t upath, uint64_t flags, uint64_t mode, uint64_t a4, uint64_t a5)
{
    (void)mode, (void)a4, (void)a5;
    if ((int32_t)dirfd != LINUX_AT_FDCWD && files_check_fd((int)dirfd) != 0)
        return -LINUX_EBADF;
    if ((int32_t)dirfd != LINUX_AT_FDCWD)
        return -LINUX_ENOTDIR; /* no descriptor is a directory */
    return (long)files_path_call(FILES_OP_OPEN, upath, flags, 0);
}

long sys_close(uint64_t fd, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
    return (long)files_fd_call(FILES_OP_CLOSE, fd, 0, 0);
}

long sys_lseek(uint64_t fd, uint64_t offset, uint64_t whence, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    return (long)files_fd_call(FILES_OP_LSEEK, fd, offset, whence);
}

long sys_pread64(uint64_t fd, uint64_t ubuf, uint64_t len, uint64_t offset, uint64_t a4, uint64_t a5)
{
    (void)a4, (void)a5;
    return files_read_into(FILES_OP_PREAD, fd, ubuf, len, offset);
}

long sys_fstat(uint64_t fd, uint64_t ustat, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a2, (void)a3, (void)a4, (void)a5;
    return files_stat_fd(fd, ustat);
}

long sys_stat(uint64_t upath, uint64_t ustat, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a2, (void)a3, (void)a4, (void)a5;
    return (long)files_path_call(FILES_OP_STAT, upath, 0, ustat);
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
    return (long)files_path_call(FILES_OP_STAT, upath, 0, ustat);
}

long sys_access(uint64_t upath, uint64_t mode, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a2, (void)a3, (void)a4, (void)a5;
    return (long)files_path_call(FILES_OP_ACCESS, upath, mode, 0);
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
