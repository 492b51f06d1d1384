/* SPDX-License-Identifier: MIT */
/* The Linux x86-64 user ABI values dsmk implements: errno numbers (asm-generic/errno*.h),
 * mmap/futex/clone flags and the structures syscalls copy out (x86_64 layouts, as in
 * the kernel's uapi headers and man-pages section 2). Values only, no code. */
#ifndef KERNEL_LINUX_ABI_H
#define KERNEL_LINUX_ABI_H

#include <stdint.h>

/* errno (asm-generic/errno-base.h, errno.h) */
#define LINUX_EPERM 1
#define LINUX_ENOENT 2
#define LINUX_ENXIO 6
#define LINUX_ESRCH 3
#define LINUX_EINTR 4
#define LINUX_EIO 5
#define LINUX_EBADF 9
#define LINUX_ECHILD 10
#define LINUX_EACCES 13
#define LINUX_EAGAIN 11
#define LINUX_ENOMEM 12
#define LINUX_EFAULT 14
#define LINUX_EBUSY 16
#define LINUX_EEXIST 17
#define LINUX_ENODEV 19
#define LINUX_ENOTDIR 20
#define LINUX_EISDIR 21
#define LINUX_EXDEV 18
#define LINUX_ENOTEMPTY 39
#define LINUX_S_IFDIR 0040000
#define LINUX_EINVAL 22
#define LINUX_ENFILE 23
#define LINUX_EMFILE 24
#define LINUX_ENOTTY 25
#define LINUX_ESPIPE 29
#define LINUX_EPIPE 32
#define LINUX_EFBIG 27
#define LINUX_ENOSPC 28
#define LINUX_EROFS 30
#define LINUX_ERANGE 34
#define LINUX_EDEADLK 35
#define LINUX_ENAMETOOLONG 36
#define LINUX_ELOOP 40
#define LINUX_ENOSYS 38
#define LINUX_EOPNOTSUPP 95
#define LINUX_ENOTSOCK 88
#define LINUX_EMSGSIZE 90
#define LINUX_ENOPROTOOPT 92
#define LINUX_EAFNOSUPPORT 97
#define LINUX_EISCONN 106
#define LINUX_ENOTCONN 107
#define LINUX_EADDRINUSE 98
#define LINUX_EADDRNOTAVAIL 99
#define LINUX_ENETUNREACH 101
#define LINUX_ECONNREFUSED 111
#define LINUX_EDESTADDRREQ 89
#define LINUX_ETIMEDOUT 110
/* Kernel-internal (include/linux/errno.h): a wait a signal ended; the syscall is restarted
 * after the handler (SA_RESTART, or no handler ran) or fails with EINTR. Never returned. */
#define LINUX_ERESTARTSYS 512
/* Kernel-internal too: as ERESTARTSYS, except that a handler that runs always makes it
 * EINTR, whatever SA_RESTART says (poll, select). Never returned. */
#define LINUX_ERESTARTNOHAND 514

/* mmap (asm-generic/mman-common.h, x86 mman.h) */
#define LINUX_PROT_NONE 0x0
#define LINUX_PROT_READ 0x1
#define LINUX_PROT_WRITE 0x2
#define LINUX_PROT_EXEC 0x4
#define LINUX_PROT_MASK 0x7
#define LINUX_MAP_SHARED 0x01
#define LINUX_MAP_PRIVATE 0x02
#define LINUX_MAP_TYPE 0x0f
#define LINUX_MAP_FIXED 0x10
#define LINUX_MAP_ANONYMOUS 0x20
#define LINUX_MAP_32BIT 0x40 /* x86-64: in the low 2 GiB */
#define LINUX_MAP_FIXED_NOREPLACE 0x100000
#define LINUX_MREMAP_MAYMOVE 1
#define LINUX_MREMAP_FIXED 2
#define LINUX_MADV_DONTNEED 4

/* futex (linux/futex.h) */
#define LINUX_FUTEX_WAIT 0
#define LINUX_FUTEX_WAKE 1
#define LINUX_FUTEX_REQUEUE 3
#define LINUX_FUTEX_CMP_REQUEUE 4
#define LINUX_FUTEX_WAKE_OP 5
#define LINUX_FUTEX_LOCK_PI 6
#define LINUX_FUTEX_UNLOCK_PI 7
#define LINUX_FUTEX_TRYLOCK_PI 8
#define LINUX_FUTEX_WAIT_BITSET 9
#define LINUX_FUTEX_LOCK_PI2 13
#define LINUX_FUTEX_WAKE_BITSET 10
#define LINUX_FUTEX_PRIVATE_FLAG 128
#define LINUX_FUTEX_CLOCK_REALTIME 256
#define LINUX_FUTEX_CMD_MASK 0x7f
#define LINUX_FUTEX_BITSET_MATCH_ANY 0xffffffffu

/* clone (linux/sched.h) */
#define LINUX_CSIGNAL 0x000000ff
#define LINUX_CLONE_VM 0x00000100
#define LINUX_CLONE_FS 0x00000200
#define LINUX_CLONE_FILES 0x00000400
#define LINUX_CLONE_SIGHAND 0x00000800
#define LINUX_CLONE_THREAD 0x00010000
#define LINUX_CLONE_SYSVSEM 0x00040000
#define LINUX_CLONE_SETTLS 0x00080000
#define LINUX_CLONE_PARENT_SETTID 0x00100000
#define LINUX_CLONE_CHILD_CLEARTID 0x00200000
#define LINUX_CLONE_DETACHED 0x00400000
#define LINUX_CLONE_CHILD_SETTID 0x01000000

/* prctl (linux/prctl.h) */
#define LINUX_PR_SET_PDEATHSIG 1 /* include/uapi/linux/prctl.h */
#define LINUX_PR_GET_PDEATHSIG 2
#define LINUX_PR_GET_DUMPABLE 3
#define LINUX_PR_SET_DUMPABLE 4
#define LINUX_PR_GET_KEEPCAPS 7
#define LINUX_PR_SET_KEEPCAPS 8
#define LINUX_PR_SET_NAME 15
#define LINUX_PR_GET_NAME 16
#define LINUX_PR_CAPBSET_READ 23
#define LINUX_PR_GET_TIMERSLACK 30
#define LINUX_PR_SET_TIMERSLACK 29
#define LINUX_PR_SET_CHILD_SUBREAPER 36
#define LINUX_PR_GET_CHILD_SUBREAPER 37
#define LINUX_PR_SET_NO_NEW_PRIVS 38
#define LINUX_PR_GET_NO_NEW_PRIVS 39
#define LINUX_PR_SET_THP_DISABLE 41
#define LINUX_PR_GET_THP_DISABLE 42
#define LINUX_CAP_LAST_CAP 40 /* CAP_CHECKPOINT_RESTORE (include/uapi/linux/capability.h) */

/* arch_prctl (asm/prctl.h) */
#define LINUX_ARCH_SET_GS 0x1001
#define LINUX_ARCH_SET_FS 0x1002
#define LINUX_ARCH_GET_FS 0x1003
#define LINUX_ARCH_GET_GS 0x1004

/* clocks (linux/time.h) */
#define LINUX_CLOCK_REALTIME 0
#define LINUX_CLOCK_MONOTONIC 1
#define LINUX_CLOCK_PROCESS_CPUTIME_ID 2
#define LINUX_CLOCK_THREAD_CPUTIME_ID 3
#define LINUX_CLOCK_MONOTONIC_RAW 4
#define LINUX_CLOCK_REALTIME_COARSE 5
#define LINUX_CLOCK_MONOTONIC_COARSE 6
#define LINUX_CLOCK_BOOTTIME 7
#define LINUX_CLOCK_REALTIME_ALARM 8
#define LINUX_CLOCK_BOOTTIME_ALARM 9
#define LINUX_TIMER_ABSTIME 1
#define LINUX_UTIME_NOW ((1l << 30) - 1l) /* utimensat(2) tv_nsec values */
#define LINUX_UTIME_OMIT ((1l << 30) - 2l)
/* timerfd (uapi/linux/timerfd.h): TFD_CLOEXEC and TFD_NONBLOCK are O_CLOEXEC and O_NONBLOCK */
#define LINUX_TFD_TIMER_ABSTIME 1
#define LINUX_TFD_TIMER_CANCEL_ON_SET 2

/* signals (asm/signal.h) */
#define LINUX_SIGILL 4
#define LINUX_SIGTRAP 5
#define LINUX_SIGABRT 6
#define LINUX_SIGBUS 7
#define LINUX_SIGFPE 8
#define LINUX_SIGKILL 9
#define LINUX_SIGSEGV 11
#define LINUX_SIGPIPE 13
#define LINUX_NSIG 64
#define LINUX_SIG_BLOCK 0
#define LINUX_SIG_UNBLOCK 1
#define LINUX_SIG_SETMASK 2

/* ioctl (asm-generic/ioctls.h) */
#define LINUX_TIOCGWINSZ 0x5413

/* open (asm-generic/fcntl.h) */
#define LINUX_O_ACCMODE 03
#define LINUX_O_RDONLY 0
#define LINUX_O_WRONLY 01
#define LINUX_O_RDWR 02
#define LINUX_O_CREAT 0100
#define LINUX_O_EXCL 0200
#define LINUX_O_TRUNC 01000
#define LINUX_O_APPEND 02000
#define LINUX_O_NONBLOCK 04000
#define LINUX_O_DIRECT 040000
#define LINUX_O_LARGEFILE 0100000  /* x86-64 value; a 64-bit kernel reports it on every file */
#define LINUX_O_DIRECTORY 0200000
#define LINUX_O_NOFOLLOW 0400000
#define LINUX_O_CLOEXEC 02000000
#define LINUX_EFD_SEMAPHORE 1 /* eventfd2(2); EFD_CLOEXEC and EFD_NONBLOCK are O_CLOEXEC and O_NONBLOCK */
#define LINUX_S_IFIFO 0010000
#define LINUX_S_IFMT 0170000

/* fcntl (asm-generic/fcntl.h, linux/fcntl.h) */
#define LINUX_F_DUPFD 0
#define LINUX_F_GETFD 1
#define LINUX_F_SETFD 2
#define LINUX_F_GETFL 3
#define LINUX_F_SETFL 4
#define LINUX_F_GETLK 5
#define LINUX_F_SETLK 6
#define LINUX_F_SETLKW 7
#define LINUX_F_RDLCK 0
#define LINUX_F_WRLCK 1
#define LINUX_F_UNLCK 2
#define LINUX_F_DUPFD_CLOEXEC 1030
#define LINUX_F_SETPIPE_SZ 1031
#define LINUX_F_GETPIPE_SZ 1032
#define LINUX_FD_CLOEXEC 1
/* struct flock (include/uapi/asm-generic/fcntl.h) on x86-64: 32 bytes. */
struct linux_flock {
    int16_t l_type;
    int16_t l_whence;
    int64_t l_start;
    int64_t l_len;
    int32_t l_pid;
};
#define LINUX_AT_FDCWD (-100)
#define LINUX_AT_SYMLINK_NOFOLLOW 0x100
#define LINUX_AT_SYMLINK_FOLLOW 0x400
#define LINUX_AT_NO_AUTOMOUNT 0x800
#define LINUX_AT_EMPTY_PATH 0x1000
#define LINUX_AT_REMOVEDIR 0x200
#define LINUX_AT_EACCESS 0x200 /* faccessat2's flag: the same bit as AT_REMOVEDIR, another call */
#define LINUX_X_OK 1
#define LINUX_W_OK 2
#define LINUX_R_OK 4
#define LINUX_ACCESS_MODE_MASK 7
#define LINUX_SEEK_SET 0
#define LINUX_SEEK_CUR 1
#define LINUX_SEEK_END 2
#define LINUX_S_IFREG 0100000
#define LINUX_S_IFCHR 0020000
#define LINUX_S_IFSOCK 0140000
#define LINUX_S_IFLNK 0120000
/* ioctl requests on any descriptor (include/uapi/asm-generic/ioctls.h) */
#define LINUX_FIONREAD 0x541B
#define LINUX_FIONBIO 0x5421
#define LINUX_FIONCLEX 0x5450
#define LINUX_FIOCLEX 0x5451

/* getrandom (linux/random.h) and prlimit (asm-generic/resource.h) */
#define LINUX_GRND_NONBLOCK 1
#define LINUX_GRND_RANDOM 2
#define LINUX_GRND_INSECURE 4
#define LINUX_RLIMIT_STACK 3
#define LINUX_RLIMIT_NOFILE 7
#define LINUX_RLIM_INFINITY (~0ull)

struct linux_timespec {
    int64_t tv_sec;
    int64_t tv_nsec;
};

struct linux_timeval {
    int64_t tv_sec;
    int64_t tv_usec;
};

struct linux_itimerspec {
    struct linux_timespec it_interval, it_value;
};

/* poll (asm-generic/poll.h) and select (linux/posix_types.h) */
#define LINUX_POLLIN 0x001
#define LINUX_POLLPRI 0x002
#define LINUX_POLLOUT 0x004
#define LINUX_POLLERR 0x008
#define LINUX_POLLHUP 0x010
#define LINUX_POLLNVAL 0x020
#define LINUX_POLLRDNORM 0x040
#define LINUX_POLLWRNORM 0x100
#define LINUX_POLLWRBAND 0x200
#define LINUX_POLLRDHUP 0x2000
#define LINUX_FD_SETSIZE 1024

struct linux_pollfd {
    int32_t fd;
    int16_t events;
    int16_t revents;
};

/* epoll(7) (include/uapi/linux/eventpoll.h): x86-64 packs the event to 12 bytes. */
#define LINUX_EPOLL_CTL_ADD 1
#define LINUX_EPOLL_CTL_DEL 2
#define LINUX_EPOLL_CTL_MOD 3
#define LINUX_EPOLLRDHUP 0x2000u
#define LINUX_EPOLLEXCLUSIVE (1u << 28)
#define LINUX_EPOLLWAKEUP (1u << 29)
#define LINUX_EPOLLONESHOT (1u << 30)
#define LINUX_EPOLLET (1u << 31)
#define LINUX_EPOLL_CLOEXEC LINUX_O_CLOEXEC
struct linux_epoll_event {
    uint32_t events;
    uint64_t data;
} __attribute__((packed));
_Static_assert(sizeof(struct linux_epoll_event) == 12, "x86-64 struct epoll_event is packed");

struct linux_iovec {
    uint64_t iov_base;
    uint64_t iov_len;
};

/* struct msghdr (sendmsg(2), recvmsg(2)), user pointers as numbers */
struct linux_msghdr {
    uint64_t name;
    uint32_t namelen, pad;
    uint64_t iov, iovlen, control, controllen;
    int32_t flags, pad2;
};
_Static_assert(sizeof(struct linux_msghdr) == 56, "x86-64 struct msghdr");
#define LINUX_MSG_TRUNC 0x20

struct linux_utsname {
    char sysname[65], nodename[65], release[65], version[65], machine[65], domainname[65];
};

struct linux_rlimit {
    uint64_t rlim_cur, rlim_max;
};

struct linux_winsize {
    uint16_t ws_row, ws_col, ws_xpixel, ws_ypixel;
};

/* struct stat for x86_64 (arch/x86/include/uapi/asm/stat.h): 144 bytes. */
/* getdents64(2)'s record (include/linux/dirent.h): d_name is NUL-terminated and each
 * record is padded to 8 bytes; d_off is the position of the next record. */
struct linux_dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    uint16_t d_reclen;
    uint8_t d_type;
    char d_name[];
};
#define LINUX_DT_FIFO 1
#define LINUX_DT_CHR 2
#define LINUX_DT_DIR 4
#define LINUX_DT_LNK 10
#define LINUX_DT_REG 8
#define LINUX_DT_SOCK 12

struct linux_stat {
    uint64_t st_dev, st_ino, st_nlink;
    uint32_t st_mode, st_uid, st_gid, pad0;
    uint64_t st_rdev;
    int64_t st_size, st_blksize, st_blocks;
    uint64_t st_atime_sec, st_atime_nsec, st_mtime_sec, st_mtime_nsec, st_ctime_sec, st_ctime_nsec;
    int64_t unused[3];
};
_Static_assert(sizeof(struct linux_stat) == 144, "x86_64 struct stat is 144 bytes");

/* struct statfs (include/uapi/asm-generic/statfs.h, x86-64: every word a long). */
struct linux_statfs {
    int64_t f_type, f_bsize, f_blocks, f_bfree, f_bavail, f_files, f_ffree;
    int32_t f_fsid[2];
    int64_t f_namelen, f_frsize, f_flags, f_spare[4];
};
#define LINUX_TMPFS_MAGIC 0x01021994 /* include/uapi/linux/magic.h */
#define LINUX_ST_VALID 0x0020        /* f_flags holds mount flags (include/linux/statfs.h) */
#define LINUX_NAME_MAX 255           /* include/uapi/linux/limits.h */
_Static_assert(sizeof(struct linux_statfs) == 120, "x86_64 struct statfs is 120 bytes");

/* struct statx (include/uapi/linux/stat.h): 256 bytes, every field at a fixed offset. */
struct linux_statx_timestamp {
    int64_t tv_sec;
    uint32_t tv_nsec;
    int32_t reserved;
};
struct linux_statx {
    uint32_t stx_mask, stx_blksize;
    uint64_t stx_attributes;
    uint32_t stx_nlink, stx_uid, stx_gid;
    uint16_t stx_mode, spare0;
    uint64_t stx_ino, stx_size, stx_blocks, stx_attributes_mask;
    struct linux_statx_timestamp stx_atime, stx_btime, stx_ctime, stx_mtime;
    uint32_t stx_rdev_major, stx_rdev_minor, stx_dev_major, stx_dev_minor;
    uint64_t stx_mnt_id;
    uint32_t stx_dio_mem_align, stx_dio_offset_align;
    uint64_t spare3[12];
};
_Static_assert(sizeof(struct linux_statx) == 256, "struct statx is 256 bytes");
#define LINUX_STATX_BASIC_STATS 0x7ffu /* type, mode, nlink, uid, gid, atime, mtime, ctime, ino, size, blocks */
#define LINUX_STATX_RESERVED 0x80000000u /* a mask with this bit is EINVAL */
#define LINUX_AT_STATX_SYNC_TYPE 0x6000 /* AT_STATX_FORCE_SYNC | AT_STATX_DONT_SYNC */

/* struct mq_attr (include/uapi/linux/mqueue.h): four longs and four reserved. */
struct linux_mq_attr {
    int64_t mq_flags, mq_maxmsg, mq_msgsize, mq_curmsgs;
    int64_t reserved[4];
};
_Static_assert(sizeof(struct linux_mq_attr) == 64, "struct mq_attr is 64 bytes");

/* SysV shared memory (include/uapi/linux/ipc.h, shm.h; x86-64's struct shmid64_ds). */
#define LINUX_EIDRM 43
#define LINUX_IPC_PRIVATE 0
#define LINUX_IPC_CREAT 01000
#define LINUX_IPC_EXCL 02000
#define LINUX_IPC_RMID 0
#define LINUX_IPC_SET 1
#define LINUX_IPC_STAT 2
#define LINUX_IPC_INFO 3
#define LINUX_IPC_64 0x0100    /* a version flag some libcs add to cmd; x86-64 has one layout */
#define LINUX_SHM_LOCK 11
#define LINUX_SHM_UNLOCK 12
#define LINUX_SHM_STAT 13
#define LINUX_SHM_INFO 14
#define LINUX_SHM_STAT_ANY 15
#define LINUX_SHM_RDONLY 010000
#define LINUX_SHM_RND 020000
#define LINUX_SHM_REMAP 040000
#define LINUX_SHM_EXEC 0100000
#define LINUX_SHM_DEST 01000   /* shm_perm.mode: marked for removal (IPC_RMID) */
#define LINUX_SHM_LOCKED 02000 /* shm_perm.mode: SHM_LOCK */
#define LINUX_SHMLBA 4096      /* x86: attach addresses are multiples of the page size */

struct linux_ipc64_perm {
    int32_t key;
    uint32_t uid, gid, cuid, cgid, mode;
    uint16_t seq, pad2;
    uint64_t unused1, unused2;
};

struct linux_shmid64_ds {
    struct linux_ipc64_perm shm_perm;
    uint64_t shm_segsz;
    int64_t shm_atime, shm_dtime, shm_ctime;
    int32_t shm_cpid, shm_lpid;
    uint64_t shm_nattch;
    uint64_t unused4, unused5;
};
_Static_assert(sizeof(struct linux_shmid64_ds) == 112, "struct shmid64_ds is 112 bytes on x86-64");

struct linux_shminfo64 {
    uint64_t shmmax, shmmin, shmmni, shmseg, shmall;
    uint64_t unused1, unused2, unused3, unused4;
};

struct linux_shm_info {
    int32_t used_ids;
    uint32_t pad;
    uint64_t shm_tot, shm_rss, shm_swp, swap_attempts, swap_successes;
};

/* SysV semaphores (include/uapi/linux/sem.h; x86-64's struct semid64_ds, asm/sembuf.h). */
#define LINUX_E2BIG 7
#define LINUX_IPC_NOWAIT 04000
#define LINUX_SEM_UNDO 0x1000
#define LINUX_GETPID 11
#define LINUX_GETVAL 12
#define LINUX_GETALL 13
#define LINUX_GETNCNT 14
#define LINUX_GETZCNT 15
#define LINUX_SETVAL 16
#define LINUX_SETALL 17
#define LINUX_SEM_STAT 18
#define LINUX_SEM_INFO 19
#define LINUX_SEM_STAT_ANY 20
#define LINUX_SEMVMX 32767     /* a semaphore's largest value */
#define LINUX_SEMAEM LINUX_SEMVMX /* a SEM_UNDO adjustment's largest size */
#define LINUX_SEMUSZ 20        /* seminfo.semusz under IPC_INFO: sizeof(struct sem_undo) */

struct linux_sembuf {
    uint16_t sem_num;
    int16_t sem_op;
    int16_t sem_flg;
};
_Static_assert(sizeof(struct linux_sembuf) == 6, "struct sembuf is 6 bytes");

struct linux_semid64_ds {
    struct linux_ipc64_perm sem_perm;
    int64_t sem_otime;
    uint64_t unused1;
    int64_t sem_ctime;
    uint64_t unused2;
    uint64_t sem_nsems;
    uint64_t unused3, unused4;
};
_Static_assert(sizeof(struct linux_semid64_ds) == 104, "struct semid64_ds is 104 bytes on x86-64");

struct linux_seminfo {
    int32_t semmap, semmni, semmns, semmnu, semmsl, semopm, semume, semusz, semvmx, semaem;
};

/* SysV message queues (include/uapi/linux/msg.h; x86-64's struct msqid64_ds, asm-generic/msgbuf.h). */
#define LINUX_ENOMSG 42
#define LINUX_MSG_NOERROR 010000 /* a long message is cut to the buffer */
#define LINUX_MSG_EXCEPT 020000  /* the first message of another type */
#define LINUX_MSG_COPY 040000    /* a copy of the message at an index, left in the queue */
#define LINUX_MSG_STAT 11
#define LINUX_MSG_INFO 12
#define LINUX_MSG_STAT_ANY 13
#define LINUX_MSGMAX 8192        /* a message's bytes at most (msg_ctlmax) */
#define LINUX_MSGMNB 16384       /* a new queue's bytes at most (msg_ctlmnb) */
#define LINUX_MSGSSZ 16          /* msginfo.msgssz: a message segment's size */

struct linux_msqid64_ds {
    struct linux_ipc64_perm msg_perm;
    int64_t msg_stime, msg_rtime, msg_ctime;
    uint64_t msg_cbytes, msg_qnum, msg_qbytes;
    int32_t msg_lspid, msg_lrpid;
    uint64_t unused4, unused5;
};
_Static_assert(sizeof(struct linux_msqid64_ds) == 120, "struct msqid64_ds is 120 bytes on x86-64");

struct linux_msginfo {
    int32_t msgpool, msgmap, msgmax, msgmnb, msgmni, msgssz, msgtql;
    uint16_t msgseg;
};

#endif
