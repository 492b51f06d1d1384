# SPDX-License-Identifier: MIT
"""sendmmsg(2) and recvmmsg(2) (kernel/sys_mmsg.c; ENOSYS before): a thread that clone()
puts on another node sends three UDP datagrams over loopback with one sendmmsg, and main
takes them with one recvmmsg (MSG_WAITFORONE, room for four): the count, each msg_len and
the bytes. Also an empty vector, a receive that finds nothing (MSG_DONTWAIT: EAGAIN), a
timeout read back, and sendmmsg on a descriptor that is no socket. Against the native run on
1, 2 and 4 nodes."""
from dsmkpy.testing import check_source_matches_native

SOURCE = r"""
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PORT 47911
#define SENT 3

static struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = 0 };

static void *sender(void *arg)
{
    (void)arg;
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    static char a[] = "first", b[] = "the second one", c[] = "3";
    struct iovec iov[SENT] = { { a, sizeof a - 1 }, { b, sizeof b - 1 }, { c, sizeof c - 1 } };
    struct mmsghdr v[SENT];
    memset(v, 0, sizeof v);
    for (int i = 0; i < SENT; i++) {
        v[i].msg_hdr.msg_iov = &iov[i];
        v[i].msg_hdr.msg_iovlen = 1;
        v[i].msg_hdr.msg_name = &to;
        v[i].msg_hdr.msg_namelen = sizeof to;
    }
    int n = sendmmsg(s, v, SENT, 0);
    printf("sendmmsg: %d sent, lengths %u %u %u\n", n, v[0].msg_len, v[1].msg_len, v[2].msg_len);
    printf("sendmmsg of none: %d\n", sendmmsg(s, v, 0, 0));
    errno = 0;
    int bad = sendmmsg(1, v, 1, 0);
    printf("sendmmsg on stdout: %d %s\n", bad, strerror(errno));
    close(s);
    return 0;
}

int main(void)
{
    setvbuf(stdout, 0, _IONBF, 0);
    int r = socket(AF_INET, SOCK_DGRAM, 0);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    to.sin_port = htons(PORT);
    if (bind(r, (struct sockaddr *)&to, sizeof to) != 0) {
        perror("bind");
        return 1;
    }
    struct mmsghdr v[4];
    char bufs[4][32];
    struct iovec iov[4];
    memset(v, 0, sizeof v);
    for (int i = 0; i < 4; i++) {
        iov[i] = (struct iovec){ bufs[i], sizeof bufs[i] };
        v[i].msg_hdr.msg_iov = &iov[i];
        v[i].msg_hdr.msg_iovlen = 1;
    }
    errno = 0;
    int none = recvmmsg(r, v, 4, MSG_DONTWAIT, 0);
    printf("recvmmsg on nothing: %d %s\n", none, strerror(errno));
    pthread_t t;
    pthread_create(&t, 0, sender, 0);
    pthread_join(t, 0);
    int got = 0;
    while (got < SENT) { /* MSG_WAITFORONE: the first waits, the rest take what has come */
        int n = recvmmsg(r, v + got, 4 - got, MSG_WAITFORONE, 0);
        if (n <= 0)
            break;
        got += n;
    }
    printf("recvmmsg: %d received:", got);
    for (int i = 0; i < got; i++)
        printf(" \"%.*s\" (%u)", (int)v[i].msg_len, bufs[i], v[i].msg_len);
    printf("\n");
    struct timespec timeout = { 0, 1000000 };
    errno = 0;
    int late = recvmmsg(r, v, 4, MSG_DONTWAIT, &timeout);
    printf("recvmmsg with a timeout on nothing: %d %s\n", late, strerror(errno));
    return 0;
}
"""


def test_sendmmsg_recvmmsg_match_native(tmp_path):
    out = check_source_matches_native(tmp_path, "mmsg", SOURCE, nodes=(1, 2, 4))
    assert "sendmmsg: 3 sent, lengths 5 14 1" in out, out
    assert 'recvmmsg: 3 received: "first" (5) "the second one" (14) "3" (1)' in out, out
