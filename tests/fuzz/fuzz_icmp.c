/* SPDX-License-Identifier: MIT */
/* Fuzzes the ICMP decoder; an accepted echo request turned into a reply must verify. */
#include <stdlib.h>
#include <string.h>

#include "net/icmp.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (icmp_decode(data, size) != ICMP_DECODE_ECHO_REQUEST)
        return 0;
    uint8_t *copy = malloc(size);
    memcpy(copy, data, size);
    icmp_make_echo_reply(copy, size);
    if (icmp_decode(copy, size) != ICMP_DECODE_OTHER)
        abort();
    free(copy);
    return 0;
}
