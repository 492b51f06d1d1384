/* SPDX-License-Identifier: MIT */
/* Host tests of the DSM wire codec (dsm/msg.c): round trips, every length and header
 * check, and random garbage that must be refused or decoded without reading past the end. */
#include <stdlib.h>
#include <string.h>

#include "dsm/dsm.h"
#include "dsm/msg.h"
#include "tests/host/check.h"

TEST(dsm_msg_round_trip_header)
{
    struct dsm_msg m = { .type = DSM_MSG_FUTEX_REQUEUE, .node = 7, .a = 0x11223344, .b = 5, .c = 6,
                         .d = 0xffffffff, .page = 0x7fffdeadb000ull, .addr2 = 0x1234 };
    uint8_t buf[DSM_MSG_MAX_LEN];
    size_t len = dsm_msg_encode(&m, buf, sizeof buf);
    CHECK_EQ(len, DSM_MSG_HDR_LEN);
    CHECK_EQ(buf[0], DSM_MSG_VERSION);
    CHECK_EQ(buf[8], 0x44); /* little-endian on the wire */
    struct dsm_msg out;
    CHECK(dsm_msg_decode(buf, len, &out));
    CHECK_EQ(out.type, m.type);
    CHECK_EQ(out.node, 7);
    CHECK_EQ(out.a, m.a);
    CHECK_EQ(out.d, m.d);
    CHECK_EQ(out.page, m.page);
    CHECK_EQ(out.addr2, m.addr2);
    CHECK(out.data == NULL);
}

TEST(dsm_msg_round_trip_page)
{
    static uint8_t page[DSM_PAGE_SIZE], buf[DSM_MSG_MAX_LEN];
    for (unsigned i = 0; i < sizeof page; i++)
        page[i] = (uint8_t)(i * 7);
    struct dsm_msg m = { .type = DSM_MSG_GRANT, .flags = DSM_MSG_F_DATA | DSM_MSG_F_WRITE, .a = 3, .page = 9,
                         .data = page };
    size_t len = dsm_msg_encode(&m, buf, sizeof buf);
    CHECK_EQ(len, DSM_MSG_MAX_LEN);
    struct dsm_msg out;
    CHECK(dsm_msg_decode(buf, len, &out));
    CHECK(out.data == buf + DSM_MSG_HDR_LEN);
    CHECK(memcmp(out.data, page, sizeof page) == 0);
    /* One byte short or long, or data announced without it, is refused. */
    CHECK(!dsm_msg_decode(buf, len - 1, &out));
    CHECK(!dsm_msg_decode(buf, DSM_MSG_HDR_LEN, &out));
    CHECK_EQ(dsm_msg_encode(&m, buf, len - 1), 0);
    m.data = NULL;
    CHECK_EQ(dsm_msg_encode(&m, buf, sizeof buf), 0);
}

TEST(dsm_msg_refuses_bad_headers)
{
    uint8_t buf[DSM_MSG_MAX_LEN];
    struct dsm_msg m = { .type = DSM_MSG_READ_REQ, .page = 1 }, out;
    size_t len = dsm_msg_encode(&m, buf, sizeof buf);
    CHECK(dsm_msg_decode(buf, len, &out));
    CHECK(!dsm_msg_decode(buf, len + 1, &out));
    CHECK(!dsm_msg_decode(buf, len - 1, &out));
    CHECK(!dsm_msg_decode(NULL, len, &out));
    buf[0] = DSM_MSG_VERSION + 1;
    CHECK(!dsm_msg_decode(buf, len, &out));
    buf[0] = DSM_MSG_VERSION;
    buf[1] = 0;
    CHECK(!dsm_msg_decode(buf, len, &out));
    buf[1] = DSM_MSG_TYPE_END;
    CHECK(!dsm_msg_decode(buf, len, &out));
    buf[1] = DSM_MSG_READ_REQ;
    buf[6] = 1; /* reserved */
    CHECK(!dsm_msg_decode(buf, len, &out));
    buf[6] = 0;
    buf[2] = DSM_MSG_F_WRITE; /* grant flags on a request */
    CHECK(!dsm_msg_decode(buf, len, &out));
    buf[2] = 0x80; /* unknown flag */
    CHECK(!dsm_msg_decode(buf, len, &out));
    m.type = DSM_MSG_TYPE_END;
    CHECK_EQ(dsm_msg_encode(&m, buf, sizeof buf), 0);
    CHECK(strcmp(dsm_msg_type_name(DSM_MSG_GRANT), "GRANT") == 0);
    CHECK(strcmp(dsm_msg_type_name(999), "?") == 0);
}

TEST(dsm_msg_garbage_fuzz)
{
    /* Random bytes of random length, from an exact-size heap buffer so ASan sees any
     * read past the end; a valid header prefix makes deeper checks run too. */
    uint64_t x = 0x2545f4914f6cdd1dull;
    unsigned accepted = 0;
    for (int i = 0; i < 20000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        size_t len = (size_t)(x % (DSM_MSG_MAX_LEN + 16));
        if (i % 4 == 1)
            len = (x >> 20) & 1 ? DSM_MSG_MAX_LEN : DSM_MSG_HDR_LEN; /* plausible lengths too */
        uint8_t *buf = malloc(len ? len : 1);
        for (size_t k = 0; k < len; k++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            buf[k] = (uint8_t)x;
        }
        if (len >= 8 && (i & 1)) {
            buf[0] = DSM_MSG_VERSION;
            buf[1] = (uint8_t)(1 + x % (DSM_MSG_TYPE_END - 1));
            buf[2] = (uint8_t)(x >> 8) & DSM_MSG_F_ALL;
            buf[3] = 0;
            buf[6] = buf[7] = 0;
        }
        struct dsm_msg out;
        if (dsm_msg_decode(buf, len, &out)) {
            accepted++;
            CHECK(len == DSM_MSG_HDR_LEN || len == DSM_MSG_MAX_LEN);
            CHECK(out.type > 0 && out.type < DSM_MSG_TYPE_END);
        }
        free(buf);
    }
    CHECK(accepted > 0);
}
