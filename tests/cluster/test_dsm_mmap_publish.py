# SPDX-License-Identifier: MIT
"""A mapping made on one node and used at once on another (kernel/dsm_control.c): mmap and
a larger brk reach the nodes other than the caller's after the call returns, and a node that
meets an address it has no region for asks node 0 first. A thread maps memory, fills it and
hands the pointer over (an atomic store the other thread spins on, so no futex message
orders anything); the other thread, on another node, reads the bytes, asks mincore, msync,
mlock and madvise about the range and shrinks it in place with mremap; then it frees it. Then memory mapped without rights and
given them by mprotect (the news of which is still on its way) is read on the other node. Also
brk from one node and a touch of the new break from another, and an access to memory that
was never mapped still ends in SIGSEGV (SEGV_MAPERR). The output must be the native run's on
2 and 4 nodes. (Before session 16 every mmap waited for every node; with the wait gone and
no question to node 0 on a miss, the user's first read would end in SIGSEGV.)"""
from dsmkpy.testing import build_musl, check_matches_native

# Each node other than 0 holds node 0's news of a new mapping for 20 ms (a slow message), and
# data affinity, which would gather the two threads on one node, is off: so the user meets
# every handed mapping before its node has it, and must ask node 0 (60 times a run).
OPTIONS = ["-k", "dsm.mm_hold_us=20000", "-k", "dsm.affinity=off"]

SOURCE = r"""
#define _GNU_SOURCE
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define ROUNDS 60
#define PAGES 3
#define PAGE 4096

static _Atomic(unsigned char *) handed;   /* the mapping on its way, or NULL */
static atomic_int taken;                  /* rounds the user finished */
static _Atomic(char *) handed_break;
static _Atomic(unsigned char *) handed_guarded; /* made PROT_NONE, then given rights */
static atomic_int guarded_taken;
#define GUARDED_ROUNDS 8
#define NEWS_APPLIED_MS 40 /* twice the nodes' hold */

/* The maker: a fresh mapping each round, filled, then handed over. */
static void *maker(void *arg)
{
    (void)arg;
    for (int r = 0; r < ROUNDS; r++) {
        unsigned char *p = mmap(0, PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            return (void *)1;
        for (int i = 0; i < PAGES; i++)
            memset(p + i * PAGE, r + i, PAGE);
        atomic_store(&handed, p);
        while (atomic_load(&taken) <= r)
            sched_yield();
    }
    /* brk itself: musl's sbrk refuses to move the break */
    char *b = (char *)syscall(SYS_brk, 0);
    if ((char *)syscall(SYS_brk, b + PAGE) != b + PAGE)
        return (void *)1;
    b[0] = 42;
    atomic_store(&handed_break, b);
    /* As musl makes a thread's stack: mapped without rights (that news surely applied
     * everywhere), then mprotect gives them (that news still on its way). */
    for (int r = 0; r < GUARDED_ROUNDS; r++) {
        unsigned char *g = mmap(0, PAGES * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        struct timespec t = { 0, NEWS_APPLIED_MS * 1000000L };
        nanosleep(&t, 0);
        if (mprotect(g, PAGES * PAGE, PROT_READ | PROT_WRITE) != 0)
            return (void *)1;
        memset(g, 200 + r, PAGES * PAGE);
        atomic_store(&handed_guarded, g);
        while (atomic_load(&guarded_taken) <= r)
            sched_yield();
    }
    return 0;
}

static sigjmp_buf back;
static volatile int segv_code;
static void on_segv(int sig, siginfo_t *si, void *uc)
{
    (void)sig, (void)uc;
    segv_code = si->si_code;
    siglongjmp(back, 1);
}

/* The user, on another node: takes each mapping as soon as it is handed over. */
static void *user(void *arg)
{
    (void)arg;
    int good = 0, calls = 0, shrunk = 0;
    for (int r = 0; r < ROUNDS; r++) {
        unsigned char *p;
        while (!(p = atomic_exchange(&handed, NULL)))
            sched_yield();
        int ok = 1;
        for (int i = 0; i < PAGES; i++)
            ok &= p[i * PAGE] == (unsigned char)(r + i) && p[i * PAGE + PAGE - 1] == (unsigned char)(r + i);
        good += ok;
        unsigned char vec[PAGES];
        calls += mincore(p, PAGES * PAGE, vec) == 0 && msync(p, PAGES * PAGE, MS_SYNC) == 0 &&
                 mlock(p, PAGE) == 0 && munlock(p, PAGE) == 0 && madvise(p, PAGE, MADV_WILLNEED) == 0;
        unsigned char *q = mremap(p, PAGES * PAGE, (PAGES - 1) * PAGE, 0);
        if (q == p) {
            q[PAGE] = 7;
            shrunk += q[PAGE] == 7 && q[0] == (unsigned char)r;
        }
        munmap(p, PAGES * PAGE);
        atomic_fetch_add(&taken, 1);
    }
    char *b;
    while (!(b = atomic_load(&handed_break)))
        sched_yield();
    printf("handed mappings read back: %d of %d; range calls ok: %d; shrunk in place: %d; new break %d\n", good,
           ROUNDS, calls, shrunk, b[0]);
    int guarded = 0;
    for (int r = 0; r < GUARDED_ROUNDS; r++) {
        unsigned char *g;
        while (!(g = atomic_exchange(&handed_guarded, NULL)))
            sched_yield();
        guarded += g[0] == (unsigned char)(200 + r) && g[PAGES * PAGE - 1] == (unsigned char)(200 + r);
        atomic_fetch_add(&guarded_taken, 1);
    }
    printf("given rights after mapping: %d of %d read back\n", guarded, GUARDED_ROUNDS);
    struct sigaction sa = { .sa_sigaction = on_segv, .sa_flags = SA_SIGINFO };
    sigaction(SIGSEGV, &sa, 0);
    volatile char *never = (volatile char *)(uintptr_t)0x100000000000ull; /* nothing maps there */
    if (sigsetjmp(back, 1) == 0)
        (void)*never;
    printf("never mapped: SIGSEGV %s\n", segv_code == SEGV_MAPERR ? "SEGV_MAPERR" : "other");
    return 0;
}

int main(void)
{
    pthread_t m, u;
    pthread_create(&m, 0, maker, 0); /* round-robin: node 1 */
    pthread_create(&u, 0, user, 0);  /* node 2 on 4 nodes, node 0 on 2 */
    void *rm;
    pthread_join(m, &rm);
    pthread_join(u, 0);
    printf("maker %s\n", rm ? "failed" : "done");
    return 0;
}
"""


def test_mapping_used_on_another_node_at_once(tmp_path):
    exe = build_musl(tmp_path, "mmap-publish", SOURCE)
    work = tmp_path / "native"
    work.mkdir()
    out = check_matches_native(tmp_path, "mmap-publish", exe, cwd=work, nodes=(2, 4), options=OPTIONS).decode()
    assert "read back: 60 of 60; range calls ok: 60; shrunk in place: 60; new break 42" in out, out
    assert "SEGV_MAPERR" in out and "given rights after mapping: 8 of 8" in out, out


# Read ahead into a mapping whose news is still on its way: the maker maps M1 and writes it,
# waits until M1's news is surely applied (the hold is 20 ms), maps M2 (placed just below
# M1, in the same 16-page block) and writes it, then hands over M1, then M2. The user's
# reads of M1 bring M2's pages ahead (the block rule, docs/dsm-protocol.md 4e) before its
# node knows M2: they are mapped without rights, and must take M2's at the first touch
# (before, the touch faulted for ever).
AHEAD_SOURCE = r"""
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#define PAGE 4096
#define ROUNDS 20
#define NEWS_APPLIED_MS 40 /* twice the nodes' hold */

static _Atomic(unsigned char *) handed_m1, handed_m2;
static atomic_int done;

static void sleep_ms(int n)
{
    struct timespec t = { 0, n * 1000000L };
    nanosleep(&t, 0);
}

static unsigned char *take(_Atomic(unsigned char *) *slot)
{
    unsigned char *p;
    while (!(p = atomic_exchange(slot, NULL)))
        sleep_ms(1);
    return p;
}

static void *maker(void *arg)
{
    (void)arg;
    for (int r = 0; r < ROUNDS; r++) {
        unsigned char *m1 = mmap(0, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        memset(m1, 1 + r, 2 * PAGE);
        sleep_ms(NEWS_APPLIED_MS);
        unsigned char *m2 = mmap(0, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        memset(m2, 101 + r, 2 * PAGE);
        atomic_store(&handed_m1, m1);
        while (atomic_load(&done) <= 2 * r)
            sleep_ms(1);
        atomic_store(&handed_m2, m2);
        while (atomic_load(&done) <= 2 * r + 1)
            sleep_ms(1);
    }
    return 0;
}

static void *user(void *arg)
{
    (void)arg;
    int ok = 0;
    for (int r = 0; r < ROUNDS; r++) {
        unsigned char *p = take(&handed_m1);
        ok += p[0] == 1 + r && p[PAGE] == 1 + r;
        atomic_fetch_add(&done, 1);
        p = take(&handed_m2);
        ok += p[0] == 101 + r && p[PAGE] == 101 + r;
        atomic_fetch_add(&done, 1);
    }
    printf("ok %d of %d\n", ok, 2 * ROUNDS);
    return 0;
}

int main(void)
{
    pthread_t m, u;
    pthread_create(&m, 0, maker, 0);
    pthread_create(&u, 0, user, 0);
    pthread_join(m, 0);
    pthread_join(u, 0);
    return 0;
}
"""


def test_pages_read_ahead_before_their_mapping_arrives(tmp_path):
    exe = build_musl(tmp_path, "mmap-ahead", AHEAD_SOURCE)
    out = check_matches_native(tmp_path, "mmap-ahead", exe, nodes=(4,), options=OPTIONS).decode()
    assert out == "ok 40 of 40\n", out
