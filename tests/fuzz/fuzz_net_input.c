/* SPDX-License-Identifier: MIT */
/* Fuzzes the whole receive path (Ethernet -> ARP | IPv4 -> reassembly -> ICMP | UDP ->
 * transport) with raw frames: the input is records [u8 flags][u16 length][frame bytes].
 * Flag bits steer a record past the checks a fuzzer cannot guess (our MAC, IPv4 type,
 * our address, header checksum, UDP port and checksum), so the deeper layers see
 * mutated input too. Afterwards every packet buffer must be back in the pool. */
#include "net/checksum.h"
#include "net/eth.h"
#include "net/ipv4.h"
#include "net/pbuf.h"
#include "net/udp.h"
#include "net/wire.h"
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/fuzz_env.h"

#define FIX_ETH 0x01  /* our MAC, IPv4 ethertype */
#define FIX_IPV4 0x02 /* version/IHL 0x45, our address, total length, header checksum */
#define FIX_UDP 0x04  /* protocol UDP, transport port, UDP length, zero checksum */
#define FIX_MTU9000 0x08

static struct net node;
static uint8_t frame[ETH_HEADER_LEN + NET_MTU_MAX + 64];

static void fuzz_fix(uint8_t flags, size_t len)
{
    if ((flags & FIX_ETH) && len >= ETH_HEADER_LEN) {
        memcpy(frame, node.env.mac, NET_MAC_LEN);
        wire_put_be16(frame + 12, ETH_TYPE_IPV4);
    }
    uint8_t *ip = frame + ETH_HEADER_LEN;
    size_t ip_len = len - ETH_HEADER_LEN;
    if ((flags & FIX_IPV4) && len >= ETH_HEADER_LEN + IPV4_HEADER_LEN) {
        ip[0] = 0x45;
        wire_put_be16(ip + 2, (uint16_t)ip_len);
        wire_put_be32(ip + 16, node.ip);
        if ((flags & FIX_UDP) && ip_len >= IPV4_HEADER_LEN + UDP_HEADER_LEN) {
            ip[9] = IPV4_PROTO_UDP;
            uint8_t *udp = ip + IPV4_HEADER_LEN;
            wire_put_be16(udp + 2, TRANSPORT_UDP_PORT);
            wire_put_be16(udp + 4, (uint16_t)(ip_len - IPV4_HEADER_LEN));
            wire_put_be16(udp + 6, 0);
        }
        wire_put_be16(ip + 10, 0);
        wire_put_be16(ip + 10, checksum_finish(checksum_add(0, ip, IPV4_HEADER_LEN)));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_net_init(&node, 1, 3, (size > 0 && (data[0] & FIX_MTU9000)) ? 9000 : 1500);
    while (size >= 3) {
        uint8_t flags = data[0];
        size_t len = (size_t)(data[1] << 8 | data[2]) % sizeof frame;
        data += 3;
        size -= 3;
        if (len > size)
            len = size;
        memcpy(frame, data, len);
        fuzz_fix(flags, len);
        net_input(&node, frame, len);
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
