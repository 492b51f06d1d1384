/* SPDX-License-Identifier: MIT */
/* In-kernel tests. KTEST(name) { ... } registers a case into the .ktest section;
 * "ktest" on the command line runs them all after boot, prints one line per case and
 * "N passed, N failed", and exits through isa-debug-exit (EXIT_OK or EXIT_TESTS_FAILED).
 * "ktest.filter=PREFIX" runs only the cases whose name starts with PREFIX. */
#ifndef KERNEL_KTEST_H
#define KERNEL_KTEST_H

#include <stdbool.h>
#include <stdint.h>

struct ktest_ctx {
    int failures; /* checks that failed in the running case */
};

struct ktest {
    const char *name;
    void (*run)(struct ktest_ctx *kt);
    const char *file;
};

#define KTEST(test_name)                                                                               \
    static void ktest_run_##test_name(struct ktest_ctx *kt);                                          \
    static const struct ktest ktest_case_##test_name                                                  \
        __attribute__((section(".ktest"), used, aligned(8))) = { #test_name, ktest_run_##test_name, __FILE__ }; \
    static void ktest_run_##test_name(struct ktest_ctx *kt)

/* Records a failed check (and says where); returns cond so callers can bail out. */
bool ktest_check(struct ktest_ctx *kt, bool cond, const char *expr, const char *file, int line);
/* Records a failed equality check with both values printed. */
bool ktest_check_eq(struct ktest_ctx *kt, uint64_t a, uint64_t b, const char *expr, const char *file, int line);

#define KT_EXPECT(cond) ktest_check(kt, (cond), #cond, __FILE__, __LINE__)
#define KT_EXPECT_EQ(a, b) ktest_check_eq(kt, (uint64_t)(a), (uint64_t)(b), #a " == " #b, __FILE__, __LINE__)

/* True when "ktest" was on the command line. */
bool ktest_requested(void);
/* Runs every registered case (or the filtered ones), prints the verdict and exits. */
__attribute__((noreturn)) void ktest_run_all(void);

#endif
