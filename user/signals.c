// SPDX-License-Identifier: MIT
// signals: caught signals across threads - handlers for raise() and pthread_kill(), the
// siginfo and mask a handler gets, a blocked signal held until unblocked, SIG_IGN and
// SA_RESETHAND, registers and FPU state kept across a handler, pthread_cancel (which musl
// does with a signal), and SIGSEGV handlers: one that fixes the page and returns (the
// faulting store runs again), one that leaves by siglongjmp, and one that catches a
// thread's stack overflow on its alternate stack (sigaltstack, SA_ONSTACK). Threads spread over nodes under the DSM, so pthread_kill and
// pthread_cancel cross nodes there. Deterministic output. Usage: signals [T=3]
#define _GNU_SOURCE
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#define SG_THREADS_MAX 16
#define SG_CANCEL_NAP_US 1000

static volatile sig_atomic_t sg_caught, sg_info_ok, sg_mask_ok;
static volatile double sg_handler_fp;
static volatile pid_t sg_ran_in[SG_THREADS_MAX];
static volatile int sg_stop;
static volatile int sg_ready[SG_THREADS_MAX];

static pid_t sg_tid(void)
{
    return (pid_t)syscall(SYS_gettid);
}

static void sg_plain(int sig)
{
    sg_caught = sig;
    volatile double x = 0; /* uses the FPU: the interrupted code's registers must survive */
    for (int i = 1; i <= 100; i++)
        x += i * 0.25;
    sg_handler_fp = x;
}

static void sg_with_info(int sig, siginfo_t *si, void *ctx)
{
    ucontext_t *uc = ctx;
    sigset_t now;
    sigprocmask(SIG_BLOCK, NULL, &now);
    sg_info_ok = si->si_signo == sig && si->si_code == SI_TKILL && uc->uc_mcontext.gregs[REG_RIP] != 0;
    sg_mask_ok = sigismember(&now, sig) && sigismember(&now, SIGALRM);
}

static void sg_record(int sig)
{
    (void)sig;
    pid_t me = sg_tid();
    for (int i = 0; i < SG_THREADS_MAX; i++)
        if (sg_ran_in[i] == 0) {
            sg_ran_in[i] = me;
            break;
        }
}

static void *sg_worker(void *arg)
{
    long id = (long)arg;
    sg_ready[id] = sg_tid();
    while (!sg_stop)
        sched_yield(); /* a system call: pending signals are delivered on the way back */
    return NULL;
}

static void *sg_cancellable(void *arg)
{
    (void)arg;
    for (;;) {
        pthread_testcancel();
        usleep(SG_CANCEL_NAP_US);
    }
    return NULL;
}

/* tkill(self, SIGUSR1) with a value in XMM0 and two in R8/R9, which the syscall ABI keeps
 * and the handler (a C function) is free to clobber: true if all three survive. */
static int sg_registers_survive_handler(void)
{
    double in = 2.75, out = 0;
    unsigned long r8_in = 0x1122334455667788ul, r9_in = 0x0f0e0d0c0b0a0908ul, r8_out, r9_out;
    long rax = SYS_tkill;
    __asm__ volatile("movsd %[in], %%xmm0\n\t"
                     "mov %[r8in], %%r8\n\t"
                     "mov %[r9in], %%r9\n\t"
                     "syscall\n\t"
                     "movsd %%xmm0, %[out]\n\t"
                     "mov %%r8, %[r8out]\n\t"
                     "mov %%r9, %[r9out]"
                     : [out] "=m"(out), [r8out] "=r"(r8_out), [r9out] "=r"(r9_out), "+a"(rax)
                     : [in] "m"(in), [r8in] "r"(r8_in), [r9in] "r"(r9_in), "D"((long)sg_tid()), "S"((long)SIGUSR1)
                     : "rcx", "r11", "r8", "r9", "xmm0", "memory");
    return rax == 0 && out == in && r8_out == r8_in && r9_out == r9_in;
}

static pthread_mutex_t sg_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t sg_never = PTHREAD_COND_INITIALIZER;
static volatile int sg_waiting;

static void sg_unlock(void *mutex)
{
    pthread_mutex_unlock(mutex);
}

/* Waits on a condition nobody signals: only cancellation ends it. */
static void *sg_cond_waiter(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&sg_lock);
    pthread_cleanup_push(sg_unlock, &sg_lock);
    sg_waiting = 1;
    for (;;)
        pthread_cond_wait(&sg_never, &sg_lock);
    pthread_cleanup_pop(1);
    return NULL;
}

/* Sleeps far longer than the test: a signal must cut the sleep short. */
static void *sg_sleeper(void *arg)
{
    unsigned *left = arg;
    sg_waiting = 1;
    *left = sleep(1000);
    return NULL;
}

static volatile char *volatile sg_locked_page; /* the handler reads the pointer too */
static volatile sig_atomic_t sg_fault_info_ok;
static sigjmp_buf sg_escape;

/* Makes the page the store faulted on writable and returns: the store runs again. */
static void sg_unlock_page(int sig, siginfo_t *si, void *ctx)
{
    (void)ctx;
    sg_fault_info_ok = sig == SIGSEGV && si->si_addr == (void *)(sg_locked_page + 100) && si->si_code == SEGV_ACCERR;
    mprotect((void *)sg_locked_page, 4096, PROT_READ | PROT_WRITE);
}

/* A store that faults with values in RCX, R11 and XMM0 (registers no syscall is involved
 * with here): the handler opens the page, the store runs again, and all three must hold
 * what they held (rt_sigreturn must restore a fault's context in full). */
static int sg_fault_keeps_registers(volatile char *page)
{
    unsigned long rcx_in = 0x0123456789abcdeful, r11_in = 0x0fedcba987654321ul, rcx_out, r11_out;
    double in = 6.5, out = 0;
    __asm__ volatile("mov %[rcxin], %%rcx\n\t"
                     "mov %[r11in], %%r11\n\t"
                     "movsd %[in], %%xmm0\n\t"
                     "movb $7, (%[page])\n\t"
                     "mov %%rcx, %[rcxout]\n\t"
                     "mov %%r11, %[r11out]\n\t"
                     "movsd %%xmm0, %[out]"
                     : [rcxout] "=r"(rcx_out), [r11out] "=r"(r11_out), [out] "=m"(out)
                     : [rcxin] "r"(rcx_in), [r11in] "r"(r11_in), [in] "m"(in), [page] "r"(page)
                     : "rcx", "r11", "xmm0", "memory");
    return rcx_out == rcx_in && r11_out == r11_in && out == in && *page == 7;
}

#define SG_ALTSTACK_SIZE 65536
#define SG_SMALL_STACK 65536
#define SG_RECURSION_LIMIT 1000000 /* never reached: the small stack overflows long before */

static volatile sig_atomic_t sg_alt_on, sg_alt_flags;

/* Runs on the alternate stack (SA_ONSTACK): its own frame says so, and so does sigaltstack. */
static void sg_on_altstack(int sig)
{
    (void)sig;
    volatile char here;
    stack_t cur;
    sigaltstack(NULL, &cur);
    sg_alt_on = (char *)&here > (char *)cur.ss_sp && (char *)&here < (char *)cur.ss_sp + cur.ss_size;
    sg_alt_flags = cur.ss_flags;
}

static sigjmp_buf sg_overflow_escape;

static void sg_overflow_caught(int sig, siginfo_t *si, void *ctx)
{
    (void)ctx;
    siglongjmp(sg_overflow_escape, sig == SIGSEGV && si->si_code == SEGV_ACCERR ? 1 : 2);
}

static int sg_recurse(int depth)
{
    volatile char pad[512];
    pad[0] = (char)depth;
    if (depth > SG_RECURSION_LIMIT)
        return 0;
    return sg_recurse(depth + 1) + pad[0];
}

/* Overflows its small stack into musl's guard page; the SIGSEGV handler can only run on
 * the alternate stack, and leaves by siglongjmp. */
static void *sg_overflower(void *arg)
{
    int *result = arg;
    stack_t alt = { .ss_sp = malloc(SG_ALTSTACK_SIZE), .ss_size = SG_ALTSTACK_SIZE, .ss_flags = 0 };
    sigaltstack(&alt, NULL);
    int jumped = sigsetjmp(sg_overflow_escape, 1);
    if (jumped == 0)
        sg_recurse(0);
    *result = jumped;
    return NULL;
}

static void sg_jump_out(int sig, siginfo_t *si, void *ctx)
{
    (void)ctx;
    siglongjmp(sg_escape, sig == SIGSEGV && si->si_code == SEGV_MAPERR ? 1 : 2);
}

static void sg_handle(int sig, void (*fn)(int), int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = fn;
    sa.sa_flags = flags;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
}

int main(int argc, char **argv)
{
    int threads = argc > 1 ? atoi(argv[1]) : 3;
    if (threads < 1 || threads > SG_THREADS_MAX) {
        fprintf(stderr, "usage: signals [1..%d]\n", SG_THREADS_MAX);
        return 2;
    }
    int bad = 0;

    sg_handle(SIGUSR1, sg_plain, 0);
    int r = raise(SIGUSR1);
    printf("raise %d caught %d, handler computed %.2f\n", r, (int)sg_caught, sg_handler_fp);
    bad |= r != 0 || sg_caught != SIGUSR1;
    sg_caught = 0;
    int kept = sg_registers_survive_handler();
    printf("registers across a handler: %s (caught %d)\n", kept ? "kept" : "LOST", (int)sg_caught);
    bad |= !kept || sg_caught != SIGUSR1;

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = sg_with_info;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGALRM);
    sigaction(SIGUSR2, &sa, NULL);
    raise(SIGUSR2);
    printf("siginfo %s, mask in the handler %s\n", sg_info_ok ? "ok" : "WRONG", sg_mask_ok ? "ok" : "WRONG");
    bad |= !sg_info_ok || !sg_mask_ok;

    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigprocmask(SIG_BLOCK, &usr1, NULL);
    sg_caught = 0;
    raise(SIGUSR1);
    int while_blocked = sg_caught;
    sigprocmask(SIG_UNBLOCK, &usr1, NULL);
    printf("blocked: caught %d, unblocked: caught %d\n", while_blocked, (int)sg_caught);
    bad |= while_blocked != 0 || sg_caught != SIGUSR1;

    sg_handle(SIGUSR1, sg_record, 0);
    pthread_t t[SG_THREADS_MAX];
    for (long i = 0; i < threads; i++)
        pthread_create(&t[i], NULL, sg_worker, (void *)i);
    int delivered = 0;
    for (int i = 0; i < threads; i++) {
        while (!sg_ready[i])
            sched_yield();
        int k = pthread_kill(t[i], SIGUSR1);
        while (k == 0 && !sg_ran_in[i])
            sched_yield();
        delivered += k == 0 && sg_ran_in[i] == sg_ready[i];
    }
    sg_stop = 1;
    for (int i = 0; i < threads; i++)
        pthread_join(t[i], NULL);
    printf("pthread_kill: %d of %d handlers ran in their thread\n", delivered, threads);
    bad |= delivered != threads;

    sg_handle(SIGUSR2, SIG_IGN, 0);
    raise(SIGUSR2);
    sg_handle(SIGUSR1, sg_plain, (int)SA_RESETHAND);
    sg_caught = 0;
    raise(SIGUSR1);
    struct sigaction now;
    sigaction(SIGUSR1, NULL, &now);
    printf("ignored ok, reset-hand caught %d then default %s\n", (int)sg_caught,
           now.sa_handler == SIG_DFL ? "yes" : "NO");
    bad |= sg_caught != SIGUSR1 || now.sa_handler != SIG_DFL;

    pthread_t c;
    pthread_create(&c, NULL, sg_cancellable, NULL);
    usleep(20 * SG_CANCEL_NAP_US);
    void *res = NULL;
    int cancel = pthread_cancel(c), join = pthread_join(c, &res);
    printf("pthread_cancel %d, join %d, canceled %s\n", cancel, join, res == PTHREAD_CANCELED ? "yes" : "NO");
    bad |= cancel != 0 || join != 0 || res != PTHREAD_CANCELED;

    sg_waiting = 0;
    pthread_create(&c, NULL, sg_cond_waiter, NULL);
    while (!sg_waiting)
        usleep(SG_CANCEL_NAP_US);
    usleep(20 * SG_CANCEL_NAP_US); /* well inside pthread_cond_wait by now */
    cancel = pthread_cancel(c);
    join = pthread_join(c, &res);
    printf("cancel while waiting on a condition: %d, join %d, canceled %s\n", cancel, join,
           res == PTHREAD_CANCELED ? "yes" : "NO");
    bad |= cancel != 0 || join != 0 || res != PTHREAD_CANCELED;

    sg_handle(SIGUSR1, sg_record, 0);
    memset((void *)sg_ran_in, 0, sizeof sg_ran_in);
    sg_waiting = 0;
    unsigned left = 0;
    pthread_create(&c, NULL, sg_sleeper, &left);
    while (!sg_waiting)
        usleep(SG_CANCEL_NAP_US);
    usleep(20 * SG_CANCEL_NAP_US);
    int k = pthread_kill(c, SIGUSR1);
    pthread_join(c, NULL);
    printf("pthread_kill of a sleeper: %d, handler ran %s, sleep cut short %s\n", k, sg_ran_in[0] ? "yes" : "NO",
           left > 900 ? "yes" : "NO");
    bad |= k != 0 || !sg_ran_in[0] || left <= 900;

    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = sg_unlock_page;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, NULL);
    sg_locked_page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    sg_locked_page[100] = 42; /* faults once; the handler opens the page */
    printf("SIGSEGV handler opened the page: value %d, siginfo %s\n", sg_locked_page[100],
           sg_fault_info_ok ? "ok" : "WRONG");
    bad |= sg_locked_page[100] != 42 || !sg_fault_info_ok;
    sg_locked_page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    int kept_at_fault = sg_fault_keeps_registers(sg_locked_page + 100);
    printf("registers across a fault handler: %s\n", kept_at_fault ? "kept" : "LOST");
    bad |= !kept_at_fault;
    sa.sa_sigaction = sg_jump_out;
    sigaction(SIGSEGV, &sa, NULL);
    volatile uintptr_t unmapped = 16; /* nothing is mapped there; volatile: not a constant */
    int jumped = sigsetjmp(sg_escape, 1);
    if (jumped == 0)
        *(volatile int *)unmapped = 1;
    printf("siglongjmp out of a SIGSEGV handler: %s\n", jumped == 1 ? "ok" : "WRONG");
    bad |= jumped != 1;

    stack_t alt = { .ss_sp = malloc(SG_ALTSTACK_SIZE), .ss_size = SG_ALTSTACK_SIZE, .ss_flags = 0 }, cur;
    int set = sigaltstack(&alt, NULL);
    sg_handle(SIGUSR1, sg_on_altstack, SA_ONSTACK);
    raise(SIGUSR1);
    sigaltstack(NULL, &cur);
    printf("sigaltstack %d: handler on it %s, flags there %d, after %d\n", set, sg_alt_on ? "yes" : "NO",
           (int)sg_alt_flags, cur.ss_flags);
    bad |= set != 0 || !sg_alt_on || sg_alt_flags != SS_ONSTACK || cur.ss_flags != 0;

    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = sg_overflow_caught;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigaction(SIGSEGV, &sa, NULL);
    pthread_attr_t small;
    pthread_attr_init(&small);
    pthread_attr_setstacksize(&small, SG_SMALL_STACK);
    int overflow = 0;
    pthread_create(&c, &small, sg_overflower, &overflow);
    pthread_join(c, NULL);
    printf("stack overflow caught on the alternate stack: %s\n", overflow == 1 ? "yes" : "NO");
    bad |= overflow != 1;

    printf("signals: %s\n", bad ? "WRONG" : "ok");
    return bad;
}
