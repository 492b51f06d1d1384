/* SPDX-License-Identifier: MIT */
/* Host tests of the command-line parser (kernel/cmdline.c) with a table of its own:
 * every value kind, the refusals (unknown key, duplicate, malformed or out-of-range value,
 * too long, too many arguments) and random input that must never crash it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/cmdline.h"
#include "tests/host/check.h"

static uint64_t t_u64;
static uint32_t t_u32;
static uint8_t t_u8;
static bool t_flag;
static char t_name[8];
static uint8_t t_key[4];
static unsigned t_mode;
static const char *const t_modes[] = { "central", "fixed", "dynamic", NULL };

static const struct cmdline_param params[] = {
    { .name = "big", .parse = cmdline_parse_u64, .storage = &t_u64, .storage_size = sizeof t_u64, .min = 0,
      .max = UINT64_MAX },
    { .name = "node", .parse = cmdline_parse_u64, .storage = &t_u32, .storage_size = sizeof t_u32, .min = 0,
      .max = 63 },
    { .name = "mtu", .parse = cmdline_parse_u64, .storage = &t_u8, .storage_size = sizeof t_u8, .min = 1,
      .max = 200 },
    { .name = "shutdown", .parse = cmdline_parse_bool, .storage = &t_flag, .storage_size = sizeof t_flag,
      .is_flag = true },
    { .name = "name", .parse = cmdline_parse_string, .storage = t_name, .storage_size = sizeof t_name },
    { .name = "key", .parse = cmdline_parse_hex, .storage = t_key, .storage_size = sizeof t_key },
    { .name = "dsm.manager", .parse = cmdline_parse_choice, .storage = &t_mode, .storage_size = sizeof t_mode,
      .choices = t_modes },
};
#define PARAM_COUNT (sizeof params / sizeof params[0])

static struct cmdline_result result;
static char err[200];

static void reset(void)
{
    t_u64 = 0;
    t_u32 = 0;
    t_u8 = 0;
    t_flag = false;
    memset(t_name, 0, sizeof t_name);
    memset(t_key, 0, sizeof t_key);
    t_mode = 0;
}

static bool parse(const char *text)
{
    reset();
    err[0] = '\0';
    return cmdline_parse(text, params, PARAM_COUNT, &result, err, sizeof err);
}

static void expect_refused(const char *text, const char *needle)
{
    if (!CHECK(!parse(text))) {
        printf("    '%s' was accepted\n", text);
        return;
    }
    if (!CHECK(strstr(err, needle) != NULL))
        printf("    '%s': error '%s', expected '%s'\n", text, err, needle);
}

TEST(cmdline_parses_every_kind)
{
    CHECK(parse("/boot/dsmk.elf big=0xFFFFFFFFFFFFFFFF node=63 mtu=200 shutdown name=abcdefg key=0a1B2c3D "
                "dsm.manager=dynamic"));
    CHECK_EQ(t_u64, UINT64_MAX);
    CHECK_EQ(t_u32, 63);
    CHECK_EQ(t_u8, 200);
    CHECK(t_flag);
    CHECK(strcmp(t_name, "abcdefg") == 0);
    CHECK_EQ(t_key[0], 0x0a);
    CHECK_EQ(t_key[3], 0x3d);
    CHECK_EQ(t_mode, 2);
    CHECK_EQ(result.argc, 0);
    CHECK(!result.seen_separator);
    CHECK(parse("big=18446744073709551615 shutdown=0"));
    CHECK_EQ(t_u64, UINT64_MAX);
    CHECK(!t_flag);
    CHECK(parse("shutdown=1 node=0x3f name="));
    CHECK(t_flag);
    CHECK_EQ(t_u32, 63);
    CHECK_EQ(t_name[0], '\0');
}

TEST(cmdline_program_argv_and_loader_words)
{
    CHECK(parse("http://10.0.0.1/dsmk.elf node=1\t\n -- prog  -x key=zz --  \"q\""));
    CHECK_EQ(t_u32, 1);
    CHECK(result.seen_separator);
    CHECK_EQ(result.argc, 5);
    CHECK(strcmp(result.argv[0], "prog") == 0);
    CHECK(strcmp(result.argv[2], "key=zz") == 0); /* after "--": the program's, not parsed */
    CHECK(strcmp(result.argv[3], "--") == 0);
    CHECK(strcmp(result.argv[4], "\"q\"") == 0);
    CHECK(result.argv[5] == NULL);
    CHECK(parse(""));
    CHECK_EQ(result.argc, 0);
    CHECK(parse("   "));
    CHECK(parse("--"));
    CHECK(result.seen_separator && result.argc == 0);
    CHECK(parse("node")); /* a bare word that is not a flag belongs to the loader */
    CHECK_EQ(t_u32, 0);
}

TEST(cmdline_refuses_unknown_duplicate_and_malformed)
{
    expect_refused("nodes=4", "nodes: unknown key");
    expect_refused("=5", "unknown key");
    expect_refused("node=1 node=1", "node: given twice");
    expect_refused("shutdown shutdown", "shutdown: given twice");
    expect_refused("shutdown=1 shutdown", "given twice");
    expect_refused("node=", "expected a number");
    expect_refused("node=0x", "expected a number");
    expect_refused("node=-1", "is not a number");
    expect_refused("node=12abc", "is not a number");
    expect_refused("node=0x1g", "is not a number");
    expect_refused("node=64", "outside 0..63");
    expect_refused("mtu=0", "outside 1..200");
    expect_refused("big=18446744073709551616", "too large");
    expect_refused("big=0x10000000000000000", "too large");
    expect_refused("big=99999999999999999999999", "too large");
    expect_refused("shutdown=2", "expected 0 or 1");
    expect_refused("shutdown=", "expected 0 or 1");
    expect_refused("name=abcdefgh", "longer than 7");
    expect_refused("key=0a1b2c", "expected 8 hex digits");
    expect_refused("key=0a1b2c3d4e", "expected 8 hex digits");
    expect_refused("key=0a1b2cxy", "not hex");
    expect_refused("dsm.manager=random", "not one of central fixed dynamic");
    expect_refused("dsm.manager=", "not one of");
    expect_refused("node=1=2", "is not a number");
}

TEST(cmdline_refuses_too_long_and_too_many_args)
{
    static char text[CMDLINE_MAX + 16];
    memset(text, 'a', CMDLINE_MAX);
    text[CMDLINE_MAX] = '\0';
    expect_refused(text, "longer than");
    text[CMDLINE_MAX - 1] = '\0'; /* the longest accepted: one loader word */
    CHECK(parse(text));

    size_t n = (size_t)snprintf(text, sizeof text, "--");
    for (int i = 0; i < CMDLINE_MAX_ARGS; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, " a%d", i);
    CHECK(parse(text));
    CHECK_EQ(result.argc, CMDLINE_MAX_ARGS);
    snprintf(text + n, sizeof text - n, " one-more");
    expect_refused(text, "more than 64 program arguments");

    /* more declared parameters than the parser tracks */
    static struct cmdline_param many[300];
    for (size_t i = 0; i < 300; i++)
        many[i] = params[0];
    CHECK(!cmdline_parse("x", many, 300, &result, err, sizeof err));
    CHECK(strstr(err, "too many declared") != NULL);
}

TEST(cmdline_small_error_buffer_is_truncated_not_overrun)
{
    char small[8];
    memset(small, 'Z', sizeof small);
    CHECK(!cmdline_parse("dsm.manager=nonsense", params, PARAM_COUNT, &result, small, 6));
    CHECK_EQ(small[5], '\0');
    CHECK_EQ(small[6], 'Z');
    CHECK(!cmdline_parse("whatever=1", params, PARAM_COUNT, &result, small, 1));
    CHECK_EQ(small[0], '\0');
}

/* Random words from a hostile alphabet: never a crash; on success argv is consistent. */
TEST(cmdline_survives_random_input)
{
    static const char alphabet[] = "nodemtukeyshutdwbig.=0x1F9- \t";
    static char text[600];
    srand(77);
    int accepted = 0;
    for (int round = 0; round < 20000; round++) {
        size_t len = (size_t)(rand() % (int)(sizeof text - 1));
        for (size_t i = 0; i < len; i++)
            text[i] = alphabet[rand() % (int)(sizeof alphabet - 1)];
        text[len] = '\0';
        if (parse(text)) {
            accepted++;
            CHECK(result.argc >= 0 && result.argc <= CMDLINE_MAX_ARGS);
            CHECK(result.argv[result.argc] == NULL);
            CHECK(t_u32 <= 63 && (t_u8 == 0 || t_u8 >= 1));
        } else {
            CHECK(err[0] != '\0');
        }
    }
    CHECK(accepted > 0);
}
