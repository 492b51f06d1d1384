/* SPDX-License-Identifier: MIT */
/* Raw copies between kernel and user memory that survive a fault: the copy loop's
 * addresses form an exception-table entry, and kernel/usercopy.c's #PF handling resumes
 * a faulting copy at its fixup, which returns the bytes left. SMAP (SDM vol. 3 4.6.1)
 * is lifted with STAC only for the copy. Range checks are the caller's (kernel/usercopy.c). */
#ifndef ARCH_USERCOPY_H
#define ARCH_USERCOPY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Copies n bytes; returns the number NOT copied (0 on success). Must be called with
 * SMAP lifted (usercopy_smap_open). */
size_t usercopy_raw(void *dst, const void *src, size_t n);
/* Compares the user word at uaddr with expected and, if equal, stores desired, atomically
 * (LOCK CMPXCHG); *found gets the value the word held. Returns 0, or nonzero when the word
 * could not be mapped. Must be called with SMAP lifted. */
size_t usercopy_cmpxchg32_raw(uint32_t *uaddr, uint32_t expected, uint32_t desired, uint32_t *found);
/* The faultable instructions' range and where a fault inside it continues. */
extern const char usercopy_fault_start[], usercopy_fault_end[], usercopy_fault_fixup[];

/* Enables SMEP, SMAP and (already on from boot) NX where CPUID offers them; logs which. */
void usercopy_cpu_protect_init(void);
/* Allows (STAC) / forbids again (CLAC) supervisor access to user pages, when SMAP is on. */
void usercopy_smap_open(void);
void usercopy_smap_close(void);

#endif
