/* SPDX-License-Identifier: MIT */
/* IPv4 fragment reassembly (RFC 791 section 3.2, RFC 815 hole tracking simplified to a
 * bitmap of 8-byte units): a bounded number of slots, each one pbuf, expired after
 * IPV4_REASM_TIMEOUT_NS or evicted (oldest first) when all are busy. Overlapping fragments
 * must carry the same bytes or the whole datagram is dropped (RFC 5722 spirit).
 * Datagrams larger than one jumbo frame's payload are refused. */
#ifndef NET_IPV4_REASM_H
#define NET_IPV4_REASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/ipv4.h"
#include "net/pbuf.h"

#define IPV4_REASM_SLOTS 8
#define IPV4_REASM_TIMEOUT_NS (100ull * 1000000ull) /* 100 ms: LAN fragments arrive back to back */
#define IPV4_REASM_MAX_PAYLOAD (NET_MTU_MAX - IPV4_HEADER_LEN) /* one jumbo datagram's payload */
#define IPV4_REASM_UNITS (IPV4_REASM_MAX_PAYLOAD / IPV4_FRAG_UNIT + 1)

struct ipv4_reasm_slot {
    struct pbuf *buf;       /* payload bytes at pbuf_bytes(buf); NULL = free slot */
    uint32_t src, dst;
    uint16_t id;
    uint8_t protocol;
    uint32_t total_payload; /* known once the last fragment (MF=0) arrived, else 0 */
    uint32_t units_have;    /* 8-byte units received */
    uint32_t max_end;       /* highest payload end offset stored */
    uint64_t expires_ns;
    uint64_t have[(IPV4_REASM_UNITS + 63) / 64]; /* bit per 8-byte unit received */
};

struct ipv4_reasm_stats {
    uint64_t fragments, completed, timeouts, no_slot, bad, overlap_mismatch;
    uint64_t evicted; /* incomplete datagrams dropped to make room for a new one */
};

struct ipv4_reasm {
    struct ipv4_reasm_slot slots[IPV4_REASM_SLOTS];
    struct ipv4_reasm_stats stats;
};

enum ipv4_reasm_result {
    IPV4_REASM_PENDING = 0, /* stored, more fragments needed */
    IPV4_REASM_COMPLETE,    /* *out holds the whole payload; the caller frees it */
    IPV4_REASM_DROPPED,     /* bad fragment or no buffer; counted in stats */
};

/* Empties all slots. */
void ipv4_reasm_init(struct ipv4_reasm *r);
/* Adds one fragment (h from ipv4_decode, payload = its data bytes). */
enum ipv4_reasm_result ipv4_reasm_add(struct ipv4_reasm *r, struct pbuf_pool *pool, const struct ipv4_header *h,
                                      const uint8_t *payload, size_t len, uint64_t now, struct pbuf **out);
/* Frees slots whose timeout passed. */
void ipv4_reasm_expire(struct ipv4_reasm *r, struct pbuf_pool *pool, uint64_t now);
/* Earliest slot expiry, UINT64_MAX if none. */
uint64_t ipv4_reasm_next_deadline(const struct ipv4_reasm *r);

#endif
