/* SPDX-License-Identifier: MIT */
/* The network stack's state, visible only so the kernel glue can own the storage
 * (`static struct net`). Nothing outside net/ reads these fields. */
#ifndef NET_NET_STATE_H
#define NET_NET_STATE_H

#include <stdint.h>

struct net {
    const struct net_env *env_unused_yet; /* replaced by the full state as net/ lands */
};

#endif
