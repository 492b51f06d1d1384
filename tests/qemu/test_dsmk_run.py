# SPDX-License-Identifier: MIT
"""`tools/dsmk run` (DESIGN.md section 8): a program compiled here gets its stdin, its
stdout and stderr stay apart, and its exit status is the command's; setup errors give 127
and a kernel that stops without a program status gives 125 with the log on stderr."""
import os
import shutil
import subprocess

import pytest

from dsmkpy.testing import REPO

DSMK = os.path.join(REPO, "tools", "dsmk")
RUN_TIMEOUT = 60
PROGRAM = r"""
#include <ctype.h>
#include <stdio.h>
int main(int argc, char **argv)
{
    int c, n = 0;
    while ((c = getchar()) != EOF) {
        putchar(toupper(c));
        n++;
    }
    fprintf(stderr, "stderr %s %d\n", argc > 1 ? argv[1] : "-", n);
    return 7;
}
"""


def dsmk_run(tmp_path, *args, stdin=b""):
    env = dict(os.environ, DSMK_RUN_ROOT=str(tmp_path / "run"))
    return subprocess.run([DSMK, "run", "--timeout", str(RUN_TIMEOUT)] + list(args), input=stdin,
                          capture_output=True, env=env, timeout=RUN_TIMEOUT + 30)


@pytest.fixture(scope="module")
def upper(tmp_path_factory):
    if not shutil.which("musl-gcc"):
        pytest.fail("musl-gcc missing (tools/setup.sh installs musl-tools)")
    d = tmp_path_factory.mktemp("prog")
    (d / "upper.c").write_text(PROGRAM)
    subprocess.run(["musl-gcc", "-static", "-O2", "-o", str(d / "upper"), str(d / "upper.c")], check=True)
    return str(d / "upper")


@pytest.mark.parametrize("boot", ["kernel", "iso", "pxe"])
def test_stdin_stdout_stderr_status(tmp_path, upper, boot):
    r = dsmk_run(tmp_path, "--boot", boot, upper, "arg1", stdin=b"abc\ndef\n")
    assert r.returncode == 7, r
    assert r.stdout == b"ABC\nDEF\n", r
    assert r.stderr.endswith(b"stderr arg1 8\n"), r


def test_missing_program_is_setup_error(tmp_path):
    r = dsmk_run(tmp_path, str(tmp_path / "no-such-program"))
    assert r.returncode == 127, r
    assert b"no such file" in r.stderr, r


def test_kernel_stop_without_status(tmp_path, upper):
    r = dsmk_run(tmp_path, "-k", "no.such.key=1", upper)
    assert r.returncode == 125, r
    assert b"EXIT_BAD_CMDLINE" in r.stderr and b"no.such.key" in r.stderr, r


def test_run_leaves_nothing_behind(tmp_path, upper):
    # namespaces are named dsmk-<pid of the dsmk process>-...; other runs may come and go
    env = dict(os.environ, DSMK_RUN_ROOT=str(tmp_path / "run"))
    proc = subprocess.Popen([DSMK, "run", "-n", "2", "--timeout", str(RUN_TIMEOUT), upper], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    assert proc.wait(RUN_TIMEOUT + 30) == 7
    mine = "dsmk-%d-" % proc.pid
    left = [n for n in (os.listdir("/run/netns") if os.path.isdir("/run/netns") else []) if n.startswith(mine)]
    assert not left, left
    assert not os.path.exists(tmp_path / "run") or not os.listdir(tmp_path / "run")


def test_name_and_keep_give_the_run_dir(tmp_path, upper):
    r = dsmk_run(tmp_path, "--name", "kept", "--keep", upper, stdin=b"q")
    assert r.returncode == 7, r
    assert (tmp_path / "run" / "kept" / "node0.log").exists(), os.listdir(tmp_path / "run")


HOG = r"""
#include <stdio.h>
#include <stdlib.h>
int main(void)
{
    size_t bytes = 96ul << 20;
    volatile char *p = malloc(bytes);
    for (size_t i = 0; p && i < bytes; i += 4096)
        p[i] = 1;
    puts("survived");
    return 0;
}
"""


def test_out_of_memory_kill_is_explained(tmp_path):
    """A program the kernel kills (here: it touches more memory than a node has) ends with
    status 128 + 9, as under Linux, and `dsmk run` says why on stderr, as a shell says
    "Killed". Before, the command ended with 137 and no word."""
    src, exe = tmp_path / "hog.c", tmp_path / "hog"
    src.write_text(HOG)
    subprocess.run(["musl-gcc", "-static", "-O2", "-o", str(exe), str(src)], check=True)
    r = dsmk_run(tmp_path, "--mem", "64", str(exe))
    err = r.stderr.decode()
    assert (r.returncode, r.stdout) == (137, b""), err
    assert "dsmk: node 0: uvm: out of memory" in err, err
    assert "killed by SIGKILL" in err, err
    assert "a node ran out of memory: each has 64 MiB (--mem MB gives more)" in err, err
