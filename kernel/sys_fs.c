/* SPDX-License-Identifier: MIT */
/* chown/fchown/lchown/fchownat, fallocate, statfs/fstatfs, memfd_create, sendfile and flock
 * (man 2): argument checks here, the work where the descriptor table lives (files_call).
 * The program runs as root, so any owner may be given; there are no symbolic links, so
 * lchown and AT_SYMLINK_NOFOLLOW are chown. */
#include "kernel/file_store.h"
#include "kernel/files.h"
#include "kernel/libc.h"
#include "kernel/linux_abi.h"
#include "kernel/mm.h"
#include "kernel/shared_maps.h"
#include "kernel/syscall.h"
#include "kernel/thread.h"
#include "kernel/usercopy.h"

#define FS_FALLOC_KEEP_SIZE 1       /* include/uapi/linux/falloc.h */
#define FS_MFD_CLOEXEC 1u           /* include/uapi/linux/memfd.h */
#define FS_MFD_ALLOW_SEALING 2u
#define FS_MFD_NAME_MAX 249         /* NAME_MAX less "memfd:" (mm/memfd.c) */

/* An id argument: (uid_t)-1 keeps the current one. */
static uint64_t fs_id(uint64_t id)
{
    return (uint32_t)id == UINT32_MAX ? FILE_STORE_ID_KEEP : (uint32_t)id;
}

long sys_chown(uint64_t upath, uint64_t owner, uint64_t group, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    return (long)files_path_call(FILES_OP_CHOWN, FILES_CWD, upath, fs_id(owner), fs_id(group), 0);
}

long sys_lchown(uint64_t upath, uint64_t owner, uint64_t group, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    return (long)files_path_call_flags(FILES_OP_CHOWN, FILES_CWD, upath, fs_id(owner), fs_id(group), 0,
                                       FILES_CALL_NOFOLLOW);
}

long sys_fchown(uint64_t fd, uint64_t owner, uint64_t group, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    if (fd >= FILES_MAX_FDS)
        return -LINUX_EBADF;
    return (long)files_fd_call(FILES_OP_CHOWN, fd, fs_id(owner), fs_id(group));
}

long sys_fchownat(uint64_t dirfd, uint64_t upath, uint64_t owner, uint64_t group, uint64_t flags, uint64_t a5)
{
    (void)a5;
    if (flags & ~(uint64_t)(LINUX_AT_EMPTY_PATH | LINUX_AT_SYMLINK_NOFOLLOW))
        return -LINUX_EINVAL;
    if (flags & LINUX_AT_EMPTY_PATH) {
        int empty = files_path_is_empty(upath);
        if (empty)
            return empty < 0 ? empty : sys_fchown(dirfd, owner, group, 0, 0, 0);
    }
    return (long)files_path_call_flags(FILES_OP_CHOWN, dirfd, upath, fs_id(owner), fs_id(group), 0,
                                       (flags & LINUX_AT_SYMLINK_NOFOLLOW) ? FILES_CALL_NOFOLLOW : 0);
}

/* fallocate(2): mode 0 grows the file to cover the range; FALLOC_FL_KEEP_SIZE has nothing
 * to reserve in a memory file; hole punching and the other modes are not offered. */
long sys_fallocate(uint64_t fd, uint64_t mode, uint64_t offset, uint64_t len, uint64_t a4, uint64_t a5)
{
    (void)a4, (void)a5;
    if ((int64_t)offset < 0 || (int64_t)len <= 0)
        return -LINUX_EINVAL;
    if (offset + len < offset || offset + len > (uint64_t)INT64_MAX)
        return -LINUX_EFBIG;
    if (mode != 0 && mode != FS_FALLOC_KEEP_SIZE)
        return -LINUX_EOPNOTSUPP;
    if (fd >= FILES_MAX_FDS)
        return -LINUX_EBADF;
    if (mode == FS_FALLOC_KEEP_SIZE)
        return (long)files_fd_call(FILES_OP_FALLOCATE, fd, 0, 0);
    return (long)files_fd_call(FILES_OP_FALLOCATE, fd, offset, len);
}

long sys_statfs(uint64_t upath, uint64_t ubuf, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a2, (void)a3, (void)a4, (void)a5;
    return (long)files_path_call(FILES_OP_STATFS, FILES_CWD, upath, 0, 0, ubuf);
}

long sys_fstatfs(uint64_t fd, uint64_t ubuf, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a2, (void)a3, (void)a4, (void)a5;
    if (fd >= FILES_MAX_FDS)
        return -LINUX_EBADF;
    struct files_call c = { .op = FILES_OP_STATFS, .fd = (int32_t)fd };
    struct linux_statfs st;
    size_t n;
    int64_t r = files_call(&c, &st, &n);
    if (r == 0 && copy_to_user(ubuf, &st, sizeof st) != 0)
        return -LINUX_EFAULT;
    return (long)r;
}

long sys_memfd_create(uint64_t uname, uint64_t flags, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a2, (void)a3, (void)a4, (void)a5;
    if (flags & ~(uint64_t)(FS_MFD_CLOEXEC | FS_MFD_ALLOW_SEALING))
        return -LINUX_EINVAL;
    char name[FS_MFD_NAME_MAX + 1];
    long len = copy_string_from_user(name, uname, sizeof name);
    if (len < 0)
        return len == -LINUX_ENAMETOOLONG ? -LINUX_EINVAL : len;
    struct files_call c = { .op = FILES_OP_MEMFD, .len = (uint32_t)len, .in = (const uint8_t *)name,
                            .arg = (flags & FS_MFD_CLOEXEC) ? LINUX_O_CLOEXEC : 0 };
    size_t n;
    return (long)files_call(&c, NULL, &n);
}

/* The read side's start for sendfile and copy_file_range: *uoffset's value, or fd's file
 * offset when uoffset is 0. 0 or -errno. */
static long fs_copy_start(uint64_t fd, uint64_t uoffset, int64_t *start)
{
    if (!uoffset)
        return (*start = files_fd_call(FILES_OP_LSEEK, fd, 0, LINUX_SEEK_CUR)) < 0 ? (long)*start : 0;
    if (copy_from_user(start, uoffset, sizeof *start) != 0)
        return -LINUX_EFAULT;
    return *start < 0 ? -LINUX_EINVAL : 0;
}

/* Copies up to count bytes of in_fd from offset start to out_fd, a chunk at a time: at
 * out_at and on (a pwrite) when out_at >= 0, else by write at its file offset. The bytes
 * copied into *done; 0, or the error that ended the copy (the caller reports it only when
 * nothing was copied). */
static long fs_copy(uint64_t in_fd, int64_t start, uint64_t out_fd, int64_t out_at, uint64_t count, uint64_t *done)
{
    uint8_t *buf = kmalloc(FILES_XFER_MAX);
    if (!buf)
        return -LINUX_ENOMEM;
    long result = 0;
    *done = 0;
    while (*done < count) {
        struct files_call rd = { .op = FILES_OP_PREAD, .fd = (int32_t)in_fd, .arg = (uint64_t)start + *done };
        rd.len = count - *done < FILES_XFER_MAX ? (uint32_t)(count - *done) : FILES_XFER_MAX;
        size_t got;
        int64_t n = shared_maps_file_call(&rd, buf, &got);
        if (n <= 0) {
            result = (long)n;
            break;
        }
        struct files_call wr = { .op = out_at >= 0 ? FILES_OP_PWRITE : FILES_OP_WRITE, .fd = (int32_t)out_fd,
                                 .arg = out_at >= 0 ? (uint64_t)out_at + *done : 0, .len = (uint32_t)got, .in = buf,
                                 .flags = *done + got < count ? FILES_CALL_MORE : 0 };
        size_t unused;
        int64_t w = shared_maps_file_call(&wr, NULL, &unused);
        if (w == -LINUX_EPIPE)
            signal_make_pending(thread_current(), LINUX_SIGPIPE, true);
        if (w < 0) {
            result = (long)w;
            break;
        }
        *done += (uint64_t)w;
        if ((size_t)w < got)
            break;
    }
    kfree(buf);
    return result;
}

/* Whether fd is a regular file (0; its stat into *st), else EINVAL (EISDIR for a
 * directory, as copy_file_range answers) or the fstat error. */
static long fs_regular(uint64_t fd, bool isdir_error, struct linux_stat *st)
{
    long r = files_fstat(fd, st);
    if (r < 0)
        return r;
    if ((st->st_mode & LINUX_S_IFMT) == LINUX_S_IFDIR && isdir_error)
        return -LINUX_EISDIR;
    return (st->st_mode & LINUX_S_IFMT) == LINUX_S_IFREG ? 0 : -LINUX_EINVAL;
}

/* sendfile(2): up to count bytes from the regular file in_fd, at *offset (which then
 * moves past them) or at its file offset (which then does), written to out_fd a chunk at
 * a time; the bytes written. */
long sys_sendfile(uint64_t out_fd, uint64_t in_fd, uint64_t uoffset, uint64_t count, uint64_t a4, uint64_t a5)
{
    (void)a4, (void)a5;
    if (in_fd >= FILES_MAX_FDS || out_fd >= FILES_MAX_FDS)
        return -LINUX_EBADF;
    struct linux_stat st;
    long r = fs_regular(in_fd, false, &st);
    int64_t start;
    if (r == 0)
        r = fs_copy_start(in_fd, uoffset, &start);
    if (r < 0)
        return r;
    uint64_t done;
    long result = fs_copy(in_fd, start, out_fd, -1, count > FILES_RW_MAX ? FILES_RW_MAX : count, &done);
    int64_t end = start + (int64_t)done;
    if (uoffset && copy_to_user(uoffset, &end, sizeof end) != 0)
        return -LINUX_EFAULT;
    if (!uoffset && done)
        files_fd_call(FILES_OP_LSEEK, in_fd, (uint64_t)end, LINUX_SEEK_SET);
    return done ? (long)done : result;
}

/* copy_file_range(2) between regular files: up to len bytes from in_fd at *uoff_in (or its
 * file offset) to out_fd at *uoff_out (or its file offset), each offset moving past them;
 * flags must be 0; an O_APPEND out_fd is EBADF; ranges of one file that overlap are EINVAL.
 * The bytes copied (0 at the end of in_fd). */
long sys_copy_file_range(uint64_t in_fd, uint64_t uoff_in, uint64_t out_fd, uint64_t uoff_out, uint64_t len,
                         uint64_t flags)
{
    if (flags)
        return -LINUX_EINVAL;
    if (in_fd >= FILES_MAX_FDS || out_fd >= FILES_MAX_FDS)
        return -LINUX_EBADF;
    struct linux_stat a, b;
    long r = fs_regular(in_fd, true, &a);
    if (r == 0)
        r = fs_regular(out_fd, true, &b);
    if (r < 0)
        return r;
    int64_t out_flags = files_fd_call(FILES_OP_FCNTL, out_fd, LINUX_F_GETFL, 0);
    if (out_flags < 0 || (out_flags & LINUX_O_APPEND) || (out_flags & LINUX_O_ACCMODE) == LINUX_O_RDONLY)
        return out_flags < 0 ? (long)out_flags : -LINUX_EBADF;
    int64_t in_at, out_at;
    r = fs_copy_start(in_fd, uoff_in, &in_at);
    if (r == 0)
        r = fs_copy_start(out_fd, uoff_out, &out_at);
    if (r < 0)
        return r;
    if (len > FILES_RW_MAX)
        len = FILES_RW_MAX;
    if (a.st_ino == b.st_ino && a.st_dev == b.st_dev &&
        in_at < out_at + (int64_t)len && out_at < in_at + (int64_t)len)
        return -LINUX_EINVAL; /* the same file, overlapping ranges */
    uint64_t done;
    long result = fs_copy(in_fd, in_at, out_fd, out_at, len, &done);
    int64_t in_end = in_at + (int64_t)done, out_end = out_at + (int64_t)done;
    if ((uoff_in && copy_to_user(uoff_in, &in_end, sizeof in_end) != 0) ||
        (uoff_out && copy_to_user(uoff_out, &out_end, sizeof out_end) != 0))
        return -LINUX_EFAULT;
    if (!uoff_in && done)
        files_fd_call(FILES_OP_LSEEK, in_fd, (uint64_t)in_end, LINUX_SEEK_SET);
    if (!uoff_out && done)
        files_fd_call(FILES_OP_LSEEK, out_fd, (uint64_t)out_end, LINUX_SEEK_SET);
    return done ? (long)done : result;
}

long sys_flock(uint64_t fd, uint64_t op, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a2, (void)a3, (void)a4, (void)a5;
    if (fd >= FILES_MAX_FDS)
        return -LINUX_EBADF;
    return (long)files_fd_call(FILES_OP_FLOCK, fd, op, 0);
}
