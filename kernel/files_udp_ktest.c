/* SPDX-License-Identifier: MIT */
/* In-kernel tests of kernel/files_udp.c on the boot table: what the cluster test cannot
 * count against a native run (how many datagrams a full queue holds), a waiting receive
 * finished by a send, a long datagram in pieces through the stage and a short one after it,
 * and the pending ECONNREFUSED of a connected sender. Closes what it opens. */
#include "kernel/files.h"
#include "kernel/files_stage.h"
#include "kernel/ktest.h"
#include "kernel/libc.h"
#include "kernel/linux_abi.h"
#include "kernel/mm.h"

#define UDP_KTEST_SOCK_DGRAM 2
#define UDP_KTEST_TID 77           /* the stage these calls use (no thread of that id runs) */
#define UDP_KTEST_RCVBUF 212992    /* kernel/files_udp.c's FILES_UDP_RCVBUF */
#define UDP_KTEST_BOOKKEEPING 64   /* a queued datagram's bookkeeping is at most this */

static int64_t udp_ktest_call(struct files_call *c, void *data)
{
    size_t n;
    return files_execute(c, data, &n);
}

/* A new UDP socket bound to 127.0.0.1:port (0: unbound), or -1. */
static int udp_ktest_socket(uint16_t port)
{
    struct files_call c = { .op = FILES_OP_SOCKET, .arg = LINUX_O_NONBLOCK,
                            .arg2 = UDP_KTEST_SOCK_DGRAM | FILES_SOCKET_INET };
    int fd = (int)udp_ktest_call(&c, NULL);
    uint8_t name[FILES_SOCK_INET_LEN] = { 127, 0, 0, 1, (uint8_t)(port >> 8), (uint8_t)port };
    struct files_call b = { .op = FILES_OP_BIND_ABSTRACT, .fd = fd, .arg = FILES_SOCK_INET_NAME,
                            .len = FILES_SOCK_INET_LEN, .in = name };
    if (fd >= 0 && port && udp_ktest_call(&b, NULL) != 0)
        return -1;
    return fd;
}

static void udp_ktest_close(int fd)
{
    struct files_call c = { .op = FILES_OP_CLOSE, .fd = fd };
    udp_ktest_call(&c, NULL);
}

/* FILES_OP_SENDTO of len bytes at bytes from fd to 127.0.0.1:port, in pieces of at most
 * FILES_XFER_MAX bytes (msg: room for the head and the bytes). */
static int64_t udp_ktest_sendto(int fd, uint16_t port, const uint8_t *bytes, uint32_t len, uint8_t *msg)
{
    struct files_sendto_head h = { .len = len, .has_to = 1,
                                   .to = { 127, 0, 0, 1, (uint8_t)(port >> 8), (uint8_t)port } };
    memcpy(msg, &h, sizeof h);
    memcpy(msg + sizeof h, bytes, len);
    uint64_t total = sizeof h + len, offset = 0;
    int64_t r;
    do {
        uint32_t piece = total - offset < FILES_XFER_MAX ? (uint32_t)(total - offset) : FILES_XFER_MAX;
        struct files_call c = { .op = FILES_OP_SENDTO, .fd = fd,
                                .arg = (uint64_t)UDP_KTEST_TID << FILES_STAGE_TID_SHIFT,
                                .arg2 = offset << FILES_STAGE_OFFSET_SHIFT | total, .len = piece, .in = msg + offset,
                                .flags = offset + piece < total ? FILES_CALL_MORE : 0 };
        r = udp_ktest_call(&c, NULL);
        offset += piece;
    } while (r >= 0 && offset < total);
    return r;
}

static struct files_call udp_ktest_recvfrom_call(int fd, uint32_t room)
{
    return (struct files_call){ .op = FILES_OP_RECVFROM, .fd = fd,
                                .arg = (uint64_t)UDP_KTEST_TID << FILES_STAGE_TID_SHIFT | room, .len = FILES_XFER_MAX };
}

/* A receiver that reads nothing keeps FILES_UDP_RCVBUF bytes of datagrams and drops the
 * rest; every send succeeds all the same. */
KTEST(files_udp_full_queue_drops_and_senders_never_wait)
{
    uint8_t *msg = kzalloc(2 * FILES_XFER_MAX), *buf = kzalloc(FILES_XFER_MAX);
    int r = udp_ktest_socket(29001), s = udp_ktest_socket(0);
    if (!KT_EXPECT(msg && buf) || !KT_EXPECT(r >= 0 && s >= 0))
        goto out;
    int sent = 0;
    for (int i = 0; i < 400; i++)
        sent += udp_ktest_sendto(s, 29001, buf, 1000, msg) == 1000;
    KT_EXPECT_EQ(sent, 400);
    int kept = 0;
    struct files_call c = udp_ktest_recvfrom_call(r, 1000);
    int64_t n;
    while ((n = udp_ktest_call(&c, buf)) == 1000)
        kept++;
    KT_EXPECT_EQ(n, -LINUX_EAGAIN);
    KT_EXPECT(kept >= UDP_KTEST_RCVBUF / (1000 + UDP_KTEST_BOOKKEEPING) && kept <= UDP_KTEST_RCVBUF / 1000 + 1);
out:
    udp_ktest_close(r);
    udp_ktest_close(s);
    kfree(msg);
    kfree(buf);
}

static void udp_ktest_done(struct files_waiter *w, int64_t result)
{
    *(int64_t *)w->ctx = result;
}

/* A waiting receive finishes at a send; a long datagram crosses in pieces and its answer
 * leaves the rest in the stage; a short one after it uses the stage again. */
KTEST(files_udp_waiting_receive_and_long_datagrams)
{
    uint8_t *msg = kzalloc(20000 + 64), *bytes = kzalloc(20000), *rest = kzalloc(FILES_XFER_MAX);
    int r = udp_ktest_socket(29002), s = udp_ktest_socket(29003);
    if (!KT_EXPECT(msg && bytes && rest) || !KT_EXPECT(r >= 0 && s >= 0))
        goto out;
    struct files_call c = udp_ktest_recvfrom_call(r, 20000);
    KT_EXPECT_EQ(udp_ktest_call(&c, rest), -LINUX_EAGAIN); /* O_NONBLOCK */
    struct files_call fl = { .op = FILES_OP_FCNTL, .fd = r, .arg = LINUX_F_SETFL };
    udp_ktest_call(&fl, NULL);
    KT_EXPECT_EQ(udp_ktest_call(&c, rest), FILES_WOULD_BLOCK);
    struct files_waiter *w = files_waiter_new(&c);
    int64_t result = FILES_WOULD_BLOCK;
    if (!KT_EXPECT(w))
        goto out;
    w->done = udp_ktest_done;
    w->ctx = &result;
    files_wait(w);
    for (uint32_t i = 0; i < 20000; i++)
        bytes[i] = (uint8_t)(i * 7);
    KT_EXPECT_EQ(udp_ktest_sendto(s, 29002, bytes, 20000, msg), 20000); /* files_execute runs the waiter */
    KT_EXPECT_EQ(result, 20000);
    struct files_recv_head head;
    memcpy(&head, w->bytes, sizeof head);
    KT_EXPECT_EQ(head.kind, FILES_RECV_DGRAM);
    KT_EXPECT_EQ(head.len, 20000);
    KT_EXPECT_EQ(head.from[5] | head.from[4] << 8, 29003);
    KT_EXPECT_EQ(w->data_len, FILES_XFER_MAX);
    KT_EXPECT(memcmp(w->bytes + sizeof head, bytes, FILES_XFER_MAX - sizeof head) == 0);
    kfree(w);
    uint32_t got = FILES_XFER_MAX - sizeof head, bad = 0;
    while (got < 20000) {
        struct files_call more = { .op = FILES_OP_RECEIVE_REST, .arg = UDP_KTEST_TID,
                                   .arg2 = got - (FILES_XFER_MAX - sizeof head), .len = FILES_XFER_MAX };
        int64_t n = udp_ktest_call(&more, rest);
        if (!KT_EXPECT(n > 0))
            break;
        bad += memcmp(rest, bytes + got, (size_t)n) != 0;
        got += (uint32_t)n;
    }
    KT_EXPECT_EQ(got, 20000);
    KT_EXPECT_EQ(bad, 0);
    KT_EXPECT_EQ(udp_ktest_sendto(s, 29002, bytes, 10, msg), 10);
    struct files_call small = udp_ktest_recvfrom_call(r, 4);
    KT_EXPECT_EQ(udp_ktest_call(&small, rest), 4); /* cut to the room; the length tells */
    memcpy(&head, rest, sizeof head);
    KT_EXPECT_EQ(head.len, 10);
out:
    udp_ktest_close(r);
    udp_ktest_close(s);
    kfree(msg);
    kfree(bytes);
    kfree(rest);
}

/* A connected sender's datagram that no socket takes leaves ECONNREFUSED pending, told once;
 * an unconnected sender hears nothing. */
KTEST(files_udp_connected_sender_hears_of_an_unbound_port)
{
    int k = udp_ktest_socket(0);
    uint8_t nobody[FILES_SOCK_INET_LEN] = { 127, 0, 0, 1, 29004 >> 8, 29004 & 0xff };
    struct files_call conn = { .op = FILES_OP_CONNECT_ABSTRACT, .fd = k, .arg = FILES_SOCK_INET_NAME,
                               .len = FILES_SOCK_INET_LEN, .in = nobody };
    struct files_call send = { .op = FILES_OP_SEND, .fd = k, .len = 1, .in = (const uint8_t *)"x" };
    struct files_call error = { .op = FILES_OP_SOCKET_ERROR, .fd = k };
    uint8_t msg[64];
    KT_EXPECT_EQ(udp_ktest_sendto(k, 29004, (const uint8_t *)"x", 1, msg), 1);
    KT_EXPECT_EQ(udp_ktest_call(&error, NULL), 0);
    KT_EXPECT_EQ(udp_ktest_call(&conn, NULL), 0);
    KT_EXPECT_EQ(udp_ktest_call(&send, NULL), 1);
    KT_EXPECT_EQ(udp_ktest_call(&error, NULL), LINUX_ECONNREFUSED);
    KT_EXPECT_EQ(udp_ktest_call(&error, NULL), 0);
    KT_EXPECT_EQ(udp_ktest_call(&send, NULL), 1);
    KT_EXPECT_EQ(udp_ktest_call(&send, NULL), -LINUX_ECONNREFUSED);
    udp_ktest_close(k);
}
