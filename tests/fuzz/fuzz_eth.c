/* SPDX-License-Identifier: MIT */
/* Fuzzes the Ethernet decoder and checks its round trip on whatever it accepts. */
#include <stdlib.h>
#include <string.h>

#include "net/eth.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct eth_header h;
    if (eth_decode(data, size, &h)) {
        uint8_t out[ETH_HEADER_LEN];
        eth_encode(out, &h);
        if (memcmp(out, data, ETH_HEADER_LEN) != 0)
            abort();
    }
    return 0;
}
