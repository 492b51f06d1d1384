/* SPDX-License-Identifier: MIT */
/* The node's state on demand: an NMI (QMP inject-nmi; `dsmk dump`, and `dsmk run` when a
 * program times out) logs threads, the DSM's transactions in flight and the transport,
 * between `dump: begin` and `dump: end` lines, then the node carries on. */
#ifndef KERNEL_STATE_DUMP_H
#define KERNEL_STATE_DUMP_H

/* Claims the NMI vector for the dump (after the log and the clock are up). */
void state_dump_init(void);

#endif
