/* SPDX-License-Identifier: MIT */
/* ICMP echo codec (see icmp.h). The reply keeps identifier, sequence and data (RFC 792). */
#include "net/icmp.h"

#include "net/checksum.h"
#include "net/wire.h"

enum icmp_decode_result icmp_decode(const uint8_t *b, size_t len)
{
    if (len < ICMP_HEADER_LEN || checksum_finish(checksum_add(0, b, len)) != 0)
        return ICMP_DECODE_MALFORMED;
    return (b[0] == ICMP_TYPE_ECHO_REQUEST && b[1] == 0) ? ICMP_DECODE_ECHO_REQUEST : ICMP_DECODE_OTHER;
}

void icmp_make_echo_reply(uint8_t *msg, size_t len)
{
    msg[0] = ICMP_TYPE_ECHO_REPLY;
    msg[1] = 0;
    wire_put_be16(msg + 2, 0);
    wire_put_be16(msg + 2, checksum_finish(checksum_add(0, msg, len)));
}
