/* SPDX-License-Identifier: MIT */
/* open/openat/close/lseek/fstat/stat/newfstatat/access/pread64, read and write,
 * dup/dup2/dup3/fcntl, pipe/pipe2, eventfd/eventfd2, the path calls (unlink, rename, mkdir, rmdir, readlink,
 * and their *at forms) and the directory ones (getdents64, chdir, fchdir, getcwd) (man 2):
 * each marshals its user arguments into a
 * struct files_call (kernel/files.h), which runs where the descriptor table lives
 * (files_call), and copies results back to the caller. */
#include "kernel/files.h"

#include "kernel/libc.h"
#include "kernel/linux_abi.h"
#include "kernel/mm.h"
#include "kernel/shared_maps.h"
#include "kernel/syscall.h"
#include "kernel/thread.h"
#include "kernel/usercopy.h"

#define FILES_COPY_PIECE 512 /* a write copies user bytes this many at a time, so a fault
                              * part-way still writes the bytes before it, as Linux does */

int files_path_is_empty(uint64_t upath)
{
    char first;
    if (copy_from_user(&first, upath, 1) != 0)
        return -LINUX_EFAULT;
    return first == '\0';
}

int64_t files_fd_call(enum files_op op, uint64_t fd, uint64_t arg, uint64_t arg2)
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

long files_read_into(enum files_op op, uint64_t fd, uint64_t ubuf, uint64_t len, uint64_t offset,
                     bool have_bytes, uint32_t call_flags)
{
    if (fd >= FILES_MAX_FDS)
        return -LINUX_EBADF;
    if (!user_range_ok(ubuf, len)) {
        /* -EFAULT up front, like Linux's access_ok, even at end of file; but the descriptor's
         * own errors come first: a zero-length call finds them without moving the offset. */
        struct files_call probe = { .op = op, .fd = (int32_t)fd, .arg = offset, .flags = call_flags };
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
        /* Once bytes are in hand, a pipe's read returns them rather than wait for more. */
        struct files_call c = { .op = op, .fd = (int32_t)fd, .arg = offset + done,
                                .flags = call_flags | (done || have_bytes ? FILES_CALL_NO_WAIT : 0) };
        c.len = len - done < FILES_XFER_MAX ? (uint32_t)(len - done) : FILES_XFER_MAX;
        size_t n;
        int64_t r = shared_maps_file_call(&c, buf, &n);
        if (r == FILES_SIGNALFD_READ) { /* a signalfd: its signals are this thread's, here */
            result = n == sizeof(struct files_signalfd) && !done
                         ? signalfd_read(ubuf, len, (const struct files_signalfd *)buf)
                         : -LINUX_EIO;
            break;
        }
        if (r == FILES_DGRAM_CALL) { /* a datagram socket: a datagram's receive, or readv's */
            result = done ? -LINUX_EIO
                     : (call_flags & FILES_CALL_DGRAM_VECTOR) ? FILES_DGRAM_CALL
                                                               : udp_read((int)fd, ubuf, len);
            break;
        }
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

long files_read(int fd, uint64_t ubuf, uint64_t len, bool have_bytes)
{
    return files_read_into(FILES_OP_READ, (uint64_t)(uint32_t)fd, ubuf, len, 0, have_bytes, FILES_CALL_DGRAM_WHOLE);
}

/* Copies up to len user bytes at ubuf into buf, FILES_COPY_PIECE at a time, stopping at
 * the first that faults; the count copied. */
static size_t files_copy_in(uint8_t *buf, uint64_t ubuf, size_t len)
{
    size_t done = 0;
    while (done < len) {
        size_t n = len - done < FILES_COPY_PIECE ? len - done : FILES_COPY_PIECE;
        if (copy_from_user(buf + done, ubuf + done, n) != 0)
            break;
        done += n;
    }
    return done;
}

long files_write_from(enum files_op op, int fd, uint64_t ubuf, uint64_t len, uint64_t offset, uint32_t call_flags,
                      bool sigpipe)
{
    if (fd < 0 || fd >= FILES_MAX_FDS)
        return -LINUX_EBADF;
    uint8_t *buf = kmalloc(FILES_XFER_MAX);
    if (!buf)
        return -LINUX_ENOMEM;
    uint64_t done = 0;
    long result = 0;
    do { /* a zero-length write still checks the descriptor */
        size_t want = len - done < FILES_XFER_MAX ? (size_t)(len - done) : FILES_XFER_MAX;
        size_t n = files_copy_in(buf, ubuf + done, want);
        if (want && !n) {
            result = -LINUX_EFAULT;
            break;
        }
        struct files_call c = { .op = op, .fd = fd, .len = (uint32_t)n, .in = buf, .arg = offset + done,
                                .flags = call_flags | (done + n < len ? FILES_CALL_MORE : 0) };
        size_t unused;
        int64_t r = shared_maps_file_call(&c, NULL, &unused);
        if (r == FILES_DGRAM_CALL) { /* a datagram socket: the bytes as one datagram, or writev's */
            result = done ? -LINUX_EIO
                     : (call_flags & FILES_CALL_DGRAM_VECTOR) ? FILES_DGRAM_CALL
                                                               : udp_write(fd, ubuf, len);
            break;
        }
        if (r == -LINUX_EPIPE && sigpipe)
            signal_make_pending(thread_current(), LINUX_SIGPIPE, true);
        if (r < 0) {
            result = (long)r;
            break;
        }
        done += (uint64_t)r;
        if ((size_t)r < want) {
            result = n < want ? -LINUX_EFAULT : 0;
            break;
        }
    } while (done < len);
    kfree(buf);
    return done ? (long)done : result;
}

long files_write(int fd, uint64_t ubuf, uint64_t len)
{
    return files_write_from(FILES_OP_WRITE, fd, ubuf, len, 0, FILES_CALL_DGRAM_WHOLE, true);
}

/* The rest of open(2) of a FIFO at fd: wait until its other end has been opened after
 * seen opens of it. fd, or the wait's error (a signal) with fd closed again. */
static int64_t files_fifo_open_wait(int fd, uint64_t seen)
{
    struct files_call c = { .op = FILES_OP_FIFO_WAIT, .fd = fd, .arg = seen };
    size_t n;
    int64_t r = files_call(&c, NULL, &n);
    if (r == 0)
        return fd;
    files_fd_call(FILES_OP_CLOSE, (uint64_t)fd, 0, 0);
    return r;
}

int64_t files_path_call(enum files_op op, uint64_t dirfd, uint64_t upath, uint64_t arg, uint64_t arg2, uint64_t uout)
{
    return files_path_call_flags(op, dirfd, upath, arg, arg2, uout, 0);
}

int64_t files_path_call_into(enum files_op op, uint64_t dirfd, uint64_t upath, uint64_t arg, uint64_t arg2,
                             uint32_t call_flags, union files_path_result *out)
{
    struct files_call *c = kzalloc(sizeof *c);
    if (!c)
        return -LINUX_ENOMEM;
    long len = copy_string_from_user(c->path, upath, sizeof c->path);
    int64_t r = len;
    if (len >= 0) {
        c->op = op;
        c->fd = (int32_t)dirfd;
        c->arg = arg;
        c->arg2 = arg2;
        c->path_len = (uint32_t)len;
        c->flags = call_flags;
        size_t n = 0;
        r = files_call(c, out, &n);
        if (op == FILES_OP_OPEN && r >= 0 && n == sizeof out->fifo_opens_seen)
            r = files_fifo_open_wait((int)r, out->fifo_opens_seen);
    }
    kfree(c);
    return r;
}

int64_t files_path_call_flags(enum files_op op, uint64_t dirfd, uint64_t upath, uint64_t arg, uint64_t arg2,
                              uint64_t uout, uint32_t call_flags)
{
    union files_path_result out;
    int64_t r = files_path_call_into(op, dirfd, upath, arg, arg2, call_flags, &out);
    if (r == 0 && op == FILES_OP_STAT && copy_to_user(uout, &out.st, sizeof out.st) != 0)
        r = -LINUX_EFAULT;
    if (r == 0 && op == FILES_OP_STATFS && copy_to_user(uout, &out.sfs, sizeof out.sfs) != 0)
        r = -LINUX_EFAULT;
    return r;
}

long files_fstat(uint64_t fd, struct linux_stat *st)
{
    if (fd >= FILES_MAX_FDS)
        return -LINUX_EBADF;
    struct files_call c = { .op = FILES_OP_FSTAT, .fd = (int32_t)fd };
    size_t n;
    return (long)files_call(&c, st, &n);
}

static long files_stat_fd(uint64_t fd, uint64_t ustat)
{
    struct linux_stat st;
    long r = files_fstat(fd, &st);
    return r < 0 ? r : copy_to_user(ustat, &st, sizeof st);
}

/* The working directory, for the calls without a dirfd. */

long sys_open(uint64_t upath, uint64_t flags, uint64_t mode, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    return (long)files_path_call(FILES_OP_OPEN, FILES_CWD, upath, flags, mode, 0);
}

long sys_openat(uint64_t dirfd, uint64_t upath, uint64_t flags, uint64_t mode, uint64_t a4, uint64_t a5)
{
    (void)a4, (void)a5;
    return (long)files_path_call(FILES_OP_OPEN, dirfd, upath, flags, mode, 0);
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
    return files_read_into(FILES_OP_PREAD, fd, ubuf, len, offset, false, 0);
}

long sys_fstat(uint64_t fd, uint64_t ustat, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a2, (void)a3, (void)a4, (void)a5;
    return files_stat_fd(fd, ustat);
}

long sys_stat(uint64_t upath, uint64_t ustat, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a2, (void)a3, (void)a4, (void)a5;
    return (long)files_path_call(FILES_OP_STAT, FILES_CWD, upath, 0, 0, ustat);
}

long sys_lstat(uint64_t upath, uint64_t ustat, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a2, (void)a3, (void)a4, (void)a5;
    return (long)files_path_call_flags(FILES_OP_STAT, FILES_CWD, upath, 0, 0, ustat, FILES_CALL_NOFOLLOW);
}

/* The FILES_CALL_* flag an *at call's AT_SYMLINK_NOFOLLOW asks for. */
static uint32_t files_nofollow(uint64_t at_flags)
{
    return (at_flags & LINUX_AT_SYMLINK_NOFOLLOW) ? FILES_CALL_NOFOLLOW : 0;
}

long sys_newfstatat(uint64_t dirfd, uint64_t upath, uint64_t ustat, uint64_t flags, uint64_t a4, uint64_t a5)
{
    (void)a4, (void)a5;
    if (flags & ~(uint64_t)(LINUX_AT_EMPTY_PATH | LINUX_AT_SYMLINK_NOFOLLOW | LINUX_AT_NO_AUTOMOUNT))
        return -LINUX_EINVAL;
    if (flags & LINUX_AT_EMPTY_PATH) {
        int empty = files_path_is_empty(upath);
        if (empty)
            return empty < 0 ? empty : files_stat_fd(dirfd, ustat);
    }
    return (long)files_path_call_flags(FILES_OP_STAT, dirfd, upath, 0, 0, ustat, files_nofollow(flags));
}

long sys_access(uint64_t upath, uint64_t mode, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a2, (void)a3, (void)a4, (void)a5;
    return (long)files_path_call(FILES_OP_ACCESS, FILES_CWD, upath, mode, 0, 0);
}

long sys_faccessat(uint64_t dirfd, uint64_t upath, uint64_t mode, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    return (long)files_path_call(FILES_OP_ACCESS, dirfd, upath, mode, 0, 0);
}

/* faccessat2: AT_EACCESS changes nothing (real and effective ids are the same); AT_EMPTY_PATH
 * is not done. */
long sys_faccessat2(uint64_t dirfd, uint64_t upath, uint64_t mode, uint64_t flags, uint64_t a4, uint64_t a5)
{
    (void)a4, (void)a5;
    if (flags & ~(uint64_t)(LINUX_AT_EACCESS | LINUX_AT_SYMLINK_NOFOLLOW))
        return -LINUX_EINVAL;
    return (long)files_path_call_flags(FILES_OP_ACCESS, dirfd, upath, mode, 0, 0, files_nofollow(flags));
}

long sys_getcwd(uint64_t ubuf, uint64_t size, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a2, (void)a3, (void)a4, (void)a5;
    char cwd[FILES_PATH_MAX];
    struct files_call c = { .op = FILES_OP_GETCWD };
    size_t n = 0;
    int64_t len = files_call(&c, cwd, &n);
    if (len < 0)
        return (long)len;
    if (size < (uint64_t)len)
        return -LINUX_ERANGE;
    if (copy_to_user(ubuf, cwd, (size_t)len) != 0)
        return -LINUX_EFAULT;
    return (long)len; /* the raw syscall returns the length including the NUL */
}

/* getdents64: at most FILES_XFER_MAX bytes of records a call (a bigger buffer gets fewer
 * records than it could hold, and the caller asks again, as at any short read). */
long sys_getdents64(uint64_t fd, uint64_t ubuf, uint64_t count, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    if (fd >= FILES_MAX_FDS)
        return -LINUX_EBADF;
    if (!user_range_ok(ubuf, count))
        return -LINUX_EFAULT;
    uint8_t *buf = kmalloc(FILES_XFER_MAX);
    if (!buf)
        return -LINUX_ENOMEM;
    struct files_call c = { .op = FILES_OP_GETDENTS, .fd = (int32_t)fd,
                            .len = count < FILES_XFER_MAX ? (uint32_t)count : FILES_XFER_MAX };
    size_t n = 0;
    long r = (long)files_call(&c, buf, &n);
    if (r > 0 && copy_to_user(ubuf, buf, n) != 0)
        r = -LINUX_EFAULT;
    kfree(buf);
    return r;
}

long sys_dup(uint64_t fd, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
    return (long)files_fd_call(FILES_OP_DUP, fd, 0, 0);
}

/* dup2, and dup3 (flags: O_CLOEXEC only; the same fd twice is EINVAL, not a no-op). */
static long files_dup_to(uint64_t oldfd, uint64_t newfd, uint64_t flags, bool is_dup3)
{
    if (is_dup3 && (flags & ~(uint64_t)LINUX_O_CLOEXEC))
        return -LINUX_EINVAL;
    if (is_dup3 && oldfd == newfd)
        return -LINUX_EINVAL;
    return (long)files_fd_call(FILES_OP_DUP_TO, oldfd, newfd, (flags & LINUX_O_CLOEXEC) != 0);
}

long sys_dup2(uint64_t oldfd, uint64_t newfd, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a2, (void)a3, (void)a4, (void)a5;
    return files_dup_to(oldfd, newfd, 0, false);
}

long sys_dup3(uint64_t oldfd, uint64_t newfd, uint64_t flags, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    return files_dup_to(oldfd, newfd, flags, true);
}

/* POSIX record locks (fcntl(2) F_GETLK, F_SETLK, F_SETLKW) belong to the process, and a
 * process's locks never conflict with each other. The program is the only process, so
 * every lock it asks for is granted at once and F_GETLK finds none in the way (l_type
 * becomes F_UNLCK), whatever node asks; the arguments are checked as Linux checks them.
 * Open file description locks (F_OFD_*), which can conflict inside a process, are not
 * done: EINVAL, as for any other unknown command. */
static long fcntl_record_lock(uint64_t fd, uint32_t cmd, uint64_t uflock)
{
    int64_t status = files_fd_call(FILES_OP_FCNTL, fd, LINUX_F_GETFL, 0);
    if (status < 0)
        return (long)status;
    struct linux_flock fl;
    if (copy_from_user(&fl, uflock, sizeof fl) != 0)
        return -LINUX_EFAULT;
    bool getlk = cmd == LINUX_F_GETLK;
    if ((fl.l_type != LINUX_F_RDLCK && fl.l_type != LINUX_F_WRLCK && (getlk || fl.l_type != LINUX_F_UNLCK)) ||
        (fl.l_whence != LINUX_SEEK_SET && fl.l_whence != LINUX_SEEK_CUR && fl.l_whence != LINUX_SEEK_END))
        return -LINUX_EINVAL;
    int64_t base = 0;
    if (fl.l_whence != LINUX_SEEK_SET) {
        base = files_fd_call(FILES_OP_LSEEK, fd, 0, (uint64_t)fl.l_whence);
        if (base < 0)
            base = 0; /* a pipe or socket: no position, the range counts from 0 */
    }
    int64_t start;
    if (__builtin_add_overflow(base, fl.l_start, &start) || start < 0 || (fl.l_len < 0 && start + fl.l_len < 0))
        return -LINUX_EINVAL;
    if (getlk) {
        fl.l_type = LINUX_F_UNLCK;
        return copy_to_user(uflock, &fl, sizeof fl) != 0 ? -LINUX_EFAULT : 0;
    }
    uint32_t mode = (uint32_t)status & LINUX_O_ACCMODE;
    if ((fl.l_type == LINUX_F_RDLCK && mode == LINUX_O_WRONLY) || (fl.l_type == LINUX_F_WRLCK && mode == LINUX_O_RDONLY))
        return -LINUX_EBADF;
    return 0;
}

long sys_fcntl(uint64_t fd, uint64_t cmd, uint64_t arg, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    if ((uint32_t)cmd == LINUX_F_GETLK || (uint32_t)cmd == LINUX_F_SETLK || (uint32_t)cmd == LINUX_F_SETLKW)
        return fcntl_record_lock(fd, (uint32_t)cmd, arg);
    if ((uint32_t)cmd == LINUX_F_DUPFD || (uint32_t)cmd == LINUX_F_DUPFD_CLOEXEC)
        return (long)files_fd_call(FILES_OP_DUP, fd, (uint32_t)arg >= FILES_MAX_FDS ? FILES_MAX_FDS : (uint32_t)arg,
                                   (uint32_t)cmd == LINUX_F_DUPFD_CLOEXEC);
    return (long)files_fd_call(FILES_OP_FCNTL, fd, (uint32_t)cmd, arg);
}

long sys_pipe2(uint64_t ufds, uint64_t flags, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a2, (void)a3, (void)a4, (void)a5;
    int32_t fds[2];
    if (!user_range_ok(ufds, sizeof fds))
        return -LINUX_EFAULT;
    struct files_call c = { .op = FILES_OP_PIPE, .arg = flags };
    size_t n;
    int64_t r = files_call(&c, fds, &n);
    if (r < 0)
        return (long)r;
    if (copy_to_user(ufds, fds, sizeof fds) != 0) {
        for (int i = 0; i < 2; i++)
            files_fd_call(FILES_OP_CLOSE, (uint64_t)fds[i], 0, 0);
        return -LINUX_EFAULT;
    }
    return 0;
}

long sys_pipe(uint64_t ufds, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
    return sys_pipe2(ufds, 0, 0, 0, 0, 0);
}

long sys_eventfd2(uint64_t initval, uint64_t flags, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a2, (void)a3, (void)a4, (void)a5;
    struct files_call c = { .op = FILES_OP_EVENTFD, .arg = initval, .arg2 = flags };
    size_t n;
    return (long)files_call(&c, NULL, &n);
}

long sys_eventfd(uint64_t initval, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
    return sys_eventfd2(initval, 0, 0, 0, 0, 0);
}

long sys_pwrite64(uint64_t fd, uint64_t ubuf, uint64_t len, uint64_t offset, uint64_t a4, uint64_t a5)
{
    (void)a4, (void)a5;
    if ((int64_t)offset < 0)
        return -LINUX_EINVAL;
    return files_write_from(FILES_OP_PWRITE, (int)(uint32_t)fd, ubuf, len > FILES_RW_MAX ? FILES_RW_MAX : len,
                            offset, 0, true);
}

long sys_ftruncate(uint64_t fd, uint64_t length, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a2, (void)a3, (void)a4, (void)a5;
    return (long)files_fd_call(FILES_OP_TRUNCATE, fd, length, 0);
}

/* fsync, fdatasync and syncfs: the files are in memory, so there is nothing to wait for
 * once the descriptor is found open. */
long sys_fsync(uint64_t fd, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
    return (long)files_fd_call(FILES_OP_CHECK, fd, 0, 0);
}

/* sync: as fsync (syncfs is fsync itself), nothing waits in memory. */
long sys_sync(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
    return 0;
}

long sys_truncate(uint64_t upath, uint64_t length, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a2, (void)a3, (void)a4, (void)a5;
    return (long)files_path_call(FILES_OP_TRUNCATE_PATH, FILES_CWD, upath, length, 0, 0);
}

#define FADVISE_LAST 5 /* POSIX_FADV_NOREUSE: advice 0..5 (include/uapi/linux/fadvise.h) */

/* posix_fadvise: advice about caching, which has nothing to change here (every file is in
 * memory); Linux's answers: EBADF, ESPIPE for a pipe, EINVAL for bad advice or length. */
long sys_fadvise64(uint64_t fd, uint64_t offset, uint64_t len, uint64_t advice, uint64_t a4, uint64_t a5)
{
    (void)offset, (void)a4, (void)a5;
    struct linux_stat st;
    long rc = files_fstat(fd, &st);
    if (rc < 0)
        return rc;
    if ((st.st_mode & LINUX_S_IFMT) == LINUX_S_IFIFO)
        return -LINUX_ESPIPE;
    return advice > FADVISE_LAST || (int64_t)len < 0 ? -LINUX_EINVAL : 0;
}

#define CLOSE_RANGE_UNSHARE 2 /* include/uapi/linux/close_range.h */
#define CLOSE_RANGE_CLOEXEC 4

/* close_range(2): the table is the program's only one, so UNSHARE has nothing to copy. */
long sys_close_range(uint64_t first, uint64_t last, uint64_t flags, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    if ((flags & ~(uint64_t)(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC)) || (uint32_t)first > (uint32_t)last)
        return -LINUX_EINVAL;
    struct files_call c = { .op = (flags & CLOSE_RANGE_CLOEXEC) ? FILES_OP_CLOEXEC_RANGE : FILES_OP_CLOSE_RANGE,
                            .arg = (uint32_t)first, .arg2 = (uint32_t)last };
    size_t n;
    return (long)files_call(&c, NULL, &n);
}

long sys_creat(uint64_t upath, uint64_t mode, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a2, (void)a3, (void)a4, (void)a5;
    return sys_open(upath, LINUX_O_CREAT | LINUX_O_WRONLY | LINUX_O_TRUNC, mode, 0, 0, 0);
}

long sys_unlink(uint64_t upath, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
    return (long)files_path_call(FILES_OP_UNLINK, FILES_CWD, upath, 0, 0, 0);
}

long sys_unlinkat(uint64_t dirfd, uint64_t upath, uint64_t flags, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    if (flags & ~(uint64_t)LINUX_AT_REMOVEDIR)
        return -LINUX_EINVAL;
    enum files_op op = (flags & LINUX_AT_REMOVEDIR) ? FILES_OP_RMDIR : FILES_OP_UNLINK;
    return (long)files_path_call(op, dirfd, upath, 0, 0, 0);
}

/* rename (renameat, renameat2) or link (linkat), op: both paths are read here and travel in
 * one call, the new one as its bytes. */
static long files_two_paths(enum files_op op, uint64_t olddirfd, uint64_t uold, uint64_t newdirfd, uint64_t unew,
                            uint32_t call_flags)
{
    struct files_call *c = kzalloc(sizeof *c);
    char *to = kmalloc(FILES_PATH_MAX);
    long r = c && to ? 0 : -LINUX_ENOMEM;
    long old_len = r ? r : copy_string_from_user(c->path, uold, sizeof c->path);
    long new_len = old_len < 0 ? old_len : copy_string_from_user(to, unew, FILES_PATH_MAX);
    if (new_len < 0) {
        r = new_len;
    } else {
        c->op = op;
        c->flags = call_flags;
        c->fd = (int32_t)olddirfd;
        c->arg2 = (uint64_t)(int64_t)(int32_t)newdirfd;
        c->path_len = (uint32_t)old_len;
        c->len = (uint32_t)new_len;
        c->in = (const uint8_t *)to;
        size_t n;
        r = (long)files_call(c, NULL, &n);
    }
    kfree(c);
    kfree(to);
    return r;
}

long sys_rename(uint64_t uold, uint64_t unew, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a2, (void)a3, (void)a4, (void)a5;
    return files_two_paths(FILES_OP_RENAME, FILES_CWD, uold, FILES_CWD, unew, 0);
}

long sys_renameat2(uint64_t olddirfd, uint64_t uold, uint64_t newdirfd, uint64_t unew, uint64_t flags, uint64_t a5)
{
    (void)a5;
    if (flags)
        return -LINUX_EINVAL; /* RENAME_NOREPLACE, EXCHANGE, WHITEOUT: not done */
    return files_two_paths(FILES_OP_RENAME, olddirfd, uold, newdirfd, unew, 0);
}

long sys_renameat(uint64_t olddirfd, uint64_t uold, uint64_t newdirfd, uint64_t unew, uint64_t a4, uint64_t a5)
{
    (void)a4, (void)a5;
    return sys_renameat2(olddirfd, uold, newdirfd, unew, 0, 0);
}

long sys_link(uint64_t uold, uint64_t unew, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a2, (void)a3, (void)a4, (void)a5;
    return files_two_paths(FILES_OP_LINK, FILES_CWD, uold, FILES_CWD, unew, 0);
}

/* linkat: AT_SYMLINK_FOLLOW links what a last symbolic link names; AT_EMPTY_PATH (linking an
 * open descriptor's file, O_TMPFILE's use) is not done: EINVAL. */
long sys_linkat(uint64_t olddirfd, uint64_t uold, uint64_t newdirfd, uint64_t unew, uint64_t flags, uint64_t a5)
{
    (void)a5;
    if (flags & ~(uint64_t)LINUX_AT_SYMLINK_FOLLOW)
        return -LINUX_EINVAL;
    return files_two_paths(FILES_OP_LINK, olddirfd, uold, newdirfd, unew,
                           (flags & LINUX_AT_SYMLINK_FOLLOW) ? FILES_CALL_FOLLOW : 0);
}

/* symlinkat(2): the link's path travels as the call's, its target as the bytes. */
long sys_symlinkat(uint64_t utarget, uint64_t newdirfd, uint64_t ulinkpath, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    return files_two_paths(FILES_OP_SYMLINK, newdirfd, ulinkpath, FILES_CWD, utarget, 0);
}

/* mknod, mknodat: a regular file or a FIFO (mkfifo(3)); dev is for devices, not made here. */
long sys_mknodat(uint64_t dirfd, uint64_t upath, uint64_t mode, uint64_t dev, uint64_t a4, uint64_t a5)
{
    (void)dev, (void)a4, (void)a5;
    return (long)files_path_call(FILES_OP_MKNOD, dirfd, upath, (uint32_t)mode, 0, 0);
}

long sys_mknod(uint64_t upath, uint64_t mode, uint64_t dev, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    return sys_mknodat(FILES_CWD, upath, mode, dev, 0, 0);
}

long sys_symlink(uint64_t utarget, uint64_t ulinkpath, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a2, (void)a3, (void)a4, (void)a5;
    return sys_symlinkat(utarget, FILES_CWD, ulinkpath, 0, 0, 0);
}

/* readlinkat(2): the target, cut to size bytes, with no NUL; EINVAL for what is no link. */
long sys_readlinkat(uint64_t dirfd, uint64_t upath, uint64_t ubuf, uint64_t size, uint64_t a4, uint64_t a5)
{
    (void)a4, (void)a5;
    if ((int64_t)size <= 0)
        return -LINUX_EINVAL;
    struct files_call *c = kzalloc(sizeof *c);
    char *target = kmalloc(FILES_PATH_MAX);
    long r = c && target ? copy_string_from_user(c->path, upath, sizeof c->path) : -LINUX_ENOMEM;
    if (r >= 0) {
        c->op = FILES_OP_READLINK;
        c->fd = (int32_t)dirfd;
        c->path_len = (uint32_t)r;
        size_t n = 0;
        r = (long)files_call(c, target, &n);
        if (r >= 0) {
            size_t len = n < size ? n : (size_t)size;
            r = copy_to_user(ubuf, target, len) ? -LINUX_EFAULT : (long)len;
        }
    }
    kfree(c);
    kfree(target);
    return r;
}

long sys_readlink(uint64_t upath, uint64_t ubuf, uint64_t size, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    return sys_readlinkat(FILES_CWD, upath, ubuf, size, 0, 0);
}

long sys_umask(uint64_t mask, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
    struct files_call c = { .op = FILES_OP_UMASK, .arg = mask };
    size_t n;
    return (long)files_call(&c, NULL, &n);
}

/* chdir: the working directory, kept with the descriptor table, so every thread on every
 * node shares it (CLONE_FS). */
long sys_chdir(uint64_t upath, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
    return (long)files_path_call(FILES_OP_CHDIR, FILES_CWD, upath, 0, 0, 0);
}

long sys_fchdir(uint64_t fd, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
    return (long)files_fd_call(FILES_OP_CHDIR, fd, 0, 0);
}

long sys_mkdir(uint64_t upath, uint64_t mode, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a2, (void)a3, (void)a4, (void)a5;
    return (long)files_path_call(FILES_OP_MKDIR, FILES_CWD, upath, mode, 0, 0);
}

long sys_mkdirat(uint64_t dirfd, uint64_t upath, uint64_t mode, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    return (long)files_path_call(FILES_OP_MKDIR, dirfd, upath, mode, 0, 0);
}

long sys_chmod(uint64_t upath, uint64_t mode, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a2, (void)a3, (void)a4, (void)a5;
    return (long)files_path_call(FILES_OP_CHMOD, FILES_CWD, upath, (uint32_t)mode, 0, 0);
}

long sys_fchmodat(uint64_t dirfd, uint64_t upath, uint64_t mode, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    return (long)files_path_call(FILES_OP_CHMOD, dirfd, upath, (uint32_t)mode, 0, 0);
}

long sys_fchmod(uint64_t fd, uint64_t mode, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a2, (void)a3, (void)a4, (void)a5;
    return (long)files_fd_call(FILES_OP_CHMOD, fd, (uint32_t)mode, 0);
}


/* utimensat(2), and futimens(3) (a NULL path: dirfd's own file). */
long sys_utimensat(uint64_t dirfd, uint64_t upath, uint64_t utimes, uint64_t flags, uint64_t a4, uint64_t a5)
{
    (void)a4, (void)a5;
    if (flags & ~(uint64_t)(LINUX_AT_SYMLINK_NOFOLLOW | LINUX_AT_EMPTY_PATH))
        return -LINUX_EINVAL;
    struct linux_timespec times[2];
    if (utimes && copy_from_user(times, utimes, sizeof times) != 0)
        return -LINUX_EFAULT;
    struct files_call *c = kzalloc(sizeof *c);
    if (!c)
        return -LINUX_ENOMEM;
    c->op = FILES_OP_UTIMENS;
    c->flags = files_nofollow(flags);
    c->fd = (int32_t)dirfd;
    c->len = utimes ? sizeof times : 0;
    c->in = utimes ? (const uint8_t *)times : NULL;
    long r = 0;
    if (upath) {
        long len = copy_string_from_user(c->path, upath, sizeof c->path);
        r = len < 0 ? len : len == 0 && !(flags & LINUX_AT_EMPTY_PATH) ? -LINUX_ENOENT : 0;
        c->path_len = len > 0 ? (uint32_t)len : 0;
    } else if ((int32_t)dirfd == LINUX_AT_FDCWD) {
        r = -LINUX_EFAULT; /* no path and no descriptor, as Linux answers */
    }
    if (r == 0 && c->path_len == 0 && (dirfd >= FILES_MAX_FDS || files_check_fd((int)dirfd) != 0))
        r = -LINUX_EBADF;
    size_t n;
    if (r == 0)
        r = (long)files_call(c, NULL, &n);
    kfree(c);
    return r;
}

long sys_rmdir(uint64_t upath, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
    return (long)files_path_call(FILES_OP_RMDIR, FILES_CWD, upath, 0, 0, 0);
}
