/* SPDX-License-Identifier: MIT */
/* read, write, readv, writev, preadv, pwritev (and their "2" forms), splice, ioctl (man 2) on the
 * descriptors of kernel/files.h: stdout
 * and stderr go to COM2 and COM3 as raw bytes (common brief), from every node through
 * node 0 in the program's order; what is readable is a boot module or a pipe. */
#include "kernel/files.h"
#include "kernel/linux_abi.h"
#include "kernel/thread.h"
#include "kernel/syscall.h"
#include "kernel/usercopy.h"

#define IO_IOV_MAX 1024         /* UIO_MAXIOV */
/* preadv2/pwritev2 flags (include/uapi/linux/fs.h). HIPRI, DSYNC and SYNC ask nothing of
 * files that live in memory; NOWAIT and APPEND are refused (EOPNOTSUPP, as Linux does for
 * a file that cannot honour them). */
#define IO_RWF_HIPRI 0x1u
#define IO_RWF_DSYNC 0x2u
#define IO_RWF_SYNC 0x4u
#define IO_RWF_NO_EFFECT (IO_RWF_HIPRI | IO_RWF_DSYNC | IO_RWF_SYNC)
#define IO_CURRENT_POSITION ((uint64_t)-1) /* preadv2/pwritev2's offset -1: readv/writev */

static long io_write(uint64_t fd, uint64_t ubuf, uint64_t len)
{
    if (fd >= FILES_MAX_FDS)
        return -LINUX_EBADF;
    return files_write((int)fd, ubuf, len > FILES_RW_MAX ? FILES_RW_MAX : len);
}

static long io_read(uint64_t fd, uint64_t ubuf, uint64_t len, bool have_bytes)
{
    if (fd >= FILES_MAX_FDS)
        return -LINUX_EBADF;
    if (len > FILES_RW_MAX)
        len = FILES_RW_MAX;
    return files_read((int)fd, ubuf, len, have_bytes);
}

long sys_write(uint64_t fd, uint64_t ubuf, uint64_t len, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    return io_write(fd, ubuf, len);
}

long sys_read(uint64_t fd, uint64_t ubuf, uint64_t len, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    return io_read(fd, ubuf, len, false);
}

long io_each_iovec(uint64_t uiov, uint64_t count, io_iovec_fn one, void *ctx)
{
    long total = 0;
    for (uint64_t i = 0; i < count; i++) {
        struct linux_iovec iov;
        if (copy_from_user(&iov, uiov + i * sizeof iov, sizeof iov) != 0)
            return total ? total : -LINUX_EFAULT;
        if (iov.iov_len > FILES_RW_MAX)
            return total ? total : -LINUX_EINVAL;
        if (iov.iov_len == 0)
            continue;
        long n = one(ctx, iov.iov_base, iov.iov_len, total > 0);
        if (n < 0)
            return total ? total : n;
        total += n;
        if ((uint64_t)n < iov.iov_len)
            break;
    }
    return total;
}

/* An iovec of readv or writev: a datagram socket answers FILES_DGRAM_CALL, as its datagram
 * is all the iovecs' (kernel/sys_udp.c). */
static long io_vector_write(void *ctx, uint64_t base, uint64_t len, bool have_bytes)
{
    (void)have_bytes;
    return files_write_from(FILES_OP_WRITE, (int)*(const uint64_t *)ctx, base, len > FILES_RW_MAX ? FILES_RW_MAX : len,
                            0, FILES_CALL_DGRAM_VECTOR, true);
}

static long io_vector_read(void *ctx, uint64_t base, uint64_t len, bool have_bytes)
{
    return files_read_into(FILES_OP_READ, *(const uint64_t *)ctx, base, len > FILES_RW_MAX ? FILES_RW_MAX : len, 0,
                           have_bytes, FILES_CALL_DGRAM_VECTOR);
}

/* readv/writev: each iovec in turn; stops at the first short transfer (Linux semantics). */
static long io_vector(uint64_t fd, uint64_t uiov, uint64_t count, bool write)
{
    if (count > IO_IOV_MAX)
        return -LINUX_EINVAL;
    if (fd >= FILES_MAX_FDS || files_check_fd((int)fd) != 0)
        return -LINUX_EBADF;
    long r = io_each_iovec(uiov, count, write ? io_vector_write : io_vector_read, &fd);
    return r == FILES_DGRAM_CALL ? udp_vector((int)fd, uiov, count, write) : r;
}

long sys_writev(uint64_t fd, uint64_t uiov, uint64_t count, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    return io_vector(fd, uiov, count, true);
}

long sys_readv(uint64_t fd, uint64_t uiov, uint64_t count, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    return io_vector(fd, uiov, count, false);
}

/* preadv/pwritev: the iovecs in turn at offset, offset + what went before, ...; the file
 * position stays. */
struct io_at {
    uint64_t fd;
    uint64_t offset;
    bool write;
};

static long io_vector_positioned(void *ctx, uint64_t base, uint64_t len, bool have_bytes)
{
    (void)have_bytes;
    struct io_at *at = ctx;
    long n = at->write ? sys_pwrite64(at->fd, base, len, at->offset, 0, 0)
                       : sys_pread64(at->fd, base, len, at->offset, 0, 0);
    if (n > 0)
        at->offset += (uint64_t)n;
    return n;
}

/* On x86-64 the offset is pos_l whole (Linux pos_from_hilo: pos_h shifts out). */
static long io_vector_at(uint64_t fd, uint64_t uiov, uint64_t count, uint64_t offset, bool write)
{
    if (count > IO_IOV_MAX || (int64_t)offset < 0)
        return -LINUX_EINVAL;
    if (fd >= FILES_MAX_FDS || files_check_fd((int)fd) != 0)
        return -LINUX_EBADF;
    struct io_at at = { fd, offset, write };
    return io_each_iovec(uiov, count, io_vector_positioned, &at);
}

long sys_preadv(uint64_t fd, uint64_t uiov, uint64_t count, uint64_t pos_l, uint64_t pos_h, uint64_t a5)
{
    (void)pos_h, (void)a5;
    return io_vector_at(fd, uiov, count, pos_l, false);
}

long sys_pwritev(uint64_t fd, uint64_t uiov, uint64_t count, uint64_t pos_l, uint64_t pos_h, uint64_t a5)
{
    (void)pos_h, (void)a5;
    return io_vector_at(fd, uiov, count, pos_l, true);
}

static long io_vector2(uint64_t fd, uint64_t uiov, uint64_t count, uint64_t pos_l, uint64_t flags, bool write)
{
    if (flags & ~(uint64_t)IO_RWF_NO_EFFECT)
        return -LINUX_EOPNOTSUPP;
    if (pos_l == IO_CURRENT_POSITION)
        return io_vector(fd, uiov, count, write);
    return io_vector_at(fd, uiov, count, pos_l, write);
}

long sys_preadv2(uint64_t fd, uint64_t uiov, uint64_t count, uint64_t pos_l, uint64_t pos_h, uint64_t flags)
{
    (void)pos_h;
    return io_vector2(fd, uiov, count, pos_l, flags, false);
}

long sys_pwritev2(uint64_t fd, uint64_t uiov, uint64_t count, uint64_t pos_l, uint64_t pos_h, uint64_t flags)
{
    (void)pos_h;
    return io_vector2(fd, uiov, count, pos_l, flags, true);
}

/* FIONREAD, FIONBIO, FIOCLEX and FIONCLEX (kernel/files.c); every other request is a
 * terminal's, and no descriptor is a terminal: ENOTTY. */
/* splice(2) flags (include/linux/splice.h): MOVE and MORE are hints, GIFT is for vmsplice. */
#define IO_SPLICE_F_MOVE 0x1u
#define IO_SPLICE_F_NONBLOCK 0x2u
#define IO_SPLICE_F_MORE 0x4u
#define IO_SPLICE_F_GIFT 0x8u
#define IO_SPLICE_FLAGS (IO_SPLICE_F_MOVE | IO_SPLICE_F_NONBLOCK | IO_SPLICE_F_MORE | IO_SPLICE_F_GIFT)

/* splice(2): up to len bytes from fd_in to fd_out, one of them a pipe, moved on the table's
 * node (kernel/files_splice.c): the bytes moved, 0 at the end of fd_in. A pipe's offset is
 * ESPIPE; a file's is not done (EINVAL). Go's net package copies between sockets with it. */
long sys_splice(uint64_t fd_in, uint64_t uoff_in, uint64_t fd_out, uint64_t uoff_out, uint64_t len, uint64_t flags)
{
    if (flags & ~(uint64_t)IO_SPLICE_FLAGS)
        return -LINUX_EINVAL;
    if (fd_in >= FILES_MAX_FDS || fd_out >= FILES_MAX_FDS)
        return -LINUX_EBADF;
    struct files_call c = { .op = FILES_OP_SPLICE, .fd = (int32_t)fd_in, .arg = fd_out,
                            .arg2 = (uoff_in ? FILES_SPLICE_OFF_IN : 0) | (uoff_out ? FILES_SPLICE_OFF_OUT : 0),
                            .len = len < FILES_RW_MAX ? (uint32_t)len : FILES_RW_MAX,
                            .flags = (flags & IO_SPLICE_F_NONBLOCK) ? FILES_CALL_NONBLOCK : 0 };
    size_t n;
    long r = (long)files_call(&c, NULL, &n);
    if (r == -LINUX_EPIPE)
        signal_make_pending(thread_current(), LINUX_SIGPIPE, true);
    return r;
}

long sys_ioctl(uint64_t fd, uint64_t request, uint64_t arg, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    if (fd >= FILES_MAX_FDS)
        return -LINUX_EBADF;
    int32_t on = 0;
    if ((uint32_t)request == LINUX_FIONBIO && copy_from_user(&on, arg, sizeof on) != 0)
        return -LINUX_EFAULT;
    struct files_call c = { .op = FILES_OP_IOCTL, .fd = (int32_t)fd, .arg = (uint32_t)request, .arg2 = on != 0 };
    size_t n;
    long r = (long)files_call(&c, NULL, &n);
    if (r < 0 || (uint32_t)request != LINUX_FIONREAD)
        return r;
    int32_t count = r > INT32_MAX ? INT32_MAX : (int32_t)r;
    return copy_to_user(arg, &count, sizeof count) != 0 ? -LINUX_EFAULT : 0;
}
