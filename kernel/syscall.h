/* SPDX-License-Identifier: MIT */
/* The Linux x86-64 system call interface of dsmk (issue 4): numbers and argument order
 * from arch/x86/entry/syscalls/syscall_64.tbl (rdi rsi rdx r10 r8 r9, result in rax).
 * Each group lives in its own kernel/sys_*.c; syscall.c holds the table. Numbers with no
 * entry return -ENOSYS and are logged once by name. */
#ifndef KERNEL_SYSCALL_H
#define KERNEL_SYSCALL_H

#include <stdint.h>

#include <arch/trap.h>

#define SYSCALL_NAME_COUNT 451 /* one past the highest x86-64 number named in syscall_names.c */
/* dsmk's own calls (user/include/dsmk.h): numbers DSMK_SYS_BASE.. above every Linux one. */
#define SYSCALL_DSMK_BASE 1024
#define SYSCALL_DSMK_COUNT 5

typedef long (*syscall_fn)(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5);

/* Called by syscall_entry.asm with the caller's registers; puts the result in frame->rax. */
void syscall_dispatch(struct trap_frame *frame);
/* Installs fn for dsmk call SYSCALL_DSMK_BASE + index (the DSM layer's node id, node
 * count, migrate, region mode, checkpoint); until then those numbers return -ENOSYS. */
void syscall_set_dsmk(unsigned index, syscall_fn fn);
/* The syscall's name for logs ("unknown" when the number has none). */
const char *syscall_name(uint64_t nr);
/* Syscalls served so far (all numbers). */
uint64_t syscall_count_total(void);
/* Syscalls with no implementation so far (answered -ENOSYS). */
uint64_t syscall_count_unknown(void);

#define SYS_DECL(name) long sys_##name(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
/* sys_io.c */
SYS_DECL(read); SYS_DECL(write); SYS_DECL(writev); SYS_DECL(readv); SYS_DECL(ioctl);
/* sys_file.c */
SYS_DECL(open); SYS_DECL(openat); SYS_DECL(dup); SYS_DECL(dup2); SYS_DECL(dup3); SYS_DECL(fcntl);
SYS_DECL(pipe); SYS_DECL(pipe2); SYS_DECL(pwrite64); SYS_DECL(ftruncate); SYS_DECL(fsync); SYS_DECL(creat);
SYS_DECL(unlink); SYS_DECL(unlinkat); SYS_DECL(rename); SYS_DECL(renameat); SYS_DECL(renameat2); SYS_DECL(link); SYS_DECL(linkat); SYS_DECL(symlink);
SYS_DECL(symlinkat); SYS_DECL(lstat); SYS_DECL(lchown); SYS_DECL(mknod);
SYS_DECL(mknodat);
SYS_DECL(readlink); SYS_DECL(readlinkat); SYS_DECL(umask); SYS_DECL(chdir); SYS_DECL(mkdir); SYS_DECL(mkdirat);
SYS_DECL(fchdir); SYS_DECL(getdents64); SYS_DECL(faccessat); SYS_DECL(faccessat2); SYS_DECL(eventfd);
SYS_DECL(eventfd2); SYS_DECL(prctl); SYS_DECL(epoll_create); SYS_DECL(epoll_create1); SYS_DECL(epoll_ctl);
SYS_DECL(epoll_wait); SYS_DECL(epoll_pwait); SYS_DECL(epoll_pwait2);
SYS_DECL(timerfd_create); SYS_DECL(timerfd_settime); SYS_DECL(timerfd_gettime);
SYS_DECL(msync); SYS_DECL(mlock); SYS_DECL(munlock); SYS_DECL(mlockall); SYS_DECL(munlockall); SYS_DECL(mlock2);
SYS_DECL(wait4); SYS_DECL(waitid); SYS_DECL(getgroups); SYS_DECL(membarrier); SYS_DECL(sched_rr_get_interval);
SYS_DECL(sync); SYS_DECL(truncate); SYS_DECL(fadvise64); SYS_DECL(close_range);
SYS_DECL(timer_create); SYS_DECL(timer_settime); SYS_DECL(timer_gettime); SYS_DECL(timer_getoverrun);
SYS_DECL(timer_delete);
SYS_DECL(socketpair); SYS_DECL(sendto); SYS_DECL(recvfrom); SYS_DECL(sendmsg); SYS_DECL(recvmsg); SYS_DECL(shutdown);
SYS_DECL(sendmmsg); SYS_DECL(recvmmsg);
SYS_DECL(getsockname); SYS_DECL(setsockopt); SYS_DECL(getsockopt);
SYS_DECL(getpeername); SYS_DECL(socket); SYS_DECL(bind); SYS_DECL(connect); SYS_DECL(listen); SYS_DECL(accept);
SYS_DECL(accept4);
SYS_DECL(chmod); SYS_DECL(fchmod); SYS_DECL(fchmodat); SYS_DECL(utimensat);
SYS_DECL(rmdir);
/* sys_poll.c */
SYS_DECL(poll); SYS_DECL(ppoll); SYS_DECL(select); SYS_DECL(pselect6); SYS_DECL(close); SYS_DECL(lseek); SYS_DECL(fstat); SYS_DECL(pread64);
SYS_DECL(stat); SYS_DECL(newfstatat); SYS_DECL(statx); SYS_DECL(copy_file_range); SYS_DECL(splice); SYS_DECL(signalfd); SYS_DECL(signalfd4);
SYS_DECL(mq_open); SYS_DECL(mq_unlink); SYS_DECL(mq_timedsend); SYS_DECL(mq_timedreceive); SYS_DECL(mq_notify);
SYS_DECL(mq_getsetattr); SYS_DECL(access); SYS_DECL(getcwd);
/* sys_shm.c */
SYS_DECL(shmget); SYS_DECL(shmat); SYS_DECL(shmdt); SYS_DECL(shmctl);
/* sys_sem.c */
SYS_DECL(semget); SYS_DECL(semop); SYS_DECL(semtimedop); SYS_DECL(semctl);
/* sys_msg.c */
SYS_DECL(msgget); SYS_DECL(msgsnd); SYS_DECL(msgrcv); SYS_DECL(msgctl);
/* sys_mm.c */
SYS_DECL(brk); SYS_DECL(mmap); SYS_DECL(munmap); SYS_DECL(mprotect); SYS_DECL(mremap); SYS_DECL(madvise);
/* sys_thread.c */
SYS_DECL(clone); SYS_DECL(exit); SYS_DECL(exit_group); SYS_DECL(set_tid_address); SYS_DECL(set_robust_list);
SYS_DECL(get_robust_list);
SYS_DECL(arch_prctl); SYS_DECL(gettid); SYS_DECL(getpid); SYS_DECL(sched_yield); SYS_DECL(sched_getaffinity);
SYS_DECL(sched_setaffinity); SYS_DECL(getpgid);
SYS_DECL(sched_getscheduler); SYS_DECL(sched_setscheduler); SYS_DECL(sched_getparam); SYS_DECL(sched_setparam);
SYS_DECL(sched_get_priority_max); SYS_DECL(sched_get_priority_min);
/* sys_futex.c */
SYS_DECL(futex);
/* sys_time.c */
SYS_DECL(clock_gettime); SYS_DECL(clock_getres); SYS_DECL(gettimeofday); SYS_DECL(nanosleep);
SYS_DECL(clock_nanosleep); SYS_DECL(time);
/* sys_signal.c */
SYS_DECL(rt_sigprocmask); SYS_DECL(rt_sigaction); SYS_DECL(tkill); SYS_DECL(tgkill); SYS_DECL(kill);
SYS_DECL(sigaltstack); SYS_DECL(rt_sigpending); SYS_DECL(rt_sigsuspend); SYS_DECL(pause);
SYS_DECL(rt_sigtimedwait); SYS_DECL(setitimer); SYS_DECL(getitimer); SYS_DECL(alarm);
SYS_DECL(times);
/* signal_frame.c */
SYS_DECL(rt_sigreturn);
/* sys_resource.c */
SYS_DECL(sysinfo); SYS_DECL(getrusage); SYS_DECL(getcpu);
/* sys_misc.c */
SYS_DECL(uname); SYS_DECL(getrandom); SYS_DECL(prlimit64); SYS_DECL(getrlimit); SYS_DECL(setrlimit); SYS_DECL(getuid); SYS_DECL(getppid);
SYS_DECL(setpgid); SYS_DECL(setsid); SYS_DECL(getresuid); SYS_DECL(mincore); SYS_DECL(chown); SYS_DECL(fchown);
SYS_DECL(fchownat); SYS_DECL(fallocate); SYS_DECL(statfs); SYS_DECL(fstatfs); SYS_DECL(memfd_create); SYS_DECL(sendfile);
SYS_DECL(rt_sigqueueinfo); SYS_DECL(rt_tgsigqueueinfo); SYS_DECL(flock); SYS_DECL(preadv); SYS_DECL(pwritev);
SYS_DECL(preadv2); SYS_DECL(pwritev2); SYS_DECL(getpriority); SYS_DECL(setpriority); SYS_DECL(setuid);
SYS_DECL(setgid); SYS_DECL(setreuid); SYS_DECL(setregid); SYS_DECL(setresuid); SYS_DECL(setresgid);
SYS_DECL(setfsuid); SYS_DECL(setgroups);
#undef SYS_DECL

/* Set by a call whose return must restore RCX and R11 too (rt_sigreturn): syscall_entry.asm
 * then leaves by IRETQ and clears it. */
extern uint8_t syscall_return_by_iret;
/* sys_signal.c: runs the handler of the calling thread's lowest pending, unblocked caught
 * signal on its way back to user mode (syscall_dispatch's last step; nr is the call's
 * number), and restarts a call a signal interrupted (-ERESTARTSYS) or fails it with
 * EINTR, as Linux does (SA_RESTART). nr SIGNAL_NOT_SYSCALL: frame is an interrupt's from
 * user mode (the scheduler's interrupt exit), so there is no call to finish. */
#define SIGNAL_NOT_SYSCALL UINT64_MAX
void signal_deliver_pending(struct trap_frame *frame, uint64_t nr);
/* sys_signal.c: a fault of the current thread's own instruction (a trap from user mode):
 * its handler runs at once, on the way out of the trap; without one, or with the signal
 * blocked, the program ends with status 128+sig. code is the si_code, addr the si_addr. */
void signal_deliver_fault(struct trap_frame *frame, int sig, int code, uint64_t addr);
/* sys_signal.c: makes caught signal sig pending on t (its handler runs when t next leaves
 * a system call); by_kill picks si_code SI_USER over SI_TKILL. */
struct thread;
void signal_make_pending(struct thread *t, uint64_t sig, bool by_kill);
/* sys_signal.c: the thread that takes a signal sent to the process (Linux: any thread
 * that does not block it): prefer (may be NULL) if it does not block sig or waits for it in
 * sigwait, else another thread of this node that does; NULL when none here does. */
struct thread *signal_process_taker(struct thread *prefer, uint64_t sig);
/* A timer's signal: which timer (a POSIX timer's id, si_code SI_TIMER, si_value value; or
 * ITIMER_REAL's, SI_KERNEL). */
struct signal_timer_source {
    int32_t code;
    int32_t timerid;
    uint64_t value;
};
/* sys_signal.c: takes a pending signal of set (normally blocked) for the calling thread,
 * without its handler: its own first, then the process's, kept here or on another node;
 * with wait, blocks until one comes (or deadline, monotonic ns, 0: none). The signal
 * number with its siginfo in *info; -EAGAIN (none), -ERESTARTSYS (a handler's signal
 * ended the wait). */
struct signal_info;
long signal_dequeue(uint64_t set, bool wait, uint64_t deadline, struct signal_info *info);
/* sys_signalfd.c: a signalfd's read (node 0 answered FILES_SIGNALFD_READ with s) of up to
 * len bytes at ubuf: whole records, the first one waited for unless s->nonblock. */
struct files_signalfd;
long signalfd_read(uint64_t ubuf, uint64_t len, const struct files_signalfd *s);
/* sys_signalfd.c: the calling thread, about to poll signalfds of the signals watch, watches
 * them (one arriving ends its wait; the process's come to it): its pending ones of them. */
uint64_t signalfd_watch(uint64_t watch);
/* sys_signalfd.c: the poll is over: signals no longer end the thread's waits for it. */
void signalfd_unwatch(void);
/* sys_signal.c: makes sig pending on t as from's, after extra expirations more than one.
 * If from's sig is pending there already, the expirations are added to its si_overrun
 * instead: returns true (merged). */
bool signal_make_pending_timer(struct thread *t, uint64_t sig, const struct signal_timer_source *from,
                               uint32_t extra);
/* sys_signal.c: installs the signal mask at user address uset (size bytes) for the calling
 * thread's wait (rt_sigsuspend, ppoll, pselect6); the old mask comes back on the way to user
 * mode, after the handler if one runs. 0, -EINVAL or -EFAULT (nothing changed). */
long signal_wait_mask_set(uint64_t uset, uint64_t size);
/* sys_signal.c: puts back at once the mask signal_wait_mask_set replaced (the wait ended
 * without a signal: those it let through stay pending under the old mask). */
void signal_wait_mask_restore(void);
/* sys_signal.c: true when sig sent to t would end the program now: SIGKILL, or a default
 * action that terminates and t does not block sig (a blocked one waits, pending). */
bool signal_ends_program(const struct thread *t, uint64_t sig);
/* sys_signal.c: stores an rt_sigaction as node 0 decided it for the whole program
 * (DSM_MM_SIGACTION: sig | sa_flags << 8, handler, restorer, mask). */
void signal_action_store(uint64_t sig_and_flags, uint64_t handler, uint64_t restorer, uint64_t mask);

#endif
