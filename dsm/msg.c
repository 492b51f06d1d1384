/* SPDX-License-Identifier: MIT */
/* DSM wire codec (docs/dsm-protocol.md, "Wire format"). Byte-by-byte little-endian so it
 * is independent of struct layout and host endianness. Layout:
 *   0 version u8 | 1 type u8 | 2 flags u16 | 4 node u16 | 6 reserved u16 (0)
 *   8 a u32 | 12 b u32 | 16 c u32 | 20 d u32 | 24 page u64 | 32 addr2 u64 | 40 data */
#include "dsm/msg.h"

#include "dsm/dsm.h"
#include "kernel/libc.h"

_Static_assert(DSM_MSG_MAX_LEN == DSM_MSG_HDR_LEN + DSM_PAGE_SIZE, "message buffer holds one page");

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }

static uint32_t get32(const uint8_t *p)
{
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static uint64_t get64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static bool msg_valid(uint8_t type, uint16_t flags)
{
    if (type == 0 || type >= DSM_MSG_TYPE_END || (flags & ~DSM_MSG_F_ALL))
        return false;
    /* Only a grant carries data or grant flags; a read-ahead copy is data and nothing else. */
    if (type == DSM_MSG_AHEAD)
        return flags == DSM_MSG_F_DATA;
    return type == DSM_MSG_GRANT || flags == 0;
}

size_t dsm_msg_encode(const struct dsm_msg *m, uint8_t *buf, size_t cap)
{
    size_t len = DSM_MSG_HDR_LEN + ((m->flags & DSM_MSG_F_DATA) ? DSM_PAGE_SIZE : 0);
    if (!msg_valid(m->type, m->flags) || cap < len || ((m->flags & DSM_MSG_F_DATA) && !m->data))
        return 0;
    buf[0] = DSM_MSG_VERSION;
    buf[1] = m->type;
    put16(buf + 2, m->flags);
    put16(buf + 4, m->node);
    put16(buf + 6, 0);
    put32(buf + 8, m->a);
    put32(buf + 12, m->b);
    put32(buf + 16, m->c);
    put32(buf + 20, m->d);
    put64(buf + 24, m->page);
    put64(buf + 32, m->addr2);
    if (m->flags & DSM_MSG_F_DATA)
        memcpy(buf + DSM_MSG_HDR_LEN, m->data, DSM_PAGE_SIZE);
    return len;
}

bool dsm_msg_decode(const uint8_t *buf, size_t len, struct dsm_msg *out)
{
    if (!buf || len < DSM_MSG_HDR_LEN || buf[0] != DSM_MSG_VERSION || get16(buf + 6) != 0)
        return false;
    uint8_t type = buf[1];
    uint16_t flags = get16(buf + 2);
    if (!msg_valid(type, flags))
        return false;
    size_t want = DSM_MSG_HDR_LEN + ((flags & DSM_MSG_F_DATA) ? DSM_PAGE_SIZE : 0);
    if (len != want)
        return false;
    out->type = type;
    out->flags = flags;
    out->node = get16(buf + 4);
    out->a = get32(buf + 8);
    out->b = get32(buf + 12);
    out->c = get32(buf + 16);
    out->d = get32(buf + 20);
    out->page = get64(buf + 24);
    out->addr2 = get64(buf + 32);
    out->data = (flags & DSM_MSG_F_DATA) ? buf + DSM_MSG_HDR_LEN : NULL;
    return true;
}

const char *dsm_msg_type_name(unsigned type)
{
    static const char *const names[DSM_MSG_TYPE_END] = {
        [DSM_MSG_READ_REQ] = "READ_REQ",       [DSM_MSG_WRITE_REQ] = "WRITE_REQ",
        [DSM_MSG_FWD_READ] = "FWD_READ",       [DSM_MSG_FWD_WRITE] = "FWD_WRITE",
        [DSM_MSG_GRANT] = "GRANT",             [DSM_MSG_INVALIDATE] = "INVALIDATE",
        [DSM_MSG_INV_ACK] = "INV_ACK",         [DSM_MSG_DONE] = "DONE",
        [DSM_MSG_RO_REQ] = "RO_REQ",           [DSM_MSG_FUTEX_REG] = "FUTEX_REG",
        [DSM_MSG_FUTEX_REG_ACK] = "FUTEX_REG_ACK", [DSM_MSG_FUTEX_CANCEL] = "FUTEX_CANCEL",
        [DSM_MSG_FUTEX_WAKE] = "FUTEX_WAKE",   [DSM_MSG_FUTEX_REQUEUE] = "FUTEX_REQUEUE",
        [DSM_MSG_FUTEX_REPLY] = "FUTEX_REPLY", [DSM_MSG_FUTEX_WAKEUP] = "FUTEX_WAKEUP",
        [DSM_MSG_FUTEX_PASS] = "FUTEX_PASS",   [DSM_MSG_DIR_BACKUP] = "DIR_BACKUP",
        [DSM_MSG_WU_WRITE] = "WU_WRITE",       [DSM_MSG_WU_UPDATE] = "WU_UPDATE",
        [DSM_MSG_WU_ACK] = "WU_ACK",           [DSM_MSG_WU_RELEASE] = "WU_RELEASE",
        [DSM_MSG_WU_DONE] = "WU_DONE",         [DSM_MSG_AHEAD] = "AHEAD",
    };
    return type < DSM_MSG_TYPE_END && names[type] ? names[type] : "?";
}
