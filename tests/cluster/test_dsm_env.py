# SPDX-License-Identifier: MIT
"""The program's environment (`dsmk run --env NAME=VALUE`, kernel/program.c): the entries
reach envp on the initial stack in order, values with spaces and "=" and empty ones
included, so getenv and environ see what a native run given the same environment sees, on
any node (the stack page travels like any other). Without --env the environment is empty.
Before, every program started with an empty environment."""
import subprocess

from dsmkpy.testing import REPO, build_musl, check_matches_native

SOURCE = r"""
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

extern char **environ;

static void *show(void *arg)
{
    (void)arg;
    int n = 0;
    for (char **e = environ; *e; e++)
        printf("env[%d] %s\n", n++, *e);
    printf("getenv THREADS=%s SPACED=[%s] EMPTY=[%s] MISSING=%s\n", getenv("THREADS"), getenv("SPACED"),
           getenv("EMPTY"), getenv("MISSING") ? "set" : "unset");
    return 0;
}

int main(void)
{
    pthread_t t;
    pthread_create(&t, 0, show, 0); /* on node 1 when there are two */
    pthread_join(t, 0);
    return 0;
}
"""
ENV = [("THREADS", "4"), ("SPACED", "two words = one value"), ("EMPTY", "")]


def test_environment_reaches_the_program_on_any_node(tmp_path):
    exe = build_musl(tmp_path, "envprog", SOURCE)
    options = []
    for name, value in ENV:
        options += ["--env", "%s=%s" % (name, value)]
    out = check_matches_native(tmp_path, "env", exe, options=options, native_env=dict(ENV))
    assert b"env[1] SPACED=two words = one value\n" in out and b"MISSING=unset" in out, out


def test_no_env_is_an_empty_environment_and_a_bad_entry_is_refused(tmp_path):
    exe = build_musl(tmp_path, "envprog", SOURCE)
    check_matches_native(tmp_path, "noenv", exe, native_env={}, nodes=(1,))
    p = subprocess.run([REPO + "/tools/dsmk", "run", "--env", "=x", str(exe)], capture_output=True, timeout=60)
    assert p.returncode == 2 and b"want NAME=VALUE" in p.stderr, p.stderr
