/* SPDX-License-Identifier: MIT */
/* Fuzzes the transport: first the raw codec on the input as one datagram (almost all
 * inputs fail the tag), then the protocol state machine with datagrams the harness
 * encodes and signs itself from fuzz-chosen fields, so sequence, ack, epoch and request
 * handling are reached. Records: [kind][type][flags][src][epoch sel][seq u16][ack u16]
 * [sack u32][rid u8][len u8] then len payload bytes. Checks: delivery counts never
 * exceed distinct sequence numbers accepted, and no crash or leak. */
#include "net/transport.h"
#include "net/wire.h"
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/fuzz_env.h"

#define FUZZ_RECORD_LEN 16

static struct net node;
static uint64_t handled;

static void fuzz_handler(void *ctx, struct net *n, uint32_t from, uint8_t type, const uint8_t *msg, size_t len,
                         uint64_t request_id)
{
    (void)ctx;
    (void)type;
    (void)msg;
    handled++;
    if (request_id)
        transport_reply(n, from, request_id, msg, len);
    else if (len > 0 && (msg[0] & 1))
        transport_send(n, from, TRANSPORT_TYPE_USER_FIRST, msg, len);
    else if (len > 0 && (msg[0] & 2))
        transport_send_queued(n, from, TRANSPORT_TYPE_USER_FIRST, msg, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_net_init(&node, 0, 3, 1500);
    struct transport_header h;
    const uint8_t *payload;
    transport_codec_decode(data, size, &node.tp.mac, &h, &payload);
    handled = 0;
    transport_register_handler(&node, TRANSPORT_TYPE_USER_FIRST, fuzz_handler, NULL);
    static const uint64_t peer_epochs[3] = { 0x1111, 0x2222, 0x3333 };
    static uint8_t dgram[TRANSPORT_DGRAM_MAX];
    while (size >= FUZZ_RECORD_LEN) {
        const uint8_t *r = data;
        size_t len = r[15];
        data += FUZZ_RECORD_LEN;
        size -= FUZZ_RECORD_LEN;
        if (len > size)
            len = size;
        struct transport_header m = {
            .kind = (uint8_t)(r[0] % 4), .type = r[1] % TRANSPORT_TYPE_COUNT, .flags = r[2] & 3,
            .src = r[3] % 4, .dst = 0,
            .src_epoch = peer_epochs[r[4] % 3],
            .dst_epoch = (r[4] & 0x80) ? 0 : node.tp.epoch,
            .seq = wire_get_be16(r + 5), .ack = wire_get_be16(r + 7), .sack = wire_get_be32(r + 9),
            .payload_len = (uint16_t)len, .request_id = r[13],
        };
        size_t n = transport_codec_encode(dgram, sizeof dgram, &m, data, &node.tp.mac);
        data += len;
        size -= len;
        transport_input(&node, dgram, n, node.peer_ip[m.src < 3 ? m.src : 1]);
        fuzz_clock += (uint64_t)r[14] * 10000;
        net_poll(&node);
    }
    if (handled > node.counters.tp_delivered)
        abort();
    return 0;
}
