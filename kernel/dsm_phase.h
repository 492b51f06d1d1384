/* SPDX-License-Identifier: MIT */
/* Where the time of a remote page fault goes (issue 5 bench; docs/dsm-protocol.md section
 * 9a): the kernel glue stamps each phase of a fault on the requesting node and the time
 * each incoming protocol message takes to serve, and logs one `dsm-phases` line at exit.
 * Measures only; it changes nothing on the fault path. */
#ifndef KERNEL_DSM_PHASE_H
#define KERNEL_DSM_PHASE_H

#include <stdint.h>

enum dsm_phase {
    DSM_PHASE_SEND,       /* requester: trap handler entry -> request handed to the transport */
    DSM_PHASE_NET,        /* requester: request sent -> the answer's handler starts (network + remote) */
    DSM_PHASE_INSTALL,    /* requester: answer handler start -> thread woken (decode, map, copy) */
    DSM_PHASE_RESUME,     /* requester: thread woken -> running again in the fault handler */
    DSM_PHASE_TOTAL,      /* requester: trap handler entry -> resumed */
    DSM_PHASE_SERVE_REQ,  /* manager: a READ_REQ/WRITE_REQ handled (forward or grant sent) */
    DSM_PHASE_SERVE_FWD,  /* owner: a FWD_READ/FWD_WRITE handled (page read, grant sent) */
    DSM_PHASE_SERVE_GRANT, /* requester: a GRANT handled (page installed, waiters woken) */
    DSM_PHASE_SERVE_OTHER, /* any other protocol message handled */
    DSM_PHASE_COUNT
};

/* Adds one sample of ns nanoseconds to phase ph (the last DSM_PHASE_SAMPLES are kept). */
void dsm_phase_record(enum dsm_phase ph, uint64_t ns);
/* The serve phase for a protocol message of this dsm/msg.h type. */
enum dsm_phase dsm_phase_of_msg(unsigned type);
/* The program starts on this node: the run time and idle time of the log line count from here. */
void dsm_phase_mark_start(void);
/* Logs `dsm-phases node=I` with count, median and 90th percentile (us) of every phase, then
 * the node's run and idle (halted, no thread to run) milliseconds since the mark. */
void dsm_phase_log(unsigned node);

#endif
