/* SPDX-License-Identifier: MIT */
/* read, write, readv, writev, ioctl (man 2). stdout and stderr go to COM2 and COM3 as
 * raw bytes (common brief); everything readable is a boot module (kernel/files.h). Writes
 * copy in small chunks so a fault part-way returns the bytes already written, as Linux does. */
#include "drivers/serial_ports.h"
#include "kernel/dsm_glue.h"
#include "kernel/files.h"
#include "kernel/linux_abi.h"
#include "kernel/syscall.h"
#include "kernel/usercopy.h"

#define IO_CHUNK 512
#define IO_MAX_RW 0x7ffff000ull /* Linux's MAX_RW_COUNT: one call moves at most this */
#define IO_IOV_MAX 1024         /* UIO_MAXIOV */
#define IO_FD_STDOUT 1
#define IO_FD_STDERR 2

static long io_write(uint64_t fd, uint64_t ubuf, uint64_t len)
{
    if (fd != IO_FD_STDOUT && fd != IO_FD_STDERR)
        return -LINUX_EBADF; /* files are read-only; others are not open */
    if (dsm_output_forwarded()) /* nodes>1: node 0 prints for every node, in order */
        return dsm_output_write(fd, ubuf, len > IO_MAX_RW ? IO_MAX_RW : len);
    uint16_t port = fd == IO_FD_STDOUT ? SERIAL_PORT_COM2 : SERIAL_PORT_COM3;
    if (len > IO_MAX_RW)
        len = IO_MAX_RW;
    uint8_t chunk[IO_CHUNK];
    uint64_t done = 0;
    while (done < len) {
        size_t n = len - done < IO_CHUNK ? (size_t)(len - done) : IO_CHUNK;
        if (copy_from_user(chunk, ubuf + done, n) != 0)
            return done ? (long)done : -LINUX_EFAULT;
        serial_port_write_raw(port, chunk, n);
        done += n;
    }
    return (long)done;
}

static long io_read(uint64_t fd, uint64_t ubuf, uint64_t len)
{
    if (fd >= FILES_MAX_FDS)
        return -LINUX_EBADF;
    if (len > IO_MAX_RW)
        len = IO_MAX_RW;
    return files_read((int)fd, ubuf, len);
}

long sys_write(uint64_t fd, uint64_t ubuf, uint64_t len, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    return io_write(fd, ubuf, len);
}

long sys_read(uint64_t fd, uint64_t ubuf, uint64_t len, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    return io_read(fd, ubuf, len);
}

/* readv/writev: each iovec in turn; stops at the first short transfer (Linux semantics). */
static long io_vector(uint64_t fd, uint64_t uiov, uint64_t count, bool write)
{
    if (count > IO_IOV_MAX)
        return -LINUX_EINVAL;
    if (fd >= FILES_MAX_FDS || files_check_fd((int)fd) != 0)
        return -LINUX_EBADF;
    long total = 0;
    for (uint64_t i = 0; i < count; i++) {
        struct linux_iovec iov;
        if (copy_from_user(&iov, uiov + i * sizeof iov, sizeof iov) != 0)
            return total ? total : -LINUX_EFAULT;
        if (iov.iov_len > IO_MAX_RW)
            return total ? total : -LINUX_EINVAL;
        if (iov.iov_len == 0)
            continue;
        long n = write ? io_write(fd, iov.iov_base, iov.iov_len) : io_read(fd, iov.iov_base, iov.iov_len);
        if (n < 0)
            return total ? total : n;
        total += n;
        if ((uint64_t)n < iov.iov_len)
            break;
    }
    return total;
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

long sys_ioctl(uint64_t fd, uint64_t request, uint64_t arg, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)request, (void)arg, (void)a3, (void)a4, (void)a5;
    if (fd >= FILES_MAX_FDS || files_check_fd((int)fd) != 0)
        return -LINUX_EBADF;
    return -LINUX_ENOTTY; /* no descriptor is a terminal: TIOCGWINSZ and all others */
}
