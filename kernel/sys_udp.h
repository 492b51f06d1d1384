/* SPDX-License-Identifier: MIT */
/* kernel/sys_udp.c: the datagram side of the socket calls (kernel/sys_socket.c), for AF_INET
 * SOCK_DGRAM sockets, whose datagrams (up to FILES_UDP_DGRAM_MAX bytes) cross to the table
 * in pieces and come back with their sender's name. */
#ifndef KERNEL_SYS_UDP_H
#define KERNEL_SYS_UDP_H

#include <stdint.h>

#include "kernel/files.h"
#include "kernel/linux_abi.h"

#define SOCK_ADDR_IN_LEN 16 /* sizeof(struct sockaddr_in): family, port, address, 8 zero bytes */

/* sockaddr_in's family, port and address as an AF_INET name: the address then the port,
 * both in network order; 0.0.0.0 becomes 127.0.0.1 when this_host (connect's and sendto's
 * "this host"). 0, -EAFNOSUPPORT (family neither AF_INET nor, with unspec_ok, AF_UNSPEC),
 * or no_route for an address outside 127.0.0.0/8 and 0.0.0.0. */
long sock_inet_name(const uint8_t raw[SOCK_ADDR_IN_LEN], bool unspec_ok, bool this_host, long no_route,
                    uint8_t name[FILES_SOCK_INET_LEN]);
/* getsockname's, recvfrom's and accept's answer: a's address into uaddr (as much as *ulen
 * takes) and its full length into *ulen (kernel/sys_socket.c). */
long sock_address_out(uint64_t uaddr, uint64_t ulen, const struct files_sock_addr *a);

/* sendto(2) with an address, on any socket: the datagram's length, or a negative errno (a
 * socket that is not AF_INET SOCK_DGRAM answers EISCONN or EOPNOTSUPP). */
long udp_sendto(uint64_t fd, uint64_t ubuf, uint64_t len, uint64_t uaddr, uint64_t addrlen);
/* One receive of at most room bytes from any socket (FILES_OP_RECVFROM): its head into
 * *head, the bytes into *bytes (kmalloc'd; the caller frees it): their count, or a
 * negative errno (*bytes NULL). */
long udp_receive(uint64_t fd, uint64_t room, uint32_t call_flags, struct files_recv_head *head, uint8_t **bytes);
/* sendmsg(2) and recvmsg(2) of an AF_INET SOCK_DGRAM socket (m read from umsg already). */
long udp_sendmsg(uint64_t fd, const struct linux_msghdr *m);
long udp_recvmsg(uint64_t fd, uint64_t umsg, const struct linux_msghdr *m, uint64_t flags, uint32_t call_flags);

#endif
