/* SPDX-License-Identifier: MIT */
/* The datagram side of the socket calls for AF_INET SOCK_DGRAM sockets (kernel/files_udp.c
 * keeps their queues with the descriptor table): sendto, sendmsg, recvfrom's and recvmsg's
 * receive, and read, write, readv and writev when a plain call answers FILES_DGRAM_CALL. A
 * datagram goes as one message (a struct files_sendto_head, then its bytes) and comes back
 * with a struct files_recv_head; either crosses in pieces when longer than one file call
 * (kernel/files_stage.h). The checks of udp_sendmsg (net/ipv4/udp.c) on a destination are
 * made here and their answer travels in the head, so the table answers them in Linux's
 * order with its own. */
#include "kernel/sys_udp.h"

#include "kernel/files_stage.h"
#include "kernel/libc.h"
#include "kernel/mm.h"
#include "kernel/usercopy.h"

#define UDP_AF_INET 2
#define UDP_AF_UNSPEC 0
#define UDP_IOV_MAX 1024 /* UIO_MAXIOV */

/* udp_sendmsg's checks of the sockaddr_in at uaddr (addrlen bytes) into h. */
static void udp_destination(uint64_t uaddr, uint64_t addrlen, struct files_sendto_head *h)
{
    uint8_t raw[SOCK_ADDR_IN_LEN];
    h->has_to = 1;
    if (addrlen < sizeof raw) {
        h->to_error = LINUX_EINVAL;
        return;
    }
    if (copy_from_user(raw, uaddr, sizeof raw) != 0) {
        h->to_error = LINUX_EFAULT;
        return;
    }
    long bad = sock_inet_name(raw, true, true, -LINUX_ENETUNREACH, h->to);
    if (!bad && h->to[4] == 0 && h->to[5] == 0)
        bad = -LINUX_EINVAL; /* no port to send to */
    h->to_error = (int32_t)-bad;
}

/* Sends the message at msg (h, then len bytes; msg has room for them) from fd. */
static long udp_send_message(uint64_t fd, const struct files_sendto_head *h, uint8_t *msg, uint64_t len)
{
    memcpy(msg, h, sizeof *h);
    struct files_call c = { .op = FILES_OP_SENDTO, .fd = (int32_t)fd, .arg = files_stage_tid_word() };
    return (long)files_call_in_pieces(&c, msg, sizeof *h + len, 0);
}

/* h's length for a datagram of len bytes: how many of them go (none past the largest). */
static uint64_t udp_length(struct files_sendto_head *h, uint64_t len)
{
    h->len = len < UINT32_MAX ? (uint32_t)len : UINT32_MAX;
    return len <= FILES_UDP_DGRAM_MAX ? len : 0;
}

/* A send of len user bytes at ubuf from fd to h's destination. */
static long udp_send_user(uint64_t fd, struct files_sendto_head *h, uint64_t ubuf, uint64_t len)
{
    if (fd >= FILES_MAX_FDS)
        return -LINUX_EBADF;
    len = udp_length(h, len);
    uint8_t *msg = kmalloc(sizeof *h + len);
    if (!msg)
        return -LINUX_ENOMEM;
    long r = copy_from_user(msg + sizeof *h, ubuf, len) != 0 ? -LINUX_EFAULT : udp_send_message(fd, h, msg, len);
    kfree(msg);
    return r;
}

long udp_sendto(uint64_t fd, uint64_t ubuf, uint64_t len, uint64_t uaddr, uint64_t addrlen)
{
    struct files_sendto_head h = { 0 };
    udp_destination(uaddr, addrlen, &h);
    return udp_send_user(fd, &h, ubuf, len);
}

long udp_write(int fd, uint64_t ubuf, uint64_t len)
{
    struct files_sendto_head h = { 0 };
    return udp_send_user((uint64_t)(uint32_t)fd, &h, ubuf, len);
}

long udp_receive(uint64_t fd, uint64_t room, uint32_t call_flags, struct files_recv_head *head, uint8_t **bytes)
{
    *bytes = NULL;
    *head = (struct files_recv_head){ 0 };
    if (fd >= FILES_MAX_FDS)
        return -LINUX_EBADF;
    uint64_t most = room < FILES_UDP_DGRAM_MAX ? room : FILES_UDP_DGRAM_MAX;
    struct files_call c = { .op = FILES_OP_RECVFROM, .fd = (int32_t)fd, .arg = files_stage_tid_word() | most,
                            .len = FILES_XFER_MAX, .flags = call_flags };
    long n = (long)files_call_receive_alloc(&c, 0, head, sizeof *head, bytes, most);
    bool sane = head->kind == FILES_RECV_DGRAM   ? head->len >= (uint64_t)n
                : head->kind == FILES_RECV_SHUT ? n == 0
                                                : (head->kind == FILES_RECV_STREAM || head->kind == FILES_RECV_MESSAGE);
    if (n >= 0 && !sane) { /* not an answer the table gives: refused, not trusted */
        kfree(*bytes);
        *bytes = NULL;
        n = -LINUX_EIO;
    }
    return n;
}

long udp_read(int fd, uint64_t ubuf, uint64_t len)
{
    struct files_recv_head head;
    uint8_t *bytes;
    long n = udp_receive((uint64_t)(uint32_t)fd, len, 0, &head, &bytes);
    if (n > 0 && copy_to_user(ubuf, bytes, (size_t)n) != 0)
        n = -LINUX_EFAULT; /* the datagram is gone all the same, as on Linux */
    kfree(bytes);
    return n;
}

/* The bytes the count iovecs at uiov hold, capped at cap: 0 with the sum in *total, or
 * -EFAULT, -EINVAL (an iovec over FILES_RW_MAX), -EMSGSIZE (more than UIO_MAXIOV of them). */
static long udp_iov_total(uint64_t uiov, uint64_t count, uint64_t cap, uint64_t *total)
{
    *total = 0;
    if (count > UDP_IOV_MAX)
        return -LINUX_EMSGSIZE;
    for (uint64_t i = 0; i < count; i++) {
        struct linux_iovec iov;
        if (copy_from_user(&iov, uiov + i * sizeof iov, sizeof iov) != 0)
            return -LINUX_EFAULT;
        if (iov.iov_len > FILES_RW_MAX)
            return -LINUX_EINVAL;
        *total += iov.iov_len;
    }
    if (*total > cap)
        *total = cap;
    return 0;
}

/* Gathers (to_user false) len bytes from the iovecs into buf, or scatters them from buf. */
static long udp_iov_copy(uint64_t uiov, uint64_t count, uint8_t *buf, uint64_t len, bool to_user)
{
    uint64_t done = 0;
    for (uint64_t i = 0; i < count && done < len; i++) {
        struct linux_iovec iov;
        if (copy_from_user(&iov, uiov + i * sizeof iov, sizeof iov) != 0)
            return -LINUX_EFAULT;
        uint64_t n = iov.iov_len < len - done ? iov.iov_len : len - done;
        if (to_user ? copy_to_user(iov.iov_base, buf + done, n) != 0 : copy_from_user(buf + done, iov.iov_base, n) != 0)
            return -LINUX_EFAULT;
        done += n;
    }
    return 0;
}

/* sendmsg's and writev's datagram: the iovecs gathered, to h's destination. */
static long udp_send_iov(uint64_t fd, struct files_sendto_head *h, uint64_t uiov, uint64_t count)
{
    uint64_t len;
    long r = udp_iov_total(uiov, count, UINT32_MAX, &len);
    if (r)
        return r;
    len = udp_length(h, len);
    uint8_t *msg = kmalloc(sizeof *h + len);
    if (!msg)
        return -LINUX_ENOMEM;
    r = udp_iov_copy(uiov, count, msg + sizeof *h, len, false);
    if (r == 0)
        r = udp_send_message(fd, h, msg, len);
    kfree(msg);
    return r;
}

/* recvmsg's and readv's datagram, scattered over the iovecs: its bytes received. */
static long udp_recv_iov(uint64_t fd, uint64_t uiov, uint64_t count, uint32_t call_flags, struct files_recv_head *head)
{
    uint64_t room;
    long r = udp_iov_total(uiov, count, FILES_UDP_DGRAM_MAX, &room);
    if (r)
        return r;
    uint8_t *bytes;
    long n = udp_receive(fd, room, call_flags, head, &bytes);
    if (n > 0)
        r = udp_iov_copy(uiov, count, bytes, (uint64_t)n, true);
    kfree(bytes);
    return r ? r : n;
}

long udp_vector(int fd, uint64_t uiov, uint64_t count, bool write)
{
    uint64_t sock = (uint64_t)(uint32_t)fd;
    struct files_sendto_head h = { 0 };
    struct files_recv_head head;
    return write ? udp_send_iov(sock, &h, uiov, count) : udp_recv_iov(sock, uiov, count, 0, &head);
}

long udp_sendmsg(uint64_t fd, const struct linux_msghdr *m)
{
    struct files_sendto_head h = { 0 };
    if (m->name && m->namelen)
        udp_destination(m->name, m->namelen, &h);
    return udp_send_iov(fd, &h, m->iov, m->iovlen);
}

long udp_recvmsg(uint64_t fd, uint64_t umsg, const struct linux_msghdr *m, uint64_t flags, uint32_t call_flags)
{
    struct files_recv_head head;
    long n = udp_recv_iov(fd, m->iov, m->iovlen, call_flags, &head);
    if (n < 0)
        return n;
    if (m->name) { /* move_addr_to_user into msg_name, msg_namelen: no sender once shut (length 0) */
        uint64_t unamelen = umsg + offsetof(struct linux_msghdr, namelen);
        struct files_sock_addr from = { .inet = 1, .len = FILES_SOCK_INET_LEN };
        memcpy(from.name, head.from, sizeof head.from);
        uint32_t none = 0;
        long bad = 0;
        if (head.kind == FILES_RECV_DGRAM)
            bad = sock_address_out(m->name, unamelen, &from);
        else if (copy_to_user(unamelen, &none, sizeof none) != 0)
            bad = -LINUX_EFAULT;
        if (bad)
            return bad;
    }
    int32_t msg_flags = head.kind == FILES_RECV_DGRAM && head.len > (uint64_t)n ? LINUX_MSG_TRUNC : 0;
    uint64_t no_control = 0;
    if (copy_to_user(umsg + offsetof(struct linux_msghdr, controllen), &no_control, sizeof no_control) != 0 ||
        copy_to_user(umsg + offsetof(struct linux_msghdr, flags), &msg_flags, sizeof msg_flags) != 0)
        return -LINUX_EFAULT;
    return (flags & LINUX_MSG_TRUNC) && head.kind == FILES_RECV_DGRAM ? (long)head.len : n;
}
