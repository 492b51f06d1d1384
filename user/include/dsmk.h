/* SPDX-License-Identifier: MIT */
/* dsmk's extra system calls for user programs (DESIGN.md section 5): node id, node count,
 * migrate self, region coherence mode, checkpoint request. Numbers sit above every Linux
 * x86-64 number so they can never collide; on Linux (or a dsmk without the DSM layer) they
 * fail with ENOSYS, so a program can probe for them. Plain POSIX programs never need this. */
#ifndef USER_DSMK_H
#define USER_DSMK_H

#include <stddef.h>
#include <unistd.h>
#include <sys/syscall.h>

/* Linux x86-64 numbers end below 512 (arch/x86/entry/syscalls/syscall_64.tbl); 1024 leaves room. */
#define DSMK_SYS_BASE 1024
#define DSMK_SYS_NODE_ID (DSMK_SYS_BASE + 0)
#define DSMK_SYS_NODE_COUNT (DSMK_SYS_BASE + 1)
#define DSMK_SYS_MIGRATE (DSMK_SYS_BASE + 2)
#define DSMK_SYS_REGION_MODE (DSMK_SYS_BASE + 3)
#define DSMK_SYS_CHECKPOINT (DSMK_SYS_BASE + 4)
#define DSMK_SYS_COUNT 5

/* Coherence modes for dsmk_region_mode() (DESIGN.md section 4). */
#define DSMK_REGION_INVALIDATE 0 /* single writer / multiple readers (default) */
#define DSMK_REGION_UPDATE 1     /* every write reaches all copies before it completes */

/* Id (0..count-1) of the node the calling thread runs on; -1 with errno on failure. */
static inline long dsmk_node_id(void) { return syscall(DSMK_SYS_NODE_ID); }

/* Number of nodes in the cluster; -1 with errno on failure. */
static inline long dsmk_node_count(void) { return syscall(DSMK_SYS_NODE_COUNT); }

/* Moves the calling thread to NODE; returns 0 once it runs there, -1 with errno otherwise. */
static inline long dsmk_migrate(long node) { return syscall(DSMK_SYS_MIGRATE, node); }

/* Sets the coherence MODE (DSMK_REGION_*) of the page-aligned range [ADDR, ADDR+LEN); 0 or -1
 * with errno. UPDATE works on mapped, writable, never touched memory while every thread of
 * the program still runs on node 0, under dsm.manager=fixed or central; EBUSY once the range
 * or the program is in use across nodes (and for a switch back), EOPNOTSUPP under dynamic. */
static inline long dsmk_region_mode(void *addr, size_t len, int mode)
{
    return syscall(DSMK_SYS_REGION_MODE, addr, len, mode);
}

/* Asks the controller for a coordinated checkpoint; returns 0 once it committed, or -1. */
static inline long dsmk_checkpoint(void) { return syscall(DSMK_SYS_CHECKPOINT); }

#endif
