/* SPDX-License-Identifier: MIT */
/* Raw-frame NIC test between two nodes on one bridge, below any protocol stack:
 * `nettest=echo` answers test frames and `nettest=ping` sends them and checks the answers. */
#ifndef KERNEL_NETTEST_H
#define KERNEL_NETTEST_H

/* Runs the test named by nettest= (and exits QEMU with the verdict); returns at once if
 * none was asked for. */
void nettest_run(void);

#endif
