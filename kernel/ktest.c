/* SPDX-License-Identifier: MIT */
/* The in-kernel test runner: walks the .ktest section in link order. */
#include "kernel/ktest.h"

#include "kernel/cmdline.h"
#include "kernel/exit_codes.h"
#include "kernel/libc.h"
#include "kernel/log.h"
#include "kernel/panic.h"

#define KTEST_FILTER_MAX 64

extern const struct ktest _ktest_start[], _ktest_end[];

static bool ktest_flag;
CMDLINE_PARAM_FLAG(ktest_flag, "ktest", "run the in-kernel tests after boot and exit with the verdict");
static char ktest_filter[KTEST_FILTER_MAX];
CMDLINE_PARAM_STRING(ktest_filter, "ktest.filter", "run only the ktests whose name starts with this");

bool ktest_requested(void)
{
    return ktest_flag;
}

bool ktest_check(struct ktest_ctx *kt, bool cond, const char *expr, const char *file, int line)
{
    if (!cond) {
        kt->failures++;
        console_printf("    check failed: %s (%s:%d)\n", expr, file, line);
    }
    return cond;
}

bool ktest_check_eq(struct ktest_ctx *kt, uint64_t a, uint64_t b, const char *expr, const char *file, int line)
{
    if (a != b) {
        kt->failures++;
        console_printf("    check failed: %s: 0x%llx != 0x%llx (%s:%d)\n", expr, (unsigned long long)a,
                       (unsigned long long)b, file, line);
    }
    return a == b;
}

void ktest_run_all(void)
{
    int passed = 0, failed = 0;
    size_t filter_len = strlen(ktest_filter);
    for (const struct ktest *t = _ktest_start; t < _ktest_end; t++) {
        if (filter_len && strncmp(t->name, ktest_filter, filter_len) != 0)
            continue;
        struct ktest_ctx kt = { 0 };
        t->run(&kt);
        console_printf("ktest %-40s %s\n", t->name, kt.failures ? "FAIL" : "ok");
        if (kt.failures)
            failed++;
        else
            passed++;
    }
    console_printf("ktest: %d passed, %d failed\n", passed, failed);
    kernel_exit(failed || passed == 0 ? EXIT_TESTS_FAILED : EXIT_OK);
}
