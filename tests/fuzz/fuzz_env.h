/* SPDX-License-Identifier: MIT */
/* A minimal net_env for fuzz targets: transmit checks the frame size and discards it,
 * the clock is a variable the target advances, randomness is fixed. */
#ifndef TESTS_FUZZ_FUZZ_ENV_H
#define TESTS_FUZZ_FUZZ_ENV_H

#include <stdlib.h>
#include <string.h>

#include "net/net.h"

static uint64_t fuzz_clock = 1000000;
static const uint8_t fuzz_key[16] = { 0x0f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x69, 0x78, 9, 8, 7, 6, 5, 4, 3, 2 };

static bool fuzz_transmit(void *ctx, const uint8_t *frame, size_t len)
{
    (void)ctx;
    (void)frame;
    if (len > ETH_HEADER_LEN + NET_MTU_MAX || len < ETH_HEADER_LEN)
        abort(); /* the stack must never build an impossible frame */
    return true;
}

static uint64_t fuzz_now(void *ctx)
{
    (void)ctx;
    return fuzz_clock;
}

static void fuzz_random(void *ctx, uint8_t *buf, size_t len)
{
    (void)ctx;
    for (size_t i = 0; i < len; i++)
        buf[i] = (uint8_t)(0x5a + i);
}

static void fuzz_log(void *ctx, const char *line)
{
    (void)ctx;
    (void)line;
}

/* Initialises n as node `id` of `count` with MTU mtu; aborts on failure. */
static void fuzz_net_init(struct net *n, uint32_t id, uint32_t count, uint16_t mtu)
{
    struct net_env env = { .transmit = fuzz_transmit, .now_ns = fuzz_now, .random_bytes = fuzz_random,
                           .log_line = fuzz_log, .mac = { 0x52, 0x54, 0, 0x12, 0x34, (uint8_t)(1 + id) }, .mtu = mtu };
    struct net_config cfg = { .node_id = id, .node_count = count, .key_len = 16 };
    memcpy(cfg.key, fuzz_key, sizeof fuzz_key);
    char err[100];
    if (!net_init(n, &env, &cfg, err, sizeof err))
        abort();
}

#endif
