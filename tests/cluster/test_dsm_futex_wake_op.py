# SPDX-License-Identifier: MIT
"""FUTEX_WAKE_OP (kernel/futex_pi.c), which static programs built with older glibc use in
their condition variables: the operation on the second word (ADD, SET with
FUTEX_OP_OPARG_SHIFT, ANDN, XOR), its comparison deciding the second wake, a waiter on the
second word woken from another node (two nodes: the waiter is a thread on node 1), and the
errors (an unknown operation: ENOSYS; a misaligned second word: EINVAL). Every line must
equal the native run's. Before, FUTEX_WAKE_OP was ENOSYS."""
from dsmkpy.testing import check_source_matches_native

SOURCE = r"""
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* include/uapi/linux/futex.h (musl has no kernel headers) */
#define FUTEX_WAIT 0
#define FUTEX_WAKE_OP 5
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_OP_SET 0
#define FUTEX_OP_ADD 1
#define FUTEX_OP_ANDN 3
#define FUTEX_OP_XOR 4
#define FUTEX_OP_OPARG_SHIFT 8
#define FUTEX_OP_CMP_EQ 0
#define FUTEX_OP_CMP_NE 1
#define FUTEX_OP_CMP_LT 2
#define FUTEX_OP_CMP_GT 4
#define FUTEX_OP(op, oparg, cmp, cmparg) \
    ((((op) & 0xf) << 28) | (((cmp) & 0xf) << 24) | (((oparg) & 0xfff) << 12) | ((cmparg) & 0xfff))

static uint32_t one, two __attribute__((aligned(8)));
static volatile int waited;

static long wake_op(uint32_t *a, int n1, int n2, void *b, unsigned op)
{
    return syscall(SYS_futex, a, FUTEX_WAKE_OP | FUTEX_PRIVATE_FLAG, n1, (unsigned long)n2, b, op);
}

static void *waiter(void *arg)
{
    (void)arg;
    long r = syscall(SYS_futex, &two, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 16, NULL, NULL, 0);
    waited = r == 0 ? 1 : -1;
    return NULL;
}

int main(void)
{
    two = 5;
    long r = wake_op(&one, 1, 1, &two, FUTEX_OP(FUTEX_OP_ADD, 3, FUTEX_OP_CMP_EQ, 5));
    printf("add: woken %ld, word %u\n", r, two);
    r = wake_op(&one, 1, 1, &two, FUTEX_OP(FUTEX_OP_SET | FUTEX_OP_OPARG_SHIFT, 4, FUTEX_OP_CMP_GT, 7));
    printf("set 1<<4: woken %ld, word %u\n", r, two);
    pthread_t t;
    pthread_create(&t, NULL, waiter, NULL);
    long woken = 0;
    for (int i = 0; i < 2000 && woken == 0; i++) { /* until the waiter is queued: ADD 0 changes nothing */
        woken = wake_op(&one, 1, 1, &two, FUTEX_OP(FUTEX_OP_ADD, 0, FUTEX_OP_CMP_EQ, 16));
        if (woken == 0)
            usleep(1000);
    }
    pthread_join(t, NULL);
    printf("waiter on the second word: woken %ld, its wait %d\n", woken, waited);
    r = wake_op(&one, 1, 1, &two, FUTEX_OP(FUTEX_OP_ANDN, 0x10, FUTEX_OP_CMP_NE, 16));
    printf("andn: woken %ld, word %u\n", r, two);
    r = wake_op(&one, 1, 1, &two, FUTEX_OP(FUTEX_OP_XOR, 0xff, FUTEX_OP_CMP_LT, -1));
    printf("xor: woken %ld, word %u\n", r, two);
    r = wake_op(&one, 1, 1, &two, FUTEX_OP(7, 1, FUTEX_OP_CMP_EQ, 0));
    printf("unknown op: %ld %s\n", r, r < 0 ? strerror(errno) : "");
    r = wake_op(&one, 1, 1, (char *)&two + 1, FUTEX_OP(FUTEX_OP_ADD, 1, FUTEX_OP_CMP_EQ, 0));
    printf("misaligned: %ld %s\n", r, r < 0 ? strerror(errno) : "");
    return 0;
}
"""


def test_futex_wake_op_matches_native(tmp_path):
    out = check_source_matches_native(tmp_path, "futex-wake-op", SOURCE)
    assert "add: woken 0, word 8" in out and "waiter on the second word: woken 1, its wait 1" in out, out
