/* SPDX-License-Identifier: MIT */
/* DSM wire format (docs/dsm-protocol.md, "Wire format"): a 40-byte little-endian header,
 * the same for every type, followed by exactly DSM_PAGE_SIZE bytes of page data when
 * DSM_MSG_F_DATA is set. The codec checks lengths, version, type and flag sanity only;
 * whether a message makes sense in the current state is the protocol's business. */
#ifndef DSM_MSG_H
#define DSM_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DSM_MSG_VERSION 1
#define DSM_MSG_HDR_LEN 40
#define DSM_MSG_MAX_LEN (DSM_MSG_HDR_LEN + 4096)

enum dsm_msg_type {
    DSM_MSG_READ_REQ = 1,       /* requester -> manager: wants a read copy of page */
    DSM_MSG_WRITE_REQ = 2,      /* requester -> manager: wants the page exclusive */
    DSM_MSG_FWD_READ = 3,       /* manager -> owner: send a read copy to node */
    DSM_MSG_FWD_WRITE = 4,      /* manager -> owner: hand the page to node (a, addr2 as GRANT) */
    DSM_MSG_GRANT = 5,          /* to requester: access granted (a = acks owed, addr2 = by whom) */
    DSM_MSG_INVALIDATE = 6,     /* manager -> holder: drop your copy, ack to node */
    DSM_MSG_INV_ACK = 7,        /* holder -> writer */
    DSM_MSG_DONE = 8,           /* requester -> manager: transaction complete */
    DSM_MSG_RO_REQ = 9,         /* requester -> region owner: read-only page copy */
    DSM_MSG_FUTEX_REG = 10,     /* waiter -> manager: queue waiter a (bitset b) on addr */
    DSM_MSG_FUTEX_REG_ACK = 11, /* manager -> waiter: waiter a is queued */
    DSM_MSG_FUTEX_CANCEL = 12,  /* waiter -> manager: remove waiter a if still queued */
    DSM_MSG_FUTEX_WAKE = 13,    /* caller -> manager: wake c waiters (bitset b), call id a */
    DSM_MSG_FUTEX_REQUEUE = 14, /* caller -> manager: wake c, move d to addr2, call id a */
    DSM_MSG_FUTEX_REPLY = 15,   /* manager -> caller: call a finished, result c */
    DSM_MSG_FUTEX_WAKEUP = 16,  /* manager -> waiter node: waiter a was chosen */
    DSM_MSG_FUTEX_PASS = 17,    /* waiter node -> manager: waiter was gone, wake one (bitset b) */
    DSM_MSG_DIR_BACKUP = 18,    /* manager -> successor: page's entry is now owner a, copyset addr2 */
    DSM_MSG_WU_WRITE = 19,      /* writer -> manager: a = offset | len << 12 | atomic op << 16, operand
                                 * addr2, compare d:b (CMPXCHG), call id c */
    DSM_MSG_WU_UPDATE = 20,     /* manager -> holder: apply it (c = 1: create the page zeroed first) */
    DSM_MSG_WU_ACK = 21,        /* holder -> manager: applied, copy inaccessible; addr2 = bytes before */
    DSM_MSG_WU_RELEASE = 22,    /* manager -> holder: every copy has it, map READ again */
    DSM_MSG_WU_DONE = 23,       /* manager -> writer: write call c is complete; addr2 = bytes before */
    DSM_MSG_AHEAD = 24,         /* manager and owner -> reader: a read copy of page it did not ask
                                 * for (read-ahead, F_DATA only); the reader is in the copyset */
    DSM_MSG_TYPE_END
};

/* Flags (16 bits). */
#define DSM_MSG_F_DATA 0x1u   /* page data follows the header */
#define DSM_MSG_F_WRITE 0x2u  /* GRANT: exclusive (else shared read) */
#define DSM_MSG_F_OWNER 0x4u  /* GRANT: the requester becomes the owner */
#define DSM_MSG_F_ZERO 0x8u   /* GRANT: untouched page, create it zero-filled */
#define DSM_MSG_F_RO 0x10u    /* GRANT: read-only region copy, never invalidated */
#define DSM_MSG_F_NODONE 0x20u /* GRANT: the manager already ended the transaction, no DONE */
#define DSM_MSG_F_ALL 0x3fu

/* A decoded message; `data` points into the buffer that was decoded (no copy). */
struct dsm_msg {
    uint8_t type;
    uint16_t flags;
    uint16_t node;     /* requester / writer, by type */
    uint32_t a, b, c, d;
    uint64_t page;     /* page number, or futex word address for FUTEX_* */
    uint64_t addr2;    /* FUTEX_REQUEUE target; GRANT/FWD_WRITE: nodes owing an INV_ACK */
    const uint8_t *data;
};

/* Encodes m (and m->data, DSM_PAGE_SIZE bytes, when F_DATA) into buf; returns the length
 * or 0 if cap is too small or m is invalid. */
size_t dsm_msg_encode(const struct dsm_msg *m, uint8_t *buf, size_t cap);
/* Decodes len bytes; false if malformed (short, long, bad version/type/flags, nonzero
 * reserved bytes, data length wrong). */
bool dsm_msg_decode(const uint8_t *buf, size_t len, struct dsm_msg *out);
/* Type name for logs ("?" if unknown). */
const char *dsm_msg_type_name(unsigned type);

#endif
