/* SPDX-License-Identifier: MIT */
/* Fuzzes the IPv4 decoder and reassembly: the input is a sequence of records
 * [u16 length][bytes] each decoded as an IPv4 packet (checksum fixed up half the time so
 * the fuzzer gets past it); fragments go to reassembly; a completed datagram must fit
 * and every pbuf must come back to the pool. */
#include <stdlib.h>
#include <string.h>

#include "net/checksum.h"
#include "net/ipv4_reasm.h"
#include "tests/fuzz/fuzz.h"

static struct pbuf_pool pool;
static struct ipv4_reasm reasm;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t pkt[NET_MTU_MAX + 100];
    pbuf_pool_init(&pool);
    ipv4_reasm_init(&reasm);
    uint64_t now = 0;
    while (size >= 2) {
        size_t len = (size_t)(data[0] << 8 | data[1]) % sizeof pkt;
        bool fix = data[0] & 0x80;
        data += 2;
        size -= 2;
        if (len > size)
            len = size;
        memcpy(pkt, data, len);
        data += len;
        size -= len;
        if (fix && len >= IPV4_HEADER_LEN && (pkt[0] & 0x0f) >= 5 && (size_t)(pkt[0] & 0x0f) * 4 <= len) {
            pkt[10] = pkt[11] = 0;
            uint16_t c = checksum_finish(checksum_add(0, pkt, (size_t)(pkt[0] & 0x0f) * 4));
            pkt[10] = (uint8_t)(c >> 8);
            pkt[11] = (uint8_t)c;
        }
        struct ipv4_header h;
        if (ipv4_decode(pkt, len, &h) != IPV4_DECODE_OK)
            continue;
        if (h.header_len > h.total_len || h.total_len > len)
            abort();
        now += 1000000;
        struct pbuf *out = NULL;
        if (ipv4_reasm_add(&reasm, &pool, &h, pkt + h.header_len, h.total_len - h.header_len, now, &out) ==
            IPV4_REASM_COMPLETE) {
            if (out->len > IPV4_REASM_MAX_PAYLOAD)
                abort();
            pbuf_free(&pool, out);
        }
        ipv4_reasm_expire(&reasm, &pool, now);
    }
    ipv4_reasm_expire(&reasm, &pool, UINT64_MAX);
    if (pool.free_count != PBUF_POOL_COUNT)
        abort();
    return 0;
}
