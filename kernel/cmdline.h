/* SPDX-License-Identifier: MIT */
/* Kernel command line: key=value words (DESIGN.md section 2). Portable.
 * Each subsystem declares its keys next to the variable they set, with the
 * CMDLINE_PARAM_* macros; the declarations land in the .cmdline_params section and
 * the kernel parses against all of them at once. Words without '=' before "--" belong
 * to the loader and are ignored, except declared flags (e.g. "ktest"). An unknown key,
 * a malformed or out-of-range value, or a key given twice is an error, never a guess.
 * Everything after "--" is the program's argv. */
#ifndef KERNEL_CMDLINE_H
#define KERNEL_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CMDLINE_MAX 4096     /* bytes of command line kept, NUL included */
#define CMDLINE_MAX_ARGS 64  /* program arguments after "--" */

struct cmdline_param;

/* Parses value into p->storage; on failure writes the reason into err and returns false. */
typedef bool (*cmdline_parse_fn)(const struct cmdline_param *p, const char *value, char *err, size_t err_size);

struct cmdline_param {
    const char *name;
    cmdline_parse_fn parse;
    void *storage;
    size_t storage_size;    /* bytes at storage, for strings and hex keys */
    uint64_t min, max;      /* inclusive range for numbers */
    const char *const *choices; /* NULL-terminated names for CMDLINE_PARAM_CHOICE */
    bool is_flag;           /* may appear as a bare word, which sets it to true */
    const char *help;
};

bool cmdline_parse_u64(const struct cmdline_param *p, const char *value, char *err, size_t err_size);
bool cmdline_parse_bool(const struct cmdline_param *p, const char *value, char *err, size_t err_size);
bool cmdline_parse_string(const struct cmdline_param *p, const char *value, char *err, size_t err_size);
bool cmdline_parse_hex(const struct cmdline_param *p, const char *value, char *err, size_t err_size);
bool cmdline_parse_choice(const struct cmdline_param *p, const char *value, char *err, size_t err_size);

#define CMDLINE_SECTION __attribute__((section(".cmdline_params"), used, aligned(8)))

/* uint64_t var in [min, max]; decimal or 0x hex. */
#define CMDLINE_PARAM_U64(var, key, lo, hi, text)                                                     \
    static const struct cmdline_param cmdline_param_##var CMDLINE_SECTION = {                          \
        .name = key, .parse = cmdline_parse_u64, .storage = &(var), .storage_size = sizeof(var),       \
        .min = (lo), .max = (hi), .help = text }
/* bool var; "key", "key=1" or "key=0". */
#define CMDLINE_PARAM_FLAG(var, key, text)                                                            \
    static const struct cmdline_param cmdline_param_##var CMDLINE_SECTION = {                          \
        .name = key, .parse = cmdline_parse_bool, .storage = &(var), .storage_size = sizeof(var),      \
        .is_flag = true, .help = text }
/* char var[N]; the value must fit with its NUL. */
#define CMDLINE_PARAM_STRING(var, key, text)                                                          \
    static const struct cmdline_param cmdline_param_##var CMDLINE_SECTION = {                          \
        .name = key, .parse = cmdline_parse_string, .storage = (var), .storage_size = sizeof(var),     \
        .help = text }
/* uint8_t var[N]; exactly 2*N hex digits. */
#define CMDLINE_PARAM_HEX(var, key, text)                                                             \
    static const struct cmdline_param cmdline_param_##var CMDLINE_SECTION = {                          \
        .name = key, .parse = cmdline_parse_hex, .storage = (var), .storage_size = sizeof(var),        \
        .help = text }
/* unsigned var = index of the value in names (a NULL-terminated array). */
#define CMDLINE_PARAM_CHOICE(var, key, names, text)                                                   \
    static const struct cmdline_param cmdline_param_##var CMDLINE_SECTION = {                          \
        .name = key, .parse = cmdline_parse_choice, .storage = &(var), .storage_size = sizeof(var),    \
        .choices = (names), .help = text }

struct cmdline_result {
    char buffer[CMDLINE_MAX];        /* the program argv strings point in here */
    int argc;                        /* words after "--" */
    char *argv[CMDLINE_MAX_ARGS + 1];
    bool seen_separator;             /* "--" was present */
};

/* Parses text against params[0..count); fills result. Returns true on success; on the
 * first error writes "word: reason" into err and returns false (storage may be partly set). */
bool cmdline_parse(const char *text, const struct cmdline_param *params, size_t count, struct cmdline_result *result,
                   char *err, size_t err_size);

/* The parameters declared in this image (the .cmdline_params section); kernel only. */
const struct cmdline_param *cmdline_params_begin(void);
const struct cmdline_param *cmdline_params_end(void);

#endif
