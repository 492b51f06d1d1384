/* SPDX-License-Identifier: MIT */
/* NIC and network tests run from the command line. Raw frames below any protocol stack
 * (kernel/nettest.c): `nettest=echo` answers test frames, `nettest=ping` sends them and
 * checks the answers, `nettest=pair` makes node 0 the pinger and the others echoers.
 * Through the stack (kernel/nettest_rpc.c): `nettest=rpc` times transport round trips. */
#ifndef KERNEL_NETTEST_H
#define KERNEL_NETTEST_H

#include <stdint.h>

#define NETTEST_RPC_MAX_COUNT 100000

/* Runs the test named by nettest=; raw tests and node 0's rpc side exit QEMU with the
 * verdict; other rpc nodes return and answer from the idle loop. No-op without nettest=. */
void nettest_run(void);
/* The rpc test: node 0 makes count request/response round trips (64-byte request, 4 KiB
 * reply) with every other node and prints min/median/p99; others serve and return. */
void nettest_rpc_run(uint32_t count);

#endif
