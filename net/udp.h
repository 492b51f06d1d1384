/* SPDX-License-Identifier: MIT */
/* UDP codec (RFC 768) with the pseudo-header checksum. A zero checksum on input means
 * "not computed" and is accepted (RFC 768); we always compute one on output. */
#ifndef NET_UDP_H
#define NET_UDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UDP_HEADER_LEN 8

struct udp_header {
    uint16_t src_port, dst_port;
    uint16_t length; /* header + payload */
};

enum udp_decode_result {
    UDP_DECODE_OK = 0,
    UDP_DECODE_MALFORMED, /* shorter than 8 bytes or length field disagrees with len */
    UDP_DECODE_CHECKSUM,
};

/* Parses the datagram (the whole IPv4 payload, len bytes) and checks its checksum
 * against the IPv4 addresses; the UDP payload is bytes[8 .. length). */
enum udp_decode_result udp_decode(const uint8_t *bytes, size_t len, uint32_t src_ip, uint32_t dst_ip,
                                  struct udp_header *out);
/* Writes the 8-byte header at out for payload (payload_len bytes, which must follow the
 * header contiguously or be given separately) with a correct checksum. */
void udp_encode(uint8_t *out, uint16_t src_port, uint16_t dst_port, const uint8_t *payload, size_t payload_len,
                uint32_t src_ip, uint32_t dst_ip);
/* Writes the 8-byte header for payload_len bytes with checksum 0 (RFC 768: not computed),
 * for payloads that carry a keyed tag over every byte anyway (the cluster transport). */
void udp_encode_unchecked(uint8_t *out, uint16_t src_port, uint16_t dst_port, size_t payload_len);

#endif
