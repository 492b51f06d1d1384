# SPDX-License-Identifier: MIT
"""Issue 4, kernel side (userk): user faults end the program with 128+signal and a report,
bad user pointers give EFAULT, sleeps and timed waits time out, a thread spinning without
syscalls is preempted, threads keep their SSE state across preemption, stdin and file=
modules read back. The probe program is compiled here at run time with musl-gcc and
compared with its native run where that is meaningful.
"""
import re
import shutil
import subprocess

import pytest

from test_programs import describe, require_dsmk, run_dsmk, run_native

PROBE_SOURCE = r"""
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <poll.h>
#include <sys/select.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/times.h>
#include <time.h>
#include <unistd.h>

static volatile int flag;
static volatile int caught;
static sigset_t handler_mask;
static void on_signal(int sig) { caught = sig; sigprocmask(SIG_BLOCK, 0, &handler_mask); }
static void *spin_until_caught(void *arg)
{
    (void)arg;
    while (!caught)
        ; /* no system call: only an interrupt can deliver the signal */
    return 0;
}
static void *signal_later(void *arg)
{
    struct timespec t = { 0, 20 * 1000 * 1000 };
    nanosleep(&t, 0);
    pthread_kill((pthread_t)arg, SIGUSR1);
    return 0;
}
static void *setter(void *arg) { (void)arg; flag = 1; return 0; }
static int pipe_fds[2];
static void *write_later(void *arg)
{
    struct timespec t = { 0, 200 * 1000 * 1000 }; /* well after signal_later's 20 ms */
    nanosleep(&t, 0);
    return (void *)write(pipe_fds[1], arg, 1);
}

/* Values live in SSE registers across many time slices: FPU state lost or mixed up at a
 * preemption shows as a different sum. */
static double fpu_results[4];
static void *fpu_work(void *arg)
{
    long id = (long)arg;
    double a = 1.0 + id, b = 0.5, c = 0.25 * id, s = 0;
    for (long i = 0; i < 1500000; i++) {
        a = a * 1.0000001 + b;
        b = b * 0.9999999 + c * 1e-9;
        c = c + 1e-7;
        s += a * 1e-12 - b * 1e-9 + c * 1e-6;
    }
    fpu_results[id] = s;
    return 0;
}

/* A raw thread clone whose child exits at once: PARENT_SETTID points at an unmapped
 * address, CHILD_CLEARTID at clear_word. The failed store must not keep the kernel from
 * clearing and waking clear_word at the child's exit (Linux ignores that store's failure). */
#define PROBE_FUTEX_WAIT 0 /* linux/futex.h, which musl-gcc does not see */
static int clear_word = 1;
static char clone_stack[16384] __attribute__((aligned(16)));
static long clone_bad_parent_tid(void)
{
    unsigned long flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM |
                          CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID;
    register long r10 __asm__("r10") = (long)&clear_word;
    register long r8 __asm__("r8") = 0;
    long ret;
    __asm__ volatile("syscall\n\t"
                     "test %%rax, %%rax\n\t"
                     "jnz 1f\n\t"
                     "mov $60, %%eax\n\t" /* child: exit(0) straight away, on its own stack */
                     "xor %%edi, %%edi\n\t"
                     "syscall\n\t"
                     "1:"
                     : "=a"(ret)
                     : "a"((long)SYS_clone), "D"(flags), "S"(clone_stack + sizeof clone_stack), "d"(16L), "r"(r10),
                       "r"(r8)
                     : "rcx", "r11", "memory");
    return ret;
}

int main(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "";
    if (!strcmp(what, "segv")) *(volatile int *)8 = 1;
    if (!strcmp(what, "ud")) __asm__ volatile("ud2");
    if (!strcmp(what, "div")) { volatile int z = 0; printf("%d\n", 5 / z); }
    if (!strcmp(what, "abort")) abort();
    if (!strcmp(what, "alarmkill")) { /* SIGALRM's default action ends a program that computes */
        struct itimerval it = { { 0, 0 }, { 0, 20000 } };
        setitimer(ITIMER_REAL, &it, 0);
        for (;;)
            flag++;
    }
    if (!strcmp(what, "sigpipe")) { /* SIGPIPE's default action ends a writer with no reader */
        int p[2];
        if (pipe(p) || close(p[0]))
            return 3;
        write(p[1], "x", 1);
        return 4;
    }
    if (!strcmp(what, "gp")) __asm__ volatile("cli");
    if (!strcmp(what, "kernelptr")) *(volatile int *)0xffffffff80100000ul = 1;
    if (!strcmp(what, "spin")) {
        pthread_t t;
        pthread_create(&t, 0, setter, 0);
        while (!flag)
            ; /* no syscall: only preemption lets the setter run */
        pthread_join(t, 0);
        puts("spin ok");
        return 0;
    }
    if (!strcmp(what, "sched")) {
        /* pthread_getschedparam asks sched_getparam and sched_getscheduler of the thread's
         * tid; the priority range of each policy is Linux's. */
        struct sched_param sp = { 0 };
        int policy = -1;
        int r = pthread_getschedparam(pthread_self(), &policy, &sp);
        printf("getschedparam %d policy %d priority %d\n", r, policy, sp.sched_priority);
        printf("setschedparam other %d\n", pthread_setschedparam(pthread_self(), SCHED_OTHER, &sp));
        sp.sched_priority = 5;
        printf("setschedparam other 5: %d\n", pthread_setschedparam(pthread_self(), SCHED_OTHER, &sp));
        static const int policies[] = { SCHED_OTHER, SCHED_FIFO, SCHED_RR, SCHED_BATCH, SCHED_IDLE, 42 };
        for (size_t i = 0; i < sizeof policies / sizeof policies[0]; i++) {
            int lo = sched_get_priority_min(policies[i]), e1 = errno;
            int hi = sched_get_priority_max(policies[i]), e2 = errno;
            printf("policy %d: %d %d (%d %d)\n", policies[i], lo, hi, lo < 0 ? e1 : 0, hi < 0 ? e2 : 0);
        }
        errno = 0;
        long g = syscall(SYS_sched_getscheduler, 999999);
        printf("getscheduler of nobody %ld errno %d\n", g, errno);
        return 0;
    }
    if (!strcmp(what, "sigsuspend")) {
        /* sigsuspend waits with a temporary mask and restores the old one after the
         * handler; sigpending lists blocked pending signals; pause returns after a handler. */
        struct sigaction sa = { 0 };
        sa.sa_handler = on_signal;
        sigaction(SIGUSR1, &sa, 0);
        sigaction(SIGUSR2, &sa, 0);
        sigset_t block, pending, during, after;
        sigemptyset(&block);
        sigaddset(&block, SIGUSR1);
        sigaddset(&block, SIGUSR2);
        sigprocmask(SIG_BLOCK, &block, 0);
        raise(SIGUSR2);
        sigpending(&pending);
        printf("pending usr1 %d usr2 %d\n", sigismember(&pending, SIGUSR1), sigismember(&pending, SIGUSR2));
        sigset_t wait_mask = block;
        sigdelset(&wait_mask, SIGUSR2);
        int r = sigsuspend(&wait_mask);
        int e = errno;
        sigprocmask(SIG_BLOCK, 0, &after);
        during = handler_mask;
        printf("sigsuspend %d errno %d caught %d; in handler usr1 %d usr2 %d; after usr1 %d usr2 %d\n", r, e, caught,
               sigismember(&during, SIGUSR1), sigismember(&during, SIGUSR2), sigismember(&after, SIGUSR1),
               sigismember(&after, SIGUSR2));
        sigprocmask(SIG_UNBLOCK, &block, 0);
        pthread_t t;
        caught = 0;
        pthread_create(&t, 0, signal_later, (void *)pthread_self());
        r = pause();
        e = errno;
        pthread_join(t, 0);
        printf("pause %d errno %d caught %d\n", r, e, caught);
        return 0;
    }
    if (!strcmp(what, "sigwait")) {
        /* A thread takes blocked signals with sigwait/sigtimedwait, no handler runs;
         * sigtimedwait times out with EAGAIN; a pending one comes back at once with its info. */
        struct sigaction sa = { 0 };
        sa.sa_handler = on_signal;
        sigaction(SIGUSR1, &sa, 0);
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGUSR1);
        sigaddset(&set, SIGUSR2);
        pthread_sigmask(SIG_BLOCK, &set, 0);
        struct timespec short_wait = { 0, 10 * 1000 * 1000 };
        int r = sigtimedwait(&set, 0, &short_wait);
        printf("timed out %d errno %d\n", r, errno);
        raise(SIGUSR2);
        siginfo_t info;
        r = sigtimedwait(&set, &info, &short_wait);
        printf("pending %d signo %d code %d\n", r, info.si_signo, info.si_code);
        pthread_t t;
        pthread_create(&t, 0, signal_later, (void *)pthread_self());
        int sig = 0;
        r = sigwait(&set, &sig);
        pthread_join(t, 0);
        printf("sigwait %d sig %d caught %d\n", r, sig, caught);
        return 0;
    }
    if (!strcmp(what, "busykill")) {
        /* The thread computes without a system call: the signal reaches it at an interrupt
         * (the tick), and its handler ends the loop. */
        struct sigaction sa = { 0 };
        sa.sa_handler = on_signal;
        sigaction(SIGUSR1, &sa, 0);
        pthread_t t;
        pthread_create(&t, 0, spin_until_caught, 0);
        struct timespec w = { 0, 20 * 1000 * 1000 };
        nanosleep(&w, 0);
        int r = pthread_kill(t, SIGUSR1);
        pthread_join(t, 0);
        printf("pthread_kill %d caught %d\n", r, caught);
        return 0;
    }
    if (!strcmp(what, "alarm")) {
        /* alarm and setitimer(ITIMER_REAL): remaining time, a one-shot SIGALRM ending a
         * pause, an interval timer firing again until it is switched off. */
        struct sigaction sa = { 0 };
        sa.sa_handler = on_signal;
        sigaction(SIGALRM, &sa, 0);
        unsigned first = alarm(10);
        unsigned left = alarm(0);
        printf("alarm %u then %u\n", first, left);
        struct itimerval it = { { 0, 0 }, { 0, 30000 } }, cur;
        setitimer(ITIMER_REAL, &it, 0);
        getitimer(ITIMER_REAL, &cur);
        printf("running %d\n", cur.it_value.tv_sec == 0 && cur.it_value.tv_usec > 0 && cur.it_value.tv_usec <= 30000);
        int r = pause();
        printf("pause %d caught %d\n", r, caught);
        struct itimerval every = { { 0, 10000 }, { 0, 10000 } };
        setitimer(ITIMER_REAL, &every, 0);
        int n = 0;
        for (; n < 3; n++) {
            caught = 0;
            pause();
            if (caught != SIGALRM)
                break;
        }
        struct itimerval off = { { 0, 0 }, { 0, 0 } }, was;
        setitimer(ITIMER_REAL, &off, &was);
        getitimer(ITIMER_REAL, &cur);
        printf("interval fired %d, interval was %ld us, now off %d\n", n, (long)was.it_interval.tv_usec,
               cur.it_value.tv_sec == 0 && cur.it_value.tv_usec == 0);
        errno = 0;
        int bad = setitimer(ITIMER_VIRTUAL + 5, &it, 0);
        printf("unknown timer %d errno %d\n", bad, errno);
        return 0;
    }
    if (!strcmp(what, "times")) {
        /* times: CPU time in clock ticks grows with work, children have none, the result
         * moves forward. */
        struct tms a, b;
        clock_t t0 = times(&a);
        volatile unsigned long spin = 0;
        struct timespec start, now;
        clock_gettime(CLOCK_MONOTONIC, &start);
        do {
            for (int i = 0; i < 100000; i++)
                spin++;
            clock_gettime(CLOCK_MONOTONIC, &now);
        } while ((now.tv_sec - start.tv_sec) * 1000000000L + now.tv_nsec - start.tv_nsec < 100000000L);
        clock_t t1 = times(&b);
        long ticks = sysconf(_SC_CLK_TCK);
        printf("clk_tck %ld, elapsed ok %d, cpu ok %d, children %ld %ld\n", ticks, t1 - t0 >= ticks / 10,
               b.tms_utime + b.tms_stime - a.tms_utime - a.tms_stime >= ticks / 20, (long)b.tms_cutime,
               (long)b.tms_cstime);
        return 0;
    }
    if (!strcmp(what, "auxv")) {
        /* The static image's own facts are the same as Linux gives them (no ASLR for
         * ET_EXEC); AT_RANDOM must point at 16 bytes that are not all zero. */
        static const unsigned long keys[] = { AT_PHDR, AT_PHENT, AT_PHNUM, AT_PAGESZ, AT_ENTRY, AT_CLKTCK,
                                              AT_SECURE, AT_BASE };
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
            printf("aux %lu = %#lx\n", keys[i], getauxval(keys[i]));
        const unsigned char *r = (const unsigned char *)getauxval(AT_RANDOM);
        int nonzero = 0;
        for (int i = 0; r && i < 16; i++)
            nonzero |= r[i];
        printf("random %s\n", nonzero ? "ok" : "zero");
        printf("argv0 %s argc %d\n", argv[0][0] ? "set" : "empty", argc);
        return 0;
    }
    if (!strcmp(what, "clone")) {
        long tid = clone_bad_parent_tid();
        int v;
        while ((v = __atomic_load_n(&clear_word, __ATOMIC_SEQ_CST)) != 0)
            syscall(SYS_futex, &clear_word, PROBE_FUTEX_WAIT, v, 0, 0, 0);
        printf("clone %s, child-tid word cleared\n", tid > 0 ? "ok" : "failed");
        return 0;
    }
    if (!strcmp(what, "oom")) {
        for (;;) {
            char *p = malloc(1 << 20);
            if (!p)
                return 3;
            memset(p, 1, 1 << 20);
        }
    }
    if (!strcmp(what, "fpu")) {
        pthread_t t[4];
        for (long i = 0; i < 4; i++)
            pthread_create(&t[i], 0, fpu_work, (void *)i);
        for (int i = 0; i < 4; i++)
            pthread_join(t[i], 0);
        for (int i = 0; i < 4; i++)
            printf("%d %.17g\n", i, fpu_results[i]);
        return 0;
    }
    if (!strcmp(what, "efault")) {
        printf("write low %ld\n", syscall(SYS_write, 1, (void *)16, 10));
        printf("write kernel %ld\n", syscall(SYS_write, 1, (void *)0xffffffff80100000ul, 10));
        printf("read top %ld\n", syscall(SYS_read, 0, (void *)0x7ffffffff000ul, 10));
        printf("gettime bad %ld\n", syscall(SYS_clock_gettime, CLOCK_MONOTONIC, (void *)24));
        printf("futex bad %ld\n", syscall(SYS_futex, (void *)64, 0, 0, 0, 0, 0));
        struct timespec a, b, ts = { 0, 20000000 };
        clock_gettime(CLOCK_MONOTONIC, &a);
        nanosleep(&ts, 0);
        clock_gettime(CLOCK_MONOTONIC, &b);
        long ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
        printf("slept %s\n", ms >= 20 && ms < 1000 ? "ok" : "bad");
        pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
        pthread_cond_t c = PTHREAD_COND_INITIALIZER;
        clock_gettime(CLOCK_REALTIME, &a);
        a.tv_nsec += 30000000;
        if (a.tv_nsec >= 1000000000) { a.tv_sec++; a.tv_nsec -= 1000000000; }
        pthread_mutex_lock(&m);
        int rc = pthread_cond_timedwait(&c, &m, &a);
        pthread_mutex_unlock(&m);
        printf("timedwait %s\n", rc == ETIMEDOUT ? "ETIMEDOUT" : "other");
        char *p = mmap(0, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        p[0] = 1;
        p[(1 << 20) - 1] = 2;
        p = mremap(p, 1 << 20, 4 << 20, MREMAP_MAYMOVE);
        printf("mremap %d %d %d\n", p[0], p[(1 << 20) - 1], p[(4 << 20) - 1]);
        printf("mprotect %d\n", mprotect(p, 4096, PROT_READ));
        printf("munmap %d\n", munmap(p, 4 << 20));
        printf("ioctl %d\n", ioctl(1, 0x5413, &a) < 0 ? errno : 0);
        void *hint = (void *)0x20000000ul, *got = mmap(hint, 8192, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        printf("hint %s\n", got == hint ? "taken" : "moved");
        void *again = mmap(hint, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        printf("busy hint %s\n", again == hint ? "taken" : again == MAP_FAILED ? "failed" : "moved");
        return 0;
    }
    if (!strcmp(what, "poll")) {
        /* poll and select on pipe ends (ready, timed out, end of file, no reader, closed
         * descriptor), a poll woken by another thread's write, poll with no descriptor as
         * a sleep, and a signal ending ppoll with EINTR although its handler has SA_RESTART. */
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        int none = poll(0, 0, 30);
        clock_gettime(CLOCK_MONOTONIC, &b);
        long ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
        printf("sleep %d %s\n", none, ms >= 30 && ms < 1000 ? "ok" : "bad");
        if (pipe(pipe_fds))
            return 3;
        struct pollfd p[4] = { { pipe_fds[0], POLLIN, 0 }, { pipe_fds[1], POLLOUT, 0 }, { -1, POLLIN, 7 },
                               { 40, POLLIN, 0 } };
        int n = poll(p, 4, 10);
        printf("empty %d: %x %x %x %x\n", n, p[0].revents, p[1].revents, p[2].revents, p[3].revents);
        printf("timeout %d\n", poll(p, 1, 10));
        pthread_t w;
        pthread_create(&w, 0, write_later, "w");
        n = poll(p, 1, -1);
        printf("woken %d %x\n", n, p[0].revents);
        pthread_join(w, 0);
        fd_set rd, wr;
        FD_ZERO(&rd); FD_ZERO(&wr);
        FD_SET(pipe_fds[0], &rd); FD_SET(pipe_fds[1], &wr);
        struct timeval tv = { 0, 0 };
        n = select(pipe_fds[1] + 1, &rd, &wr, 0, &tv);
        printf("select %d %d %d\n", n, FD_ISSET(pipe_fds[0], &rd), FD_ISSET(pipe_fds[1], &wr));
        char c;
        read(pipe_fds[0], &c, 1);
        FD_ZERO(&rd); FD_SET(pipe_fds[0], &rd);
        tv.tv_usec = 10000;
        n = select(pipe_fds[0] + 1, &rd, 0, 0, &tv);
        printf("select timeout %d %d\n", n, FD_ISSET(pipe_fds[0], &rd));
        FD_ZERO(&rd); FD_SET(45, &rd);
        errno = 0;
        n = select(46, &rd, 0, 0, &tv);
        printf("select closed %d %s\n", n, errno == EBADF ? "EBADF" : "other");
        struct sigaction sa = { 0 };
        sa.sa_handler = on_signal;
        sa.sa_flags = SA_RESTART;
        sigaction(SIGUSR1, &sa, 0);
        pthread_t t;
        pthread_create(&t, 0, signal_later, (void *)pthread_self());
        errno = 0;
        n = ppoll(p, 1, 0, 0);
        printf("ppoll %d %s caught %d\n", n, errno == EINTR ? "EINTR" : "other", caught);
        pthread_join(t, 0);
        close(pipe_fds[1]);
        n = poll(p, 1, 0);
        printf("hup %d %x\n", n, p[0].revents);
        int q[2];
        if (pipe(q))
            return 4;
        close(q[0]);
        struct pollfd wp = { q[1], POLLOUT, 0 };
        n = poll(&wp, 1, 0);
        printf("no reader %d %x\n", n, wp.revents);
        sigset_t mask;
        sigemptyset(&mask);
        struct timespec zero = { 0, 0 };
        FD_ZERO(&wr); FD_SET(q[1], &wr);
        n = pselect(q[1] + 1, 0, &wr, 0, &zero, &mask);
        printf("pselect %d %d\n", n, FD_ISSET(q[1], &wr));
        return 0;
    }
    if (!strcmp(what, "pipeio")) {
        /* readv returns what the pipe held once a vector is full (no wait for the next);
         * a write of nothing to a pipe without readers is 0, with no SIGPIPE. */
        int p[2];
        char a[5], b[10];
        struct iovec iov[2] = { { a, sizeof a }, { b, sizeof b } };
        if (pipe(p) || write(p[1], "hello", 5) != 5)
            return 3;
        printf("readv %zd '%.5s'\n", readv(p[0], iov, 2), a);
        close(p[0]);
        printf("empty write %zd\n", write(p[1], "", 0));
        return 0;
    }
    if (!strcmp(what, "pipeintr")) {
        /* A read waiting on an empty pipe: a handler without SA_RESTART ends it with EINTR;
         * with SA_RESTART the read goes on and gets the byte written after the handler ran. */
        char c = 0;
        if (pipe(pipe_fds))
            return 3;
        struct sigaction sa = { 0 };
        sa.sa_handler = on_signal;
        sigaction(SIGUSR1, &sa, 0);
        pthread_t t;
        pthread_create(&t, 0, signal_later, (void *)pthread_self());
        errno = 0;
        ssize_t n = read(pipe_fds[0], &c, 1);
        printf("plain: read %zd errno %s caught %d\n", n, errno == EINTR ? "EINTR" : "other", caught);
        pthread_join(t, 0);
        caught = 0;
        sa.sa_flags = SA_RESTART;
        sigaction(SIGUSR1, &sa, 0);
        pthread_t w;
        pthread_create(&t, 0, signal_later, (void *)pthread_self());
        pthread_create(&w, 0, write_later, "r");
        n = read(pipe_fds[0], &c, 1);
        printf("restart: read %zd '%c' caught %d\n", n, c, caught);
        pthread_join(t, 0);
        pthread_join(w, 0);
        return 0;
    }
    if (!strcmp(what, "stdin")) {
        char buf[7];
        ssize_t n, total = 0;
        while ((n = read(0, buf, sizeof buf)) > 0) {
            fwrite(buf, 1, (size_t)n, stdout);
            total += n;
        }
        printf("total %zd\n", total);
        return 0;
    }
    if (!strcmp(what, "file") && argc > 2) {
        FILE *f = fopen(argv[2], "r");
        if (!f)
            return 10;
        char line[64];
        int lines = 0;
        while (fgets(line, sizeof line, f))
            lines++;
        struct stat st;
        if (fstat(fileno(f), &st) || st.st_size != 18 || lines != 2)
            return 11;
        if (fseek(f, 5, SEEK_SET) || !fgets(line, sizeof line, f) || strcmp(line, "one\n"))
            return 12;
        if (open(argv[2], O_RDWR) != -1 || open("/missing", O_RDONLY) != -1 || errno != ENOENT)
            return 13;
        struct stat by_path;
        if (stat(argv[2], &by_path) || by_path.st_size != 18 || !S_ISREG(by_path.st_mode))
            return 14;
        if (access(argv[2], R_OK) || access("/missing", F_OK) == 0)
            return 15;
        char cwd[16];
        if (!getcwd(cwd, sizeof cwd) || strcmp(cwd, "/"))
            return 16;
        return 42;
    }
    return 7;
}
"""
FILE_TEXT = b"line one\nline two\n"
FAULTS = {"segv": 139, "ud": 132, "div": 136, "abort": 134, "gp": 139, "kernelptr": 139, "alarmkill": 142,
          "sigpipe": 141}


@pytest.fixture(scope="module")
def probe(tmp_path_factory):
    if not shutil.which("musl-gcc"):
        pytest.fail("musl-gcc is missing (Debian package musl-tools)")
    d = tmp_path_factory.mktemp("probe")
    src = d / "probe.c"
    src.write_text(PROBE_SOURCE)
    exe = d / "probe"
    subprocess.run(["musl-gcc", "-static", "-pthread", "-O2", "-o", str(exe), str(src)], check=True)
    return str(exe)


@pytest.mark.parametrize("kind", sorted(FAULTS))
def test_user_fault_ends_program_with_signal_status(kind, probe, tmp_path):
    native = run_native(probe, [kind])
    assert native.returncode == -(FAULTS[kind] - 128), "native run: %s" % describe(native)
    require_dsmk(tmp_path)
    proc = run_dsmk(probe, [kind], tmp_path, timeout=60)
    assert proc.returncode == FAULTS[kind], describe(proc)


@pytest.mark.parametrize("what", ["efault", "spin", "stdin", "fpu", "clone", "auxv", "sched", "sigsuspend", "sigwait",
                                  "busykill", "alarm", "times", "pipeintr", "pipeio", "poll"])
def test_probe_same_as_native(what, probe, tmp_path):
    stdin = FILE_TEXT * 3 if what == "stdin" else b""
    native = run_native(probe, [what], stdin=stdin)
    require_dsmk(tmp_path)
    proc = run_dsmk(probe, [what], tmp_path, stdin=stdin, timeout=60)
    assert proc.returncode == native.returncode, describe(proc)
    assert proc.stdout == native.stdout, "native:\n%s\ndsmk:\n%s" % (describe(native), describe(proc))


def test_fault_report_names_thread_rip_and_address(probe, boot):
    r = boot(append="-- probe segv", modules=[(probe, "probe")], timeout=60)
    assert re.search(r"thread 1 killed by SIGSEGV \(11\): rip=0x[0-9a-f]+ addr=0x8 ", r.log), r.log
    assert "dsmk: program exited with status 139" in r.log, r.log


def test_out_of_memory_is_sigkill(probe, boot):
    """Touching more memory than the node has ends the program like Linux's OOM killer."""
    r = boot(append="-- probe oom", modules=[(probe, "probe")], timeout=120, mem_mb=128)
    assert "killed by SIGKILL (9)" in r.log, r.log
    assert "dsmk: program exited with status 137" in r.log, r.log


def test_file_module_reads_back(probe, boot, tmp_path):
    data = tmp_path / "in.txt"
    data.write_bytes(FILE_TEXT)
    r = boot(append="-- probe file /data/in.txt", modules=[(probe, "probe"), (str(data), "file=/data/in.txt")],
             timeout=60)
    assert "dsmk: program exited with status 42" in r.log, r.log


def test_missing_or_bad_program_module(boot, tmp_path):
    r = boot(append="-- nothing", timeout=30)
    assert "dsmk: program exited with status 127" in r.log, r.log
    junk = tmp_path / "junk"
    junk.write_bytes(b"#!/bin/sh\necho not an ELF\n")
    r = boot(append="-- junk", modules=[(str(junk), "junk")], timeout=30)
    assert "program: cannot execute" in r.log and "dsmk: program exited with status 126" in r.log, r.log
