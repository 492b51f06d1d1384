/* SPDX-License-Identifier: MIT */
/* Page location schemes (DESIGN.md section 4, issue 6): which node manages a page, i.e.
 * serializes its transactions and keeps its owner and copyset. Each scheme is one ops
 * table; `dynamic` (probable owners with forwarding) keeps its hints in the page records
 * (coherence.c); its table only names the home node. */
#ifndef DSM_LOCATE_H
#define DSM_LOCATE_H

#include <stdbool.h>
#include <stdint.h>

struct dsm_locator {
    const char *name;
    /* Manager of page in a cluster of nnodes nodes; the same answer on every node. */
    unsigned (*manager_of)(uint64_t page, unsigned nnodes);
    /* Coherence requests follow probable-owner hints and the owner manages its page;
     * manager_of then only gives the home node (futex queues, untouched pages). */
    bool probable_owner;
};

/* manager(page) = hash(page) mod nnodes. */
extern const struct dsm_locator dsm_locator_fixed;
/* Node 0 manages every page (the seed's central server). */
extern const struct dsm_locator dsm_locator_central;
/* IVY's dynamic distributed manager; home node = hash(page) mod nnodes. */
extern const struct dsm_locator dsm_locator_dynamic;

#endif
