# SPDX-License-Identifier: MIT
"""The bundled pthread programs across nodes (issues 5 and 6, DESIGN.md 4 and 5): `tools/dsmk
run -n N PROGRAM` must print exactly what a 1-node run of the same program prints, with the
same exit status, while clone() spreads the threads over the nodes (round robin, so a
program with T >= 2 threads always has threads on node 1). Each test compares against a
1-node run made in the same test session.
Matrix in make test (issue 6: every program under every manager): every program on 2 virtio
nodes under fixed, central and dynamic; every program on 4 e1000 nodes under fixed and a
subset (condvar, matmul, pingpong) under central and dynamic; 10% loss on every tap on 2
nodes for threads and matmul under each manager; the ping-pong window (fixed and adaptive)
under each manager on falseshare and pingpong; the single-purpose programs below (remote
exit, nested clones, migrate, MAP_FIXED, gettid) under each manager. make soak adds every
program on 4 virtio nodes and on 4 nodes with 10% loss on every tap, under each manager."""
import os
import re
import shutil
import subprocess
import time

import pytest

from dsmkpy.logs import program_exit_status
from dsmkpy.testing import REPO, build_dir, user_program

DSMK = os.path.join(REPO, "tools", "dsmk")
RUN_ROOT = os.environ.get("DSMK_RUN_ROOT", "/tmp/dsmk-run")
RUN_TIMEOUT = 240.0
STATS = re.compile(r"dsm-stats node=(\d+) (.*)")
PHASES = re.compile(r"dsm-phases node=(\d+) (.*)")
HOT = re.compile(r"dsm-hot node=(\d+) pages=(\d+)((?: page=0x[0-9a-f]+ pingpong=\d+)+)$", re.M)
HOT_ENTRY = re.compile(r"page=0x([0-9a-f]+) pingpong=(\d+)")
HOT_MAX = 5  # kernel/dsm_control.c DSM_CONTROL_HOT_PAGES
MANAGERS = ("fixed", "central", "dynamic")
LOSS_PERCENT = 10

# Arguments sized so a 2-node TCG run takes seconds (condvar's default is ~60 s there).
PROGRAMS = {
    "threads": ["4", "2000"],
    "barrier": ["4", "20"],
    "condvar": ["2", "2", "300"],
    "matmul": ["48", "4"],
    "sor": ["32", "20", "4"],
    "falseshare": ["4", "20000"],
    "workqueue": ["64", "2000", "4"],
    "pingpong": ["300"],
    "signals": ["3"],  # pthread_kill and pthread_cancel across nodes
    "pipeline": ["4", "200000"],  # pipes between threads on different nodes (node 0 holds them)
}
SUBSET = ("condvar", "matmul", "pingpong")  # 4 e1000 nodes under central and dynamic

_reference = {}


def run(program, args, nodes, nic="virtio", words=(), name=None):
    """Runs PROGRAM under tools/dsmk; returns (status, stdout, stderr, {node: stats dict}); a
    node's dict has "hot": [(page address, ping-pong events)] from its dsm-hot line, if any,
    and "phases": its dsm-phases line's fields (docs/dsm-protocol.md 9a)."""
    name = name or "dsmglue-%s-%d-%s-%d" % (program, nodes, nic, os.getpid())
    cmd = [DSMK, "--name", name, "run", "--keep", "-n", str(nodes), "--nic", nic, "--timeout", str(RUN_TIMEOUT)]
    for w in words:
        cmd += ["-k", w]
    cmd += [program if os.path.sep in program else user_program(program)] + list(args)
    env = dict(os.environ, DSMK_BUILD=os.path.relpath(build_dir(), REPO))
    try:
        p = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, capture_output=True, timeout=RUN_TIMEOUT + 60)
        stats = {}
        for i in range(nodes):
            log = os.path.join(RUN_ROOT, name, "node%d.log" % i)
            text = open(log, errors="replace").read() if os.path.exists(log) else ""
            for m in STATS.finditer(text):
                stats.setdefault(int(m.group(1)), {}).update(kv.split("=", 1) for kv in m.group(2).split())
            for m in PHASES.finditer(text):
                phases = dict(kv.split("=", 1) for kv in m.group(2).split())
                stats.setdefault(int(m.group(1)), {})["phases"] = phases
            for m in HOT.finditer(text):
                hot = [(int(a, 16), int(c)) for a, c in HOT_ENTRY.findall(m.group(3))]
                stats.setdefault(int(m.group(1)), {})["hot"] = hot
                assert int(m.group(2)) >= len(hot), m.group(0)
        return p.returncode, p.stdout, p.stderr, stats
    finally:
        shutil.rmtree(os.path.join(RUN_ROOT, name), ignore_errors=True)


def compile_c(tmp_path, name, source):
    """Builds SOURCE with musl-gcc -static -pthread into tmp_path/NAME; returns its path."""
    src, exe = tmp_path / (name + ".c"), tmp_path / name
    src.write_text(source)
    subprocess.run(["musl-gcc", "-static", "-pthread", "-O2", "-o", str(exe), str(src)], check=True)
    return str(exe)


def reference(program):
    if program not in _reference:
        status, out, err, _ = run(program, PROGRAMS[program], 1)
        assert status == 0, (program, err[-2000:])
        assert out, program
        _reference[program] = (status, out)
    return _reference[program]


def manager_words(manager):
    return ["dsm.manager=%s" % manager]


def check_same(program, nodes, nic="virtio", words=()):
    want_status, want_out = reference(program)
    status, out, err, stats = run(program, PROGRAMS[program], nodes, nic, words)
    assert (status, out) == (want_status, want_out), (program, nodes, nic, err[-3000:])
    # Every node ended with its counters; node 1 ran threads, so it faulted pages in.
    assert sorted(stats) == list(range(nodes)), stats
    assert int(stats[1]["rfaults"]) + int(stats[1]["wfaults"]) > 0, stats[1]
    assert all(s["bad_msgs"] == "0" for s in stats.values()), stats
    check_phases(stats)
    return stats


def check_phases(stats):
    """Every node's dsm-phases line counts its idle time and its host-costly events; node 1
    waited for pages, so it halted at least once."""
    for node, s in stats.items():
        ph = s["phases"]
        run_ms, idle_ms = int(ph["run_ms"]), int(ph["idle_ms"])
        assert 0 <= idle_ms <= run_ms, (node, ph)
        for key in ("halts", "lapic_writes", "timer_irqs"):
            assert int(ph[key]) >= 0, (node, key, ph)
    assert int(stats[1]["phases"]["halts"]) > 0, stats[1]["phases"]


@pytest.mark.parametrize("manager", MANAGERS)
@pytest.mark.parametrize("program", sorted(PROGRAMS))
def test_two_nodes_virtio_match_one_node(program, manager):
    stats = check_same(program, 2, words=manager_words(manager))
    # dsm.replicate is on by default where the core replicates the directory.
    backups = sum(int(s["backups"]) for s in stats.values())
    assert (backups > 0) == (manager != "dynamic"), stats


@pytest.mark.parametrize("program", sorted(PROGRAMS))
def test_four_nodes_e1000_match_one_node(program):
    stats = check_same(program, 4, "e1000", words=manager_words("fixed"))
    busy = [1, 2] if program == "pingpong" else range(4)  # pingpong's two threads: nodes 1 and 2
    assert all(int(stats[i]["rfaults"]) + int(stats[i]["wfaults"]) > 0 for i in busy), stats


@pytest.mark.parametrize("manager", ["central", "dynamic"])
@pytest.mark.parametrize("program", SUBSET)
def test_four_nodes_e1000_other_managers(program, manager):
    check_same(program, 4, "e1000", words=manager_words(manager))


@pytest.mark.parametrize("manager", MANAGERS)
@pytest.mark.parametrize("window", ["1000", "adaptive"])
@pytest.mark.parametrize("program", ["falseshare", "pingpong"])
def test_window_matches_one_node(program, window, manager):
    """dsm.window_us= (issue 6, Mirage's delta): same output; a held request shows as
    damped; the dsm-hot line lists at most 5 pages, most events first, and its counts
    stay within the node's pingpong total."""
    stats = check_same(program, 2, words=manager_words(manager) + ["dsm.window_us=%s" % window])
    for s in stats.values():
        hot = s.get("hot", [])
        assert bool(hot) == (int(s["pingpong"]) > 0), s
        assert len(hot) <= HOT_MAX and [c for _, c in hot] == sorted((c for _, c in hot), reverse=True), s
        assert sum(c for _, c in hot) <= int(s["pingpong"]) and all(a % 4096 == 0 for a, _ in hot), s
    if program == "pingpong":
        assert sum(int(s["damped"]) for s in stats.values()) > 0, stats


def test_longest_window_does_not_stall_the_exit():
    """dsm.window_us at its ceiling (500 ms, a quarter of node 0's 2 s wait for the others'
    stats): held requests are served from the timer, so the program ends and every node
    prints its stats line."""
    status, out, err, stats = run("pingpong", ["5"], 2, words=["dsm.window_us=500000"],
                                  name="dsmglue-window-max-%d" % os.getpid())
    assert (status, out) == (0, b"pingpong: 2 threads handed the token 10 times: turn=10 (ok)\n"), err[-3000:]
    assert sorted(stats) == [0, 1] and sum(int(s["damped"]) for s in stats.values()) > 0, stats


def test_replicate_off_and_refused_under_dynamic():
    """dsm.replicate=off stops the backups; =on under dynamic is a bad command line (39)."""
    stats = check_same("threads", 2, words=["dsm.replicate=off"])
    assert all(s["backups"] == "0" for s in stats.values()), stats
    status, out, err, _ = run("threads", PROGRAMS["threads"], 2, words=["dsm.manager=dynamic", "dsm.replicate=on"],
                              name="dsmglue-replicate-%d" % os.getpid())
    assert status != 0 and not out, (status, out)
    assert b"dsm.replicate=on" in err, err[-2000:]


def test_place_local_keeps_every_thread_on_node_0():
    """dsm.place=local: clone() never moves a thread, so node 1 takes no page faults."""
    want_status, want_out = reference("threads")
    status, out, err, stats = run("threads", PROGRAMS["threads"], 2, words=["dsm.place=local"],
                                  name="dsmglue-local-%d" % os.getpid())
    assert (status, out) == (want_status, want_out), err[-3000:]
    assert int(stats[1]["rfaults"]) + int(stats[1]["wfaults"]) == 0, stats[1]


def test_single_node_prints_no_dsm_stats():
    """One node: the DSM stays out of the way entirely (no core, no stats line)."""
    status, out, _, stats = run("threads", PROGRAMS["threads"], 1)
    assert status == 0 and out == reference("threads")[1]
    assert stats == {}


@pytest.mark.parametrize("manager", MANAGERS)
def test_exit_status_and_stderr_from_a_remote_thread(tmp_path, manager):
    """A thread on node 1 writes to stderr and ends the program with exit(): both reach
    the dsmk run command (status from node 0's exit line, bytes through node 0's COM3)."""
    src = tmp_path / "remote_exit.c"
    src.write_text(
        "#include <pthread.h>\n#include <stdio.h>\n#include <stdlib.h>\n"
        "static void *t(void *a) { (void)a; fputs(\"from the thread\\n\", stderr); exit(7); }\n"
        "int main(void) { pthread_t p; printf(\"main\\n\"); fflush(stdout);\n"
        "  pthread_create(&p, 0, t, 0); pthread_join(p, 0); return 0; }\n")
    exe = tmp_path / "remote_exit"
    subprocess.run(["musl-gcc", "-static", "-pthread", "-O2", "-o", str(exe), str(src)], check=True)
    name = "dsmglue-exit-%d" % os.getpid()
    env = dict(os.environ, DSMK_BUILD=os.path.relpath(build_dir(), REPO))
    p = subprocess.run([DSMK, "--name", name, "run", "-n", "2", "--timeout", str(RUN_TIMEOUT), "-k",
                        manager_words(manager)[0], str(exe)], env=env,
                       stdin=subprocess.DEVNULL, capture_output=True, timeout=RUN_TIMEOUT + 60)
    assert p.returncode == 7, p.stderr[-2000:]
    assert p.stdout == b"main\n"
    assert b"from the thread\n" in p.stderr


NESTED_CLONES_C = r"""
#include <pthread.h>
#include <stdio.h>
#define OUTER 6
#define INNER 4
static void *leaf(void *a) { return (void *)((long)a * 3 + 1); }
static void *outer(void *a) {
    pthread_t t[INNER]; long sum = 0;
    for (long i = 0; i < INNER; i++) pthread_create(&t[i], 0, leaf, (void *)((long)a * 10 + i));
    for (int i = 0; i < INNER; i++) { void *r; pthread_join(t[i], &r); sum += (long)r; }
    return (void *)sum;
}
int main(void) {
    pthread_t t[OUTER]; long sum = 0;
    for (long i = 0; i < OUTER; i++) pthread_create(&t[i], 0, outer, (void *)i);
    for (int i = 0; i < OUTER; i++) { void *r; pthread_join(t[i], &r); sum += (long)r; }
    printf("sum=%ld\n", sum);
    return 0;
}
"""


@pytest.mark.parametrize("manager", MANAGERS)
def test_threads_on_every_node_clone_at_once(tmp_path, manager):
    """Threads on several nodes create threads at the same time (two clones parked on one
    node at once must each send their own snapshot), and every result comes back."""
    src = tmp_path / "nested.c"
    src.write_text(NESTED_CLONES_C)
    exe = tmp_path / "nested"
    subprocess.run(["musl-gcc", "-static", "-pthread", "-O2", "-o", str(exe), str(src)], check=True)
    want = sum((a * 10 + i) * 3 + 1 for a in range(6) for i in range(4))
    status, out, err, stats = run(str(exe), [], 3, words=manager_words(manager), name="dsmglue-nested-%d" % os.getpid())
    assert (status, out) == (0, b"sum=%d\n" % want), err[-3000:]


MIGRATE_C = r"""
#include <dsmk.h>
#include <stdio.h>
static long table[2048];
int main(void) {
    long sum = 0;
    for (int i = 0; i < 2048; i++) table[i] = i;
    printf("start on %ld of %ld\n", dsmk_node_id(), dsmk_node_count());
    for (long hop = 1; hop <= 4; hop++) {
        long to = hop % dsmk_node_count();
        if (dsmk_migrate(to) != 0) return 1;
        for (int i = 0; i < 2048; i++) sum += table[i]++;
        printf("hop %ld: now on %ld\n", hop, dsmk_node_id());
    }
    printf("sum=%ld bad=%ld\n", sum, dsmk_migrate(99));
    return 0;
}
"""


@pytest.mark.parametrize("manager", MANAGERS)
def test_migrate_moves_the_calling_thread(tmp_path, manager):
    """dsmk_migrate(node): the thread continues there (stack, statics and stdout follow)."""
    src = tmp_path / "migrate.c"
    src.write_text(MIGRATE_C)
    exe = tmp_path / "migrate"
    subprocess.run(["musl-gcc", "-static", "-O2", "-I", os.path.join(REPO, "user", "include"), "-o", str(exe),
                    str(src)], check=True)
    status, out, err, stats = run(str(exe), [], 3, words=manager_words(manager),
                                  name="dsmglue-migrate-%d" % os.getpid())
    want = sum(4 * i + 6 for i in range(2048))  # four passes over i, i+1, i+2, i+3
    assert status == 0, err[-3000:]
    assert out == (b"start on 0 of 3\nhop 1: now on 1\nhop 2: now on 2\nhop 3: now on 0\nhop 4: now on 1\n"
                   b"sum=%d bad=-1\n" % want), out


def loss_run(make_cluster, program, nodes, words=()):
    """Runs program on nodes with LOSS_PERCENT loss on every tap from boot on; checks that
    status and stdout are the 1-node ones."""
    want_status, want_out = reference(program)
    c = make_cluster(nodes, wait=False, program=user_program(program), program_args=PROGRAMS[program],
                     words=list(words))
    for i in range(nodes):
        c.loss(i, LOSS_PERCENT)
    deadline = time.monotonic() + RUN_TIMEOUT
    status = None
    while status is None and time.monotonic() < deadline:
        time.sleep(0.2)
        status = program_exit_status(c.nodes[0].log_text())
    assert status is not None, c.nodes[0].log_text()[-3000:]
    time.sleep(0.5)  # the exit line follows every program byte; let QEMU's file catch up
    with open(c.nodes[0].spec.stdout, "rb") as f:
        assert (status, f.read()) == (want_status, want_out)


MAP_FIXED_C = r"""
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
static char *p;
static void *t(void *a) { (void)a; p[0] = 5; return 0; }
int main(void) {
    p = mmap(0, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(p, 7, 8192);
    char *q = mmap(p, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    printf("same=%d first=%d last=%d\n", q == p, p[0], p[8191]);
    pthread_t th; pthread_create(&th, 0, t, 0); pthread_join(th, 0);
    printf("after=%d\n", p[0]);
    return 0;
}
"""


@pytest.mark.parametrize("manager", MANAGERS)
def test_map_fixed_over_touched_pages_reads_zeros(tmp_path, manager):
    """MAP_FIXED replaces pages the DSM already holds: the new mapping reads as zeros (it
    was a SIGSEGV: the core still counted the dropped pages as held here)."""
    src = tmp_path / "fixed.c"
    src.write_text(MAP_FIXED_C)
    exe = tmp_path / "fixed"
    subprocess.run(["musl-gcc", "-static", "-pthread", "-O2", "-o", str(exe), str(src)], check=True)
    status, out, err, _ = run(str(exe), [], 2, words=manager_words(manager), name="dsmglue-fixed-%d" % os.getpid())
    assert (status, out) == (0, b"same=1 first=0 last=0\nafter=5\n"), err[-3000:]


@pytest.mark.parametrize("manager", MANAGERS)
@pytest.mark.parametrize("program", ["threads", "matmul", "pipeline"])
def test_two_nodes_with_loss_on_every_tap(make_cluster, program, manager):
    """10% of frames lost to and from every node, from boot on: the transport retransmits
    and the output is still exactly the 1-node output."""
    loss_run(make_cluster, program, 2, manager_words(manager))


@pytest.mark.soak
@pytest.mark.skipif(not os.environ.get("DSMK_SOAK"), reason="soak: make soak")
@pytest.mark.parametrize("manager", MANAGERS)
@pytest.mark.parametrize("program", sorted(PROGRAMS))
def test_soak_four_nodes_virtio_match_one_node(program, manager):
    check_same(program, 4, "virtio", manager_words(manager))


@pytest.mark.soak
@pytest.mark.skipif(not os.environ.get("DSMK_SOAK"), reason="soak: make soak")
@pytest.mark.parametrize("manager", MANAGERS)
@pytest.mark.parametrize("program", sorted(PROGRAMS))
def test_soak_four_nodes_with_loss_on_every_tap(make_cluster, program, manager):
    loss_run(make_cluster, program, 4, manager_words(manager))


GETTID_PROGRAM = r"""
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#define FUTEX_WAIT 0 /* linux/futex.h; musl-gcc has no kernel headers */

static volatile int child_says;   /* the child's gettid() */
static volatile int child_tid;    /* CLONE_PARENT_SETTID / CLEARTID word */

static int child(void *arg)
{
    (void)arg;
    child_says = (int)syscall(SYS_gettid);
    return 0;
}

int main(void)
{
    static char stack[1 << 16] __attribute__((aligned(16)));
    int flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM
              | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID;
    int tid = clone(child, stack + sizeof stack, flags, NULL, &child_tid, NULL, &child_tid);
    if (tid <= 0)
        return 2;
    int seen;
    while ((seen = child_tid) != 0)
        syscall(SYS_futex, &child_tid, FUTEX_WAIT, seen, NULL, NULL, 0);
    printf("clone returned %d, the child's gettid said %d: %s\n", tid, child_says,
           tid == child_says ? "same" : "DIFFERENT");
    return tid == child_says ? 0 : 1;
}
"""


@pytest.mark.parametrize("manager", MANAGERS)
def test_remote_thread_knows_its_cluster_tid(tmp_path, manager):
    """A thread started on another node answers gettid() with the id clone() returned."""
    src, exe = tmp_path / "gettid.c", tmp_path / "gettid"
    src.write_text(GETTID_PROGRAM)
    subprocess.run(["musl-gcc", "-static", "-O2", "-o", str(exe), str(src)], check=True)
    status, out, err, stats = run(str(exe), [], 2, words=manager_words(manager), name="dsmglue-gettid-%d" % os.getpid())
    assert status == 0, (out, err[-2000:])
    assert b"same" in out, out
    assert int(stats[1]["rfaults"]) + int(stats[1]["wfaults"]) > 0, stats  # it did run on node 1


UNIQUE_TIDS_PROGRAM = r"""
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PARENTS 3
#define CHILDREN 3
#define THREADS (1 + PARENTS + PARENTS * CHILDREN)

static int tids[THREADS];

static void *child(void *arg)
{
    tids[(long)arg] = (int)syscall(SYS_gettid);
    return NULL;
}

/* Threads placed on other nodes start threads of their own, some of which stay local. */
static void *parent(void *arg)
{
    long me = (long)arg;
    tids[me] = (int)syscall(SYS_gettid);
    pthread_t t[CHILDREN];
    for (long c = 0; c < CHILDREN; c++)
        if (pthread_create(&t[c], NULL, child, (void *)(1 + PARENTS + (me - 1) * CHILDREN + c)) != 0)
            return (void *)1;
    for (int c = 0; c < CHILDREN; c++)
        pthread_join(t[c], NULL);
    return NULL;
}

int main(void)
{
    tids[0] = (int)syscall(SYS_gettid);
    pthread_t t[PARENTS];
    for (long p = 0; p < PARENTS; p++)
        if (pthread_create(&t[p], NULL, parent, (void *)(p + 1)) != 0)
            return 2;
    for (int p = 0; p < PARENTS; p++)
        pthread_join(t[p], NULL);
    int distinct = 0;
    for (int i = 0; i < THREADS; i++) {
        int dup = tids[i] <= 0;
        for (int j = 0; j < i; j++)
            dup |= tids[j] == tids[i];
        distinct += !dup;
    }
    printf("%d threads, %d distinct positive tids\n", THREADS, distinct);
    return distinct == THREADS ? 0 : 1;
}
"""


@pytest.mark.parametrize("manager", MANAGERS)
def test_thread_ids_are_unique_across_the_cluster(tmp_path, manager):
    """Threads started locally on any node and threads started on other nodes all get
    distinct ids (musl keeps the owner's tid in recursive and error-checking mutexes)."""
    exe = compile_c(tmp_path, "tids", UNIQUE_TIDS_PROGRAM)
    status, out, err, stats = run(exe, [], 2, words=manager_words(manager), name="dsmglue-tids-%d" % os.getpid())
    assert b"13 threads, 13 distinct positive tids" in out, (out, err[-2000:])
    assert status == 0, (out, err[-2000:])


NPROCS_PROGRAM = r"""
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <unistd.h>

int main(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) != 0)
        return 2;
    printf("online %ld configured %ld affinity %d\n", sysconf(_SC_NPROCESSORS_ONLN), sysconf(_SC_NPROCESSORS_CONF),
           CPU_COUNT(&set));
    return 0;
}
"""


@pytest.mark.parametrize("nodes", [1, 3])
def test_program_sees_one_cpu_per_node(tmp_path, nodes):
    """A program that sizes its thread pool by the CPU count (musl asks sched_getaffinity)
    sees one CPU per node, so it starts enough threads to use the cluster."""
    exe = compile_c(tmp_path, "nprocs", NPROCS_PROGRAM)
    status, out, err, _ = run(exe, [], nodes, name="dsmglue-nprocs-%d" % os.getpid())
    assert status == 0, (out, err[-2000:])
    assert ("online %d configured %d affinity %d" % (nodes, nodes, nodes)).encode() in out, out


MACHINE_PROGRAM = r"""
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>

static double seconds(clockid_t clock)
{
    struct timespec t;
    clock_gettime(clock, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void *worker(void *arg)
{
    int *cpu = arg;
    *cpu = sched_getcpu();
    return NULL;
}

int main(void)
{
    struct sysinfo si;
    int info = sysinfo(&si);
    printf("sysinfo %d memory %s pages %s\n", info, info == 0 && si.totalram >= si.freeram && si.freeram > 0 ? "ok" : "BAD",
           sysconf(_SC_PHYS_PAGES) > 0 ? "ok" : "BAD");
    /* CPU clocks count running, not sleeping: 100 ms asleep adds (almost) nothing. */
    double cpu0 = seconds(CLOCK_THREAD_CPUTIME_ID), wall0 = seconds(CLOCK_MONOTONIC);
    struct timespec nap = { 0, 100000000 };
    nanosleep(&nap, NULL);
    double slept_cpu = seconds(CLOCK_THREAD_CPUTIME_ID) - cpu0, slept_wall = seconds(CLOCK_MONOTONIC) - wall0;
    volatile unsigned long spin = 0;
    double busy0 = seconds(CLOCK_PROCESS_CPUTIME_ID);
    while (seconds(CLOCK_PROCESS_CPUTIME_ID) - busy0 < 0.05)
        spin++;
    struct rusage self, thread;
    int r1 = getrusage(RUSAGE_SELF, &self), r2 = getrusage(RUSAGE_THREAD, &thread);
    int bad_who = getrusage(42, &self) == -1 && errno == EINVAL;
    printf("sleep cpu %s wall %s; rusage %d %d %s bad who %s\n", slept_cpu < 0.05 ? "ok" : "BAD",
           slept_wall >= 0.1 ? "ok" : "BAD", r1, r2,
           self.ru_utime.tv_sec * 1000000 + self.ru_utime.tv_usec >= 50000 ? "ok" : "BAD", bad_who ? "ok" : "BAD");
    int nodes = (int)sysconf(_SC_NPROCESSORS_ONLN), child_cpu = -1;
    pthread_t t;
    pthread_create(&t, NULL, worker, &child_cpu);
    pthread_join(t, NULL);
    printf("cpu main %d child %d\n", sched_getcpu(), child_cpu);
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(nodes - 1, &set);
    int moved = sched_setaffinity(0, sizeof set, &set);
    printf("pinned to %d: %d, now on %d\n", nodes - 1, moved, sched_getcpu());
    CPU_ZERO(&set);
    CPU_SET(nodes, &set);
    int refused = sched_setaffinity(0, sizeof set, &set) == -1 && errno == EINVAL;
    printf("pin to %d refused %s\n", nodes, refused ? "ok" : "BAD");
    return 0;
}
"""


@pytest.mark.parametrize("nodes", [1, 2])
def test_machine_queries_see_one_cpu_per_node(tmp_path, nodes):
    """sysinfo, getrusage and the CPU-time clocks answer with this node's memory and the
    time threads ran (not slept); getcpu names the node, and sched_setaffinity to another
    node's CPU moves the caller there (all were ENOSYS or wall-clock time before)."""
    exe = compile_c(tmp_path, "machine", MACHINE_PROGRAM)
    status, out, err, _ = run(exe, [], nodes, name="dsmglue-machine-%d" % os.getpid())
    child = 1 if nodes > 1 else 0  # round robin: the first thread goes to node 1
    expected = ("sysinfo 0 memory ok pages ok\nsleep cpu ok wall ok; rusage 0 0 ok bad who ok\n"
                "cpu main 0 child %d\npinned to %d: 0, now on %d\npin to %d refused ok\n"
                % (child, nodes - 1, nodes - 1, nodes))
    assert (status, out.decode()) == (0, expected), err[-2000:]


HANG_PROGRAM = r"""
#include <pthread.h>
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t c = PTHREAD_COND_INITIALIZER;
static void *waiter(void *arg) { (void)arg; pthread_mutex_lock(&m); for (;;) pthread_cond_wait(&c, &m); }
int main(void) { pthread_t t; pthread_create(&t, 0, waiter, 0); pthread_join(t, 0); return 0; }
"""


def test_a_hung_program_times_out_with_every_nodes_state(tmp_path):
    """`dsmk run` past its timeout asks every node for a state dump (an NMI) and prints it:
    here the waiter on node 1 and the joiner on node 0 both sit in DSM futex waits."""
    exe = compile_c(tmp_path, "hang", HANG_PROGRAM)
    name = "dsmglue-hang-%d" % os.getpid()
    env = dict(os.environ, DSMK_BUILD=os.path.relpath(build_dir(), REPO))
    try:
        p = subprocess.run([DSMK, "--name", name, "run", "-n", "2", "--timeout", "15", exe], env=env,
                           stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
    finally:
        shutil.rmtree(os.path.join(RUN_ROOT, name), ignore_errors=True)
    assert p.returncode == 126, p.stderr[-2000:]
    blocks = p.stderr.split("--- node ")[1:]
    assert [b.split("\n", 1)[0] for b in blocks] == ["0", "1"], p.stderr[-3000:]
    for block in blocks:
        assert "dump: begin" in block and "dump: end" in block, block
        assert re.search(r"dump: thread \d+ slot \d+ blocked", block), block
        # DSM_CALL_SLEEPING (dsm/dsm.h): registered at the futex word's manager, value matched
        assert re.search(r"futex call \d+ kind 0 state 4 addr", block), block
        assert re.search(r"net: peer \d up ", block), block


FOLLOW_PROGRAM = r"""
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <time.h>
static volatile int moved, got;
static void on_usr1(int sig) { got = sig; }
static void *worker(void *arg) {
    (void)arg;
    int start = sched_getcpu();
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(2, &set);
    int r = sched_setaffinity(0, sizeof set, &set);
    printf("worker started on %d, moved to %d (%d)\n", start, sched_getcpu(), r);
    moved = 1;
    struct timespec t = { 0, 1000000 };
    for (int i = 0; i < 5000 && !got; i++)
        nanosleep(&t, 0);
    printf("worker on %d got signal %d\n", sched_getcpu(), got);
    return 0;
}
int main(void) {
    signal(SIGUSR1, on_usr1);
    pthread_t t;
    pthread_create(&t, 0, worker, 0);
    struct timespec w = { 0, 1000000 };
    while (!moved)
        nanosleep(&w, 0);
    int r = pthread_kill(t, SIGUSR1);
    pthread_join(t, 0);
    printf("pthread_kill %d\n", r);
    return 0;
}
"""


def test_a_signal_follows_a_thread_that_moved(tmp_path):
    """tkill goes to the node a tid names (where the thread started), and from there along
    the nodes' departure records: the worker starts on node 1 and moves to node 2, and
    node 0's pthread_kill still reaches it (ESRCH before)."""
    exe = compile_c(tmp_path, "follow", FOLLOW_PROGRAM)
    status, out, err, _ = run(exe, [], 3, name="dsmglue-follow-%d" % os.getpid())
    assert (status, out.decode()) == (0, "worker started on 1, moved to 2 (0)\nworker on 2 got signal 10\n"
                                         "pthread_kill 0\n"), err[-2000:]


SIGWAIT_PROGRAM = r"""
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <time.h>
static volatile int ready;
static void *waiter(void *arg) {
    sigset_t *set = arg;
    int sig = 0;
    ready = 1;
    int r = sigwait(set, &sig);
    printf("sigwait %d sig %d\n", r, sig);
    return 0;
}
int main(void) {
    static sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &set, 0); /* the new thread inherits the mask */
    pthread_t t;
    pthread_create(&t, 0, waiter, &set);
    struct timespec w = { 0, 2000000 };
    while (!ready)
        nanosleep(&w, 0);
    int r = pthread_kill(t, SIGUSR1);
    pthread_join(t, 0);
    printf("pthread_kill %d\n", r);
    return 0;
}
"""


def test_a_blocked_signal_without_handler_reaches_sigwait_on_another_node(tmp_path):
    """A signal thread blocks SIGUSR1 (no handler: the default action would end the program)
    and takes it with sigwait on node 1; node 0's pthread_kill must leave it pending there,
    since the target blocks it (the sender used to end the program by the default action)."""
    exe = compile_c(tmp_path, "sigwait", SIGWAIT_PROGRAM)
    status, out, err, _ = run(exe, [], 2, name="dsmglue-sigwait-%d" % os.getpid())
    assert (status, out.decode()) == (0, "sigwait 0 sig 10\npthread_kill 0\n"), err[-2000:]
