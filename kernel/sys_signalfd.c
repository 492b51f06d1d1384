/* SPDX-License-Identifier: MIT */
/* signalfd(2) and signalfd4: a descriptor that reads the calling thread's pending signals of
 * its mask (its own, then the process's) as struct signalfd_siginfo records, instead of
 * their handlers running (the program blocks them). The descriptor lives in the table on
 * node 0 (FILE_KIND_SIGNALFD, kernel/files_events.c) with its mask; the signals live with
 * the threads, on their nodes. So node 0 answers a read with the mask
 * (FILES_SIGNALFD_READ) and the reading thread takes its signals here, as sigtimedwait
 * does; and a poll or epoll_wait that finds nothing ready but waits on signalfds hands back
 * their masks (FILES_SIGNALFD_WATCH) instead of waiting: the caller then watches those
 * signals (a new one ends its wait, as for sigwait) and polls again with its pending ones,
 * by which node 0 judges each signalfd readable or not (kernel/sys_poll.c, poll_call). */
#include "kernel/dsm_glue.h"
#include "kernel/files.h"
#include "kernel/libc.h"
#include "kernel/linux_abi.h"
#include "kernel/signal_frame.h"
#include "kernel/signal_process.h"
#include "kernel/syscall.h"
#include "kernel/thread.h"
#include "kernel/usercopy.h"

#define SIGNALFD_SIGSET_SIZE 8 /* sizeof(sigset_t) the kernel takes (64 signals) */
#define SIGNALFD_UNBLOCKABLE ((1ull << (9 - 1)) | (1ull << (19 - 1))) /* SIGKILL, SIGSTOP: never read */

/* struct signalfd_siginfo (include/uapi/linux/signalfd.h): 128 bytes. */
struct signalfd_siginfo {
    uint32_t ssi_signo;
    int32_t ssi_errno, ssi_code;
    uint32_t ssi_pid, ssi_uid;
    int32_t ssi_fd;
    uint32_t ssi_tid, ssi_band, ssi_overrun, ssi_trapno;
    int32_t ssi_status, ssi_int;
    uint64_t ssi_ptr, ssi_utime, ssi_stime, ssi_addr;
    uint16_t ssi_addr_lsb, pad2;
    int32_t ssi_syscall;
    uint64_t ssi_call_addr;
    uint32_t ssi_arch;
    uint8_t pad[28];
};
_Static_assert(sizeof(struct signalfd_siginfo) == FILES_SIGNALFD_INFO_SIZE, "signalfd_siginfo is 128 bytes");

long sys_signalfd4(uint64_t fd, uint64_t umask, uint64_t sizemask, uint64_t flags, uint64_t a4, uint64_t a5)
{
    (void)a4, (void)a5;
    if (sizemask != SIGNALFD_SIGSET_SIZE || (flags & ~(uint64_t)(LINUX_O_CLOEXEC | LINUX_O_NONBLOCK)))
        return -LINUX_EINVAL;
    uint64_t mask;
    if (copy_from_user(&mask, umask, sizeof mask) != 0)
        return -LINUX_EFAULT;
    if ((int32_t)fd != -1 && fd >= FILES_MAX_FDS)
        return -LINUX_EBADF;
    struct files_call c = { .op = FILES_OP_SIGNALFD, .fd = (int32_t)fd, .arg = mask & ~SIGNALFD_UNBLOCKABLE,
                            .arg2 = flags };
    size_t n;
    return (long)files_call(&c, NULL, &n);
}

long sys_signalfd(uint64_t fd, uint64_t umask, uint64_t sizemask, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    return sys_signalfd4(fd, umask, sizemask, 0, 0, 0);
}

/* The record of signal sig with info, as Linux's signalfd_copyinfo fills it: the sender's
 * pid and uid, a timer's id and overrun, a value. */
static void signalfd_record(int sig, const struct signal_info *info, struct signalfd_siginfo *out)
{
    *out = (struct signalfd_siginfo){ .ssi_signo = (uint32_t)sig, .ssi_code = info->code };
    uint32_t low = (uint32_t)info->first, high = (uint32_t)(info->first >> 32);
    if (info->code == SIGNAL_SI_TIMER) {
        out->ssi_tid = low;
        out->ssi_overrun = high;
    } else if (info->code != SIGNAL_SI_KERNEL) {
        out->ssi_pid = low;
        out->ssi_uid = high;
    }
    out->ssi_ptr = info->second;
    out->ssi_int = (int32_t)info->second;
}

long signalfd_read(uint64_t ubuf, uint64_t len, const struct files_signalfd *s)
{
    uint64_t count = 0, most = len / FILES_SIGNALFD_INFO_SIZE;
    while (count < most) {
        struct signal_info info;
        long sig = signal_dequeue(s->mask, count == 0 && !s->nonblock, 0, &info);
        if (sig < 0) {
            if (count)
                break; /* what was taken already is the answer */
            return sig; /* EAGAIN, or a handler's signal came first */
        }
        struct signalfd_siginfo rec;
        signalfd_record((int)sig, &info, &rec);
        if (copy_to_user(ubuf + count * sizeof rec, &rec, sizeof rec) != 0)
            return count ? (long)(count * sizeof rec) : -LINUX_EFAULT;
        count++;
    }
    return (long)(count * FILES_SIGNALFD_INFO_SIZE);
}

uint64_t signalfd_watch(uint64_t watch)
{
    struct thread *t = thread_current();
    t->sigwait_set = watch; /* a process signal of these now comes to this thread, and ends its wait */
    signal_process_give(t, watch);
    struct signal_claim claimed;
    if (!(t->sigpending & watch) && dsm_threads_claim_signal(watch, &claimed))
        signal_claim_give(t, &claimed); /* kept for the process on another node */
    return t->sigpending & watch;
}

void signalfd_unwatch(void)
{
    thread_current()->sigwait_set = 0;
}
