/* SPDX-License-Identifier: MIT */
/* socketpair, socket, bind, listen, connect, accept/accept4, send/sendto/sendmsg,
 * recv/recvfrom/recvmsg, shutdown, getsockopt, setsockopt, getsockname and getpeername
 * (man 2) for the AF_UNIX sockets of kernel/files_socket.c, which live with the descriptor
 * table (files_call ships a call there from any node). A name is a path (a socket node of
 * the store) or abstract (sun_path[0] is NUL); an unnamed socket's address is the AF_UNIX
 * family alone, and recvfrom and recvmsg report an address of length 0, as Linux. AF_INET
 * SOCK_STREAM and SOCK_DGRAM sockets connect the program's own threads over loopback
 * (127.0.0.0/8, or 0.0.0.0 for bind and as connect's and sendto's "this host"): there is no
 * network for the program, so another address is EADDRNOTAVAIL to bind and ENETUNREACH to
 * connect or send to. A datagram's calls are kernel/sys_udp.c's; recv and recvfrom on any
 * socket make one FILES_OP_RECVFROM, which tells what the socket is. Not done: AF_INET6
 * (EAFNOSUPPORT), named SOCK_DGRAM AF_UNIX sockets (EPROTONOSUPPORT), ancillary data
 * (EOPNOTSUPP: no descriptor passing), MSG_TRUNC on AF_UNIX sockets. */
#include "kernel/files.h"
#include "kernel/libc.h"
#include "kernel/linux_abi.h"
#include "kernel/mm.h"
#include "kernel/sys_udp.h"
#include "kernel/syscall.h"
#include "kernel/thread.h"
#include "kernel/usercopy.h"

/* include/linux/socket.h, include/uapi/linux/net.h, asm-generic/socket.h */
#define SOCK_AF_UNSPEC 0
#define SOCK_AF_UNIX 1
#define SOCK_AF_INET 2
#define SOCK_AF_INET6 10
#define SOCK_STREAM 1
#define SOCK_DGRAM 2
#define SOCK_SEQPACKET 5
#define SOCK_TYPE_MASK 0xf
#define SOCK_FLAGS (LINUX_O_NONBLOCK | LINUX_O_CLOEXEC) /* SOCK_NONBLOCK, SOCK_CLOEXEC */
#define SOCK_EPROTONOSUPPORT 93
#define SOCK_MSG_OOB 0x1
#define SOCK_MSG_PEEK 0x2
#define SOCK_MSG_DONTWAIT 0x40
#define SOCK_MSG_WAITALL 0x100
#define SOCK_MSG_NOSIGNAL 0x4000
#define SOCK_SOL_SOCKET 1
#define SOCK_SO_REUSEADDR 2 /* taken and ignored: a path name is reused once unlinked, as on Linux;
                             * a port has one socket */
#define SOCK_SO_TYPE 3
#define SOCK_SO_ERROR 4
#define SOCK_SO_BROADCAST 6 /* taken and ignored: no broadcast address is reachable */
#define SOCK_SO_SNDBUF 7
#define SOCK_SO_RCVBUF 8
#define SOCK_SO_ACCEPTCONN 30
#define SOCK_SO_KEEPALIVE 9 /* taken and ignored: no connection here goes idle unseen */
#define SOCK_SO_REUSEPORT 15 /* taken and ignored: a port still has one listener */
#define SOCK_SO_PROTOCOL 38
#define SOCK_SO_DOMAIN 39
#define SOCK_IPPROTO_TCP 6 /* its options (TCP_NODELAY, keepalive timing) are taken and ignored */
#define SOCK_IPPROTO_UDP 17
#define SOCK_INADDR_LOOPBACK_NET 127 /* 127.0.0.0/8 (first byte of sin_addr) */
#define SOCK_BUFFER_BYTES 65536 /* each direction's ring: PIPE_CAPACITY (kernel/pipe.h) */
#define SOCK_UDP_BUFFER_BYTES 212992 /* a UDP socket's queue (kernel/files_udp.c), rmem_default */
#define SOCK_IOV_MAX 1024       /* UIO_MAXIOV */
#define SOCK_UNNAMED_LEN 2      /* sizeof(sa_family_t): an unnamed AF_UNIX address */
#define SOCK_ADDR_UN_MAX (SOCK_UNNAMED_LEN + FILES_SOCK_NAME_MAX) /* sizeof(struct sockaddr_un) */

/* fd's SOCK_* type if it is an open socket (with FILES_SOCKET_LISTENING when it listens),
 * else -EBADF or -ENOTSOCK. */
static long sock_type_and_state(uint64_t fd)
{
    if (fd >= FILES_MAX_FDS)
        return -LINUX_EBADF;
    struct files_call c = { .op = FILES_OP_SOCKET_TYPE, .fd = (int32_t)fd };
    size_t n;
    return (long)files_call(&c, NULL, &n);
}

/* fd's SOCK_* type if it is an open socket, else -EBADF or -ENOTSOCK. */
static long sock_type(uint64_t fd)
{
    long type = sock_type_and_state(fd);
    return type < 0 ? type : type & ~(long)(FILES_SOCKET_LISTENING | FILES_SOCKET_INET);
}

/* 0 if fd is an open socket, -EBADF or -ENOTSOCK. */
static long sock_check(uint64_t fd)
{
    long type = sock_type(fd);
    return type < 0 ? type : 0;
}

/* getsockname's, getpeername's and accept's answer: the address of a (AF_INET's
 * sockaddr_in when a->inet; else AF_UNIX's, unnamed when a->len is 0) into uaddr (as much as
 * *ulen bytes take) and its full length into *ulen. A path's address ends with its NUL; an
 * abstract one starts with one. 0, -EINVAL or -EFAULT. */
long sock_address_out(uint64_t uaddr, uint64_t ulen, const struct files_sock_addr *a)
{
    if (!uaddr || !ulen)
        return 0;
    int32_t room;
    if (copy_from_user(&room, ulen, sizeof room) != 0)
        return -LINUX_EFAULT;
    if (room < 0)
        return -LINUX_EINVAL;
    uint8_t out[SOCK_ADDR_UN_MAX + 1] = { SOCK_AF_UNIX, 0 }; /* sa_family_t, little-endian */
    int32_t len = SOCK_UNNAMED_LEN;
    if (a->len >= FILES_SOCK_NAME_MAX || (a->inet && a->len != FILES_SOCK_INET_LEN))
        return -LINUX_EIO; /* not a name node 0 gives: its reply is refused, not trusted */
    if (a->inet) { /* sin_port then sin_addr, as they are in the name swapped */
        memset(out, 0, SOCK_ADDR_IN_LEN);
        out[0] = SOCK_AF_INET;
        memcpy(out + 2, a->name + 4, 2);
        memcpy(out + 4, a->name, 4);
        len = SOCK_ADDR_IN_LEN;
    } else if (a->len) {
        size_t at = SOCK_UNNAMED_LEN + (a->abstract ? 1 : 0);
        memcpy(out + at, a->name, a->len);
        len = (int32_t)(at + a->len + (a->abstract ? 0 : 1));
    }
    if (copy_to_user(uaddr, out, (size_t)(room < len ? room : len)) != 0 || copy_to_user(ulen, &len, sizeof len) != 0)
        return -LINUX_EFAULT;
    return 0;
}

/* The unnamed address (a socketpair's ends, an unbound socket). */
static const struct files_sock_addr sock_unnamed;

long sys_socketpair(uint64_t domain, uint64_t type, uint64_t protocol, uint64_t usv, uint64_t a4, uint64_t a5)
{
    (void)a4, (void)a5;
    if (domain == SOCK_AF_INET || domain == SOCK_AF_INET6)
        return -LINUX_EOPNOTSUPP; /* Linux's answer: IP sockets come in no pairs */
    if (domain != SOCK_AF_UNIX)
        return -LINUX_EAFNOSUPPORT;
    if (type & ~(uint64_t)(SOCK_TYPE_MASK | SOCK_FLAGS))
        return -LINUX_EINVAL;
    uint64_t kind = type & SOCK_TYPE_MASK;
    if (kind != SOCK_STREAM && kind != SOCK_DGRAM && kind != SOCK_SEQPACKET)
        return -LINUX_EINVAL;
    if (protocol != 0 && protocol != SOCK_AF_UNIX)
        return -SOCK_EPROTONOSUPPORT;
    int32_t fds[2];
    struct files_call c = { .op = FILES_OP_SOCKETPAIR, .arg = type & SOCK_FLAGS, .arg2 = kind };
    size_t n;
    long rc = (long)files_call(&c, fds, &n);
    if (rc < 0)
        return rc;
    if (copy_to_user(usv, fds, sizeof fds) != 0) {
        for (int i = 0; i < 2; i++) {
            struct files_call close = { .op = FILES_OP_CLOSE, .fd = fds[i] };
            files_call(&close, NULL, &n);
        }
        return -LINUX_EFAULT;
    }
    return 0;
}

/* FILES_CALL_* for a send's or receive's flags; -EOPNOTSUPP for out-of-band data. */
static long sock_call_flags(uint64_t flags, uint32_t *call_flags)
{
    if (flags & SOCK_MSG_OOB)
        return -LINUX_EOPNOTSUPP;
    *call_flags = ((flags & SOCK_MSG_DONTWAIT) ? FILES_CALL_NONBLOCK : 0) | ((flags & SOCK_MSG_PEEK) ? FILES_CALL_PEEK : 0);
    return 0;
}

/* One buffer's send; bytes sent or a negative errno. */
static long sock_send(uint64_t fd, uint64_t ubuf, uint64_t len, uint64_t flags)
{
    uint32_t call_flags;
    long bad = sock_call_flags(flags & ~(uint64_t)SOCK_MSG_PEEK, &call_flags);
    if (bad)
        return bad;
    if (fd >= FILES_MAX_FDS)
        return -LINUX_EBADF;
    return files_write_from(FILES_OP_SEND, (int)fd, ubuf, len > FILES_RW_MAX ? FILES_RW_MAX : len, 0,
                            call_flags | FILES_CALL_DGRAM_WHOLE, !(flags & SOCK_MSG_NOSIGNAL));
}

/* One buffer's receive (have_bytes: earlier buffers of the call got some, so nothing waits
 * unless MSG_WAITALL); bytes received or a negative errno. */
static long sock_recv(uint64_t fd, uint64_t ubuf, uint64_t len, uint64_t flags, bool have_bytes)
{
    uint32_t call_flags;
    long bad = sock_call_flags(flags, &call_flags);
    if (bad)
        return bad;
    if (fd >= FILES_MAX_FDS)
        return -LINUX_EBADF;
    if (len > FILES_RW_MAX)
        len = FILES_RW_MAX;
    /* MSG_WAITALL gathers a stream's bytes; a message socket's receive is one message. */
    bool wait_all = (flags & SOCK_MSG_WAITALL) && !(flags & (SOCK_MSG_PEEK | SOCK_MSG_DONTWAIT)) &&
                    sock_type(fd) == SOCK_STREAM;
    uint64_t done = 0;
    do {
        long n = files_read_into(FILES_OP_RECV, fd, ubuf + done, len - done, 0, have_bytes && !wait_all, call_flags);
        if (n <= 0)
            return done ? (long)done : n;
        done += (uint64_t)n;
    } while (wait_all && done < len);
    return (long)done;
}

/* A send to an address: EISCONN on a connected socket, EOPNOTSUPP on one that is not (a
 * named datagram socket would take it: not done), as unix_stream_sendmsg answers. */
static long sock_send_to_address(uint64_t fd)
{
    long rc = sock_check(fd);
    if (rc)
        return rc;
    struct files_sock_addr peer;
    struct files_call c = { .op = FILES_OP_SOCKNAME, .fd = (int32_t)fd, .arg = 1 };
    size_t n;
    rc = (long)files_call(&c, &peer, &n);
    return rc == -LINUX_ENOTCONN ? -LINUX_EOPNOTSUPP : -LINUX_EISCONN;
}

long sys_sendto(uint64_t fd, uint64_t ubuf, uint64_t len, uint64_t flags, uint64_t uaddr, uint64_t addrlen)
{
    uint32_t call_flags;
    long bad = sock_call_flags(flags & ~(uint64_t)SOCK_MSG_PEEK, &call_flags);
    if (bad)
        return bad;
    if (uaddr && addrlen) /* a datagram's destination; any other socket refuses one */
        return udp_sendto(fd, ubuf, len, uaddr, addrlen);
    return sock_send(fd, ubuf, len, flags);
}

/* recv and recvfrom: one FILES_OP_RECVFROM, then for a stream what more is there (or, with
 * MSG_WAITALL, comes). A datagram's sender is its sockaddr_in; the sender of a socketpair's
 * or an AF_UNIX connection's bytes is unnamed: Linux reports an address of length 0. */
long sys_recvfrom(uint64_t fd, uint64_t ubuf, uint64_t len, uint64_t flags, uint64_t uaddr, uint64_t ulen)
{
    uint32_t call_flags;
    long n = sock_call_flags(flags, &call_flags);
    if (n)
        return n;
    if (len > FILES_RW_MAX)
        len = FILES_RW_MAX;
    if (!user_range_ok(ubuf, len)) { /* the descriptor's own errors first, as files_read_into */
        n = sock_check(fd);
        return n ? n : -LINUX_EFAULT;
    }
    struct files_recv_head head;
    uint8_t *bytes;
    n = udp_receive(fd, len, call_flags, &head, &bytes);
    if (n > 0 && copy_to_user(ubuf, bytes, (size_t)n) != 0)
        n = -LINUX_EFAULT;
    kfree(bytes);
    if (n < 0)
        return n;
    if (head.kind == FILES_RECV_DGRAM) {
        struct files_sock_addr from = { .inet = 1, .len = FILES_SOCK_INET_LEN };
        memcpy(from.name, head.from, sizeof head.from);
        long bad = sock_address_out(uaddr, ulen, &from);
        return bad ? bad : (flags & LINUX_MSG_TRUNC) ? (long)head.len : n;
    }
    bool first_full = (uint64_t)n == (len < FILES_XFER_MAX - sizeof head ? len : FILES_XFER_MAX - sizeof head);
    if (head.kind == FILES_RECV_STREAM && n > 0 && (uint64_t)n < len && !(flags & SOCK_MSG_PEEK) &&
        (first_full || (flags & SOCK_MSG_WAITALL))) {
        long more = sock_recv(fd, ubuf + (uint64_t)n, len - (uint64_t)n, flags, true);
        n += more > 0 ? more : 0;
    }
    int32_t none = 0;
    if (uaddr && ulen && copy_to_user(ulen, &none, sizeof none) != 0)
        return -LINUX_EFAULT;
    return n;
}

/* recvmsg's other answers: no ancillary data, no flags, and an unnamed sender (address
 * length 0); then total, or -EFAULT. */
static long sock_msg_received(uint64_t umsg, long total)
{
    uint64_t zero = 0;
    int32_t no_flags = 0;
    uint32_t namelen = 0;
    if (copy_to_user(umsg + offsetof(struct linux_msghdr, controllen), &zero, sizeof zero) != 0 ||
        copy_to_user(umsg + offsetof(struct linux_msghdr, flags), &no_flags, sizeof no_flags) != 0 ||
        copy_to_user(umsg + offsetof(struct linux_msghdr, namelen), &namelen, sizeof namelen) != 0)
        return -LINUX_EFAULT;
    return total;
}

/* sendmsg/recvmsg of a message socket: the iovecs gathered into one message, or one message
 * scattered over them (a message is at most FILES_SOCKET_MSG_MAX bytes). */
static long sock_msg_message(uint64_t fd, uint64_t umsg, const struct linux_msghdr *m, uint64_t flags, bool send)
{
    uint32_t call_flags;
    long bad = sock_call_flags(send ? flags & ~(uint64_t)SOCK_MSG_PEEK : flags, &call_flags);
    if (bad)
        return bad;
    uint8_t *buf = kmalloc(FILES_XFER_MAX);
    if (!buf)
        return -LINUX_ENOMEM;
    long result = 0;
    size_t len = 0;
    struct linux_iovec iov;
    for (uint64_t i = 0; send && i < m->iovlen && result == 0; i++) {
        if (copy_from_user(&iov, m->iov + i * sizeof iov, sizeof iov) != 0)
            result = -LINUX_EFAULT;
        else if (iov.iov_len > FILES_SOCKET_MSG_MAX - len)
            result = -LINUX_EMSGSIZE;
        else if (copy_from_user(buf + len, iov.iov_base, iov.iov_len) != 0)
            result = -LINUX_EFAULT;
        else
            len += iov.iov_len;
    }
    if (result == 0) {
        struct files_call c = { .op = send ? FILES_OP_SEND : FILES_OP_RECV, .fd = (int32_t)fd, .flags = call_flags,
                                .len = send ? (uint32_t)len : FILES_XFER_MAX, .in = send ? buf : NULL };
        size_t got = 0;
        result = (long)files_call(&c, buf, &got);
        if (result == -LINUX_EPIPE && send && !(flags & SOCK_MSG_NOSIGNAL))
            signal_make_pending(thread_current(), LINUX_SIGPIPE, true);
        size_t placed = 0; /* a message longer than the buffers loses the rest, as on Linux */
        for (uint64_t i = 0; !send && result >= 0 && i < m->iovlen && placed < got; i++) {
            if (copy_from_user(&iov, m->iov + i * sizeof iov, sizeof iov) != 0) {
                result = -LINUX_EFAULT;
                break;
            }
            size_t n = iov.iov_len < got - placed ? (size_t)iov.iov_len : got - placed;
            if (copy_to_user(iov.iov_base, buf + placed, n) != 0)
                result = -LINUX_EFAULT;
            placed += n;
        }
        if (!send && result >= 0)
            result = (long)placed;
    }
    kfree(buf);
    return !send && result >= 0 ? sock_msg_received(umsg, result) : result;
}

/* One iovec of a stream socket's sendmsg or recvmsg (io_each_iovec). */
struct sock_iovec_call {
    uint64_t fd, flags;
};

static long sock_iovec_send(void *ctx, uint64_t base, uint64_t len, bool have_bytes)
{
    (void)have_bytes;
    const struct sock_iovec_call *call = ctx;
    return sock_send(call->fd, base, len, call->flags);
}

static long sock_iovec_recv(void *ctx, uint64_t base, uint64_t len, bool have_bytes)
{
    const struct sock_iovec_call *call = ctx;
    return sock_recv(call->fd, base, len, call->flags, have_bytes);
}

/* sendmsg/recvmsg: the iovecs in turn, as readv/writev; stops at the first short one. */
static long sock_msg(uint64_t fd, uint64_t umsg, uint64_t flags, bool send)
{
    struct linux_msghdr m;
    if (copy_from_user(&m, umsg, sizeof m) != 0)
        return -LINUX_EFAULT;
    if (m.iovlen > SOCK_IOV_MAX)
        return -LINUX_EMSGSIZE;
    if (send && m.controllen)
        return -LINUX_EOPNOTSUPP; /* ancillary data (descriptors, credentials): not done */
    long state = sock_type_and_state(fd);
    if (state < 0)
        return state;
    long type = state & ~(long)(FILES_SOCKET_LISTENING | FILES_SOCKET_INET);
    if ((state & FILES_SOCKET_INET) && type == SOCK_DGRAM) {
        uint32_t call_flags;
        long bad = sock_call_flags(send ? flags & ~(uint64_t)SOCK_MSG_PEEK : flags, &call_flags);
        return bad ? bad : send ? udp_sendmsg(fd, &m) : udp_recvmsg(fd, umsg, &m, flags, call_flags);
    }
    if (send && m.name && m.namelen)
        return sock_send_to_address(fd);
    if (type != SOCK_STREAM)
        return sock_msg_message(fd, umsg, &m, flags, send);
    struct sock_iovec_call call = { .fd = fd, .flags = flags };
    long total = io_each_iovec(m.iov, m.iovlen, send ? sock_iovec_send : sock_iovec_recv, &call);
    if (total < 0)
        return total;
    if (!send)
        return sock_msg_received(umsg, total);
    return total;
}

long sys_sendmsg(uint64_t fd, uint64_t umsg, uint64_t flags, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    return sock_msg(fd, umsg, flags, true);
}

long sys_recvmsg(uint64_t fd, uint64_t umsg, uint64_t flags, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    return sock_msg(fd, umsg, flags, false);
}

long sys_shutdown(uint64_t fd, uint64_t how, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a2, (void)a3, (void)a4, (void)a5;
    if (fd >= FILES_MAX_FDS)
        return -LINUX_EBADF;
    struct files_call c = { .op = FILES_OP_SHUTDOWN, .fd = (int32_t)fd, .arg = (uint32_t)how };
    size_t n;
    return (long)files_call(&c, NULL, &n);
}

long sys_getsockopt(uint64_t fd, uint64_t level, uint64_t name, uint64_t uval, uint64_t ulen, uint64_t a5)
{
    (void)a5;
    long state = sock_type_and_state(fd);
    if (state < 0)
        return state;
    long type = state & ~(long)(FILES_SOCKET_LISTENING | FILES_SOCKET_INET);
    bool udp = (state & FILES_SOCKET_INET) && type == SOCK_DGRAM;
    if (level != SOCK_SOL_SOCKET)
        return -LINUX_ENOPROTOOPT;
    int32_t value;
    switch (name) {
    case SOCK_SO_TYPE:
        value = (int32_t)type;
        break;
    case SOCK_SO_ACCEPTCONN:
        value = (state & FILES_SOCKET_LISTENING) != 0;
        break;
    case SOCK_SO_ERROR: { /* only a UDP socket has errors pending (kernel/files_udp.c) */
        struct files_call c = { .op = FILES_OP_SOCKET_ERROR, .fd = (int32_t)fd };
        size_t n;
        long e = udp ? (long)files_call(&c, NULL, &n) : 0;
        if (e < 0)
            return e;
        value = (int32_t)e;
        break;
    }
    case SOCK_SO_PROTOCOL:
        value = udp ? SOCK_IPPROTO_UDP : (state & FILES_SOCKET_INET) ? SOCK_IPPROTO_TCP : 0;
        break;
    case SOCK_SO_DOMAIN:
        value = (state & FILES_SOCKET_INET) ? SOCK_AF_INET : SOCK_AF_UNIX;
        break;
    case SOCK_SO_SNDBUF:
    case SOCK_SO_RCVBUF:
        value = udp ? SOCK_UDP_BUFFER_BYTES : SOCK_BUFFER_BYTES;
        break;
    default:
        return -LINUX_ENOPROTOOPT;
    }
    int32_t room;
    if (copy_from_user(&room, ulen, sizeof room) != 0)
        return -LINUX_EFAULT;
    if (room < 0)
        return -LINUX_EINVAL;
    int32_t len = room < (int32_t)sizeof value ? room : (int32_t)sizeof value;
    if (copy_to_user(uval, &value, (size_t)len) != 0 || copy_to_user(ulen, &len, sizeof len) != 0)
        return -LINUX_EFAULT;
    return 0;
}

/* The buffer sizes are taken and kept as they are (each direction is one fixed ring, a UDP
 * socket's queue one fixed size). */
long sys_setsockopt(uint64_t fd, uint64_t level, uint64_t name, uint64_t uval, uint64_t len, uint64_t a5)
{
    (void)uval, (void)a5;
    long state = sock_type_and_state(fd);
    if (state < 0)
        return state;
    bool tcp = level == SOCK_IPPROTO_TCP && (state & FILES_SOCKET_INET) &&
               (state & SOCK_TYPE_MASK) == SOCK_STREAM;
    if (!tcp && (level != SOCK_SOL_SOCKET || (name != SOCK_SO_SNDBUF && name != SOCK_SO_RCVBUF &&
                                              name != SOCK_SO_REUSEADDR && name != SOCK_SO_KEEPALIVE &&
                                              name != SOCK_SO_REUSEPORT && name != SOCK_SO_BROADCAST)))
        return -LINUX_ENOPROTOOPT;
    return (uint32_t)len < sizeof(int32_t) ? -LINUX_EINVAL : 0;
}

/* getsockname (peer false) or getpeername (peer true) of fd. */
static long sock_name(uint64_t fd, uint64_t uaddr, uint64_t ulen, bool peer)
{
    long rc = sock_check(fd);
    if (rc)
        return rc;
    struct files_sock_addr a;
    struct files_call c = { .op = FILES_OP_SOCKNAME, .fd = (int32_t)fd, .arg = peer };
    size_t n;
    rc = (long)files_call(&c, &a, &n);
    if (rc == 0 && n != sizeof a)
        rc = -LINUX_EIO;
    return rc ? rc : sock_address_out(uaddr, ulen, &a);
}

long sys_getsockname(uint64_t fd, uint64_t uaddr, uint64_t ulen, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    return sock_name(fd, uaddr, ulen, false);
}

long sys_getpeername(uint64_t fd, uint64_t uaddr, uint64_t ulen, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    return sock_name(fd, uaddr, ulen, true);
}

long sys_socket(uint64_t domain, uint64_t type, uint64_t protocol, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    if (domain != SOCK_AF_UNIX && domain != SOCK_AF_INET)
        return -LINUX_EAFNOSUPPORT; /* no network for the program, IPv6 not even on loopback */
    if (type & ~(uint64_t)(SOCK_TYPE_MASK | SOCK_FLAGS))
        return -LINUX_EINVAL;
    uint64_t kind = type & SOCK_TYPE_MASK;
    if (kind != SOCK_STREAM && kind != SOCK_DGRAM && kind != SOCK_SEQPACKET)
        return -LINUX_EINVAL;
    bool inet = domain == SOCK_AF_INET;
    uint64_t inet_protocol = kind == SOCK_DGRAM ? SOCK_IPPROTO_UDP : SOCK_IPPROTO_TCP;
    if (protocol != 0 && protocol != (inet ? inet_protocol : SOCK_AF_UNIX))
        return -SOCK_EPROTONOSUPPORT;
    if ((!inet && kind == SOCK_DGRAM) || (inet && kind == SOCK_SEQPACKET))
        return -SOCK_EPROTONOSUPPORT; /* named AF_UNIX datagram sockets: not done (socketpair has them) */
    struct files_call c = { .op = FILES_OP_SOCKET, .arg = type & SOCK_FLAGS, .arg2 = kind | (inet ? FILES_SOCKET_INET : 0) };
    size_t n;
    return (long)files_call(&c, NULL, &n);
}

/* A sockaddr_un from the user (unix_validate_addr): into *call, a path op (bind's or
 * connect's, on socket fd) or the abstract op on fd. 0, -EINVAL, -EFAULT. */
static long sock_address_in(uint64_t fd, uint64_t uaddr, uint64_t addrlen, uint32_t path_op, uint32_t abstract_op,
                            struct files_call *call, uint8_t name[FILES_SOCK_NAME_MAX])
{
    uint8_t raw[SOCK_ADDR_UN_MAX];
    if (addrlen < SOCK_UNNAMED_LEN || addrlen > sizeof raw)
        return -LINUX_EINVAL;
    if (copy_from_user(raw, uaddr, addrlen) != 0)
        return -LINUX_EFAULT;
    if ((raw[0] | raw[1] << 8) != SOCK_AF_UNIX)
        return -LINUX_EINVAL;
    if (addrlen == SOCK_UNNAMED_LEN) { /* the family alone: bind autobinds, connect has no one to reach */
        if (abstract_op != FILES_OP_BIND_ABSTRACT)
            return -LINUX_EINVAL;
        *call = (struct files_call){ .op = abstract_op, .fd = (int32_t)fd, .arg = FILES_SOCK_AUTOBIND };
        return 0;
    }
    const uint8_t *path = raw + SOCK_UNNAMED_LEN;
    size_t len = addrlen - SOCK_UNNAMED_LEN;
    if (path[0] == 0) { /* abstract: every byte after the NUL is the name */
        memcpy(name, path + 1, len - 1);
        *call = (struct files_call){ .op = abstract_op, .fd = (int32_t)fd, .arg = FILES_SOCK_ABSTRACT,
                                     .len = (uint32_t)(len - 1), .in = name };
        return 0;
    }
    len = strnlen((const char *)path, len);
    *call = (struct files_call){ .op = path_op, .fd = (int32_t)FILES_CWD, .arg = fd, .path_len = (uint32_t)len };
    memcpy(call->path, path, len);
    call->path[len] = '\0';
    return 0;
}

long sock_inet_name(const uint8_t raw[SOCK_ADDR_IN_LEN], bool unspec_ok, bool this_host, long no_route,
                    uint8_t name[FILES_SOCK_INET_LEN])
{
    uint16_t family = (uint16_t)(raw[0] | raw[1] << 8);
    bool any = raw[4] == 0 && raw[5] == 0 && raw[6] == 0 && raw[7] == 0; /* INADDR_ANY */
    if (family != SOCK_AF_INET && !(unspec_ok && family == SOCK_AF_UNSPEC))
        return -LINUX_EAFNOSUPPORT;
    if (!any && raw[4] != SOCK_INADDR_LOOPBACK_NET)
        return no_route;
    memcpy(name, raw + 4, 4); /* the address, then the port: both in network order */
    memcpy(name + 4, raw + 2, 2);
    if (this_host && any)
        name[0] = SOCK_INADDR_LOOPBACK_NET, name[3] = 1; /* 0.0.0.0 is this host: 127.0.0.1 */
    return 0;
}

/* A sockaddr_in from the user (inet_bind's, tcp_v4_connect's and inet_dgram_connect's
 * checks) as the op's call on AF_INET socket fd (udp: SOCK_DGRAM, whose connect to AF_UNSPEC
 * dissolves its peer). 0, -EINVAL, -EFAULT, -EAFNOSUPPORT, -EADDRNOTAVAIL (bind) or
 * -ENETUNREACH (connect). */
static long sock_inet_address_in(uint64_t fd, uint64_t uaddr, uint64_t addrlen, uint32_t op, bool udp,
                                 struct files_call *call, uint8_t name[FILES_SOCK_NAME_MAX])
{
    uint8_t raw[SOCK_ADDR_IN_LEN] = { 0 };
    bool bind = op == FILES_OP_BIND_ABSTRACT;
    if (udp && !bind && addrlen >= sizeof(uint16_t)) {
        if (copy_from_user(raw, uaddr, sizeof(uint16_t)) != 0)
            return -LINUX_EFAULT;
        if ((raw[0] | raw[1] << 8) == SOCK_AF_UNSPEC) {
            *call = (struct files_call){ .op = op, .fd = (int32_t)fd, .arg = FILES_SOCK_INET_UNSPEC };
            return 0;
        }
    }
    if (addrlen < sizeof raw)
        return -LINUX_EINVAL;
    if (copy_from_user(raw, uaddr, sizeof raw) != 0)
        return -LINUX_EFAULT;
    bool any = raw[4] == 0 && raw[5] == 0 && raw[6] == 0 && raw[7] == 0;
    long bad = sock_inet_name(raw, bind && any, !bind, bind ? -LINUX_EADDRNOTAVAIL : -LINUX_ENETUNREACH, name);
    if (bad)
        return bad;
    *call = (struct files_call){ .op = op, .fd = (int32_t)fd, .arg = FILES_SOCK_INET_NAME, .len = FILES_SOCK_INET_LEN,
                                 .in = name };
    return 0;
}

/* bind or connect of fd to the address at uaddr. */
static long sock_bind_or_connect(uint64_t fd, uint64_t uaddr, uint64_t addrlen, bool bind)
{
    long type = sock_type_and_state(fd);
    if (type < 0)
        return type;
    struct files_call *c = kzalloc(sizeof *c);
    uint8_t name[FILES_SOCK_NAME_MAX];
    if (!c)
        return -LINUX_ENOMEM;
    long rc;
    if (type & FILES_SOCKET_INET)
        rc = sock_inet_address_in(fd, uaddr, addrlen, bind ? FILES_OP_BIND_ABSTRACT : FILES_OP_CONNECT_ABSTRACT,
                                  (type & SOCK_TYPE_MASK) == SOCK_DGRAM, c, name);
    else
        rc = sock_address_in(fd, uaddr, addrlen, bind ? FILES_OP_BIND : FILES_OP_CONNECT,
                             bind ? FILES_OP_BIND_ABSTRACT : FILES_OP_CONNECT_ABSTRACT, c, name);
    size_t n;
    if (rc == 0)
        rc = (long)files_call(c, NULL, &n);
    kfree(c);
    return rc;
}

long sys_bind(uint64_t fd, uint64_t uaddr, uint64_t addrlen, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    return sock_bind_or_connect(fd, uaddr, addrlen, true);
}

long sys_connect(uint64_t fd, uint64_t uaddr, uint64_t addrlen, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    return sock_bind_or_connect(fd, uaddr, addrlen, false);
}

long sys_listen(uint64_t fd, uint64_t backlog, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a2, (void)a3, (void)a4, (void)a5;
    long rc = sock_check(fd);
    if (rc)
        return rc;
    struct files_call c = { .op = FILES_OP_LISTEN, .fd = (int32_t)fd, .arg = (uint32_t)backlog };
    size_t n;
    return (long)files_call(&c, NULL, &n);
}

long sys_accept4(uint64_t fd, uint64_t uaddr, uint64_t ulen, uint64_t flags, uint64_t a4, uint64_t a5)
{
    (void)a4, (void)a5;
    long rc = sock_check(fd);
    if (rc)
        return rc;
    if (flags & ~(uint64_t)SOCK_FLAGS)
        return -LINUX_EINVAL;
    struct files_sock_addr peer;
    struct files_call c = { .op = FILES_OP_ACCEPT, .fd = (int32_t)fd, .arg = flags };
    size_t n;
    long newfd = (long)files_call(&c, &peer, &n);
    if (newfd < 0)
        return newfd;
    rc = sock_address_out(uaddr, ulen, n == sizeof peer ? &peer : &sock_unnamed);
    if (rc) { /* Linux too reports the fault with the connection taken */
        struct files_call close = { .op = FILES_OP_CLOSE, .fd = (int32_t)newfd };
        files_call(&close, NULL, &n);
        return rc;
    }
    return newfd;
}

long sys_accept(uint64_t fd, uint64_t uaddr, uint64_t ulen, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    return sys_accept4(fd, uaddr, ulen, 0, 0, 0);
}
