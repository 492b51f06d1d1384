/* SPDX-License-Identifier: MIT */
/* The DSM core's only way out to the machine (DESIGN.md section 3): a table of function
 * pointers that the kernel glue (kernel/dsm_glue.c) and the simulator (tests/sim) fill.
 * Every call runs to completion and never re-enters the core; none may block. */
#ifndef DSM_ENV_H
#define DSM_ENV_H

#include <stddef.h>
#include <stdint.h>

/* Protection the core asks for on the local copy of a page. */
enum dsm_prot {
    DSM_PROT_NONE = 0,  /* no access: the next touch faults */
    DSM_PROT_READ = 1,  /* read-only (also executable for program text) */
    DSM_PROT_WRITE = 2, /* read and write */
};

struct dsm_env {
    void *ctx; /* passed back as the first argument of every call */
    /* Sends len bytes to node `to` (never self). The transport below delivers each message
     * exactly once and in order per ordered node pair; the bytes are copied before return. */
    void (*send)(void *ctx, unsigned to, const void *bytes, size_t len);
    /* Maps the local copy of `page` with prot; data is DSM_PAGE_SIZE bytes to copy in, or
     * NULL for a zero-filled page. Replaces any previous copy. */
    void (*page_install)(void *ctx, uint64_t page, const void *data, enum dsm_prot prot);
    /* Changes the protection of the present local copy of `page`. */
    void (*page_protect)(void *ctx, uint64_t page, enum dsm_prot prot);
    /* Copies the present local copy of `page` (DSM_PAGE_SIZE bytes) into buf. */
    void (*page_read)(void *ctx, uint64_t page, void *buf);
    /* Unmaps and frees the local copy of `page`. */
    void (*page_drop)(void *ctx, uint64_t page);
    /* Reads the 32-bit word at user address addr, whose page is present locally. */
    uint32_t (*read_u32)(void *ctx, uint64_t addr);
    /* Resumes the thread parked with `token`; result is 0 or a negative DSM_E* code for a
     * fault, or the futex result (0, count, -DSM_EAGAIN, -DSM_ETIMEDOUT) for a futex call.
     * May come before the call that parked the thread has returned DSM_PENDING (when the
     * answer is local): the glue must then not park the thread at all. */
    void (*wake)(void *ctx, uint64_t token, int64_t result);
    /* Monotonic time in nanoseconds. */
    uint64_t (*now_ns)(void *ctx);
    /* Asks for one call of dsm_timer_expired() at or after deadline_ns; replaces the
     * previous request; 0 cancels. */
    void (*timer_arm)(void *ctx, uint64_t deadline_ns);
    /* Memory for the core's records; NULL when exhausted (the core then fails the
     * operation with -DSM_ENOMEM). */
    void *(*alloc)(void *ctx, size_t size);
    void (*free)(void *ctx, void *ptr);
    /* One diagnostic line (no newline), may be NULL. */
    void (*log)(void *ctx, const char *line);
};

#endif
