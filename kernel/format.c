/* SPDX-License-Identifier: MIT */
/* Bounded printf formatting. Every write goes through out_char, which counts past the
 * end of the buffer without writing, so the return value is C99's. */
#include "kernel/format.h"

#include <stdbool.h>
#include <stdint.h>

struct fmt_out {
    char *buf;
    size_t size;
    size_t len; /* characters produced so far, including those that did not fit */
};

struct fmt_spec {
    bool left;
    bool zero;
    int width;
    int precision; /* -1: none given */
};

static void out_char(struct fmt_out *o, char c)
{
    if (o->len + 1 < o->size)
        o->buf[o->len] = c;
    o->len++;
}

static void out_padding(struct fmt_out *o, char c, int count)
{
    for (int i = 0; i < count; i++)
        out_char(o, c);
}

static void out_string(struct fmt_out *o, const char *s, const struct fmt_spec *spec)
{
    if (!s)
        s = "(null)";
    int len = 0;
    while (s[len] && (spec->precision < 0 || len < spec->precision))
        len++;
    int pad = spec->width > len ? spec->width - len : 0;
    if (!spec->left)
        out_padding(o, ' ', pad);
    for (int i = 0; i < len; i++)
        out_char(o, s[i]);
    if (spec->left)
        out_padding(o, ' ', pad);
}

static void out_number(struct fmt_out *o, uint64_t value, bool negative, unsigned base, bool upper,
                       const char *prefix, const struct fmt_spec *spec)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[24]; /* 64-bit value in octal needs 22 */
    int n = 0;
    do {
        tmp[n++] = digits[value % base];
        value /= base;
    } while (value);
    int min_digits = spec->precision > n ? spec->precision : n;
    int prefix_len = (negative ? 1 : 0);
    for (const char *p = prefix; *p; p++)
        prefix_len++;
    int total = prefix_len + min_digits;
    int pad = spec->width > total ? spec->width - total : 0;
    bool zero_pad = spec->zero && !spec->left && spec->precision < 0;
    if (!spec->left && !zero_pad)
        out_padding(o, ' ', pad);
    if (negative)
        out_char(o, '-');
    for (const char *p = prefix; *p; p++)
        out_char(o, *p);
    if (zero_pad)
        out_padding(o, '0', pad);
    out_padding(o, '0', min_digits - n);
    while (n)
        out_char(o, tmp[--n]);
    if (spec->left)
        out_padding(o, ' ', pad);
}

enum fmt_length { LEN_INT, LEN_CHAR, LEN_SHORT, LEN_LONG, LEN_LLONG, LEN_SIZE, LEN_PTRDIFF, LEN_MAX };

static enum fmt_length parse_length(const char **fmt)
{
    const char *f = *fmt;
    enum fmt_length len = LEN_INT;
    if (f[0] == 'h' && f[1] == 'h') { len = LEN_CHAR; f += 2; }
    else if (f[0] == 'h') { len = LEN_SHORT; f++; }
    else if (f[0] == 'l' && f[1] == 'l') { len = LEN_LLONG; f += 2; }
    else if (f[0] == 'l') { len = LEN_LONG; f++; }
    else if (f[0] == 'z') { len = LEN_SIZE; f++; }
    else if (f[0] == 't') { len = LEN_PTRDIFF; f++; }
    else if (f[0] == 'j') { len = LEN_MAX; f++; }
    *fmt = f;
    return len;
}

static int64_t fetch_signed(va_list *ap, enum fmt_length len)
{
    switch (len) {
    case LEN_CHAR: return (signed char)va_arg(*ap, int);
    case LEN_SHORT: return (short)va_arg(*ap, int);
    case LEN_LONG: return va_arg(*ap, long);
    case LEN_LLONG: return va_arg(*ap, long long);
    case LEN_SIZE: return (int64_t)va_arg(*ap, size_t);
    case LEN_PTRDIFF: return va_arg(*ap, ptrdiff_t);
    case LEN_MAX: return va_arg(*ap, intmax_t);
    default: return va_arg(*ap, int);
    }
}

static uint64_t fetch_unsigned(va_list *ap, enum fmt_length len)
{
    switch (len) {
    case LEN_CHAR: return (unsigned char)va_arg(*ap, unsigned);
    case LEN_SHORT: return (unsigned short)va_arg(*ap, unsigned);
    case LEN_LONG: return va_arg(*ap, unsigned long);
    case LEN_LLONG: return va_arg(*ap, unsigned long long);
    case LEN_SIZE: return va_arg(*ap, size_t);
    case LEN_PTRDIFF: return (uint64_t)va_arg(*ap, ptrdiff_t);
    case LEN_MAX: return va_arg(*ap, uintmax_t);
    default: return va_arg(*ap, unsigned);
    }
}

static int parse_int(const char **fmt)
{
    int v = 0;
    while (**fmt >= '0' && **fmt <= '9') {
        if (v < 100000)
            v = v * 10 + (**fmt - '0');
        (*fmt)++;
    }
    return v;
}

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap_in)
{
    struct fmt_out o = { buf, size, 0 };
    va_list ap;
    va_copy(ap, ap_in);
    while (*fmt) {
        if (*fmt != '%') {
            out_char(&o, *fmt++);
            continue;
        }
        fmt++;
        struct fmt_spec spec = { false, false, 0, -1 };
        for (;; fmt++) {
            if (*fmt == '-') spec.left = true;
            else if (*fmt == '0') spec.zero = true;
            else break;
        }
        if (*fmt == '*') {
            spec.width = va_arg(ap, int);
            if (spec.width < 0) { spec.left = true; spec.width = -spec.width; }
            fmt++;
        } else {
            spec.width = parse_int(&fmt);
        }
        if (*fmt == '.') {
            fmt++;
            if (*fmt == '*') { spec.precision = va_arg(ap, int); fmt++; }
            else spec.precision = parse_int(&fmt);
        }
        enum fmt_length len = parse_length(&fmt);
        char conv = *fmt;
        if (!conv)
            break;
        fmt++;
        switch (conv) {
        case 'd':
        case 'i': {
            int64_t v = fetch_signed(&ap, len);
            uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
            out_number(&o, mag, v < 0, 10, false, "", &spec);
            break;
        }
        case 'u': out_number(&o, fetch_unsigned(&ap, len), false, 10, false, "", &spec); break;
        case 'x': out_number(&o, fetch_unsigned(&ap, len), false, 16, false, "", &spec); break;
        case 'X': out_number(&o, fetch_unsigned(&ap, len), false, 16, true, "", &spec); break;
        case 'o': out_number(&o, fetch_unsigned(&ap, len), false, 8, false, "", &spec); break;
        case 'p': out_number(&o, (uintptr_t)va_arg(ap, void *), false, 16, false, "0x", &spec); break;
        case 'c': {
            char c[2] = { (char)va_arg(ap, int), 0 };
            struct fmt_spec cs = spec;
            cs.precision = 1;
            if (c[0] == 0) { out_padding(&o, ' ', spec.width > 1 ? spec.width - 1 : 0); out_char(&o, 0); break; }
            out_string(&o, c, &cs);
            break;
        }
        case 's': out_string(&o, va_arg(ap, const char *), &spec); break;
        case '%': out_char(&o, '%'); break;
        default:
            out_char(&o, '%');
            out_char(&o, conv);
            break;
        }
    }
    va_end(ap);
    if (size > 0)
        buf[o.len < size ? o.len : size - 1] = '\0';
    return (int)o.len;
}

int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = fmt_vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
