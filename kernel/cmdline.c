/* SPDX-License-Identifier: MIT */
/* Command-line tokenizer and value parsers (see cmdline.h for the rules). Portable:
 * the kernel passes the .cmdline_params section, host tests pass their own tables. */
#include "kernel/cmdline.h"

#include "kernel/format.h"
#include "kernel/libc.h"

#define CMDLINE_MAX_PARAMS 256 /* bounds the "given twice" bookkeeping */

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static void store_uint(void *storage, size_t size, uint64_t v)
{
    switch (size) {
    case 1: *(uint8_t *)storage = (uint8_t)v; break;
    case 2: *(uint16_t *)storage = (uint16_t)v; break;
    case 4: *(uint32_t *)storage = (uint32_t)v; break;
    default: *(uint64_t *)storage = v; break;
    }
}

bool cmdline_parse_u64(const struct cmdline_param *p, const char *value, char *err, size_t err_size)
{
    uint64_t v = 0;
    unsigned base = 10;
    const char *s = value;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    if (!*s) {
        fmt_snprintf(err, err_size, "expected a number");
        return false;
    }
    for (; *s; s++) {
        int d = hex_digit(*s);
        if (d < 0 || (unsigned)d >= base) {
            fmt_snprintf(err, err_size, "'%s' is not a number", value);
            return false;
        }
        if (v > (UINT64_MAX - (uint64_t)d) / base) {
            fmt_snprintf(err, err_size, "'%s' is too large", value);
            return false;
        }
        v = v * base + (uint64_t)d;
    }
    if (v < p->min || v > p->max) {
        fmt_snprintf(err, err_size, "%llu is outside %llu..%llu", (unsigned long long)v, (unsigned long long)p->min,
                     (unsigned long long)p->max);
        return false;
    }
    store_uint(p->storage, p->storage_size, v);
    return true;
}

bool cmdline_parse_bool(const struct cmdline_param *p, const char *value, char *err, size_t err_size)
{
    if (!value || strcmp(value, "1") == 0) {
        *(bool *)p->storage = true;
        return true;
    }
    if (strcmp(value, "0") == 0) {
        *(bool *)p->storage = false;
        return true;
    }
    fmt_snprintf(err, err_size, "expected 0 or 1, got '%s'", value);
    return false;
}

bool cmdline_parse_string(const struct cmdline_param *p, const char *value, char *err, size_t err_size)
{
    size_t len = strlen(value);
    if (len + 1 > p->storage_size) {
        fmt_snprintf(err, err_size, "longer than %zu characters", p->storage_size - 1);
        return false;
    }
    memcpy(p->storage, value, len + 1);
    return true;
}

bool cmdline_parse_hex(const struct cmdline_param *p, const char *value, char *err, size_t err_size)
{
    size_t len = strlen(value);
    if (len != 2 * p->storage_size) {
        fmt_snprintf(err, err_size, "expected %zu hex digits, got %zu", 2 * p->storage_size, len);
        return false;
    }
    uint8_t *out = p->storage;
    for (size_t i = 0; i < p->storage_size; i++) {
        int hi = hex_digit(value[2 * i]), lo = hex_digit(value[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            fmt_snprintf(err, err_size, "'%c%c' is not hex", value[2 * i], value[2 * i + 1]);
            return false;
        }
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

bool cmdline_parse_choice(const struct cmdline_param *p, const char *value, char *err, size_t err_size)
{
    for (unsigned i = 0; p->choices[i]; i++) {
        if (strcmp(p->choices[i], value) == 0) {
            store_uint(p->storage, p->storage_size, i);
            return true;
        }
    }
    int n = fmt_snprintf(err, err_size, "'%s' is not one of", value);
    for (unsigned i = 0; p->choices[i] && n >= 0 && (size_t)n < err_size; i++)
        n += fmt_snprintf(err + n, err_size - (size_t)n, " %s", p->choices[i]);
    return false;
}

static const struct cmdline_param *find_param(const struct cmdline_param *params, size_t count, const char *name,
                                              size_t *index)
{
    for (size_t i = 0; i < count; i++) {
        if (strcmp(params[i].name, name) == 0) {
            *index = i;
            return &params[i];
        }
    }
    return NULL;
}

bool cmdline_parse(const char *text, const struct cmdline_param *params, size_t count, struct cmdline_result *result,
                   char *err, size_t err_size)
{
    bool seen[CMDLINE_MAX_PARAMS] = { false };
    char reason[160];
    size_t text_len = strnlen(text, CMDLINE_MAX);
    if (text_len >= CMDLINE_MAX) {
        fmt_snprintf(err, err_size, "command line longer than %d bytes", CMDLINE_MAX - 1);
        return false;
    }
    if (count > CMDLINE_MAX_PARAMS) {
        fmt_snprintf(err, err_size, "too many declared parameters (%zu)", count);
        return false;
    }
    memcpy(result->buffer, text, text_len + 1);
    result->argc = 0;
    result->argv[0] = NULL;
    result->seen_separator = false;

    char *cursor = result->buffer;
    for (;;) {
        while (is_space(*cursor))
            cursor++;
        if (!*cursor)
            break;
        char *word = cursor;
        while (*cursor && !is_space(*cursor))
            cursor++;
        if (*cursor)
            *cursor++ = '\0';

        if (result->seen_separator) {
            if (result->argc >= CMDLINE_MAX_ARGS) {
                fmt_snprintf(err, err_size, "more than %d program arguments", CMDLINE_MAX_ARGS);
                return false;
            }
            result->argv[result->argc++] = word;
            result->argv[result->argc] = NULL;
            continue;
        }
        if (strcmp(word, "--") == 0) {
            result->seen_separator = true;
            continue;
        }
        char *eq = word;
        while (*eq && *eq != '=')
            eq++;
        size_t index;
        if (!*eq) {
            const struct cmdline_param *flag = find_param(params, count, word, &index);
            if (flag && flag->is_flag) {
                if (seen[index]) {
                    fmt_snprintf(err, err_size, "%s: given twice", word);
                    return false;
                }
                seen[index] = true;
                flag->parse(flag, NULL, reason, sizeof reason);
            }
            continue; /* a loader's word (image path, URI): not ours */
        }
        *eq = '\0';
        const char *value = eq + 1;
        const struct cmdline_param *p = find_param(params, count, word, &index);
        if (!p) {
            fmt_snprintf(err, err_size, "%s: unknown key", word);
            return false;
        }
        if (seen[index]) {
            fmt_snprintf(err, err_size, "%s: given twice", word);
            return false;
        }
        seen[index] = true;
        if (!p->parse(p, value, reason, sizeof reason)) {
            fmt_snprintf(err, err_size, "%s=%s: %s", word, value, reason);
            return false;
        }
    }
    return true;
}
