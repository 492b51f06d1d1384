/* SPDX-License-Identifier: MIT */
/* The `dsm.update=0xSTART+LEN[,0xSTART+LEN...]` command-line value (issue 6, write-update
 * regions chosen at boot): parsing and checking only, portable. What the ranges become is
 * kernel/dsm_update.c's job. */
#ifndef KERNEL_DSM_UPDATE_RANGES_H
#define KERNEL_DSM_UPDATE_RANGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DSM_UPDATE_MAX_RANGES 8 /* the DSM start message holds 16 core regions in all */

struct dsm_update_range {
    uint64_t first, count; /* pages (4 KiB) */
};

/* Parses text into out[0..max): each range page aligned, not empty, inside user space
 * (below DSM_USER_END), none overlapping another; numbers in hex (0x) or decimal. Returns
 * the number of ranges, or -1 with the reason in err. */
int dsm_update_ranges_parse(const char *text, struct dsm_update_range *out, size_t max, char *err, size_t err_size);

#endif
