/* SPDX-License-Identifier: MIT */
/* Kernel log: formats into a stack buffer and writes it to the serial console.
 * Lines longer than LOG_LINE_MAX are cut (and marked with "..."). */
#include "kernel/log.h"

#include <stdarg.h>

#include "drivers/serial.h"
#include "kernel/cmdline.h"
#include "kernel/format.h"

#define LOG_LINE_MAX 512
#define NS_PER_SEC 1000000000ull
#define NS_PER_USEC 1000ull

static uint64_t loglevel = LOG_INFO;
CMDLINE_PARAM_U64(loglevel, "loglevel", LOG_ERROR, LOG_DEBUG, "0 error, 1 warn, 2 info, 3 debug");

static uint64_t (*log_clock)(void);

static const char *const level_names[] = {
    [LOG_ERROR] = "error",
    [LOG_WARN] = "warn ",
    [LOG_INFO] = "info ",
    [LOG_DEBUG] = "debug",
};

void log_set_clock(uint64_t (*now_ns)(void))
{
    log_clock = now_ns;
}

void console_write(const char *s, size_t len)
{
    serial_write(s, len);
}

void console_printf(const char *fmt, ...)
{
    char line[LOG_LINE_MAX];
    va_list ap;
    va_start(ap, fmt);
    int n = fmt_vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    console_write(line, n < (int)sizeof line ? (size_t)n : sizeof line - 1);
}

void log_write(enum log_level level, const char *fmt, ...)
{
    if ((uint64_t)level > loglevel)
        return;
    char line[LOG_LINE_MAX];
    uint64_t ns = log_clock ? log_clock() : 0;
    int n = fmt_snprintf(line, sizeof line, "[%5llu.%06llu] %s ", (unsigned long long)(ns / NS_PER_SEC),
                         (unsigned long long)(ns % NS_PER_SEC / NS_PER_USEC), level_names[level]);
    va_list ap;
    va_start(ap, fmt);
    n += fmt_vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    if (n >= (int)sizeof line - 1) {
        n = sizeof line - 5;
        line[n++] = '.';
        line[n++] = '.';
        line[n++] = '.';
    }
    line[n++] = '\n';
    console_write(line, (size_t)n);
}
