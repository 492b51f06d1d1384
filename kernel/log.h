/* SPDX-License-Identifier: MIT */
/* Levelled kernel log on the serial console. Lines look like
 * "[    1.234567] warn  net: message" (seconds since boot by the kernel clock). */
#ifndef KERNEL_LOG_H
#define KERNEL_LOG_H

#include <stddef.h>
#include <stdint.h>

enum log_level { LOG_ERROR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };

/* Writes one log line at level if it passes the threshold (cmdline loglevel=). */
void log_write(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Sets the clock used for timestamps (nanoseconds since boot); NULL prints zeros. */
void log_set_clock(uint64_t (*now_ns)(void));
/* Writes raw bytes to the console with no prefix (program output, verdict lines). */
void console_write(const char *s, size_t len);
/* printf straight to the console, no prefix or level. */
void console_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define log_error(...) log_write(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_write(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_write(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_write(LOG_DEBUG, __VA_ARGS__)

#endif
