/* SPDX-License-Identifier: MIT */
/* Fuzzes the whole receive path (Ethernet -> ARP | IPv4 -> reassembly -> ICMP | UDP ->
 * transport) with raw frames: the input is records [u16 length][frame bytes]. After the
 * run every packet buffer must be back in the pool or legitimately held. */
#include "net/pbuf.h"
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/fuzz_env.h"

static struct net node;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_net_init(&node, 1, 3, (size > 0 && (data[0] & 1)) ? 9000 : 1500);
    while (size >= 2) {
        size_t len = (size_t)(data[0] << 8 | data[1]);
        data += 2;
        size -= 2;
        if (len > size)
            len = size;
        net_input(&node, data, len);
        data += len;
        size -= len;
        fuzz_clock += 100000;
        net_poll(&node);
    }
    fuzz_clock += 10ull * 1000000000ull;
    net_poll(&node);
    if (node.pool.free_count != PBUF_POOL_COUNT)
        abort(); /* nothing was accepted, so nothing may stay allocated */
    return 0;
}
