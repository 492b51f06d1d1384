/* SPDX-License-Identifier: MIT */
/* sendmmsg(2) and recvmmsg(2): sendmsg and recvmsg (kernel/sys_socket.c) over a vector of
 * struct mmsghdr, each message's byte count into its msg_len, as Linux's __sys_sendmmsg and
 * do_recvmmsg go: the number of messages done if any, else the first one's error. recvmmsg's
 * MSG_WAITFORONE makes every receive after the first one non-blocking, and its timeout is
 * looked at after each message (as on Linux, a receive may wait past it), the time left
 * written back. */
#include "kernel/clock.h"
#include "kernel/linux_abi.h"
#include "kernel/syscall.h"
#include "kernel/time_conv.h"
#include "kernel/usercopy.h"

#define MMSG_MSG_DONTWAIT 0x40       /* include/linux/socket.h */
#define MMSG_MSG_WAITFORONE 0x10000
#define MMSG_VLEN_MAX 1024           /* UIO_MAXIOV: Linux takes at most this many */
#define MMSG_ENTRY_SIZE 64           /* struct mmsghdr on x86-64: a msghdr and msg_len, padded */
#define MMSG_LEN_OFFSET 56           /* msg_len, after the msghdr */
_Static_assert(MMSG_LEN_OFFSET == sizeof(struct linux_msghdr), "msg_len follows the msghdr");

/* Message i of the vector at uvec went with n bytes: its msg_len says so. */
static bool mmsg_note_len(uint64_t uvec, uint64_t i, long n)
{
    uint32_t len = (uint32_t)n;
    return copy_to_user(uvec + i * MMSG_ENTRY_SIZE + MMSG_LEN_OFFSET, &len, sizeof len) == 0;
}

long sys_sendmmsg(uint64_t fd, uint64_t uvec, uint64_t vlen, uint64_t flags, uint64_t a4, uint64_t a5)
{
    (void)a4, (void)a5;
    uint64_t count = vlen < MMSG_VLEN_MAX ? vlen : MMSG_VLEN_MAX, done = 0;
    for (; done < count; done++) {
        long n = sys_sendmsg(fd, uvec + done * MMSG_ENTRY_SIZE, flags, 0, 0, 0);
        if (n < 0)
            return done ? (long)done : n;
        if (!mmsg_note_len(uvec, done, n))
            return done ? (long)done : -LINUX_EFAULT;
    }
    return (long)done;
}

long sys_recvmmsg(uint64_t fd, uint64_t uvec, uint64_t vlen, uint64_t flags, uint64_t utimeout, uint64_t a5)
{
    (void)a5;
    struct linux_timespec left;
    uint64_t deadline = 0;
    if (utimeout) {
        if (copy_from_user(&left, utimeout, sizeof left) != 0)
            return -LINUX_EFAULT;
        if (!timespec_valid(&left))
            return -LINUX_EINVAL;
        deadline = clock_now_ns() + timespec_to_ns(&left);
    }
    uint64_t count = vlen < MMSG_VLEN_MAX ? vlen : MMSG_VLEN_MAX, done = 0, each = flags & ~(uint64_t)MMSG_MSG_WAITFORONE;
    long first_error = 0;
    for (; done < count; done++) {
        long n = sys_recvmsg(fd, uvec + done * MMSG_ENTRY_SIZE, each, 0, 0, 0);
        if (n < 0) {
            first_error = n;
            break;
        }
        if (!mmsg_note_len(uvec, done, n)) {
            first_error = -LINUX_EFAULT;
            break;
        }
        if (flags & MMSG_MSG_WAITFORONE)
            each |= MMSG_MSG_DONTWAIT;
        if (deadline && clock_now_ns() >= deadline) {
            done++;
            break;
        }
    }
    if (utimeout) {
        uint64_t now = clock_now_ns();
        left = timespec_from_ns(deadline > now ? deadline - now : 0);
        if (copy_to_user(utimeout, &left, sizeof left) != 0)
            return -LINUX_EFAULT;
    }
    return done ? (long)done : first_error;
}
