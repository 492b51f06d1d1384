# SPDX-License-Identifier: MIT
"""Issue 4 acceptance: every bundled program (user/) gives the same stdout and exit status
on dsmk (one node, `tools/dsmk run`) as natively on this host, and a program written and
compiled here at run time (never bundled) runs through `tools/dsmk run` too.

Programs come from $DSMK_BUILD/user (make builds them). Sizes are modest so the file runs
in about a minute under TCG. If dsmk cannot run `hello` at all, every dsmk test fails at
once with that reason instead of each waiting for its own timeout.
Helpers named without test_ are shared with test_syscall_fuzz.py and test_limits.py.
"""
import os
import shutil
import subprocess

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DSMK = os.path.join(REPO, "tools", "dsmk")
NATIVE_TIMEOUT = 60
DSMK_TIMEOUT = 120  # per run under TCG; the launcher gets it too, plus slack here
LAUNCHER_SLACK = 30

# (program, args): deterministic output, same on dsmk as natively. Args hold no spaces
# (the kernel command line splits argv on spaces).
COMPARED = [
    ("hello", ["alpha", "beta", "--gamma=1"]),
    ("threads", ["4", "2000"]),
    ("barrier", ["4", "20"]),
    ("condvar", ["2", "3", "500"]),
    ("matmul", ["64", "4"]),
    ("sor", ["48", "30", "4"]),
    ("mallocstress", ["4", "1000", "7"]),
    ("falseshare", ["4", "20000"]),
    ("workqueue", ["128", "5000", "4"]),
    ("pipeline", ["4", "200000"]),
    ("readmostly", ["3", "10"]),
    ("pingpong", ["300"]),
    ("signals", ["3"]),
    ("matmul", ["0"]),  # bad argument: exit status 2 and no stdout, on both
]
# Programs tested elsewhere or differently: sysfuzz never runs natively, limits has its own
# file, the bench programs print timings (checked for their line format here).
NOT_COMPARED = {"sysfuzz", "limits", "bench_getpid", "bench_thread"}
BENCH_LINES = {"bench_getpid": "bench syscall_getpid_ns ", "bench_thread": "bench thread_create_join_us "}


def build_dir():
    return os.path.join(REPO, os.environ.get("DSMK_BUILD", "build"))


def program_path(name):
    path = os.path.join(build_dir(), "user", name)
    if not os.path.isfile(path):
        pytest.fail("no program %s: run make" % path)
    return path


def run_native(path, args, stdin=b""):
    """CompletedProcess of PATH ARGS on this host."""
    return subprocess.run([path] + list(args), input=stdin, capture_output=True, timeout=NATIVE_TIMEOUT)


def run_dsmk(path, args, tmp_path, stdin=b"", nodes=1, mem_mb=None, timeout=DSMK_TIMEOUT):
    """CompletedProcess of `tools/dsmk run` for PATH ARGS, with its run dir under tmp_path."""
    cmd = [DSMK, "run", "-n", str(nodes), "--timeout", str(timeout)]
    if mem_mb:
        cmd += ["--mem", str(mem_mb)]
    env = dict(os.environ, DSMK_BUILD=os.environ.get("DSMK_BUILD", "build"),
               DSMK_RUN_ROOT=str(tmp_path / "dsmk-run"))
    return subprocess.run(cmd + [path] + list(args), input=stdin, capture_output=True, env=env,
                          timeout=timeout + LAUNCHER_SLACK)


def describe(proc):
    return "status %d\n--- stdout\n%s\n--- stderr (last 3000 bytes)\n%s" % (
        proc.returncode, proc.stdout.decode(errors="replace"), proc.stderr.decode(errors="replace")[-3000:])


_dsmk_state = {}


def require_dsmk(tmp_path):
    """Fails the calling test at once if dsmk could not run hello (checked once per session)."""
    if "error" not in _dsmk_state:
        proc = run_dsmk(program_path("hello"), ["probe"], tmp_path, timeout=60)
        ok = proc.returncode == 0 and b"argv[1]=probe" in proc.stdout
        _dsmk_state["error"] = None if ok else "dsmk cannot run hello yet"
        if not ok:
            pytest.fail("%s: %s" % (_dsmk_state["error"], describe(proc)))
    if _dsmk_state["error"]:
        pytest.fail(_dsmk_state["error"] + " (details in the first failing test)")


def assert_same(native, on_dsmk):
    assert on_dsmk.returncode == native.returncode, "exit status differs\nnative: %s\ndsmk: %s" % (
        describe(native), describe(on_dsmk))
    assert on_dsmk.stdout == native.stdout, "stdout differs\nnative: %s\ndsmk: %s" % (
        describe(native), describe(on_dsmk))


@pytest.mark.parametrize("name,args", COMPARED, ids=["%s-%s" % (n, "-".join(a)) for n, a in COMPARED])
def test_program_same_as_native(name, args, tmp_path):
    path = program_path(name)
    native = run_native(path, args)
    require_dsmk(tmp_path)
    assert_same(native, run_dsmk(path, args, tmp_path))


def test_every_bundled_program_is_covered():
    built = {n for n in os.listdir(os.path.join(build_dir(), "user")) if not n.startswith(".")}
    covered = {n for n, _ in COMPARED} | NOT_COMPARED
    assert built - covered == set(), "bundled programs without a test"


@pytest.mark.parametrize("name", sorted(BENCH_LINES))
def test_bench_program_line(name, tmp_path):
    """The bench programs print their machine-readable line on dsmk (small counts)."""
    require_dsmk(tmp_path)
    proc = run_dsmk(program_path(name), ["200"], tmp_path)
    assert proc.returncode == 0, describe(proc)
    line = proc.stdout.decode().strip()
    assert line.startswith(BENCH_LINES[name]), describe(proc)
    assert float(line.split()[2]) > 0, describe(proc)


RUNTIME_SOURCE = r"""
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static unsigned long total;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void *add(void *arg)
{
    const char *word = arg;
    pthread_mutex_lock(&lock);
    for (const char *c = word; *c; c++)
        total += (unsigned char)*c;
    pthread_mutex_unlock(&lock);
    return NULL;
}

int main(int argc, char **argv)
{
    pthread_t t[16];
    int n = argc - 1 < 16 ? argc - 1 : 16;
    for (int i = 0; i < n; i++)
        pthread_create(&t[i], NULL, add, argv[i + 1]);
    for (int i = 0; i < n; i++)
        pthread_join(t[i], NULL);
    char line[256];
    unsigned long bytes = 0, lines = 0, sum = 0;
    while (fgets(line, sizeof line, stdin)) {
        lines++;
        bytes += strlen(line);
        for (char *c = line; *c; c++)
            sum = sum * 33 + (unsigned char)*c;
    }
    printf("runtime: %d words, letter total %lu\n", n, total);
    printf("runtime: stdin %lu lines %lu bytes hash %lu\n", lines, bytes, sum);
    fprintf(stderr, "runtime: this goes to stderr\n");
    return 3;
}
"""


def test_program_compiled_at_run_time(tmp_path):
    """A program never bundled: threads, argv, stdin, stderr and a nonzero exit status."""
    cc = shutil.which("musl-gcc")
    assert cc, "musl-gcc missing (tools/setup.sh installs musl-tools)"
    src, exe = tmp_path / "runtime.c", tmp_path / "runtime"
    src.write_text(RUNTIME_SOURCE)
    subprocess.run([cc, "-static", "-pthread", "-O2", "-o", str(exe), str(src)], check=True)
    args, stdin = ["one", "two", "three"], b"first line\nsecond line\nno newline at the end"
    native = run_native(str(exe), args, stdin=stdin)
    assert native.returncode == 3 and b"3 words" in native.stdout, describe(native)
    require_dsmk(tmp_path)
    on_dsmk = run_dsmk(str(exe), args, tmp_path, stdin=stdin)
    assert_same(native, on_dsmk)
    assert b"runtime: this goes to stderr" in on_dsmk.stderr, describe(on_dsmk)


FAULT_SOURCE = r"""
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    volatile int zero = 0;
    printf("fault: %s\n", argv[1]);
    fflush(stdout);
    if (strcmp(argv[1], "segv") == 0)
        *(volatile int *)16 = 1;
    else if (strcmp(argv[1], "ill") == 0)
        __asm__ volatile("ud2");
    else if (strcmp(argv[1], "fpe") == 0)
        printf("%d\n", 100 / zero); /* not 1 / x: gcc turns that into a compare */
    else if (strcmp(argv[1], "abort") == 0)
        abort();
    (void)argc;
    return 0;
}
"""
SIGNAL_STATUS_BASE = 128  # a shell's status for a program ended by signal N is 128 + N


@pytest.mark.parametrize("kind", ["segv", "ill", "fpe", "abort"])
def test_program_fault_status(kind, tmp_path):
    """A program killed by a fault or abort() ends with the status a shell shows natively
    (128 + signal: 139, 132, 136, 134) and keeps the output it flushed before."""
    cc = shutil.which("musl-gcc")
    assert cc, "musl-gcc missing (tools/setup.sh installs musl-tools)"
    src, exe = tmp_path / "fault.c", tmp_path / "fault"
    src.write_text(FAULT_SOURCE)
    subprocess.run([cc, "-static", "-O1", "-o", str(exe), str(src)], check=True)
    native = run_native(str(exe), [kind])
    assert native.returncode < 0, describe(native)
    require_dsmk(tmp_path)
    on_dsmk = run_dsmk(str(exe), [kind], tmp_path)
    assert on_dsmk.returncode == SIGNAL_STATUS_BASE - native.returncode, describe(on_dsmk)
    assert on_dsmk.stdout == native.stdout, describe(on_dsmk)
