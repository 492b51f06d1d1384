/* SPDX-License-Identifier: MIT */
/* Page location schemes (issue 6: `fixed`, `central`, and the home node of `dynamic`). The hash spreads
 * consecutive pages over managers so an array's pages do not all land on one node. */
#include "dsm/locate.h"

/* Fibonacci hashing multiplier: 2^64 / golden ratio (Knuth, TAOCP vol. 3, 6.4). */
#define DSM_HASH_MULT 0x9e3779b97f4a7c15ull

static unsigned fixed_manager_of(uint64_t page, unsigned nnodes)
{
    uint64_t h = page * DSM_HASH_MULT;
    return (unsigned)((h >> 32) % nnodes);
}

static unsigned central_manager_of(uint64_t page, unsigned nnodes)
{
    (void)page;
    (void)nnodes;
    return 0;
}

const struct dsm_locator dsm_locator_fixed = { "fixed", fixed_manager_of, false };
const struct dsm_locator dsm_locator_central = { "central", central_manager_of, false };
const struct dsm_locator dsm_locator_dynamic = { "dynamic", fixed_manager_of, true };
