/* SPDX-License-Identifier: MIT */
/* ICMP echo (RFC 792): decoding echo requests and building the echo reply, so `ping`
 * from the host side of the bridge answers. Other ICMP types are counted and ignored. */
#ifndef NET_ICMP_H
#define NET_ICMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ICMP_HEADER_LEN 8
#define ICMP_TYPE_ECHO_REPLY 0
#define ICMP_TYPE_ECHO_REQUEST 8

enum icmp_decode_result {
    ICMP_DECODE_ECHO_REQUEST = 0,
    ICMP_DECODE_OTHER,     /* valid, but not an echo request */
    ICMP_DECODE_MALFORMED, /* short or bad checksum */
};

/* Checks the ICMP message (the whole IPv4 payload) and tells whether it is an echo request. */
enum icmp_decode_result icmp_decode(const uint8_t *bytes, size_t len);
/* Turns the echo request in msg (len bytes, in place) into its reply with a new checksum. */
void icmp_make_echo_reply(uint8_t *msg, size_t len);

#endif
