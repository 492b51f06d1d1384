/* SPDX-License-Identifier: MIT */
/* The system call table and dispatcher. Numbers from syscall_64.tbl; an unknown number
 * is -ENOSYS (logged once per number, by name), never a fault. */
#include "kernel/syscall.h"

#include <arch/context.h>

#include "kernel/linux_abi.h"
#include "kernel/log.h"
#include "kernel/program.h"

/* x86-64 numbers (syscall_64.tbl) of the calls we implement. */
enum {
    NR_read = 0, NR_write = 1, NR_open = 2, NR_close = 3, NR_stat = 4, NR_fstat = 5, NR_lstat = 6,
    NR_lseek = 8, NR_mmap = 9, NR_access = 21, NR_getcwd = 79, NR_newfstatat = 262, NR_statx = 332, NR_copy_file_range = 326, NR_splice = 275, NR_signalfd = 282, NR_signalfd4 = 289,
    NR_mq_open = 240, NR_mq_unlink = 241, NR_mq_timedsend = 242, NR_mq_timedreceive = 243, NR_mq_notify = 244,
    NR_mq_getsetattr = 245, NR_shmget = 29, NR_shmat = 30, NR_shmctl = 31, NR_shmdt = 67,
    NR_semget = 64, NR_semop = 65, NR_semctl = 66, NR_semtimedop = 220, NR_msgget = 68, NR_msgsnd = 69,
    NR_msgrcv = 70, NR_msgctl = 71,
    NR_mprotect = 10, NR_munmap = 11, NR_brk = 12, NR_rt_sigaction = 13, NR_rt_sigprocmask = 14,
    NR_ioctl = 16, NR_pread64 = 17, NR_readv = 19, NR_writev = 20, NR_sched_yield = 24, NR_mremap = 25,
    NR_madvise = 28, NR_nanosleep = 35, NR_getpid = 39, NR_clone = 56, NR_exit = 60, NR_kill = 62,
    NR_uname = 63, NR_gettimeofday = 96, NR_getuid = 102, NR_getgid = 104, NR_geteuid = 107,
    NR_getegid = 108, NR_getppid = 110, NR_sigaltstack = 131, NR_arch_prctl = 158, NR_gettid = 186,
    NR_tkill = 200, NR_time = 201, NR_futex = 202, NR_sched_getaffinity = 204, NR_set_tid_address = 218,
    NR_clock_gettime = 228, NR_clock_getres = 229, NR_clock_nanosleep = 230, NR_exit_group = 231,
    NR_tgkill = 234, NR_openat = 257, NR_set_robust_list = 273, NR_get_robust_list = 274, NR_prlimit64 = 302, NR_getrlimit = 97, NR_setrlimit = 160, NR_getrandom = 318,
    NR_getrusage = 98, NR_sysinfo = 99, NR_sched_setaffinity = 203, NR_getcpu = 309, NR_rt_sigreturn = 15,
    NR_sched_setparam = 142, NR_sched_getparam = 143, NR_sched_setscheduler = 144, NR_sched_getscheduler = 145,
    NR_sched_get_priority_max = 146, NR_sched_get_priority_min = 147, NR_rt_sigpending = 127,
    NR_rt_sigsuspend = 130, NR_pause = 34, NR_rt_sigtimedwait = 128, NR_getitimer = 36, NR_alarm = 37,
    NR_setitimer = 38, NR_times = 100, NR_pipe = 22, NR_dup = 32, NR_dup2 = 33, NR_fcntl = 72, NR_dup3 = 292,
    NR_pipe2 = 293, NR_poll = 7, NR_select = 23, NR_pselect6 = 270, NR_ppoll = 271, NR_pwrite64 = 18,
    NR_fsync = 74, NR_fdatasync = 75, NR_ftruncate = 77, NR_creat = 85, NR_unlink = 87, NR_unlinkat = 263,
    NR_rename = 82, NR_renameat = 264, NR_renameat2 = 316, NR_readlink = 89, NR_readlinkat = 267, NR_umask = 95,
    NR_chdir = 80, NR_getpgid = 121, NR_getsid = 124, NR_mkdir = 83, NR_mkdirat = 258, NR_rmdir = 84,
    NR_fchdir = 81, NR_getdents64 = 217, NR_faccessat = 269, NR_faccessat2 = 439, NR_eventfd = 284,
    NR_eventfd2 = 290, NR_prctl = 157, NR_epoll_create = 213, NR_epoll_create1 = 291, NR_epoll_ctl = 233,
    NR_epoll_wait = 232, NR_epoll_pwait = 281, NR_epoll_pwait2 = 441, NR_timerfd_create = 283,
    NR_timerfd_settime = 286, NR_timerfd_gettime = 287, NR_msync = 26, NR_mlock = 149, NR_munlock = 150,
    NR_mlockall = 151, NR_munlockall = 152, NR_mlock2 = 325, NR_wait4 = 61, NR_waitid = 247, NR_getgroups = 115,
    NR_membarrier = 324, NR_sched_rr_get_interval = 148, NR_sync = 162, NR_syncfs = 306, NR_truncate = 76,
    NR_fadvise64 = 221, NR_close_range = 436, NR_timer_create = 222, NR_timer_settime = 223, NR_timer_gettime = 224,
    NR_timer_getoverrun = 225, NR_timer_delete = 226, NR_socketpair = 53, NR_sendto = 44, NR_recvfrom = 45,
    NR_sendmsg = 46, NR_recvmsg = 47, NR_sendmmsg = 307, NR_recvmmsg = 299, NR_shutdown = 48, NR_getsockname = 51, NR_getpeername = 52,
    NR_socket = 41, NR_connect = 42, NR_accept = 43, NR_bind = 49, NR_listen = 50, NR_accept4 = 288,
    NR_setsockopt = 54, NR_getsockopt = 55, NR_chmod = 90, NR_fchmod = 91, NR_fchmodat = 268, NR_utimensat = 280,
    NR_setpgid = 109, NR_setsid = 112, NR_getresuid = 118, NR_getresgid = 120, NR_mincore = 27, NR_chown = 92,
    NR_fchown = 93, NR_lchown = 94, NR_fchownat = 260, NR_fallocate = 285, NR_statfs = 137, NR_fstatfs = 138,
    NR_memfd_create = 319, NR_sendfile = 40, NR_rt_sigqueueinfo = 129, NR_rt_tgsigqueueinfo = 297,
    NR_flock = 73, NR_preadv = 295, NR_pwritev = 296, NR_preadv2 = 327, NR_pwritev2 = 328, NR_getpriority = 140,
    NR_setpriority = 141, NR_setuid = 105, NR_setgid = 106, NR_setreuid = 113, NR_setregid = 114,
    NR_setresuid = 117, NR_setresgid = 119, NR_setfsuid = 122, NR_setfsgid = 123, NR_setgroups = 116, NR_link = 86, NR_linkat = 265,
    NR_symlink = 88, NR_symlinkat = 266, NR_mknod = 133, NR_mknodat = 259,
};

static const syscall_fn syscall_table[SYSCALL_NAME_COUNT] = {
    [NR_read] = sys_read, [NR_write] = sys_write, [NR_open] = sys_open, [NR_close] = sys_close,
    [NR_fstat] = sys_fstat, [NR_lseek] = sys_lseek, [NR_mmap] = sys_mmap, [NR_mprotect] = sys_mprotect,
    [NR_munmap] = sys_munmap, [NR_brk] = sys_brk, [NR_rt_sigaction] = sys_rt_sigaction,
    [NR_rt_sigprocmask] = sys_rt_sigprocmask, [NR_ioctl] = sys_ioctl, [NR_pread64] = sys_pread64,
    [NR_readv] = sys_readv, [NR_writev] = sys_writev, [NR_sched_yield] = sys_sched_yield,
    [NR_mremap] = sys_mremap, [NR_madvise] = sys_madvise, [NR_nanosleep] = sys_nanosleep,
    [NR_getpid] = sys_getpid, [NR_clone] = sys_clone, [NR_exit] = sys_exit, [NR_kill] = sys_kill,
    [NR_uname] = sys_uname, [NR_gettimeofday] = sys_gettimeofday, [NR_getuid] = sys_getuid,
    [NR_getgid] = sys_getuid, [NR_geteuid] = sys_getuid, [NR_getegid] = sys_getuid,
    [NR_getppid] = sys_getppid, [NR_sigaltstack] = sys_sigaltstack, [NR_arch_prctl] = sys_arch_prctl,
    [NR_gettid] = sys_gettid, [NR_tkill] = sys_tkill, [NR_time] = sys_time, [NR_futex] = sys_futex,
    [NR_sched_getaffinity] = sys_sched_getaffinity, [NR_set_tid_address] = sys_set_tid_address,
    [NR_clock_gettime] = sys_clock_gettime, [NR_clock_getres] = sys_clock_getres,
    [NR_clock_nanosleep] = sys_clock_nanosleep, [NR_exit_group] = sys_exit_group, [NR_tgkill] = sys_tgkill,
    [NR_openat] = sys_openat, [NR_set_robust_list] = sys_set_robust_list, [NR_get_robust_list] = sys_get_robust_list, [NR_prlimit64] = sys_prlimit64,
    [NR_getrlimit] = sys_getrlimit, [NR_setrlimit] = sys_setrlimit,
    [NR_getrandom] = sys_getrandom, [NR_stat] = sys_stat, [NR_lstat] = sys_lstat, [NR_access] = sys_access,
    [NR_getcwd] = sys_getcwd, [NR_newfstatat] = sys_newfstatat, [NR_statx] = sys_statx, [NR_copy_file_range] = sys_copy_file_range, [NR_splice] = sys_splice,
    [NR_signalfd] = sys_signalfd, [NR_signalfd4] = sys_signalfd4,
    [NR_mq_open] = sys_mq_open, [NR_mq_unlink] = sys_mq_unlink, [NR_mq_timedsend] = sys_mq_timedsend,
    [NR_mq_timedreceive] = sys_mq_timedreceive, [NR_mq_notify] = sys_mq_notify, [NR_mq_getsetattr] = sys_mq_getsetattr, [NR_getrusage] = sys_getrusage,
    [NR_shmget] = sys_shmget, [NR_shmat] = sys_shmat, [NR_shmctl] = sys_shmctl, [NR_shmdt] = sys_shmdt,
    [NR_semget] = sys_semget, [NR_semop] = sys_semop, [NR_semctl] = sys_semctl, [NR_semtimedop] = sys_semtimedop,
    [NR_msgget] = sys_msgget, [NR_msgsnd] = sys_msgsnd, [NR_msgrcv] = sys_msgrcv, [NR_msgctl] = sys_msgctl,
    [NR_sysinfo] = sys_sysinfo, [NR_sched_setaffinity] = sys_sched_setaffinity, [NR_getcpu] = sys_getcpu,
    [NR_rt_sigreturn] = sys_rt_sigreturn, [NR_sched_setparam] = sys_sched_setparam,
    [NR_sched_getparam] = sys_sched_getparam, [NR_sched_setscheduler] = sys_sched_setscheduler,
    [NR_sched_getscheduler] = sys_sched_getscheduler, [NR_sched_get_priority_max] = sys_sched_get_priority_max,
    [NR_sched_get_priority_min] = sys_sched_get_priority_min, [NR_rt_sigpending] = sys_rt_sigpending,
    [NR_rt_sigsuspend] = sys_rt_sigsuspend, [NR_pause] = sys_pause, [NR_rt_sigtimedwait] = sys_rt_sigtimedwait,
    [NR_getitimer] = sys_getitimer, [NR_alarm] = sys_alarm, [NR_setitimer] = sys_setitimer,
    [NR_times] = sys_times, [NR_pipe] = sys_pipe, [NR_dup] = sys_dup, [NR_dup2] = sys_dup2, [NR_fcntl] = sys_fcntl,
    [NR_dup3] = sys_dup3, [NR_pipe2] = sys_pipe2, [NR_poll] = sys_poll, [NR_select] = sys_select,
    [NR_pselect6] = sys_pselect6, [NR_ppoll] = sys_ppoll, [NR_pwrite64] = sys_pwrite64, [NR_fsync] = sys_fsync,
    [NR_fdatasync] = sys_fsync, [NR_ftruncate] = sys_ftruncate, [NR_creat] = sys_creat, [NR_unlink] = sys_unlink,
    [NR_unlinkat] = sys_unlinkat, [NR_rename] = sys_rename, [NR_renameat] = sys_renameat,
    [NR_renameat2] = sys_renameat2, [NR_link] = sys_link, [NR_linkat] = sys_linkat, [NR_symlink] = sys_symlink,
    [NR_symlinkat] = sys_symlinkat, [NR_mknod] = sys_mknod, [NR_mknodat] = sys_mknodat,
    [NR_readlink] = sys_readlink, [NR_readlinkat] = sys_readlinkat,
    [NR_umask] = sys_umask, [NR_chdir] = sys_chdir, [NR_getpgid] = sys_getpgid, [NR_getsid] = sys_getpgid,
    [NR_mkdir] = sys_mkdir, [NR_mkdirat] = sys_mkdirat, [NR_rmdir] = sys_rmdir,
    [NR_fchdir] = sys_fchdir, [NR_getdents64] = sys_getdents64, [NR_faccessat] = sys_faccessat,
    [NR_faccessat2] = sys_faccessat2, [NR_eventfd] = sys_eventfd, [NR_eventfd2] = sys_eventfd2, [NR_prctl] = sys_prctl,
    [NR_epoll_create] = sys_epoll_create, [NR_epoll_create1] = sys_epoll_create1, [NR_epoll_ctl] = sys_epoll_ctl,
    [NR_epoll_wait] = sys_epoll_wait, [NR_epoll_pwait] = sys_epoll_pwait, [NR_epoll_pwait2] = sys_epoll_pwait2,
    [NR_timerfd_create] = sys_timerfd_create, [NR_timerfd_settime] = sys_timerfd_settime,
    [NR_timerfd_gettime] = sys_timerfd_gettime, [NR_msync] = sys_msync, [NR_mlock] = sys_mlock,
    [NR_munlock] = sys_munlock, [NR_mlockall] = sys_mlockall, [NR_munlockall] = sys_munlockall, [NR_mlock2] = sys_mlock2,
    [NR_wait4] = sys_wait4, [NR_waitid] = sys_waitid, [NR_getgroups] = sys_getgroups, [NR_membarrier] = sys_membarrier,
    [NR_sched_rr_get_interval] = sys_sched_rr_get_interval, [NR_sync] = sys_sync, [NR_syncfs] = sys_fsync,
    [NR_truncate] = sys_truncate, [NR_fadvise64] = sys_fadvise64, [NR_close_range] = sys_close_range,
    [NR_timer_create] = sys_timer_create, [NR_timer_settime] = sys_timer_settime,
    [NR_timer_gettime] = sys_timer_gettime, [NR_timer_getoverrun] = sys_timer_getoverrun,
    [NR_timer_delete] = sys_timer_delete, [NR_socketpair] = sys_socketpair, [NR_sendto] = sys_sendto,
    [NR_recvfrom] = sys_recvfrom, [NR_sendmsg] = sys_sendmsg, [NR_recvmsg] = sys_recvmsg,
    [NR_sendmmsg] = sys_sendmmsg, [NR_recvmmsg] = sys_recvmmsg, [NR_shutdown] = sys_shutdown,
    [NR_getsockname] = sys_getsockname, [NR_getpeername] = sys_getpeername, [NR_socket] = sys_socket,
    [NR_connect] = sys_connect, [NR_accept] = sys_accept, [NR_bind] = sys_bind, [NR_listen] = sys_listen,
    [NR_accept4] = sys_accept4,
    [NR_setsockopt] = sys_setsockopt, [NR_getsockopt] = sys_getsockopt, [NR_chmod] = sys_chmod,
    [NR_fchmod] = sys_fchmod, [NR_fchmodat] = sys_fchmodat, [NR_utimensat] = sys_utimensat,
    [NR_setpgid] = sys_setpgid, [NR_setsid] = sys_setsid, [NR_getresuid] = sys_getresuid,
    [NR_getresgid] = sys_getresuid, [NR_mincore] = sys_mincore, [NR_chown] = sys_chown, [NR_fchown] = sys_fchown,
    [NR_lchown] = sys_lchown, [NR_fchownat] = sys_fchownat, [NR_fallocate] = sys_fallocate, [NR_statfs] = sys_statfs,
    [NR_fstatfs] = sys_fstatfs, [NR_memfd_create] = sys_memfd_create, [NR_sendfile] = sys_sendfile,
    [NR_rt_sigqueueinfo] = sys_rt_sigqueueinfo, [NR_rt_tgsigqueueinfo] = sys_rt_tgsigqueueinfo,
    [NR_flock] = sys_flock, [NR_preadv] = sys_preadv, [NR_pwritev] = sys_pwritev, [NR_preadv2] = sys_preadv2,
    [NR_pwritev2] = sys_pwritev2, [NR_getpriority] = sys_getpriority, [NR_setpriority] = sys_setpriority,
    [NR_setuid] = sys_setuid, [NR_setgid] = sys_setgid, [NR_setreuid] = sys_setreuid, [NR_setregid] = sys_setregid,
    [NR_setresuid] = sys_setresuid, [NR_setresgid] = sys_setresgid, [NR_setfsuid] = sys_setfsuid,
    [NR_setfsgid] = sys_setfsuid, [NR_setgroups] = sys_setgroups,
};

static syscall_fn syscall_dsmk_table[SYSCALL_DSMK_COUNT]; /* set by the DSM layer */
static uint8_t syscall_logged[(SYSCALL_NAME_COUNT + 7) / 8]; /* unknown numbers already reported */
static uint64_t syscall_total;
static uint64_t syscall_unknown_total;

uint64_t syscall_count_total(void)
{
    return syscall_total;
}

void syscall_set_dsmk(unsigned index, syscall_fn fn)
{
    if (index < SYSCALL_DSMK_COUNT)
        syscall_dsmk_table[index] = fn;
}

uint64_t syscall_count_unknown(void)
{
    return syscall_unknown_total;
}

static long syscall_unknown(uint64_t nr)
{
    syscall_unknown_total++;
    if (nr >= SYSCALL_NAME_COUNT) {
        if (syscall_unknown_total == 1)
            log_warn("syscall: number %llu out of range: -ENOSYS", (unsigned long long)nr);
        return -LINUX_ENOSYS;
    }
    if (!(syscall_logged[nr / 8] & (1u << (nr % 8)))) {
        syscall_logged[nr / 8] |= (uint8_t)(1u << (nr % 8));
        log_warn("syscall: %s (%llu) not implemented: -ENOSYS", syscall_name(nr), (unsigned long long)nr);
    }
    return -LINUX_ENOSYS;
}

void syscall_dispatch(struct trap_frame *frame)
{
    uint64_t nr = frame->rax;
    syscall_total++;
    syscall_fn fn = NULL;
    if (nr < SYSCALL_NAME_COUNT)
        fn = syscall_table[nr];
    else if (nr - SYSCALL_DSMK_BASE < SYSCALL_DSMK_COUNT)
        fn = syscall_dsmk_table[nr - SYSCALL_DSMK_BASE];
    long ret = fn ? fn(frame->rdi, frame->rsi, frame->rdx, frame->r10, frame->r8, frame->r9) : syscall_unknown(nr);
    frame->rax = (uint64_t)ret;
    signal_deliver_pending(frame, nr);
}

/* ---- in-kernel tests ---- */

#include "kernel/ktest.h"
#include "kernel/libc.h"

#define SYSCALL_TEST_MAGIC 0x5eed

static long syscall_test_dsmk(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
    return (long)a0 + SYSCALL_TEST_MAGIC;
}

static long syscall_test_call(uint64_t nr, uint64_t a0)
{
    struct trap_frame frame;
    memset(&frame, 0, sizeof frame);
    frame.rax = nr;
    frame.rdi = a0;
    syscall_dispatch(&frame);
    return (long)frame.rax;
}

KTEST(syscall_dispatch_numbers)
{
    program_kernel_init();
    KT_EXPECT_EQ(syscall_test_call(NR_getpid, 0), 1);
    KT_EXPECT_EQ(syscall_test_call(NR_uname, 16), -LINUX_EFAULT); /* bad pointer: error, no fault */
    KT_EXPECT_EQ(syscall_test_call(SYSCALL_NAME_COUNT, 0), -LINUX_ENOSYS);
    KT_EXPECT_EQ(syscall_test_call(~0ull, 0), -LINUX_ENOSYS);
    KT_EXPECT_EQ(syscall_test_call(SYSCALL_DSMK_BASE + 1, 0), -LINUX_ENOSYS);
    syscall_set_dsmk(1, syscall_test_dsmk);
    KT_EXPECT_EQ(syscall_test_call(SYSCALL_DSMK_BASE + 1, 2), 2 + SYSCALL_TEST_MAGIC);
    syscall_set_dsmk(1, NULL);
    KT_EXPECT_EQ(syscall_test_call(SYSCALL_DSMK_BASE + SYSCALL_DSMK_COUNT, 0), -LINUX_ENOSYS);
}
