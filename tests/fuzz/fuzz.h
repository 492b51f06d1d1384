/* SPDX-License-Identifier: MIT */
/* Shared declaration for the libFuzzer targets in tests/fuzz/ (one decoder each, built
 * with clang -fsanitize=fuzzer,address,undefined by mk/40-net.mk). */
#ifndef TESTS_FUZZ_FUZZ_H
#define TESTS_FUZZ_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* libFuzzer's entry point: must accept any bytes without crashing; returns 0. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
