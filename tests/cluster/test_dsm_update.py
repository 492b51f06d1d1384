# SPDX-License-Identifier: MIT
"""Write-update regions in the kernel (issue 6, docs/dsm-protocol.md 4c, kernel/dsm_update.c):
programs on 2 nodes with their main shared data chosen write-update (`dsmk run --update
SYMBOL` or `-k dsm.update=0xSTART+LEN`) under `fixed` and `central` print exactly what a
1-node run prints, and the dsm-stats lines count the write-update stores (wu_writes=).

Which data (plain stores and the atomic forms are emulated; kernel writes, such as the clear
of musl's thread-list lock at a thread's exit, go through the sequencer too):
- readmostly: `table` (page aligned, written by the main thread between barrier rounds);
- falseshare: `page_words` (its own page; `(*word)++` is a load and a plain store);
- matmul: the three matrices, each its own 20 KiB musl mmap just below UVM_MMAP_TOP
  (kernel/uvm.h; dsmk's mmap goes downwards from there): [TOP - 0xf000, TOP);
- sor: the grid, one 28 KiB mmap at [TOP - 0x7000, TOP); calloc clears it with rep stosq,
  which the trap emulates a page at a time.
- barrier: `errors`, its first data page: loaded .data (musl's stdout FILE, whose lock
  word takes lock cmpxchg), slots, serial_count and errors (the pthread barrier itself
  sits on the next page, with musl's bss);
- threads: `counter`, condvar: `ring`. Their shared words share a page with their mutex /
  condvar and with musl's thread-list lock, which the kernel clears when a thread exits
  (copy_to_user of clear_child_tid: before kernel writes went through the sequencer it failed
  with EFAULT, the lock stayed taken and the program hung)."""
import os
import re
import shutil
import subprocess

import pytest

from dsmkpy.testing import REPO, build_dir, user_program

DSMK = os.path.join(REPO, "tools", "dsmk")
RUN_ROOT = os.environ.get("DSMK_RUN_ROOT", "/tmp/dsmk-run")
RUN_TIMEOUT = 180.0
STATS = re.compile(r"dsm-stats node=(\d+) (.*)")
UVM_MMAP_TOP = 0x7f0000000000  # kernel/uvm.h
STATUS_CANNOT_EXECUTE = 126     # kernel/dsm_glue.c DSM_GLUE_STATUS_CANNOT_EXECUTE
STATUS_SIGSEGV = 128 + 11

# program: (args, dsmk options choosing its write-update data)
PROGRAMS = {
    "readmostly": (["3", "10"], ["--update", "table"]),
    "falseshare": (["4", "500"], ["--update", "page_words"]),
    "matmul": (["48", "4"], ["-k", "dsm.update=0x%x+0xf000" % (UVM_MMAP_TOP - 0xf000)]),
    "sor": (["32", "20", "4"], ["-k", "dsm.update=0x%x+0x7000" % (UVM_MMAP_TOP - 0x7000)]),
    "barrier": (["4", "20"], ["--update", "errors"]),
    "threads": (["4", "200"], ["--update", "counter"]),
    "condvar": (["2", "2", "100"], ["--update", "ring"]),
}
MANAGERS = ["fixed", "central"]

_reference = {}


def run(program, args, nodes, options=(), tag="run"):
    """PROGRAM under `dsmk run`: (status, stdout, stderr, node 0 log, {node: stats dict})."""
    name = "wupdate-%s-%s-%d" % (tag, os.path.basename(program), os.getpid())
    cmd = [DSMK, "--name", name, "run", "--keep", "-n", str(nodes), "--timeout", str(RUN_TIMEOUT)]
    cmd += list(options) + [program if os.path.sep in program else user_program(program)] + list(args)
    env = dict(os.environ, DSMK_BUILD=os.path.relpath(build_dir(), REPO))
    try:
        p = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, capture_output=True, timeout=RUN_TIMEOUT + 60)
        logs, stats = [], {}
        for i in range(nodes):
            path = os.path.join(RUN_ROOT, name, "node%d.log" % i)
            logs.append(open(path, errors="replace").read() if os.path.exists(path) else "")
            for m in STATS.finditer(logs[-1]):
                stats[int(m.group(1))] = dict(kv.split("=", 1) for kv in m.group(2).split())
        return p.returncode, p.stdout, p.stderr, logs[0] if logs else "", stats
    finally:
        shutil.rmtree(os.path.join(RUN_ROOT, name), ignore_errors=True)


def reference(program):
    if program not in _reference:
        status, out, err, _, _ = run(program, PROGRAMS[program][0], 1, tag="ref")
        assert status == 0 and out, (program, err[-2000:])
        _reference[program] = out
    return _reference[program]


@pytest.mark.parametrize("manager", MANAGERS)
@pytest.mark.parametrize("program", sorted(PROGRAMS))
def test_program_with_write_update_data_matches_one_node(program, manager):
    args, options = PROGRAMS[program]
    status, out, err, log0, stats = run(program, args, 2, options + ["-k", "dsm.manager=" + manager],
                                        tag=manager)
    assert (status, out) == (0, reference(program)), (program, manager, err[-3000:], log0[-3000:])
    assert "dsm: write-update region 0x" in log0
    assert sorted(stats) == [0, 1], stats
    assert all(s["bad_msgs"] == "0" for s in stats.values()), stats
    # Stores went through the sequencer; in every program but readmostly (whose only
    # writer is main, on node 0) node 1's threads store too.
    assert int(stats[0]["wu_writes"]) > 0, stats[0]
    if program != "readmostly":
        assert int(stats[1]["wu_writes"]) > 0, stats[1]


def test_four_nodes_e1000_readmostly():
    """Three readers on three other nodes: every store updates up to four copies."""
    args, options = PROGRAMS["readmostly"]
    status, out, err, log0, stats = run("readmostly", args, 4, options + ["--nic", "e1000"], tag="four")
    assert (status, out) == (0, reference("readmostly")), (err[-3000:], log0[-3000:])
    assert sorted(stats) == [0, 1, 2, 3] and all(s["bad_msgs"] == "0" for s in stats.values()), stats
    assert int(stats[0]["wu_writes"]) > 0, stats[0]


STORE_FORMS_C = r"""
#include <stdint.h>
#include <stdio.h>
#include <string.h>
static unsigned char page[8192] __attribute__((aligned(4096)));
static const unsigned char x16a[16] = "0123456789abcdef", x16b[16] = "ABCDEFGHIJKLMNOP";
int main(void) {
    unsigned char *p = page;
    uint64_t big = 0x1122334455667788ull;
    register uint64_t r9 __asm__("r9") = 0x77665544;
    __asm__ volatile("movb %%ah, 0(%0)" :: "D"(p), "a"(0xabcdull) : "memory"); /* no REX with AH */
    __asm__ volatile("movw %%ax, 2(%0)" :: "r"(p), "a"(0xbeefull) : "memory");
    __asm__ volatile("movl $-2, 4(%0)" :: "r"(p) : "memory");
    __asm__ volatile("movq $-3, 8(%0)" :: "r"(p) : "memory");
    __asm__ volatile("movq %1, 16(%0)" :: "r"(p), "r"(big) : "memory");
    __asm__ volatile("movl %%r9d, 24(%0, %%rcx, 4)" :: "r"(p), "c"(1ull), "r"(r9) : "memory");
    __asm__ volatile("movdqu %1, %%xmm9\n\tmovups %%xmm9, 32(%0)" :: "r"(p), "m"(x16a) : "xmm9", "memory");
    __asm__ volatile("movdqu %1, %%xmm3\n\tmovhps %%xmm3, 48(%0)\n\tmovlps %%xmm3, 56(%0)\n\t"
                     "movss %%xmm3, 64(%0)" :: "r"(p), "m"(x16b) : "xmm3", "memory");
    __asm__ volatile("movnti %1, 72(%0)" :: "r"(p), "r"(big) : "memory");
    __asm__ volatile("movq %1, 4092(%0)" :: "r"(p), "r"(big) : "memory"); /* across the two pages */
    static unsigned char src[700];
    for (int i = 0; i < 700; i++) src[i] = (unsigned char)(i * 7);
    memset(page + 1000, 0x5a, 5000); /* rep stosq across the page boundary */
    memcpy(page + 3900, src, 700);   /* rep movsq */
    unsigned long sum = 0;
    for (int i = 0; i < 8192; i++) sum = sum * 31 + page[i];
    for (int i = 0; i < 80; i++) printf("%02x%s", p[i], i % 16 == 15 ? "\n" : "");
    printf("sum %lx\n", sum);
    return 0;
}
"""


def compile_c(tmp_path, name, source, flags=()):
    src = tmp_path / (name + ".c")
    src.write_text(source)
    exe = tmp_path / name
    subprocess.run(["musl-gcc", "-static", "-O2", "-o", str(exe), str(src)] + list(flags), check=True)
    return str(exe)


def check_as_native(tmp_path, name, source, symbol):
    """SOURCE compiled, run natively and on 2 nodes with SYMBOL write-update: the same
    output; returns node 0's stats."""
    exe = compile_c(tmp_path, name, source)
    native = subprocess.run([exe], capture_output=True, timeout=30)
    assert native.returncode == 0
    status, out, err, log0, stats = run(exe, [], 2, ["--update", symbol], tag=name)
    assert (status, out) == (0, native.stdout), (err[-2000:], log0[-3000:])
    return stats[0]


def test_every_store_form_lands_as_natively(tmp_path):
    """The decoder's forms in the kernel: AH, imm16/32/64, SIB, SSE 16/8/4 bytes (XMM from
    the FXSAVE area, movhps' high half), movnti, a store across two write-update pages,
    memset/memcpy's rep stos/movs: the page bytes equal a native run's."""
    stats = check_as_native(tmp_path, "forms", STORE_FORMS_C, "page")
    assert int(stats["wu_writes"]) > 600, stats  # 14 stores + ~700 words of memset/memcpy


RMW_C = r"""
#include <stdint.h>
#include <stdio.h>
static uint64_t w[512] __attribute__((aligned(4096)));
static void flags(const char *what, uint64_t f) { printf("%s: flags %03llx\n", what, (unsigned long long)(f & 0x8d5)); }
/* %0 flags out, %1 the word, %2 a source register, %3 RAX (for AH); the cmp first makes
 * the flags going in known (ZF PF set, CF clear), as NOT keeps them all and INC/DEC keep CF */
#define RMW(text, word, src) do { uint64_t f; __asm__ volatile("cmp %2, %2\n\t" text "\n\tpushfq\n\tpopq %0" : "=r"(f) : "r"(word), "r"(src), "a"(0x1200ull) : "cc", "memory"); flags(text, f); } while (0)
int main(void) {
    w[0] = 5; w[1] = 0xff; w[2] = 0x8000000000000000ull; w[3] = 1; w[4] = 0x7f;
    RMW("addq $1, (%1)", &w[0], 0ull);
    RMW("addb $1, (%1)", &w[1], 0ull);
    RMW("subq %2, (%1)", &w[2], 1ull);
    RMW("decl (%1)", &w[3], 0ull);
    RMW("stc\n\tincb (%1)", &w[4], 0ull);
    RMW("stc\n\tadcl $7, (%1)", &w[5], 0ull);
    RMW("stc\n\tsbbq %2, (%1)", &w[11], 3ull);
    RMW("negq (%1)", &w[0], 0ull);
    RMW("notw (%1)", &w[6], 0ull);
    RMW("xorl %k2, (%1)", &w[7], 0x5555ull);
    RMW("orb %%ah, 0(%1)", &w[8], 0ull);
    for (int i = 0; i < 100; i++) w[9] += (uint64_t)i * 3;
    for (int i = 0; i < 10; i++) w[10] ^= (uint64_t)i << 8;
    for (int i = 0; i < 12; i++) printf("w%d=%llx\n", i, (unsigned long long)w[i]);
    return 0;
}
"""


def test_unlocked_read_modify_write_lands_as_natively(tmp_path):
    """Memory-destination ALU forms without lock (add, adc, sbb, sub, inc, dec, neg, not,
    xor, or with AH): the words and the flags each leaves equal a native run's."""
    stats = check_as_native(tmp_path, "rmw", RMW_C, "w")
    assert int(stats["wu_writes"]) >= 11, stats


UNSUPPORTED_C = r"""
#include <errno.h>
#include <stdio.h>
#include <time.h>
static long words[512] __attribute__((aligned(4096)));
int main(void) {
    words[0] = 1;
    struct timespec *ts = (struct timespec *)&words[2];
    int r = clock_gettime(CLOCK_MONOTONIC, ts); /* the kernel writes into the page */
    printf("store %ld clock_gettime %d errno %d sane %d\n", words[0], r, r ? errno : 0,
           ts->tv_nsec >= 0 && ts->tv_nsec < 1000000000 && (ts->tv_sec | ts->tv_nsec) != 0);
    fflush(stdout);
    __asm__ volatile("lock cmpxchg16b (%0)" :: "r"(&words[2]) : "rax", "rdx", "memory"); /* not emulated */
    printf("not reached\n");
    return 0;
}
"""


def test_unsupported_store_is_reported_and_kernel_write_goes_through(tmp_path):
    """A lock cmpxchg16b on a write-update page ends the program with the clear report
    and SIGSEGV's status; a kernel write into such a page (clock_gettime's result) goes
    through the sequencer like a store (kernel/dsm_update.h; it used to fail with EFAULT)."""
    exe = compile_c(tmp_path, "unsupported", UNSUPPORTED_C)
    status, out, err, log0, stats = run(exe, [], 2, ["--update", "words"], tag="unsupported")
    assert status == STATUS_SIGSEGV, (status, err[-2000:], log0[-3000:])
    assert out == b"store 1 clock_gettime 0 errno 0 sane 1\n"
    assert re.search(r"write-update page: unsupported store instruction at RIP 0x[0-9a-f]+ .*bytes f0 ", log0), \
        log0[-3000:]
    assert "kernel write to write-update page" not in log0


def test_program_text_range_is_refused():
    """A range over read-only program text (main) cannot be write-update: refused at start."""
    status, out, err, log0, _ = run("threads", ["2", "10"], 2, ["--update", "main"], tag="text")
    assert status == STATUS_CANNOT_EXECUTE, (status, log0[-2000:])
    assert "is read-only program text; write-update pages hold data" in log0
    assert out == b""


def test_dynamic_manager_is_refused():
    """Under dsm.manager=dynamic a page's sequencer would move with its owner: refused."""
    args, options = PROGRAMS["readmostly"]
    status, out, err, log0, _ = run("readmostly", args, 2, options + ["-k", "dsm.manager=dynamic"],
                                    tag="dynamic")
    assert status == STATUS_CANNOT_EXECUTE, (status, log0[-2000:])
    assert "dsm.update= needs dsm.manager=fixed or central" in log0


def test_unknown_symbol_is_a_setup_error():
    p = subprocess.run([DSMK, "run", "--update", "no_such_symbol", user_program("readmostly")],
                       capture_output=True, timeout=60)
    assert p.returncode == 127 and b"no such symbol" in p.stderr, p.stderr


def test_malformed_range_is_a_bad_command_line():
    """dsm.update= is checked at boot like every key (kernel/dsm_update_ranges.c)."""
    status, out, err, log0, _ = run("readmostly", [], 1, ["-k", "dsm.update=0x1001+0x1000"], tag="badrange")
    assert status == 125, (status, err[-2000:])
    assert "cmdline: refused: dsm.update=0x1001+0x1000: range 1: start and length must be page aligned" in log0


ATOMIC_FORMS_C = r"""
#include <stdint.h>
#include <stdio.h>
static uint64_t w[512] __attribute__((aligned(4096)));
/* %0 flags out, %1 the word, %2 source register in/out, RAX in/out; the cmp first makes the
 * flags going in known (ZF PF set, CF clear; stc where CF matters) */
#define BT_FLAGS "\n\tpushfq\n\tandq $0x41, (%%rsp)\n\tpopfq"
#define ATOM(text, word, src_in, rax_in) do { uint64_t f, s = (src_in), a = (rax_in); \
    __asm__ volatile("cmp %2, %2\n\t" text "\n\tpushfq\n\tpopq %0" : "=r"(f), "+r"(word), "+r"(s), "+a"(a) :: "cc", "memory"); \
    printf("%-36s flags %03llx src %016llx rax %016llx\n", text, (unsigned long long)(f & 0x8d5), (unsigned long long)s, (unsigned long long)a); } while (0)
int main(void) {
    uint64_t *p;
    for (int i = 0; i < 16; i++) w[i] = 0x0123456789abcdefull * (uint64_t)(i + 1);
    p = &w[0]; ATOM("lock addq %2, (%1)", p, 5ull, 0ull);
    p = &w[1]; ATOM("lock subl %k2, (%1)", p, 0xffffffffull, 0ull);
    p = &w[2]; ATOM("lock incb (%1)", p, 0ull, 0ull);
    p = &w[3]; ATOM("lock decw (%1)", p, 0ull, 0ull);
    p = &w[4]; ATOM("lock andq $-16, (%1)", p, 0ull, 0ull);
    p = &w[4]; ATOM("lock orl %k2, (%1)", p, 0x80000001ull, 0ull);
    p = &w[5]; ATOM("lock xorb %%ah, 1(%1)", p, 0ull, 0x5a00ull);
    p = &w[6]; ATOM("lock notq (%1)", p, 0ull, 0ull);
    p = &w[7]; ATOM("lock negl (%1)", p, 0ull, 0ull);
    p = &w[8]; ATOM("stc\n\tlock adcq $7, (%1)", p, 0ull, 0ull);
    p = &w[9]; ATOM("stc\n\tlock sbbw %w2, (%1)", p, 0x1234ull, 0ull);
    p = &w[10]; ATOM("xchgq %2, (%1)", p, 0xfeedfacecafebeefull, 0ull);
    p = &w[11]; ATOM("xchgl %k2, 4(%1)", p, 0xaaaaaaaa55555555ull, 0ull);
    p = &w[11]; ATOM("xchgb %%ah, 2(%1)", p, 0ull, 0x1234567890abcdefull);
    p = &w[12]; ATOM("lock xaddq %2, (%1)", p, 0x8000000000000000ull, 0ull);
    p = &w[13]; ATOM("lock xaddl %k2, (%1)", p, 0xffffffff00000001ull, 0ull);
    p = &w[13]; ATOM("lock xaddw %w2, 6(%1)", p, 0x7fffull, 0ull);
    p = &w[14]; ATOM("lock cmpxchgq %2, (%1)", p, 42ull, w[14]);                 /* matches */
    p = &w[14]; ATOM("lock cmpxchgq %2, (%1)", p, 43ull, 41ull);                 /* does not */
    p = &w[15]; ATOM("lock cmpxchgl %k2, (%1)", p, 7ull, 0xffffffff00000000ull | (uint32_t)w[15]);
    p = &w[15]; ATOM("lock cmpxchgl %k2, (%1)", p, 8ull, 0xffffffff00000000ull);
    p = &w[15]; ATOM("cmpxchgb %b2, 5(%1)", p, 9ull, 0x1111111111111100ull);
    /* bit forms: only CF and ZF are defined, the others are cleared after them */
    p = &w[12]; ATOM("lock btsq %2, (%1)" BT_FLAGS, p, 70ull, 0ull);                  /* w13 bit 6 */
    p = &w[12]; ATOM("lock btrq %2, (%1)" BT_FLAGS, p, (uint64_t)-1, 0ull);           /* w11 bit 63 */
    p = &w[3]; ATOM("lock btcl $33, (%1)" BT_FLAGS, p, 0ull, 0ull);                   /* bit 1 */
    p = &w[4]; ATOM("btsw %w2, (%1)" BT_FLAGS, p, 0x11ull, 0ull);                     /* word 1, bit 1 */
    for (int i = 0; i < 16; i++) printf("w%d=%016llx\n", i, (unsigned long long)w[i]);
    return 0;
}
"""


def test_every_atomic_form_lands_as_natively(tmp_path):
    """lock add/sub/inc/dec/and/or/xor (AH too)/not/neg/adc/sbb, xchg (AH, 32-bit zero
    extension), lock xadd, (lock) cmpxchg matching and not, (lock) bts/btr/btc with a bit
    string offset (70, -1) or imm8: the words, the flags, the source
    register and RAX each leaves equal a native run's."""
    stats = check_as_native(tmp_path, "atomics", ATOMIC_FORMS_C, "w")
    assert int(stats["wu_writes"]) >= 22, stats


ATOMIC_HAMMER_C = r"""
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
/* The whole page: musl's bss (its thread-list lock, which the kernel clears at a thread's
 * exit, a kernel write that is not emulated) must not share it. */
static struct { uint64_t xadd, cas; uint32_t lock, guarded; uint8_t flags[64], pad[4000]; } s __attribute__((aligned(4096)))
    = { .xadd = START };  /* START != 0: loaded .data on node 0, fetched by node 1 */
static int rounds;
static void *work(void *arg) {
    unsigned id = (unsigned)(uintptr_t)arg;
    for (int i = 0; i < rounds; i++) {
        __atomic_fetch_add(&s.xadd, 1, __ATOMIC_SEQ_CST);                     /* lock xadd */
        uint64_t old = __atomic_load_n(&s.cas, __ATOMIC_RELAXED);
        while (!__atomic_compare_exchange_n(&s.cas, &old, old + 1, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
            ;                                                                  /* lock cmpxchg */
        while (__atomic_exchange_n(&s.lock, 1, __ATOMIC_ACQUIRE))             /* xchg */
            while (__atomic_load_n(&s.lock, __ATOMIC_RELAXED))
                sched_yield();
        s.guarded++;                                                           /* plain load + store */
        __atomic_store_n(&s.lock, 0, __ATOMIC_RELEASE);
        __atomic_fetch_or(&s.flags[id], 1u << (i & 7), __ATOMIC_SEQ_CST);     /* lock or */
    }
    return NULL;
}
int main(int argc, char **argv) {
    int n = atoi(argv[1]);
    rounds = atoi(argv[2]);
    pthread_t t[16];
    for (int i = 0; i < n; i++) pthread_create(&t[i], NULL, work, (void *)(uintptr_t)i);
    for (int i = 0; i < n; i++) pthread_join(t[i], NULL);
    unsigned fl = 0;
    for (int i = 0; i < n; i++) fl += s.flags[i];
    printf("xadd %llu cas %llu guarded %u flags %u\n", (unsigned long long)s.xadd, (unsigned long long)s.cas,
           s.guarded, fl);
    return 0;
}
"""


@pytest.mark.parametrize("start", [0, 1000])
@pytest.mark.parametrize("manager", MANAGERS)
def test_atomics_from_both_nodes_lose_no_increment(tmp_path, manager, start):
    """4 threads (2 a node) hammer lock xadd, a cmpxchg loop, an xchg spinlock around a plain
    increment and lock or on one write-update page, untouched at start (bss) or loaded data
    (.data, start 1000): every increment is there."""
    exe = compile_c(tmp_path, "hammer", ATOMIC_HAMMER_C, ["-DSTART=%d" % start])
    status, out, err, log0, stats = run(exe, ["4", "150"], 2, ["--update", "s", "-k", "dsm.manager=" + manager],
                                        tag="hammer-" + manager)
    want = b"xadd %d cas 600 guarded 600 flags 1020\n" % (start + 600)
    assert (status, out) == (0, want), (err[-2000:], log0[-3000:])
    assert all(s["bad_msgs"] == "0" for s in stats.values()), stats
    assert int(stats[0]["wu_writes"]) > 0 and int(stats[1]["wu_writes"]) > 0, stats


REGION_MODE_PROGRAM = r"""
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <dsmk.h>

#define PAGE 4096
#define THREADS 4
#define ROUNDS 200
#define SLOT 64 /* bytes between the threads' own words on the second page */

static char *region;

static const char *outcome(long r)
{
    if (r == 0)
        return "0";
    return errno == EINVAL ? "EINVAL" : errno == EBUSY ? "EBUSY" : errno == EOPNOTSUPP ? "EOPNOTSUPP"
         : errno == ENOSYS ? "ENOSYS" : errno == ENOMEM ? "ENOMEM" : strerror(errno);
}

static void *worker(void *arg)
{
    long me = (long)arg;
    for (long k = 1; k <= ROUNDS; k++) {
        __atomic_fetch_add((long *)region, 1, __ATOMIC_SEQ_CST);
        *(volatile long *)(region + PAGE + SLOT * me) = k;
    }
    return NULL;
}

int main(void)
{
    region = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (region == MAP_FAILED)
        return 2;
    region[3 * PAGE] = 1; /* touched: too late to switch */
    printf("unaligned %s\n", outcome(dsmk_region_mode(region + 8, PAGE, DSMK_REGION_UPDATE)));
    printf("bad mode %s\n", outcome(dsmk_region_mode(region, PAGE, 7)));
    printf("touched %s\n", outcome(dsmk_region_mode(region + 3 * PAGE, PAGE, DSMK_REGION_UPDATE)));
    printf("unmapped %s\n", outcome(dsmk_region_mode(region + 4 * PAGE, PAGE, DSMK_REGION_UPDATE)));
    /* 2^46 bytes from 64 KiB up: node 0 once walked such a range page by page with
     * interrupts off */
    void *low = (void *)(uintptr_t)0x10000;
    printf("huge %s\n", outcome(dsmk_region_mode(low, (size_t)1 << 46, DSMK_REGION_UPDATE)));
    printf("huge back %s\n", outcome(dsmk_region_mode(low, (size_t)1 << 46, DSMK_REGION_INVALIDATE)));
    printf("update %s\n", outcome(dsmk_region_mode(region, 2 * PAGE, DSMK_REGION_UPDATE)));
    printf("again %s\n", outcome(dsmk_region_mode(region, 2 * PAGE, DSMK_REGION_UPDATE)));
    printf("back %s\n", outcome(dsmk_region_mode(region, PAGE, DSMK_REGION_INVALIDATE)));
    pthread_t t[THREADS];
    for (long i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, worker, (void *)i);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    printf("spread %s\n", outcome(dsmk_region_mode(region + 2 * PAGE, PAGE, DSMK_REGION_UPDATE)));
    long last = 0;
    for (int i = 0; i < THREADS; i++)
        last += *(long *)(region + PAGE + SLOT * i);
    printf("counter %ld slots %ld\n", *(long *)region, last);
    return 0;
}
"""
REGION_MODE_FLAGS = ["-pthread", "-I", os.path.join(REPO, "user", "include")]
REGION_MODE_WRITE_UPDATE = ("unaligned EINVAL\nbad mode EINVAL\ntouched EBUSY\nunmapped ENOMEM\nhuge ENOMEM\n"
                            "huge back 0\nupdate 0\nagain 0\nback EBUSY\nspread EBUSY\ncounter 800 slots 800\n")
REGION_MODE_EXPECTED = {  # dynamic has no write-update at all: every valid request is refused
    "fixed": REGION_MODE_WRITE_UPDATE,
    "central": REGION_MODE_WRITE_UPDATE,
    "dynamic": "unaligned EINVAL\nbad mode EINVAL\ntouched EOPNOTSUPP\nunmapped EOPNOTSUPP\nhuge EOPNOTSUPP\n"
               "huge back 0\nupdate EOPNOTSUPP\nagain EOPNOTSUPP\nback 0\nspread EOPNOTSUPP\ncounter 800 slots 800\n",
}


@pytest.mark.parametrize("manager", sorted(REGION_MODE_EXPECTED))
def test_region_mode_syscall_makes_untouched_memory_write_update(tmp_path, manager):
    """dsmk_region_mode() (user/include/dsmk.h) switches an untouched mmap range to
    write-update on every node while the program has not spread; bad arguments, touched
    pages, unmapped pages, a range of 2^46 bytes (answered at once: it hung node 0), a way
    back and a late call are refused with the documented errors;
    the stores then go through the sequencer and no increment is lost."""
    exe = compile_c(tmp_path, "regionmode", REGION_MODE_PROGRAM, REGION_MODE_FLAGS)
    status, out, err, log0, stats = run(exe, [], 2, ["-k", "dsm.manager=" + manager], tag="mode-" + manager)
    assert (status, out.decode()) == (0, REGION_MODE_EXPECTED[manager]), (err[-2000:], log0[-3000:])
    wu = [int(stats[i]["wu_writes"]) for i in (0, 1)]
    if manager == "dynamic":
        assert wu == [0, 0], stats
    else:
        assert all(w > 0 for w in wu), stats  # both nodes' threads stored through the sequencer


def test_region_mode_syscall_on_one_node_is_not_there(tmp_path):
    """Without the DSM layer (one node) every dsmk syscall fails with ENOSYS, as on Linux."""
    exe = compile_c(tmp_path, "regionmode", REGION_MODE_PROGRAM, REGION_MODE_FLAGS)
    status, out, err, _, _ = run(exe, [], 1, tag="mode-one")
    assert status == 0, err[-2000:]
    assert out.decode().startswith("unaligned ENOSYS\nbad mode ENOSYS\n"), out
