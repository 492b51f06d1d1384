# SPDX-License-Identifier: MIT
"""Paths the pytest tiers share: the repository, $DSMK_BUILD (default build, relative to the
repository, so parallel BUILD dirs each test their own image) and what lies in it."""
import os
import subprocess

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def build_dir():
    """The build directory the tests use."""
    return os.path.join(REPO, os.environ.get("DSMK_BUILD", "build"))


def kernel_path():
    return os.path.join(build_dir(), "dsmk.elf")


def iso_path():
    return os.path.join(build_dir(), "dsmk.iso")


def user_program(name):
    """A bundled program built by mk/60-user.mk."""
    return os.path.join(build_dir(), "user", name)


def build_static(tmp_path, name, source, compiler):
    """Writes source to tmp_path/NAME.c and builds it with compiler as an ordinary static
    pthread program (-Wall -Werror): the executable's path."""
    src, exe = tmp_path / (name + ".c"), tmp_path / name
    src.write_text(source)
    subprocess.run([compiler, "-static", "-pthread", "-O2", "-Wall", "-Werror", "-o", str(exe), str(src)], check=True)
    return exe


def go_env(tmp_path):
    """The environment of a Go build into static binaries with no C in them (CGO_ENABLED=0),
    its caches under tmp_path."""
    return dict(os.environ, CGO_ENABLED="0", GOCACHE=str(tmp_path / "gocache"), GOPATH=str(tmp_path / "gopath"),
                GOFLAGS="-mod=mod", GOTOOLCHAIN="local")


def build_go(tmp_path, name, source):
    """Writes source to tmp_path/NAME/main.go (a module of its own) and builds it with the
    Go toolchain (go_env): the executable's path."""
    work = tmp_path / name
    work.mkdir()
    (work / "main.go").write_text(source)
    (work / "go.mod").write_text("module %s\n\ngo 1.19\n" % name)
    exe = tmp_path / (name + ".bin")
    subprocess.run(["go", "build", "-o", str(exe), "."], cwd=work, env=go_env(tmp_path), check=True)
    return exe


def build_go_package_test(tmp_path, package):
    """The test binary of a package of Go's standard library (`go test -c`, go_env): its path."""
    exe = tmp_path / (package.replace("/", "_") + ".test")
    subprocess.run(["go", "test", "-c", "-o", str(exe), package], cwd=tmp_path, env=go_env(tmp_path), check=True)
    return exe


def build_musl(tmp_path, name, source):
    """build_static with musl-gcc: the project's usual program."""
    return build_static(tmp_path, name, source, "musl-gcc")


def build_glibc(tmp_path, name, source):
    """build_static with the host's gcc and glibc (libc.a), which leaves more to the kernel
    than musl (the robust list's walk at a thread's exit, clone3 and rseq probes)."""
    return build_static(tmp_path, name, source, "gcc")


def dsmk_run(tmp_path, name, nodes, exe, args=(), options=(), timeout=120):
    """`tools/dsmk run -n NODES [OPTIONS] EXE ARGS` with its run dirs under tmp_path: the
    finished subprocess (stdout and stderr captured)."""
    cmd = [os.path.join(REPO, "tools", "dsmk"), "--name", "%s-%d-%d" % (name, nodes, os.getpid()), "run",
           "-n", str(nodes), "--timeout", str(timeout)] + list(options) + [str(exe)] + list(args)
    env = dict(os.environ, DSMK_RUN_ROOT=str(tmp_path / "run"), DSMK_BUILD=os.path.relpath(build_dir(), REPO))
    return subprocess.run(cmd, capture_output=True, env=env, timeout=timeout + 60)


def check_matches_native(tmp_path, name, exe, args=(), guest_args=None, options=(), cwd=None, nodes=(1, 2),
                         native_env=None):
    """Runs exe natively (args, in cwd, with native_env if given) and under `dsmk run` on each
    node count (guest_args, default args; options before the program): asserts each exits 0
    with the native run's stdout. Returns the native stdout (bytes) for further checks."""
    native = subprocess.run([str(exe)] + list(args), cwd=cwd, env=native_env, capture_output=True, timeout=60)
    assert native.returncode == 0, native
    for n in nodes:
        p = dsmk_run(tmp_path, name, n, exe, list(args if guest_args is None else guest_args), options)
        assert (p.returncode, p.stdout.decode()) == (0, native.stdout.decode()), \
            (n, p.stderr.decode(errors="replace")[-3000:])
    return native.stdout


# The main of a test program whose void *checks(void *) makes the calls under test: on a
# thread, which clone() puts on node 1 when there are two, so the calls cross the network.
CHECKS_ON_A_THREAD = r"""
int main(void)
{
    pthread_t t;
    pthread_create(&t, 0, checks, 0);
    pthread_join(t, 0);
    return 0;
}
"""


def check_source_matches_native(tmp_path, name, source, nodes=(1, 2)):
    """build_musl(source), then check_matches_native with the native run in an empty
    directory of its own (the program may make and remove files where it runs): the native
    stdout, decoded."""
    exe = build_musl(tmp_path, name, source)
    work = tmp_path / "native"
    work.mkdir()
    return check_matches_native(tmp_path, name, exe, cwd=work, nodes=nodes).decode()
