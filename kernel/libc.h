/* SPDX-License-Identifier: MIT */
/* The C library subset portable code may use. In the kernel these come from
 * kernel/string.c; on the host (DSMK_HOST) from the host's libc. */
#ifndef KERNEL_LIBC_H
#define KERNEL_LIBC_H

#include <stddef.h>

#ifdef DSMK_HOST
#include <string.h>
#else
void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
#endif

#endif
