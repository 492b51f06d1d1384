/* SPDX-License-Identifier: MIT */
/* Fault sites: where in the program a node's remote faults come from. Each remote fault
 * is charged to its site, the user instruction that touched the page (or, for the kernel's
 * own access to user memory, the instruction after the program's system call), with how
 * long the thread waited, how many of the faults were sharing misses (the page had been
 * here and another node took it), and the last address touched. The `dsm-sites` line
 * (docs/dsm-protocol.md section 9c) names the sites that waited longest, and `dsmk run
 * --sites` turns every node's line into one table of functions and data symbols.
 * Portable bookkeeping (kernel and host tests); it decides nothing. */
#ifndef DSM_SITES_H
#define DSM_SITES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Distinct sites a node keeps; faults at further sites are only counted (`other`). A
 * program's hot fault sites are few (the loop bodies and lock calls that share data), so
 * 128 keeps them all in every bundled program and in the real programs measured. */
#define DSM_SITES_MAX 128

/* Most sites one `dsm-sites` line names (its buffer is on the kernel stack). */
#define DSM_SITES_LINE_MAX 16

enum dsm_site_kind {
    DSM_SITE_READ = 0,
    DSM_SITE_WRITE = 1,
    DSM_SITE_SYSCALL = 2, /* flag: the kernel's access to user memory for a system call */
};

struct dsm_site {
    uint64_t rip;     /* the instruction (a slot with no faults is free) */
    uint8_t kind;     /* enum dsm_site_kind bits */
    uint64_t faults;
    uint64_t taken;   /* sharing misses among them */
    uint64_t wait_ns; /* total time its threads waited */
    uint64_t addr;    /* the last user address it faulted on */
};

struct dsm_sites {
    struct dsm_site slot[DSM_SITES_MAX];
    unsigned used;
    uint64_t faults;       /* every fault recorded, kept sites or not */
    uint64_t other_faults; /* faults of sites that found the table full */
};

/* Charges one remote fault at user instruction rip (kind: enum dsm_site_kind bits) on the
 * user address addr, whose thread waited wait_ns; taken says it was a sharing miss. */
void dsm_sites_record(struct dsm_sites *s, uint64_t rip, unsigned kind, uint64_t addr, bool taken,
                      uint64_t wait_ns);
/* Copies up to max sites into out, longest total wait first (ties: more faults, then lower
 * rip); returns how many. */
unsigned dsm_sites_top(const struct dsm_sites *s, struct dsm_site *out, unsigned max);
/* Formats `dsm-sites node=I sites=S faults=F other=O` and then up to max sites (at most
 * DSM_SITES_LINE_MAX) as
 * ` site=RIP:KIND:FAULTS:TAKEN:WAIT_US:ADDR` (hex RIP and ADDR, KIND r|w|sr|sw), longest
 * wait first, into buf (no newline); only whole sites that fit. Returns the length written. */
size_t dsm_sites_format(const struct dsm_sites *s, unsigned node, unsigned max, char *buf, size_t size);

#endif
