/* SPDX-License-Identifier: MIT */
/* Calls about processes for a program that is the only process and has no children
 * (there is no fork or exec): wait4 and waitid (man 2 wait4, waitid), getgroups, and
 * membarrier (man 2 membarrier). */
#include "kernel/linux_abi.h"
#include "kernel/syscall.h"

/* include/uapi/linux/wait.h */
#define WAIT_NOHANG 0x1
#define WAIT_STOPPED 0x2 /* WUNTRACED for wait4 */
#define WAIT_EXITED 0x4
#define WAIT_CONTINUED 0x8
#define WAIT_NOWAIT 0x01000000
#define WAIT_NOTHREAD 0x20000000
#define WAIT_ALL 0x40000000
#define WAIT_CLONE 0x80000000u
#define WAIT_ID_ALL 0 /* P_ALL, P_PID, P_PGID, P_PIDFD */
#define WAIT_ID_PIDFD 3
#define WAIT4_OPTIONS (WAIT_NOHANG | WAIT_STOPPED | WAIT_CONTINUED | WAIT_NOTHREAD | WAIT_ALL | WAIT_CLONE)
#define WAITID_OPTIONS (WAIT4_OPTIONS | WAIT_EXITED | WAIT_NOWAIT)

/* include/uapi/linux/membarrier.h */
#define MEMBARRIER_QUERY 0
#define MEMBARRIER_GLOBAL 1
#define MEMBARRIER_GLOBAL_EXPEDITED 2
#define MEMBARRIER_REGISTER_GLOBAL_EXPEDITED 4
#define MEMBARRIER_PRIVATE_EXPEDITED 8
#define MEMBARRIER_REGISTER_PRIVATE_EXPEDITED 16
#define MEMBARRIER_SUPPORTED                                                                                    \
    (MEMBARRIER_GLOBAL | MEMBARRIER_GLOBAL_EXPEDITED | MEMBARRIER_REGISTER_GLOBAL_EXPEDITED |                 \
     MEMBARRIER_PRIVATE_EXPEDITED | MEMBARRIER_REGISTER_PRIVATE_EXPEDITED)

long sys_wait4(uint64_t pid, uint64_t ustatus, uint64_t options, uint64_t urusage, uint64_t a4, uint64_t a5)
{
    (void)pid, (void)ustatus, (void)urusage, (void)a4, (void)a5;
    if (options & ~(uint64_t)WAIT4_OPTIONS)
        return -LINUX_EINVAL;
    return -LINUX_ECHILD; /* whatever pid asks for: there is no child */
}

long sys_waitid(uint64_t idtype, uint64_t id, uint64_t uinfo, uint64_t options, uint64_t urusage, uint64_t a5)
{
    (void)id, (void)uinfo, (void)urusage, (void)a5;
    if (idtype > WAIT_ID_PIDFD || (options & ~(uint64_t)WAITID_OPTIONS) ||
        !(options & (WAIT_EXITED | WAIT_STOPPED | WAIT_CONTINUED)))
        return -LINUX_EINVAL;
    if (idtype == WAIT_ID_PIDFD)
        return -LINUX_EBADF; /* there are no pidfds */
    return -LINUX_ECHILD;
}

long sys_getgroups(uint64_t size, uint64_t ulist, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)ulist, (void)a2, (void)a3, (void)a4, (void)a5;
    return (int32_t)size < 0 ? -LINUX_EINVAL : 0; /* no supplementary groups */
}

/* Every barrier is already there. A thread on another node sees the caller's memory only
 * through DSM transfers, and each transfer out of a node begins with an interrupt on its
 * CPU (serializing: its store buffer drains before the page leaves) and each invalidation
 * completes before the writer goes on (sequential consistency, docs/dsm-protocol.md); the
 * threads of the caller's own node share its one CPU, and a switch between them is a full
 * barrier. So each command returns once its checks pass, as Linux does after its IPIs.
 * One difference: MEMBARRIER_CMD_PRIVATE_EXPEDITED before the program registered for it
 * succeeds (Linux: EPERM); a registration would be one more piece of program state to keep
 * on every node, for the sake of refusing a call that needs nothing done. */
long sys_membarrier(uint64_t cmd, uint64_t flags, uint64_t cpu, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)cpu, (void)a3, (void)a4, (void)a5;
    if (flags)
        return -LINUX_EINVAL; /* MEMBARRIER_CMD_FLAG_CPU goes with the rseq commands, not done */
    switch (cmd) {
    case MEMBARRIER_QUERY:
        return MEMBARRIER_SUPPORTED;
    case MEMBARRIER_GLOBAL:
    case MEMBARRIER_GLOBAL_EXPEDITED:
    case MEMBARRIER_REGISTER_GLOBAL_EXPEDITED:
    case MEMBARRIER_PRIVATE_EXPEDITED:
    case MEMBARRIER_REGISTER_PRIVATE_EXPEDITED:
        return 0;
    default:
        return -LINUX_EINVAL;
    }
}
