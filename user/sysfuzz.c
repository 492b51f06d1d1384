// SPDX-License-Identifier: MIT
// sysfuzz: makes COUNT seeded random system calls (Linux x86-64 numbers, dsmk's extras and
// out-of-range values) with random arguments, to show that nothing a program asks can hurt
// the kernel. It survives by construction: the calls in fuzz_rules that can legitimately end
// or wreck this process are skipped or tamed. RUN IT ONLY ON dsmk or in a guest, never on a host.
// Usage: sysfuzz [COUNT=100000] [SEED=1] [v|dry]
//   v: log every call on stderr before making it; dry: log them and make none (safe anywhere).
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>

#include "dsmk.h"

#define FUZZ_PAGE 4096ul
#define FUZZ_SCRATCH_PAGES 16ul /* writable target area, between two PROT_NONE guard pages */
#define FUZZ_NR_LIMIT 512      /* Linux x86-64 numbers are below this (syscall_64.tbl) */
#define FUZZ_X32_BIT 0x40000000ul /* __X32_SYSCALL_BIT */
#define FUZZ_X32_FIRST 512      /* x32-only numbers 512..547 reuse rt_sigreturn, execve... */
#define FUZZ_X32_LAST 547
#define FUZZ_PROGRESS_EVERY 10000
#define FUZZ_ERRNO_MAX 4095 /* raw returns in [-4095, -1] are -errno */
#define FUZZ_ENOSYS 38

/* Numbers newer than musl 1.2.3's <bits/syscall.h> (Linux syscall_64.tbl). */
#define FUZZ_SYS_FUTEX_WAITV 449
#define FUZZ_SYS_FUTEX_WAIT 455
#define FUZZ_SYS_MSEAL 462

/* mremap flags that place the result at a caller-given address (Linux uapi mman.h). */
#define FUZZ_MREMAP_FIXED 2
#define FUZZ_MREMAP_DONTUNMAP 4

/* arch_prctl codes (Linux asm/prctl.h). */
#define FUZZ_ARCH_SET_GS 0x1001
#define FUZZ_ARCH_SET_FS 0x1002
#define FUZZ_ARCH_GET_FS 0x1003
#define FUZZ_ARCH_GET_GS 0x1004
#define FUZZ_ARCH_GET_CPUID 0x1011
#define FUZZ_ARCH_SET_CPUID 0x1012
#define FUZZ_ARCH_SHSTK_FIRST 0x5001 /* shadow-stack enable/lock: returns would fault */
#define FUZZ_ARCH_SHSTK_LAST 0x50ff

/* Kernel-half and non-canonical addresses: always invalid for a user pointer. */
#define FUZZ_ADDR_KERNEL_TEXT 0xffffffff80000000ul
#define FUZZ_ADDR_KERNEL_DIRECT 0xffff800000000000ul
#define FUZZ_ADDR_NONCANONICAL 0x0000800000000000ul
#define FUZZ_ADDR_USER_TOP 0x0000800000000000ul
#define FUZZ_ADDR_FAR_ZONE 0x0000300000000000ul /* where tamed munmap & co are redirected */

enum fuzz_action {
    FUZZ_ALLOW = 0, /* arguments fully random (after the forbidden-range filter) */
    FUZZ_SKIP,      /* never made: it can end, block forever or wreck this process */
    FUZZ_TAME,      /* made with some arguments constrained, see fuzz_tame() */
};

struct fuzz_rule {
    long nr;
    enum fuzz_action action;
    const char *why;
};

/* The calls sysfuzz never makes or makes only tamed, and why. Everything else is allowed. */
static const struct fuzz_rule fuzz_rules[] = {
    { SYS_exit, FUZZ_SKIP, "ends the thread" },
    { SYS_exit_group, FUZZ_SKIP, "ends the process" },
    { SYS_kill, FUZZ_SKIP, "signals this process" },
    { SYS_tkill, FUZZ_SKIP, "signals this thread" },
    { SYS_tgkill, FUZZ_SKIP, "signals this thread" },
    { SYS_rt_sigqueueinfo, FUZZ_SKIP, "signals this process" },
    { SYS_rt_tgsigqueueinfo, FUZZ_SKIP, "signals this thread" },
    { SYS_pidfd_send_signal, FUZZ_SKIP, "signals this process" },
    { SYS_rt_sigreturn, FUZZ_SKIP, "loads registers from a random stack frame" },
    { SYS_clone, FUZZ_SKIP, "new threads/processes running random code" },
    { SYS_clone3, FUZZ_SKIP, "new threads/processes running random code" },
    { SYS_fork, FUZZ_SKIP, "a second fuzzer" },
    { SYS_vfork, FUZZ_SKIP, "a second fuzzer sharing our stack" },
    { SYS_execve, FUZZ_SKIP, "replaces the program" },
    { SYS_execveat, FUZZ_SKIP, "replaces the program" },
    { SYS_brk, FUZZ_SKIP, "moves the heap end under libc" },
    { SYS_set_tid_address, FUZZ_SKIP, "exit would write a random address" },
    { SYS_set_robust_list, FUZZ_SKIP, "exit would walk a random list" },
    { SYS_get_robust_list, FUZZ_SKIP, "stores a pointer to our TLS in scratch" },
    { SYS_rseq, FUZZ_SKIP, "the kernel writes the area at every preemption" },
    { SYS_remap_file_pages, FUZZ_SKIP, "rearranges pages of a mapping in place" },
    { SYS_shmat, FUZZ_SKIP, "SHM_REMAP replaces mappings" },
    { SYS_process_vm_readv, FUZZ_SKIP, "writes our memory through random iovecs" },
    { SYS_process_vm_writev, FUZZ_SKIP, "writes our memory through random iovecs" },
    { SYS_process_madvise, FUZZ_SKIP, "advises our memory through random iovecs" },
    { SYS_userfaultfd, FUZZ_SKIP, "can make our own memory accesses wait forever" },
    { SYS_prctl, FUZZ_SKIP, "PR_SET_SECCOMP, PR_SET_MM, PR_SET_TSC can wreck us" },
    { SYS_seccomp, FUZZ_SKIP, "a filter can kill us at the next call" },
    { SYS_ptrace, FUZZ_SKIP, "can stop or alter this process" },
    { SYS_setrlimit, FUZZ_SKIP, "CPU/stack/file limits kill us later" },
    { SYS_alarm, FUZZ_TAME, "in 2 s at most (SIGALRM is ignored)" },
    { SYS_setitimer, FUZZ_TAME, "a setting of 5 ms at most, periods of 1 ms at least (its signals are ignored)" },
    { SYS_timer_create, FUZZ_TAME, "signals only SIGALRM, SIGVTALRM or SIGPROF (ignored)" },
    { SYS_timer_settime, FUZZ_TAME, "a setting of 5 ms at most, periods of 1 ms at least" },
    { SYS_reboot, FUZZ_SKIP, "ends the machine" },
    { SYS_kexec_load, FUZZ_SKIP, "replaces the kernel" },
    { SYS_kexec_file_load, FUZZ_SKIP, "replaces the kernel" },
    { SYS_pause, FUZZ_SKIP, "blocks forever" },
    { SYS_rt_sigsuspend, FUZZ_SKIP, "blocks until a signal" },
    { SYS_rt_sigtimedwait, FUZZ_SKIP, "blocks forever with a NULL timeout" },
    { SYS_select, FUZZ_TAME, "waits 1 ms at most (never a NULL timeout)" },
    { SYS_pselect6, FUZZ_TAME, "waits 1 ms at most (never a NULL timeout)" },
    { SYS_poll, FUZZ_TAME, "waits 1 ms at most (never a negative timeout)" },
    { SYS_ppoll, FUZZ_TAME, "waits 1 ms at most (never a NULL timeout)" },
    { SYS_epoll_wait, FUZZ_SKIP, "blocks forever with a negative timeout" },
    { SYS_epoll_pwait, FUZZ_SKIP, "blocks forever with a negative timeout" },
    { SYS_epoll_pwait2, FUZZ_SKIP, "blocks forever with a NULL timeout" },
    { FUZZ_SYS_FUTEX_WAITV, FUZZ_SKIP, "blocks forever with a NULL timeout" },
    { FUZZ_SYS_FUTEX_WAIT, FUZZ_SKIP, "blocks forever with a NULL timeout" },
    { SYS_semop, FUZZ_SKIP, "blocks on a semaphore" },
    { SYS_mq_timedreceive, FUZZ_SKIP, "blocks with a NULL timeout" },
    { SYS_mq_timedsend, FUZZ_SKIP, "blocks with a NULL timeout" },
    { SYS_io_getevents, FUZZ_SKIP, "blocks with a NULL timeout" },
    { SYS_io_pgetevents, FUZZ_SKIP, "blocks with a NULL timeout" },
    { SYS_accept, FUZZ_SKIP, "blocks on a listening socket" },
    { SYS_accept4, FUZZ_SKIP, "blocks on a listening socket" },
    { SYS_recvfrom, FUZZ_SKIP, "blocks on a socket" },
    { SYS_recvmsg, FUZZ_SKIP, "blocks on a socket" },
    { SYS_recvmmsg, FUZZ_SKIP, "blocks on a socket" },
    { SYS_connect, FUZZ_SKIP, "can block for minutes" },
    { SYS_flock, FUZZ_SKIP, "blocks on a held lock" },
    { SYS_io_uring_enter, FUZZ_SKIP, "waits for completions that never come" },
    { SYS_pipe, FUZZ_SKIP, "its fd blocks a later random read forever" },
    { SYS_pipe2, FUZZ_SKIP, "its fd blocks a later random read forever" },
    { SYS_eventfd, FUZZ_SKIP, "its fd blocks a later random read forever" },
    { SYS_eventfd2, FUZZ_SKIP, "its fd blocks a later random read forever" },
    { SYS_socket, FUZZ_TAME, "always AF_INET SOCK_DGRAM (UDP), shut for receiving at once: a read gives 0" },
    { SYS_socketpair, FUZZ_SKIP, "its fd blocks a later random read forever" },
    { SYS_timerfd_create, FUZZ_SKIP, "its fd blocks a later random read forever" },
    { SYS_signalfd, FUZZ_SKIP, "its fd blocks a later random read forever" },
    { SYS_signalfd4, FUZZ_SKIP, "its fd blocks a later random read forever" },
    { SYS_inotify_init, FUZZ_SKIP, "its fd blocks a later random read forever" },
    { SYS_inotify_init1, FUZZ_SKIP, "its fd blocks a later random read forever" },
    { SYS_fanotify_init, FUZZ_SKIP, "its fd blocks a later random read forever" },
    { SYS_perf_event_open, FUZZ_SKIP, "an event can signal us (SIGTRAP, SIGIO)" },
    { DSMK_SYS_CHECKPOINT, FUZZ_SKIP, "legitimately stops the whole cluster each time" },
    { SYS_mmap, FUZZ_TAME, "no MAP_FIXED; the new mapping is unmapped again" },
    { SYS_munmap, FUZZ_TAME, "never our image, heap or stack" },
    { SYS_mprotect, FUZZ_TAME, "never our image, heap or stack" },
    { SYS_pkey_mprotect, FUZZ_TAME, "never our image, heap or stack" },
    { SYS_mremap, FUZZ_TAME, "never our image, heap or stack; no MREMAP_FIXED" },
    { SYS_madvise, FUZZ_TAME, "never our image, heap or stack (MADV_DONTNEED zeroes)" },
    { SYS_msync, FUZZ_TAME, "never our image, heap or stack" },
    { SYS_mlock, FUZZ_TAME, "never our image, heap or stack" },
    { SYS_mlock2, FUZZ_TAME, "never our image, heap or stack" },
    { SYS_munlock, FUZZ_TAME, "never our image, heap or stack" },
    { FUZZ_SYS_MSEAL, FUZZ_TAME, "never our image, heap or stack" },
    { DSMK_SYS_REGION_MODE, FUZZ_TAME, "never our image, heap or stack" },
    { SYS_arch_prctl, FUZZ_TAME, "never ARCH_SET_FS (our TLS) or shadow stacks" },
    { SYS_futex, FUZZ_TAME, "always a timeout, so WAIT cannot block forever" },
    { SYS_semtimedop, FUZZ_TAME, "always a timeout, so it cannot block forever" },
    { SYS_msgsnd, FUZZ_TAME, "always IPC_NOWAIT, so a full queue cannot block it" },
    { SYS_msgrcv, FUZZ_TAME, "always IPC_NOWAIT, so an empty queue cannot block it" },
    { SYS_nanosleep, FUZZ_TAME, "sleeps 1 us at most" },
    { SYS_clock_nanosleep, FUZZ_TAME, "sleeps 1 us at most, on CPU-time clocks never" },
    { SYS_prlimit64, FUZZ_TAME, "reads limits, never sets them" },
    { SYS_rt_sigaction, FUZZ_TAME, "never for SIGPIPE or the timer signals (ignored: they would end us)" },
    { SYS_close, FUZZ_TAME, "never closes stdin/stdout/stderr" },
    { SYS_close_range, FUZZ_TAME, "never closes stdin/stdout/stderr" },
    { SYS_dup2, FUZZ_TAME, "never replaces stdin/stdout/stderr" },
    { SYS_dup3, FUZZ_TAME, "never replaces stdin/stdout/stderr" },
    { SYS_ioctl, FUZZ_TAME, "never on stdin/stdout/stderr (tty modes, TOSTOP, O_ASYNC)" },
    { SYS_fcntl, FUZZ_TAME, "never on stdin/stdout/stderr (O_NONBLOCK, O_ASYNC, F_SETOWN)" },
    { SYS_write, FUZZ_TAME, "never to stdout/stderr (keeps the output readable)" },
    { SYS_writev, FUZZ_TAME, "never to stdout/stderr" },
    { SYS_pwrite64, FUZZ_TAME, "never to stdout/stderr" },
    { SYS_pwritev, FUZZ_TAME, "never to stdout/stderr" },
    { SYS_pwritev2, FUZZ_TAME, "never to stdout/stderr" },
    { SYS_sendfile, FUZZ_TAME, "never to stdout/stderr" },
    { SYS_splice, FUZZ_TAME, "never to stdout/stderr" },
    { SYS_tee, FUZZ_TAME, "never to stdout/stderr" },
    { SYS_copy_file_range, FUZZ_TAME, "never to stdout/stderr" },
};

/* A range of our own memory that no argument may point into. */
struct fuzz_range {
    uint64_t start, end;
};

enum { FUZZ_RANGE_IMAGE, FUZZ_RANGE_STACK, FUZZ_RANGE_COUNT };

static struct fuzz_range forbidden[FUZZ_RANGE_COUNT];
static unsigned char rule_of[FUZZ_NR_LIMIT + DSMK_SYS_COUNT];
static unsigned char *scratch;       /* FUZZ_SCRATCH_PAGES writable pages */
static unsigned char *guard_low;     /* PROT_NONE page just below scratch */
static unsigned char *guard_high;    /* PROT_NONE page just above scratch */
static uint64_t rng_state;
static const struct timespec tiny_timeout = { 0, 1000 }; /* relative 1 us, or long past */

/* The signals the timers it arms may send: ignored from the start, and never given a
 * handler (rt_sigaction is tamed), so a timer firing at any moment is harmless. */
static const int fuzz_timer_signals[] = { SIGALRM, SIGVTALRM, SIGPROF };
#define FUZZ_TIMER_MAX_NS 5000000ul    /* a tamed timer's first expiry: 5 ms at most */
#define FUZZ_TIMER_PERIOD_MIN_NS 1000000ul /* and its period, if any: 1 ms at least, not a flood */
#define FUZZ_ALARM_MAX_S 3
#define FUZZ_NS_PER_US 1000ul
/* struct sigevent as Linux reads it (include/uapi/asm-generic/siginfo.h). */
struct fuzz_sigevent {
    uint64_t value;
    int32_t signo, notify, tid;
    int32_t pad[13];
};
#define FUZZ_SIGEV_SIGNAL 0
#define FUZZ_SIGEV_NONE 1
#define FUZZ_SIGEV_THREAD_ID 4
/* Clock ids worth aiming at (Linux uapi time.h), the CPU-time ones included: a dynamic one
 * for our own process and thread is made at the call (MAKE_PROCESS_CPUCLOCK). */
static const uint32_t fuzz_timer_clocks[] = { CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME,
                                              CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID };
#define FUZZ_CPUCLOCK_SCHED 2
#define FUZZ_CPUCLOCK_PERTHREAD 4
#define FUZZ_CPUCLOCK_ID_SHIFT 3
#define FUZZ_TIMER_IDS 8 /* timer ids it mostly names: the first ones timer_create hands out */
static struct fuzz_sigevent fuzz_event;
static struct itimerspec fuzz_setting;
static struct itimerval fuzz_itimer_setting;

extern char __executable_start[], _end[];

static uint64_t fuzz_rand(void)
{
    /* splitmix64 */
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t fuzz_below(uint64_t n) { return fuzz_rand() % n; }

static long fuzz_raw_syscall(long nr, const uint64_t a[6])
{
    register uint64_t r10 __asm__("r10") = a[3];
    register uint64_t r8 __asm__("r8") = a[4];
    register uint64_t r9 __asm__("r9") = a[5];
    long ret;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(nr), "D"(a[0]), "S"(a[1]), "d"(a[2]), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
}

static bool fuzz_overlaps_ours(uint64_t start, uint64_t len)
{
    uint64_t end = start + len < start ? UINT64_MAX : start + len;
    if (len == 0)
        end = start + 1;
    for (int i = 0; i < FUZZ_RANGE_COUNT; i++)
        if (start < forbidden[i].end && end > forbidden[i].start)
            return true;
    return false;
}

static uint64_t fuzz_pointer(void)
{
    switch (fuzz_below(10)) {
    case 0: return 0;
    case 1: return (uint64_t)scratch + fuzz_below(FUZZ_SCRATCH_PAGES * FUZZ_PAGE);
    case 2: return (uint64_t)guard_high - fuzz_below(64); /* a few bytes, then the guard */
    case 3: return (uint64_t)guard_low + fuzz_below(FUZZ_PAGE);
    case 4: return FUZZ_ADDR_KERNEL_TEXT + fuzz_below(1ul << 30);
    case 5: return FUZZ_ADDR_KERNEL_DIRECT + fuzz_below(1ul << 40);
    case 6: return FUZZ_ADDR_NONCANONICAL + fuzz_below(1ul << 46);
    case 7: return 1 + fuzz_below(0xffff);
    case 8: return (uint64_t)__executable_start + fuzz_below(FUZZ_PAGE); /* read-only text */
    default: return FUZZ_PAGE + fuzz_below(FUZZ_ADDR_USER_TOP - FUZZ_PAGE);
    }
}

static uint64_t fuzz_value(void)
{
    static const uint64_t huge[] = { 1ul << 31, 1ul << 32, 1ul << 40, 1ul << 62, INT32_MAX,
                                     INT64_MAX, UINT64_MAX, UINT64_MAX - FUZZ_PAGE + 1 };
    switch (fuzz_below(9)) {
    case 0: return 0;
    case 1: return fuzz_below(65);
    case 2: return fuzz_below(9); /* file descriptors 0..8 */
    case 3: return FUZZ_PAGE * fuzz_below(17);
    case 4: return huge[fuzz_below(sizeof(huge) / sizeof(huge[0]))];
    case 5: return (1ul << fuzz_below(64)) | (1ul << fuzz_below(64)); /* garbage flags */
    case 6: return (uint32_t)fuzz_rand();
    case 7: return fuzz_rand();
    default: return fuzz_pointer();
    }
}

static long fuzz_number(void)
{
    uint64_t r = fuzz_below(100);
    if (r < 85)
        return (long)fuzz_below(FUZZ_NR_LIMIT);
    if (r < 90)
        return DSMK_SYS_BASE + (long)fuzz_below(DSMK_SYS_COUNT);
    if (r < 94)
        return FUZZ_NR_LIMIT + (long)fuzz_below(DSMK_SYS_BASE - FUZZ_NR_LIMIT);
    if (r < 97)
        return (long)(FUZZ_X32_BIT | fuzz_below(FUZZ_NR_LIMIT + 64));
    return (long)fuzz_rand();
}

/* The rule for NR as Linux would decode it: the low 32 bits, x32 bit set or not. */
static enum fuzz_action fuzz_rule_for(long nr)
{
    uint64_t low = (uint32_t)nr;
    if (low & FUZZ_X32_BIT) {
        low &= ~FUZZ_X32_BIT;
        if (low >= FUZZ_X32_FIRST && low <= FUZZ_X32_LAST)
            return FUZZ_SKIP;
    }
    if (low >= DSMK_SYS_BASE && low < DSMK_SYS_BASE + DSMK_SYS_COUNT)
        return rule_of[FUZZ_NR_LIMIT + low - DSMK_SYS_BASE];
    return low < FUZZ_NR_LIMIT ? rule_of[low] : FUZZ_ALLOW;
}

/* Moves [*addr, *addr + *len) off everything of ours: to scratch or the far empty zone,
 * else (a length that reaches our memory from there too) to the non-canonical hole, else
 * (a length that wraps around to us) one page there. A range from scratch that covered the
 * stack let madvise(MADV_DONTNEED) zero it: found on Linux with seed 1. */
static void fuzz_tame_range(uint64_t *addr, uint64_t *len)
{
    if (!fuzz_overlaps_ours(*addr, *len))
        return;
    *addr = fuzz_below(2) ? (uint64_t)scratch : FUZZ_ADDR_FAR_ZONE + FUZZ_PAGE * fuzz_below(1 << 20);
    if (!fuzz_overlaps_ours(*addr, *len))
        return;
    *addr = FUZZ_ADDR_NONCANONICAL;
    if (fuzz_overlaps_ours(*addr, *len))
        *len = FUZZ_PAGE;
}

/* File descriptors are 32-bit: the kernel ignores the upper half (close(0x2000000000000002)
 * closes stderr: found on Linux with seed 1). */
static void fuzz_tame_fd(uint64_t *fd)
{
    if ((uint32_t)*fd <= 2)
        *fd = 1000 + (uint32_t)*fd;
}

/* A timeout the call may read: 1 us (or long past), or an address it can never read. Not
 * scratch nor its guard pages (earlier calls may have made them readable): a real time left
 * there by clock_gettime would be a sleep of 1.7e9 s (found on Linux with seed 1). */
static uint64_t fuzz_timeout_pointer(void)
{
    switch (fuzz_below(6)) {
    case 0: return FUZZ_ADDR_KERNEL_DIRECT + fuzz_below(1ul << 40);
    case 1: return FUZZ_ADDR_KERNEL_TEXT + fuzz_below(1ul << 30);
    case 2: return FUZZ_ADDR_NONCANONICAL + fuzz_below(1ul << 46);
    default: return (uint64_t)&tiny_timeout;
    }
}

/* A tamed timer setting's first expiry and period, in ns. */
static void fuzz_timer_times(uint64_t *value, uint64_t *period)
{
    *value = fuzz_below(FUZZ_TIMER_MAX_NS);
    *period = fuzz_below(2) ? 0 : FUZZ_TIMER_PERIOD_MIN_NS + fuzz_below(FUZZ_TIMER_MAX_NS);
}

/* timer_settime's setting: a tamed one, or an address no call can read. */
static uint64_t fuzz_itimerspec_pointer(void)
{
    if (fuzz_below(4) == 0)
        return fuzz_below(2) ? 0 : FUZZ_ADDR_KERNEL_TEXT + fuzz_below(1ul << 30);
    uint64_t value, period;
    fuzz_timer_times(&value, &period);
    fuzz_setting = (struct itimerspec){ { 0, (long)period }, { 0, (long)value } };
    return (uint64_t)&fuzz_setting;
}

/* setitimer's setting: a tamed one, or NULL or an unreadable address. */
static uint64_t fuzz_itimerval_pointer(void)
{
    if (fuzz_below(4) == 0)
        return fuzz_below(2) ? 0 : FUZZ_ADDR_NONCANONICAL;
    uint64_t value, period;
    fuzz_timer_times(&value, &period);
    fuzz_itimer_setting = (struct itimerval){ { 0, (long)(period / FUZZ_NS_PER_US) },
                                              { 0, (long)(value / FUZZ_NS_PER_US) } };
    return (uint64_t)&fuzz_itimer_setting;
}

/* timer_create's sigevent: NULL (SIGALRM), a tamed one, or an unreadable address. */
static uint64_t fuzz_sigevent_pointer(void)
{
    static const int32_t notify[] = { FUZZ_SIGEV_SIGNAL, FUZZ_SIGEV_NONE, FUZZ_SIGEV_THREAD_ID };
    switch (fuzz_below(6)) {
    case 0: return 0;
    case 1: return FUZZ_ADDR_KERNEL_DIRECT + fuzz_below(1ul << 40);
    default:
        fuzz_event = (struct fuzz_sigevent){
            .value = fuzz_rand(),
            .signo = fuzz_timer_signals[fuzz_below(sizeof fuzz_timer_signals / sizeof fuzz_timer_signals[0])],
            .notify = notify[fuzz_below(sizeof notify / sizeof notify[0])],
            .tid = fuzz_below(4) ? (int32_t)syscall(SYS_gettid) : (int32_t)fuzz_rand() };
        return (uint64_t)&fuzz_event;
    }
}

/* A clock for timer_create: one of ours (CPU-time ones too) or the random value. */
static uint64_t fuzz_timer_clock(uint64_t random)
{
    int32_t self = (int32_t)syscall(SYS_gettid);
    switch (fuzz_below(4)) {
    case 0: return random;
    case 1: /* MAKE_PROCESS_CPUCLOCK(self, CPUCLOCK_SCHED), per thread half the time */
        return (uint32_t)((~self << FUZZ_CPUCLOCK_ID_SHIFT) | FUZZ_CPUCLOCK_SCHED |
                          (fuzz_below(2) ? FUZZ_CPUCLOCK_PERTHREAD : 0));
    default: return fuzz_timer_clocks[fuzz_below(sizeof fuzz_timer_clocks / sizeof fuzz_timer_clocks[0])];
    }
}

static bool fuzz_is_timer_signal(uint32_t sig)
{
    for (size_t i = 0; i < sizeof fuzz_timer_signals / sizeof fuzz_timer_signals[0]; i++)
        if (sig == (uint32_t)fuzz_timer_signals[i])
            return true;
    return false;
}

/* The clocks that advance while we sleep (Linux uapi time.h ids); CPU-time clocks do not. */
static bool fuzz_is_wall_clock(uint32_t clock)
{
    switch (clock) {
    case CLOCK_REALTIME: case CLOCK_MONOTONIC: case CLOCK_MONOTONIC_RAW:
    case CLOCK_REALTIME_COARSE: case CLOCK_MONOTONIC_COARSE: case CLOCK_BOOTTIME:
    case CLOCK_REALTIME_ALARM: case CLOCK_BOOTTIME_ALARM: case CLOCK_TAI:
        return true;
    default:
        return false;
    }
}

static void fuzz_tame(long nr, uint64_t a[6])
{
    uint32_t low = (uint32_t)nr & ~FUZZ_X32_BIT;
    switch (low) {
    case SYS_mmap:
        a[3] &= ~(uint64_t)MAP_FIXED;
        fuzz_tame_range(&a[0], &a[1]);
        break;
    case SYS_mremap:
        /* Without MREMAP_FIXED a mapping only grows into free space: the old range is all
         * that can touch ours. */
        a[3] &= ~(uint64_t)(FUZZ_MREMAP_FIXED | FUZZ_MREMAP_DONTUNMAP);
        fuzz_tame_range(&a[0], &a[1]);
        break;
    case SYS_munmap: case SYS_mprotect: case SYS_pkey_mprotect: case SYS_madvise:
    case SYS_msync: case SYS_mlock: case SYS_mlock2: case SYS_munlock: case FUZZ_SYS_MSEAL:
    case DSMK_SYS_REGION_MODE:
        fuzz_tame_range(&a[0], &a[1]);
        break;
    case SYS_arch_prctl: {
        static const uint64_t codes[] = { FUZZ_ARCH_SET_GS, FUZZ_ARCH_GET_FS, FUZZ_ARCH_GET_GS,
                                          FUZZ_ARCH_GET_CPUID, FUZZ_ARCH_SET_CPUID };
        if (fuzz_below(2))
            a[0] = codes[fuzz_below(sizeof(codes) / sizeof(codes[0]))];
        uint32_t code = (uint32_t)a[0];
        if (code == FUZZ_ARCH_SET_FS || (code >= FUZZ_ARCH_SHSTK_FIRST && code <= FUZZ_ARCH_SHSTK_LAST))
            a[0] = FUZZ_ARCH_GET_GS;
        /* GET_FS would leave a pointer to our TLS in scratch, for a later readv to follow. */
        if ((uint32_t)a[0] == FUZZ_ARCH_GET_FS)
            a[1] = (uint64_t)guard_high;
        break;
    }
    case SYS_futex:
        a[3] = fuzz_timeout_pointer();
        break;
    case SYS_semtimedop:
        a[3] = fuzz_timeout_pointer();
        break;
    case SYS_msgsnd:
        a[3] |= IPC_NOWAIT;
        break;
    case SYS_msgrcv:
        a[4] |= IPC_NOWAIT;
        break;
    case SYS_nanosleep:
        a[0] = fuzz_timeout_pointer();
        break;
    case SYS_poll:
        a[2] = fuzz_below(2); /* ms */
        break;
    case SYS_ppoll:
        a[2] = fuzz_timeout_pointer();
        break;
    case SYS_select: case SYS_pselect6: /* tiny_timeout read as a timeval is 1 ms */
        a[4] = fuzz_timeout_pointer();
        break;
    case SYS_clock_nanosleep:
        /* A relative sleep on our own CPU-time clock never ends (we use no CPU while asleep):
         * found on Linux with seed 1. Absolute 1 us on it is long past. */
        if (!fuzz_is_wall_clock((uint32_t)a[0]))
            a[1] |= TIMER_ABSTIME;
        a[2] = fuzz_timeout_pointer();
        break;
    case SYS_prlimit64:
        a[2] = 0;
        break;
    case SYS_rt_sigaction:
        if ((uint32_t)a[0] == SIGPIPE || fuzz_is_timer_signal((uint32_t)a[0]))
            a[1] = 0;
        break;
    case SYS_alarm:
        a[0] = fuzz_below(FUZZ_ALARM_MAX_S);
        break;
    case SYS_setitimer:
        a[1] = fuzz_itimerval_pointer();
        break;
    case SYS_timer_create:
        a[0] = fuzz_timer_clock(a[0]);
        a[1] = fuzz_sigevent_pointer();
        break;
    case SYS_timer_settime:
        if (fuzz_below(4))
            a[0] = fuzz_below(FUZZ_TIMER_IDS);
        a[2] = fuzz_itimerspec_pointer();
        break;
    case SYS_close:
        fuzz_tame_fd(&a[0]);
        break;
    case SYS_close_range:
        if ((uint32_t)a[0] <= 2)
            a[0] = 3;
        break;
    case SYS_dup2: case SYS_dup3: case SYS_splice: case SYS_copy_file_range:
        fuzz_tame_fd(low == SYS_dup2 || low == SYS_dup3 ? &a[1] : &a[2]);
        break;
    case SYS_ioctl: case SYS_fcntl: case SYS_write: case SYS_writev: case SYS_pwrite64: case SYS_pwritev: case SYS_pwritev2:
    case SYS_sendfile:
        fuzz_tame_fd(&a[0]);
        break;
    case SYS_tee:
        fuzz_tame_fd(&a[1]);
        break;
    case SYS_socket: /* a UDP socket never waits to send; fuzz_after shuts its receiving */
        a[0] = AF_INET;
        a[1] = SOCK_DGRAM | (a[1] & (SOCK_NONBLOCK | SOCK_CLOEXEC));
        a[2] = fuzz_below(2) ? IPPROTO_UDP : 0;
        break;
    }
}

/* What a tamed call's success still needs: a new UDP socket is shut for receiving, so a
 * later random read, readv or splice of it answers 0 rather than wait for a datagram (a
 * random fcntl may clear O_NONBLOCK; nothing opens a shut socket again). */
static void fuzz_after(long nr, long ret)
{
    if (((uint32_t)nr & ~FUZZ_X32_BIT) == SYS_socket && ret >= 0) {
        uint64_t shut[6] = { (uint64_t)ret, SHUT_RD, 0, 0, 0, 0 };
        fuzz_raw_syscall(SYS_shutdown, shut); /* ENOTCONN, yet shut all the same (inet_shutdown) */
    }
}

static bool fuzz_setup(void)
{
    for (size_t i = 0; i < sizeof(fuzz_rules) / sizeof(fuzz_rules[0]); i++) {
        long nr = fuzz_rules[i].nr;
        size_t slot = nr >= DSMK_SYS_BASE ? FUZZ_NR_LIMIT + (size_t)(nr - DSMK_SYS_BASE) : (size_t)nr;
        rule_of[slot] = (unsigned char)fuzz_rules[i].action;
    }
    unsigned char *area = mmap(NULL, (FUZZ_SCRATCH_PAGES + 2) * FUZZ_PAGE, PROT_READ | PROT_WRITE,
                               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (area == MAP_FAILED) {
        perror("sysfuzz: mmap scratch");
        return false;
    }
    guard_low = area;
    scratch = area + FUZZ_PAGE;
    guard_high = scratch + FUZZ_SCRATCH_PAGES * FUZZ_PAGE;
    if (mprotect(guard_low, FUZZ_PAGE, PROT_NONE) != 0 || mprotect(guard_high, FUZZ_PAGE, PROT_NONE) != 0)
        perror("sysfuzz: mprotect guard (continuing without guard pages)");
    for (size_t i = 0; i < FUZZ_SCRATCH_PAGES * FUZZ_PAGE; i++)
        scratch[i] = (unsigned char)fuzz_rand();

    /* Our image up to well past the heap start (libc may grow brk), and the main stack
     * from far below the current frame up to the argv/env/auxv area above it. */
    uint64_t here = (uint64_t)&area;
    forbidden[FUZZ_RANGE_IMAGE] = (struct fuzz_range){ (uint64_t)__executable_start,
                                                       (uint64_t)_end + (64ul << 20) };
    forbidden[FUZZ_RANGE_STACK] = (struct fuzz_range){ here - (8ul << 20), here + (1ul << 20) };
    signal(SIGPIPE, SIG_IGN);
    for (size_t i = 0; i < sizeof fuzz_timer_signals / sizeof fuzz_timer_signals[0]; i++)
        signal(fuzz_timer_signals[i], SIG_IGN);
    return true;
}

int main(int argc, char **argv)
{
    long count = argc > 1 ? atol(argv[1]) : 100000;
    unsigned long long seed = argc > 2 ? strtoull(argv[2], NULL, 0) : 1;
    rng_state = seed;
    bool dry = argc > 3 && strcmp(argv[3], "dry") == 0;
    bool verbose = dry || (argc > 3 && strcmp(argv[3], "v") == 0);
    if (count < 0) {
        fprintf(stderr, "usage: sysfuzz [COUNT] [SEED] [v]\n");
        return 2;
    }
    if (!fuzz_setup())
        return 1;
    long done = 0, skipped = 0, ok = 0, failed = 0, enosys = 0;
    while (done < count) {
        long nr = fuzz_number();
        enum fuzz_action action = fuzz_rule_for(nr);
        if (action == FUZZ_SKIP) {
            skipped++;
            continue;
        }
        uint64_t a[6];
        for (int i = 0; i < 6; i++) {
            a[i] = fuzz_value();
            if (fuzz_overlaps_ours(a[i], 1))
                a[i] = (uint64_t)scratch + fuzz_below(FUZZ_SCRATCH_PAGES * FUZZ_PAGE);
        }
        if (action == FUZZ_TAME)
            fuzz_tame(nr, a);
        if (verbose)
            fprintf(stderr, "sysfuzz: #%ld nr=%ld %lx %lx %lx %lx %lx %lx\n", done, nr, a[0], a[1],
                    a[2], a[3], a[4], a[5]);
        long ret = dry ? -FUZZ_ENOSYS : fuzz_raw_syscall(nr, a);
        if ((uint32_t)nr == SYS_mmap && (unsigned long)ret < -(unsigned long)FUZZ_ERRNO_MAX &&
            !fuzz_overlaps_ours((uint64_t)ret, a[1])) {
            uint64_t unmap[6] = { (uint64_t)ret, a[1], 0, 0, 0, 0 };
            fuzz_raw_syscall(SYS_munmap, unmap); /* do not let the address space fill up */
        }
        if (action == FUZZ_TAME && !dry)
            fuzz_after(nr, ret);
        if (ret == -FUZZ_ENOSYS)
            enosys++;
        else if (ret < 0 && ret >= -FUZZ_ERRNO_MAX)
            failed++;
        else
            ok++;
        done++;
        if (done % FUZZ_PROGRESS_EVERY == 0)
            fprintf(stderr, "sysfuzz: %ld calls\n", done);
    }
    printf("sysfuzz: seed=%llu ok=%ld errors=%ld enosys=%ld skipped=%ld\n", seed, ok, failed,
           enosys, skipped);
    printf("sysfuzz: %ld calls done\n", done);
    return 0;
}
