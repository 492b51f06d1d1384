/* SPDX-License-Identifier: MIT */
/* printf-style formatting into a bounded buffer; portable (kernel and host tests).
 * Supports %d %i %u %x %X %o %c %s %p %% with flags '-', '0', width, precision (for %s
 * and as minimum digits) and the length modifiers hh h l ll z t j. No floating point. */
#ifndef KERNEL_FORMAT_H
#define KERNEL_FORMAT_H

#include <stdarg.h>
#include <stddef.h>

/* Formats into buf (always NUL-terminated when size > 0); returns the length the full
 * output would have had, like C99 vsnprintf. */
int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
/* fmt_vsnprintf with variadic arguments. */
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
