/* SPDX-License-Identifier: MIT */
/* Bulk copy for packet payloads: 8-byte loads and stores. Under QEMU TCG this is several
 * times faster than `rep movsb` (measured here: 4 KiB in ~4 us against 15-35 us), and the
 * stack copies every page it sends or reassembles. Out of line, in the page of hot loops
 * (kernel/hot_loop.h), so its loop never crosses a page. */
#ifndef NET_COPY_H
#define NET_COPY_H

#include <stddef.h>

/* Copies n bytes from src to dst (no overlap). */
void net_copy(void *dst, const void *src, size_t n);

#endif
