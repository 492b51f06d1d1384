/* SPDX-License-Identifier: MIT */
/* What a program may ask about the machine and its own use of it (man 2 sysinfo,
 * getrusage, getcpu). Under the DSM each node is one CPU of the machine the program sees
 * (sched_getaffinity lists one per node): getcpu names the node the caller runs on, and
 * memory and CPU time are this node's (a node cannot sum the others' without asking).
 * getrusage fills the CPU time only (as user time); the other fields, maxrss included, are
 * not tracked and read 0 (several are 0 on Linux too). */
#include "kernel/dsm_glue.h"
#include "kernel/libc.h"
#include "kernel/linux_abi.h"
#include "kernel/mm.h"
#include "kernel/program.h"
#include "kernel/sched.h"
#include "kernel/syscall.h"
#include "kernel/thread.h"
#include "kernel/time_conv.h"
#include "kernel/usercopy.h"

#define RESOURCE_RUSAGE_SELF 0      /* include/uapi/linux/resource.h */
#define RESOURCE_RUSAGE_CHILDREN (-1)
#define RESOURCE_RUSAGE_THREAD 1
#define RESOURCE_NS_PER_SEC 1000000000ull
#define RESOURCE_NS_PER_US 1000ull

/* struct sysinfo as x86-64 Linux lays it out (include/uapi/linux/sysinfo.h). */
struct linux_sysinfo {
    int64_t uptime;
    uint64_t loads[3];
    uint64_t totalram, freeram, sharedram, bufferram, totalswap, freeswap;
    uint16_t procs;
    uint16_t pad;
    uint32_t pad2;
    uint64_t totalhigh, freehigh;
    uint32_t mem_unit;
    uint32_t reserved;
};
_Static_assert(sizeof(struct linux_sysinfo) == 112, "struct sysinfo is 112 bytes on x86-64");

/* struct rusage (include/uapi/linux/resource.h): two timevals, then 14 longs. */
struct linux_rusage {
    struct linux_timeval utime, stime;
    int64_t maxrss, ixrss, idrss, isrss, minflt, majflt, nswap, inblock, oublock, msgsnd, msgrcv, nsignals,
        nvcsw, nivcsw;
};
_Static_assert(sizeof(struct linux_rusage) == 144, "struct rusage is 144 bytes on x86-64");

long sys_sysinfo(uint64_t uinfo, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
    struct linux_sysinfo si;
    memset(&si, 0, sizeof si);
    si.uptime = (int64_t)(time_monotonic_ns() / RESOURCE_NS_PER_SEC); /* CLOCK_BOOTTIME, as Linux */
    si.totalram = frame_total_count();
    si.freeram = frame_free_count();
    si.procs = (uint16_t)thread_live_count();
    si.mem_unit = PAGE_SIZE;
    return copy_to_user(uinfo, &si, sizeof si);
}

static struct linux_timeval resource_timeval(uint64_t ns)
{
    return (struct linux_timeval){ (int64_t)(ns / RESOURCE_NS_PER_SEC),
                                   (int64_t)(ns % RESOURCE_NS_PER_SEC / RESOURCE_NS_PER_US) };
}

long sys_getrusage(uint64_t who, uint64_t uusage, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a2, (void)a3, (void)a4, (void)a5;
    struct linux_rusage ru;
    memset(&ru, 0, sizeof ru);
    switch ((int64_t)who) {
    case RESOURCE_RUSAGE_SELF:
        ru.utime = resource_timeval(dsm_threads_process_cpu_ns()); /* kernel time is not told apart */
        break;
    case RESOURCE_RUSAGE_THREAD:
        ru.utime = resource_timeval(sched_thread_cpu_ns(thread_current()));
        break;
    case RESOURCE_RUSAGE_CHILDREN: /* a program has no child processes here */
        break;
    default:
        return -LINUX_EINVAL;
    }
    return copy_to_user(uusage, &ru, sizeof ru);
}

/* struct tms (include/uapi/linux/times.h), in clock ticks. */
struct linux_tms {
    int64_t utime, stime, cutime, cstime;
};

/* times: the program's CPU time on this node as user time (kernel time is not told
 * apart), no children; the result counts ticks since boot. */
long sys_times(uint64_t ubuf, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
    const uint64_t ns_per_tick = RESOURCE_NS_PER_SEC / PROGRAM_CLOCK_TICKS_PER_SEC;
    struct linux_tms tms = { (int64_t)(dsm_threads_process_cpu_ns() / ns_per_tick), 0, 0, 0 };
    if (ubuf && copy_to_user(ubuf, &tms, sizeof tms) != 0)
        return -LINUX_EFAULT;
    return (long)(time_monotonic_ns() / ns_per_tick); /* the program clock: one on every node */
}

long sys_getcpu(uint64_t ucpu, uint64_t unode, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a2, (void)a3, (void)a4, (void)a5;
    uint32_t cpu = dsm_glue_cpu_of_caller(), node = 0;
    if (ucpu && copy_to_user(ucpu, &cpu, sizeof cpu) != 0)
        return -LINUX_EFAULT;
    if (unode && copy_to_user(unode, &node, sizeof node) != 0)
        return -LINUX_EFAULT;
    return 0;
}
