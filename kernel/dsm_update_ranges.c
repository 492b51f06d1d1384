/* SPDX-License-Identifier: MIT */
/* Parser of dsm.update= (kernel/dsm_update_ranges.h). Refuses rather than rounds: a range
 * that is not page aligned would silently make its neighbours write-update too. */
#include "kernel/dsm_update_ranges.h"

#include "dsm/dsm.h"
#include "kernel/format.h"

/* Reads a decimal or 0x-hex number at *p; false if there is none or it overflows. */
static bool dur_number(const char **p, uint64_t *out)
{
    const char *s = *p;
    unsigned base = 10;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    uint64_t v = 0;
    const char *start = s;
    for (;; s++) {
        unsigned digit;
        if (*s >= '0' && *s <= '9')
            digit = (unsigned)(*s - '0');
        else if (base == 16 && *s >= 'a' && *s <= 'f')
            digit = (unsigned)(*s - 'a' + 10);
        else if (base == 16 && *s >= 'A' && *s <= 'F')
            digit = (unsigned)(*s - 'A' + 10);
        else
            break;
        if (v > (UINT64_MAX - digit) / base)
            return false;
        v = v * base + digit;
    }
    if (s == start)
        return false;
    *p = s;
    *out = v;
    return true;
}

int dsm_update_ranges_parse(const char *text, struct dsm_update_range *out, size_t max, char *err, size_t err_size)
{
    const char *p = text;
    size_t n = 0;
    for (;;) {
        uint64_t start, len;
        if (!dur_number(&p, &start) || *p++ != '+' || !dur_number(&p, &len) || (*p != ',' && *p != '\0')) {
            fmt_snprintf(err, err_size, "range %zu: expected 0xSTART+LEN", n + 1);
            return -1;
        }
        if ((start | len) & (DSM_PAGE_SIZE - 1) || len == 0) {
            fmt_snprintf(err, err_size, "range %zu: start and length must be page aligned, length not 0", n + 1);
            return -1;
        }
        if (start >= DSM_USER_END || len > DSM_USER_END - start) {
            fmt_snprintf(err, err_size, "range %zu: outside user space", n + 1);
            return -1;
        }
        if (n == max) {
            fmt_snprintf(err, err_size, "more than %zu ranges", max);
            return -1;
        }
        struct dsm_update_range r = { start >> DSM_PAGE_SHIFT, len >> DSM_PAGE_SHIFT };
        for (size_t i = 0; i < n; i++)
            if (r.first < out[i].first + out[i].count && out[i].first < r.first + r.count) {
                fmt_snprintf(err, err_size, "range %zu overlaps range %zu", n + 1, i + 1);
                return -1;
            }
        out[n++] = r;
        if (*p == '\0')
            return (int)n;
        p++;
    }
}
