/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "kernel/linux_abi.h"
#include "kernel/path.h"
#include "tests/host/check.h"

/* A tree: /d, /d/e (directories), /f, /d/g (files). */
static enum path_kind path_test_kind(const char *path, void *ctx)
{
    (void)ctx;
    static const char *const dirs[] = { "/", "/d", "/d/e" };
    static const char *const files[] = { "/f", "/d/g" };
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++)
        if (strcmp(path, dirs[i]) == 0)
            return PATH_DIR;
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        if (strcmp(path, files[i]) == 0)
            return PATH_FILE;
    return PATH_MISSING;
}

static int path_test_resolve(const char *base, const char *path, char *out, size_t size, bool *dir_only)
{
    struct path_result r;
    int rc = path_resolve(base, path, out, size, path_test_kind, NULL, &r);
    *dir_only = r.dir_only;
    return rc;
}

/* One resolution: from base, path gives err, and (err 0) the canonical want. */
struct path_case {
    const char *base, *path;
    int err;
    const char *want;
};

static void path_check_cases(const struct path_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char out[64];
        bool dir_only;
        const struct path_case *c = &cases[i];
        CHECK_EQ(path_test_resolve(c->base, c->path, out, sizeof out, &dir_only), (uint64_t)(int64_t)c->err);
        CHECK(c->err != 0 || strcmp(out, c->want) == 0);
    }
}

/* Absolute and relative paths come out canonical: no "//", ".", "..", or trailing "/". */
TEST(path_resolve_makes_canonical_paths)
{
    static const struct path_case cases[] = {
        { "/", "/", 0, "/" },           { "/", ".", 0, "/" },
        { "/", "..", 0, "/" },          { "/", "/../..", 0, "/" },
        { "/", "new", 0, "/new" },      { "/d", "new", 0, "/d/new" },
        { "/d", "..", 0, "/" },         { "/d/e", "../g", 0, "/d/g" },
        { "/d/e", "/f", 0, "/f" },      { "/", "//d///e/./", 0, "/d/e" },
        { "/", "d/e/../../f", 0, "/f" }, { "/", "d/./new", 0, "/d/new" },
    };
    path_check_cases(cases, sizeof cases / sizeof cases[0]);
}

/* Every component a path passes through must be a directory, even one ".." leaves again. */
TEST(path_resolve_checks_the_directories_on_the_way)
{
    static const struct path_case cases[] = {
        { "/", "", -LINUX_ENOENT, NULL },
        { "/", "missing/x", -LINUX_ENOENT, NULL },
        { "/", "missing/../f", -LINUX_ENOENT, NULL },
        { "/", "f/x", -LINUX_ENOTDIR, NULL },
        { "/", "f/..", -LINUX_ENOTDIR, NULL },
        { "/", "f/.", -LINUX_ENOTDIR, NULL },
        { "/", "f/", -LINUX_ENOTDIR, NULL },
        { "/", "d/g/", -LINUX_ENOTDIR, NULL },
        { "/gone", "x", -LINUX_ENOENT, NULL }, /* a removed working directory */
    };
    path_check_cases(cases, sizeof cases / sizeof cases[0]);
}

TEST(path_resolve_reports_a_trailing_slash)
{
    char out[64];
    bool dir_only;
    CHECK_EQ(path_test_resolve("/", "new/", out, sizeof out, &dir_only), 0);
    CHECK(dir_only && strcmp(out, "/new") == 0);
    CHECK_EQ(path_test_resolve("/", "d/e/..", out, sizeof out, &dir_only), 0);
    CHECK(dir_only && strcmp(out, "/d") == 0);
    CHECK_EQ(path_test_resolve("/", "d/e", out, sizeof out, &dir_only), 0);
    CHECK(!dir_only);
}

/* A result that does not fit is ENAMETOOLONG, never a cut path. */
TEST(path_resolve_refuses_what_does_not_fit)
{
    char out[8];
    bool dir_only;
    CHECK_EQ(path_test_resolve("/", "abcdef", out, sizeof out, &dir_only), 0);
    CHECK(strcmp(out, "/abcdef") == 0);
    CHECK_EQ(path_test_resolve("/", "abcdefg", out, sizeof out, &dir_only), (uint64_t)(int64_t)-LINUX_ENAMETOOLONG);
    CHECK_EQ(path_test_resolve("/d/e/abc", "x", out, sizeof out, &dir_only), (uint64_t)(int64_t)-LINUX_ENAMETOOLONG);
}

TEST(path_helpers_name_last_components_and_children)
{
    CHECK(strcmp(path_last("/d/e"), "e") == 0);
    CHECK(strcmp(path_last("/"), "") == 0);
    CHECK(path_is_below("/d/e", "/d") && path_is_below("/d", "/") && !path_is_below("/", "/"));
    CHECK(!path_is_below("/dx", "/d") && !path_is_below("/d", "/d"));
    CHECK(path_is_child("/d/e", "/d") && path_is_child("/d", "/") && !path_is_child("/d/e", "/"));
}

/* Links in the tree: /l -> d, /abs -> /d/e, /d/up -> .., /fl -> f, /loop -> loop, /dangling
 * -> missing, /empty -> "". */
static const char *path_test_target(const char *path)
{
    static const char *const links[][2] = {
        { "/l", "d" }, { "/abs", "/d/e" }, { "/d/up", ".." }, { "/fl", "f" },
        { "/loop", "loop" }, { "/dangling", "missing" }, { "/empty", "" },
    };
    for (size_t i = 0; i < sizeof links / sizeof links[0]; i++)
        if (strcmp(path, links[i][0]) == 0)
            return links[i][1];
    return NULL;
}

static enum path_kind path_test_link_kind(const char *path, void *ctx)
{
    return path_test_target(path) ? PATH_LINK : path_test_kind(path, ctx);
}

static int path_test_read_link(const char *path, char *target, size_t size, void *ctx)
{
    (void)ctx;
    const char *t = path_test_target(path);
    size_t n = strlen(t);
    if (n >= size)
        return -LINUX_ENAMETOOLONG;
    memcpy(target, t, n + 1);
    return (int)n;
}

static void path_check_link_cases(const struct path_case *cases, size_t n, bool follow_last)
{
    for (size_t i = 0; i < n; i++) {
        char out[64];
        struct path_result r;
        const struct path_case *c = &cases[i];
        int rc = path_resolve_links(c->base, c->path, out, sizeof out, path_test_link_kind, path_test_read_link,
                                    follow_last, NULL, &r);
        CHECK_EQ(rc, (uint64_t)(int64_t)c->err);
        CHECK(c->err != 0 || strcmp(out, c->want) == 0);
    }
}

/* A link on the way is replaced by its target, from the link's directory; ".." after it
 * leaves the target's directory; the last one is followed only when asked or by a "/". */
TEST(path_resolve_follows_symbolic_links)
{
    static const struct path_case always[] = {
        { "/", "l/e", 0, "/d/e" },          { "/", "l/g", 0, "/d/g" },
        { "/", "abs/..", 0, "/d" },         { "/", "d/up/f", 0, "/f" },
        { "/", "l/", 0, "/d" },             { "/", "l/up/l/e/..", 0, "/d" },
        { "/", "fl/x", -LINUX_ENOTDIR, NULL }, { "/", "fl/", -LINUX_ENOTDIR, NULL },
        { "/", "loop/x", -LINUX_ELOOP, NULL }, { "/", "dangling/x", -LINUX_ENOENT, NULL },
        { "/", "empty/x", -LINUX_ENOENT, NULL }, { "/", "l/new", 0, "/d/new" },
    };
    path_check_link_cases(always, sizeof always / sizeof always[0], false);
    static const struct path_case last_kept[] = {
        { "/", "l", 0, "/l" }, { "/", "fl", 0, "/fl" }, { "/", "loop", 0, "/loop" }, { "/", "abs", 0, "/abs" },
    };
    path_check_link_cases(last_kept, sizeof last_kept / sizeof last_kept[0], false);
    static const struct path_case last_followed[] = {
        { "/", "l", 0, "/d" },        { "/", "fl", 0, "/f" },
        { "/", "abs", 0, "/d/e" },    { "/", "loop", -LINUX_ELOOP, NULL },
        { "/", "dangling", 0, "/missing" }, { "/", "d/up", 0, "/" },
    };
    path_check_link_cases(last_followed, sizeof last_followed / sizeof last_followed[0], true);
}
