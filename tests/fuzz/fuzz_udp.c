/* SPDX-License-Identifier: MIT */
/* Fuzzes the UDP decoder; the first 8 input bytes are the pseudo-header addresses. An
 * accepted datagram re-encoded with its own payload must decode again. */
#include <stdlib.h>
#include <string.h>

#include "net/udp.h"
#include "net/wire.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 8)
        return 0;
    uint32_t src = wire_get_be32(data), dst = wire_get_be32(data + 4);
    data += 8;
    size -= 8;
    struct udp_header h;
    if (udp_decode(data, size, src, dst, &h) != UDP_DECODE_OK)
        return 0;
    if (h.length < UDP_HEADER_LEN || h.length > size)
        abort();
    uint8_t *copy = malloc(h.length);
    memcpy(copy, data, h.length);
    udp_encode(copy, h.src_port, h.dst_port, copy + UDP_HEADER_LEN, h.length - UDP_HEADER_LEN, src, dst);
    struct udp_header again;
    if (udp_decode(copy, h.length, src, dst, &again) != UDP_DECODE_OK)
        abort();
    free(copy);
    return 0;
}
