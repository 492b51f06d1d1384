/* SPDX-License-Identifier: MIT */
/* Runs every registered host unit test (or those whose name contains argv[1]). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/host/check.h"

#define MAX_TESTS 4096

struct test_case {
    const char *name;
    check_test_fn fn;
    const char *file;
};

static struct test_case tests[MAX_TESTS];
static int test_count;
static int current_failures;

void check_register(const char *name, check_test_fn fn, const char *file)
{
    if (test_count >= MAX_TESTS) {
        fprintf(stderr, "too many tests\n");
        exit(2);
    }
    tests[test_count++] = (struct test_case){ name, fn, file };
}

bool check_assert(bool cond, const char *expr, const char *file, int line)
{
    if (!cond) {
        current_failures++;
        printf("    check failed: %s (%s:%d)\n", expr, file, line);
    }
    return cond;
}

bool check_assert_eq(uint64_t a, uint64_t b, const char *expr, const char *file, int line)
{
    if (a != b) {
        current_failures++;
        printf("    check failed: %s: 0x%llx != 0x%llx (%s:%d)\n", expr, (unsigned long long)a,
               (unsigned long long)b, file, line);
    }
    return a == b;
}

int main(int argc, char **argv)
{
    const char *filter = argc > 1 ? argv[1] : NULL;
    int passed = 0, failed = 0;
    for (int i = 0; i < test_count; i++) {
        if (filter && !strstr(tests[i].name, filter))
            continue;
        current_failures = 0;
        tests[i].fn();
        printf("%-50s %s\n", tests[i].name, current_failures ? "FAIL" : "ok");
        if (current_failures)
            failed++;
        else
            passed++;
    }
    printf("host: %d passed, %d failed\n", passed, failed);
    return failed || passed == 0 ? 1 : 0;
}
