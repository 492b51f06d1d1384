# SPDX-License-Identifier: MIT
"""File calls from threads on every node (kernel/dsm_files.c): the descriptor table is one
for the whole program and lives on node 0, so a thread on node 1 that opens, reads, seeks,
preads or stats a file, or reads stdin, sees the same descriptors and offsets as on one
node. A program compiled here at run time does all of that from threads that clone()
places on other nodes; its output must equal the native run's and the 1-node run's.
Without the shipping, node 1's threads found no file (ENOENT) and an empty stdin."""
import os
import shutil
import subprocess

import pytest

from dsmkpy.testing import REPO, build_dir, build_musl, dsmk_run

DSMK = os.path.join(REPO, "tools", "dsmk")
RUN_TIMEOUT = 180
GUEST_PATH = "/data/input.bin"

SOURCE = r"""
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define THREADS 4
static const char *path;
static int shared_fd;
static off_t file_size;
static pthread_mutex_t stdin_lock = PTHREAD_MUTEX_INITIALIZER;
/* Held from a thread's open to its read after close: another thread's open must not reuse
 * the closed descriptor's number in between (that read would then succeed, natively too). */
static pthread_mutex_t fd_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long stdin_lines, stdin_bytes, stdin_sum;

static uint64_t fnv(const unsigned char *p, size_t n, uint64_t h)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

struct job { int index; char report[256]; };

static void *worker(void *arg)
{
    struct job *j = arg;
    off_t lo = file_size * j->index / THREADS, hi = file_size * (j->index + 1) / THREADS;
    size_t n = (size_t)(hi - lo);
    unsigned char *buf = malloc(n + 1);
    ssize_t got = pread(shared_fd, buf, n, lo);
    uint64_t slice = fnv(buf, got > 0 ? (size_t)got : 0, 1469598103934665603ull);

    pthread_mutex_lock(&fd_lock);
    int fd = open(path, O_RDONLY);             /* a descriptor of its own, from this node */
    struct stat st;
    int st_ok = fd >= 0 && fstat(fd, &st) == 0 && st.st_size == file_size;
    off_t pos = lseek(fd, lo, SEEK_SET);
    unsigned char head[16] = {0};
    ssize_t hn = read(fd, head, sizeof head);  /* a plain read at the offset lseek set */
    off_t after = lseek(fd, 0, SEEK_CUR);
    close(fd);
    errno = 0;
    unsigned char probe;
    ssize_t closed = read(fd, &probe, 1);      /* closed: EBADF wherever the thread runs */
    int closed_errno = errno;
    pthread_mutex_unlock(&fd_lock);
    int stat_ok = stat(path, &st) == 0 && st.st_size == file_size;
    int missing = open("/no/such/file", O_RDONLY) < 0 && errno == ENOENT;

    char line[200];
    for (;;) {                                  /* the threads share stdin's FILE and its offset */
        pthread_mutex_lock(&stdin_lock);
        char *ok = fgets(line, sizeof line, stdin);
        if (ok) {
            stdin_lines++;
            stdin_bytes += strlen(line);
            stdin_sum += fnv((unsigned char *)line, strlen(line), 1469598103934665603ull) % 1000003;
        }
        pthread_mutex_unlock(&stdin_lock);
        if (!ok)
            break;
    }
    snprintf(j->report, sizeof j->report,
             "thread %d: pread %zd of %zu hash %016llx; stat %d %d; lseek %lld read %zd head %02x%02x after %lld; "
             "closed %zd errno %d; missing %d\n",
             j->index, got, n, (unsigned long long)slice, st_ok, stat_ok, (long long)pos, hn, head[0], head[1],
             (long long)after, closed, closed_errno, missing);
    free(buf);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 2)
        return 2;
    path = argv[1];
    shared_fd = open(path, O_RDONLY);
    if (shared_fd < 0) {
        perror("open");
        return 1;
    }
    file_size = lseek(shared_fd, 0, SEEK_END);
    /* mmap of the file: read-only shared, a private copy written to (the file stays as it
     * was), from an offset (what lies past the end of the file reads as zeros) */
    const unsigned char *ro = mmap(0, file_size, PROT_READ, MAP_SHARED, shared_fd, 0);
    unsigned char *cow = mmap(0, file_size, PROT_READ | PROT_WRITE, MAP_PRIVATE, shared_fd, 0);
    const unsigned char *tail = mmap(0, 4096, PROT_READ, MAP_PRIVATE, shared_fd, file_size & ~4095L);
    void *shared_rw = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, shared_fd, 0);
    int shared_rw_errno = errno;
    if (ro == MAP_FAILED || cow == MAP_FAILED || tail == MAP_FAILED)
        return 3;
    cow[0] ^= 0xff;
    unsigned char first;
    pread(shared_fd, &first, 1, 0);
    size_t in_tail = (size_t)(file_size & 4095); /* bytes of the file in tail's page */
    printf("mmap: hash %016llx, copy changed %d, file kept %d, tail %016llx last %d, shared writable %s %s\n",
           (unsigned long long)fnv(ro, (size_t)file_size, 1469598103934665603ull), cow[0] != ro[0],
           first == ro[0], (unsigned long long)fnv(tail, in_tail, 1469598103934665603ull),
           tail[4095], shared_rw == MAP_FAILED ? "refused" : "mapped",
           shared_rw == MAP_FAILED && shared_rw_errno == EACCES ? "EACCES" : "-");
    pthread_t t[THREADS];
    struct job jobs[THREADS];
    for (int i = 0; i < THREADS; i++) {
        jobs[i].index = i;
        pthread_create(&t[i], NULL, worker, &jobs[i]);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        fputs(jobs[i].report, stdout);
    }
    printf("file size %lld; stdin %lu lines %lu bytes sum %lu\n", (long long)file_size, stdin_lines, stdin_bytes,
           stdin_sum);
    return 0;
}
"""


def input_bytes():
    """About 20 KiB with a pattern that makes every slice's hash distinct."""
    return bytes((i * 7 + i // 251) & 0xFF for i in range(20011))


def stdin_bytes():
    return b"".join(b"line %d of the input, %s\n" % (i, b"x" * (i % 37)) for i in range(400))


@pytest.fixture(scope="module")
def program(tmp_path_factory):
    cc = shutil.which("musl-gcc")
    assert cc, "musl-gcc missing (tools/setup.sh installs musl-tools)"
    d = tmp_path_factory.mktemp("files")
    src, exe, data = d / "files.c", d / "files", d / "input.bin"
    src.write_text(SOURCE)
    subprocess.run([cc, "-static", "-pthread", "-O2", "-Wall", "-Werror", "-o", str(exe), str(src)], check=True)
    data.write_bytes(input_bytes())
    native = subprocess.run([str(exe), str(data)], input=stdin_bytes(), capture_output=True, timeout=60)
    assert native.returncode == 0, native.stderr
    return exe, data, native.stdout


def run_dsmk(exe, data, nodes, tmp_path):
    name = "files-%d-%d" % (nodes, os.getpid())
    cmd = [DSMK, "--name", name, "run", "-n", str(nodes), "--timeout", str(RUN_TIMEOUT),
           "--file", "%s:%s" % (data, GUEST_PATH), str(exe), GUEST_PATH]
    env = dict(os.environ, DSMK_BUILD=os.path.relpath(build_dir(), REPO), DSMK_RUN_ROOT=str(tmp_path / "run"))
    return subprocess.run(cmd, input=stdin_bytes(), capture_output=True, env=env, timeout=RUN_TIMEOUT + 60)


@pytest.mark.parametrize("nodes", [1, 2])
def test_file_calls_from_every_node_match_native(program, nodes, tmp_path):
    exe, data, native_out = program
    p = run_dsmk(exe, data, nodes, tmp_path)
    assert p.returncode == 0, p.stderr.decode(errors="replace")[-3000:]
    assert p.stdout == native_out, "native:\n%s\ndsmk -n %d:\n%s" % (
        native_out.decode(), nodes, p.stdout.decode(errors="replace"))


def test_file_option_refuses_a_missing_host_file(tmp_path):
    p = subprocess.run([DSMK, "run", "--file", str(tmp_path / "absent"), "hello"], capture_output=True,
                       env=dict(os.environ, DSMK_RUN_ROOT=str(tmp_path / "run")), timeout=60)
    assert p.returncode != 0 and b"no such file" in p.stderr


# A read waiting on an empty pipe from a thread on node 1 (the pipe lives on node 0): a
# handler without SA_RESTART ends it with EINTR; with SA_RESTART it goes on and gets the
# byte written later. Without the cancel node 1 sends node 0, the first read waited forever.
# Then polls from node 1: one that times out (node 1 times it and has node 0 answer), one
# woken by node 0's write, and one a signal ends with EINTR despite SA_RESTART.
PIPE_SIGNAL_SOURCE = r"""
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static int fds[2];
static volatile int caught, reading;
static char report[128];
static void on_usr1(int sig) { caught = sig; }
static void pause_ms(long ms) { struct timespec t = { 0, ms * 1000000 }; nanosleep(&t, 0); }

static void *reader(void *arg)
{
    char c = '-';
    reading = 1;
    errno = 0;
    ssize_t n = read(fds[0], &c, 1);
    snprintf(report, sizeof report, "%s: read %zd '%c' errno %s caught %d\n", (const char *)arg, n, c,
             n < 0 && errno == EINTR ? "EINTR" : "none", caught);
    return 0;
}

static void *poller(void *arg)
{
    (void)arg;
    struct pollfd p = { fds[0], POLLIN, 0 };
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    int timed_out = poll(&p, 1, 150);
    clock_gettime(CLOCK_MONOTONIC, &b);
    long ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
    reading = 1;
    int woken = poll(&p, 1, -1);
    int woken_events = p.revents;
    char c;
    read(fds[0], &c, 1);
    reading = 2;
    errno = 0;
    int cut = poll(&p, 1, -1);
    snprintf(report, sizeof report, "poll: timeout %d after %s, woken %d %x, signal %d %s caught %d\n", timed_out,
             ms >= 150 ? "enough" : "too little", woken, woken_events, cut, errno == EINTR ? "EINTR" : "none",
             caught);
    return 0;
}

static void polls(void)
{
    struct sigaction sa = { 0 };
    sa.sa_handler = on_usr1;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGUSR1, &sa, 0);
    caught = reading = 0;
    pthread_t t;
    pthread_create(&t, 0, poller, 0);
    while (reading != 1)
        pause_ms(1);
    pause_ms(100);
    write(fds[1], "p", 1);
    while (reading != 2)
        pause_ms(1);
    pause_ms(200);
    pthread_kill(t, SIGUSR1);
    pthread_join(t, 0);
    fputs(report, stdout);
}

static void round_trip(const char *name, int restart)
{
    struct sigaction sa = { 0 };
    sa.sa_handler = on_usr1;
    sa.sa_flags = restart ? SA_RESTART : 0;
    sigaction(SIGUSR1, &sa, 0);
    caught = reading = 0;
    pthread_t t;
    pthread_create(&t, 0, reader, (void *)name);
    while (!reading)
        pause_ms(1);
    pause_ms(200); /* the reader is waiting in read by now */
    pthread_kill(t, SIGUSR1);
    pause_ms(200);
    if (restart)
        write(fds[1], "r", 1);
    pthread_join(t, 0);
    fputs(report, stdout);
}

int main(void)
{
    if (pipe(fds))
        return 1;
    round_trip("plain", 0);
    round_trip("restart", 1);
    polls();
    return 0;
}
"""
PIPE_SIGNAL_OUTPUT = (b"plain: read -1 '-' errno EINTR caught 10\nrestart: read 1 'r' errno none caught 10\n"
                      b"poll: timeout 0 after enough, woken 1 1, signal -1 EINTR caught 10\n")


def test_a_signal_or_a_timeout_ends_a_pipe_wait_on_another_node(tmp_path):
    src, exe = tmp_path / "pipesig.c", tmp_path / "pipesig"
    src.write_text(PIPE_SIGNAL_SOURCE)
    subprocess.run(["musl-gcc", "-static", "-pthread", "-O2", "-Wall", "-Werror", "-o", str(exe), str(src)],
                   check=True)
    native = subprocess.run([str(exe)], capture_output=True, timeout=60)
    assert (native.returncode, native.stdout) == (0, PIPE_SIGNAL_OUTPUT), native
    name = "pipesig-%d" % os.getpid()
    p = subprocess.run([DSMK, "--name", name, "run", "-n", "2", "--timeout", "120", str(exe)], capture_output=True,
                       env=dict(os.environ, DSMK_BUILD=os.path.relpath(build_dir(), REPO),
                                DSMK_RUN_ROOT=str(tmp_path / "run")), timeout=180)
    assert (p.returncode, p.stdout) == (0, PIPE_SIGNAL_OUTPUT), p.stderr.decode(errors="replace")[-3000:]


# Files the program makes (kernel/file_store.c): threads on every node pwrite their own
# parts of one file and append to another, a temporary file is grown, cut, unlinked while
# open, the report is written under a temporary name and renamed over an old one; `dsmk run
# --out` brings two of them back. readlink, umask, chdir and getpgid/getsid as far as a
# program with no directories and no other process sees them (the ids themselves are the
# host's: in a container the session leader is outside the pid namespace and getsid gives 0).
# Everything must equal the native run's.
WRITE_SOURCE = r"""
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define THREADS 4
#define PART 6000
static int shared_fd;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static void *worker(void *arg)
{
    long i = (long)arg;
    char part[PART];
    for (int k = 0; k < PART; k++)
        part[k] = (char)('a' + (i * 7 + k) % 26);
    ssize_t put = pwrite(shared_fd, part, PART, i * PART);
    pthread_mutex_lock(&log_lock);
    FILE *log = fopen("log.txt", "a");
    fprintf(log, "part %ld: pwrite %zd\n", i, put);
    fclose(log);
    pthread_mutex_unlock(&log_lock);
    return 0;
}

int main(void)
{
    shared_fd = open("shared.bin", O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (shared_fd < 0) {
        perror("open");
        return 1;
    }
    pthread_t t[THREADS];
    for (long i = 0; i < THREADS; i++)
        pthread_create(&t[i], 0, worker, (void *)i);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], 0);
    struct stat st;
    fstat(shared_fd, &st);
    printf("shared: %lld bytes\n", (long long)st.st_size);
    close(shared_fd);

    int fd = open("scratch.tmp", O_RDWR | O_CREAT | O_EXCL, 0600);
    char big[50000];
    memset(big, 'x', sizeof big);
    ssize_t w = write(fd, big, sizeof big);
    ssize_t far = pwrite(fd, "END", 3, 1 << 20);
    fstat(fd, &st);
    long long grown = st.st_size;
    char hole[4] = { 1, 1, 1, 1 };
    ssize_t hn = pread(fd, hole, sizeof hole, 500000);
    int cut = ftruncate(fd, 10);
    off_t end = lseek(fd, 0, SEEK_END);
    int again = open("scratch.tmp", O_CREAT | O_EXCL | O_WRONLY, 0600);
    int again_errno = errno;
    int writable = access("scratch.tmp", W_OK);
    int gone = unlink("scratch.tmp");
    int stat_after = stat("scratch.tmp", &st);
    int stat_errno = errno;
    char tail[20] = { 0 };
    ssize_t still = pread(fd, tail, sizeof tail, 0);
    close(fd);
    printf("scratch: write %zd, pwrite far %zd, size %lld, hole %zd %d%d%d%d, truncate %d, end %lld\n", w, far,
           grown, hn, hole[0], hole[1], hole[2], hole[3], cut, (long long)end);
    printf("scratch: O_EXCL %d %s, W_OK %d, unlink %d, stat %d %s, read after unlink %zd '%s'\n", again,
           again_errno == EEXIST ? "EEXIST" : "other", writable, gone, stat_after,
           stat_errno == ENOENT ? "ENOENT" : "other", still, tail);
    FILE *r = fopen("report.txt", "w");
    fputs("an old report\n", r);
    fclose(r);
    r = fopen("report.tmp", "w");
    fprintf(r, "report: %d threads, %d bytes each\n", THREADS, PART);
    fclose(r);
    int renamed = rename("report.tmp", "report.txt");
    int tmp_gone = access("report.tmp", F_OK) == -1 && errno == ENOENT;
    errno = 0;
    int missing = rename("no-such-file", "x");
    int missing_errno = errno;
    char link[64];
    errno = 0;
    ssize_t not_link = readlink("report.txt", link, sizeof link);
    int not_link_errno = errno;
    mode_t mask = umask(077), back = umask(mask);
    errno = 0;
    int to_file = chdir("report.txt");
    int to_file_errno = errno;
    printf("rename %d, tmp gone %d, missing %d %s, readlink %zd %s, umask back %o, chdir file %d %s, pgid %d sid %d\n",
           renamed, tmp_gone, missing, missing_errno == ENOENT ? "ENOENT" : "other", not_link,
           not_link_errno == EINVAL ? "EINVAL" : "other", back, to_file, to_file_errno == ENOTDIR ? "ENOTDIR" : "other",
           getpgid(0) >= 0 && getpgid(0) == getpgid(getpid()), getsid(0) >= 0 && getsid(0) == getsid(getpid()));
    /* a directory for results: made, seen by stat, not removable while a file is in it */
    int made = mkdir("results", 0755);
    errno = 0;
    int again_dir = mkdir("results", 0755);
    int again_dir_errno = errno;
    struct stat dst;
    int is_dir = stat("results", &dst) == 0 && S_ISDIR(dst.st_mode);
    FILE *in_dir = fopen("results/out.txt", "w");
    fputs("in a directory\n", in_dir);
    fclose(in_dir);
    errno = 0;
    int busy = rmdir("results");
    int busy_errno = errno;
    errno = 0;
    int unlink_dir = unlink("results");
    int unlink_dir_errno = errno;
    int emptied = unlink("results/out.txt");
    int removed = rmdir("results");
    int dir_gone = stat("results", &dst) == -1 && errno == ENOENT;
    printf("mkdir %d, again %d %s, is dir %d, rmdir busy %d %s, unlink dir %d %s, emptied %d, rmdir %d, gone %d\n", made,
           again_dir, again_dir_errno == EEXIST ? "EEXIST" : "other", is_dir, busy,
           busy_errno == ENOTEMPTY ? "ENOTEMPTY" : "other", unlink_dir, unlink_dir_errno == EISDIR ? "EISDIR" : "other",
           emptied, removed, dir_gone);
    return 0;
}
"""


def test_files_the_program_writes_match_native_and_come_back_with_out(tmp_path):
    src, exe = tmp_path / "writes.c", tmp_path / "writes"
    src.write_text(WRITE_SOURCE)
    subprocess.run(["musl-gcc", "-static", "-pthread", "-O2", "-Wall", "-Werror", "-o", str(exe), str(src)],
                   check=True)
    native_dir = tmp_path / "native"
    native_dir.mkdir()
    native = subprocess.run([str(exe)], cwd=native_dir, capture_output=True, timeout=60)
    assert native.returncode == 0, native
    assert b"read after unlink 10 'xxxxxxxxxx'" in native.stdout, native.stdout
    for nodes in (1, 2):
        got = tmp_path / ("got%d" % nodes)
        got.mkdir()
        cmd = [DSMK, "--name", "writes-%d-%d" % (nodes, os.getpid()), "run", "-n", str(nodes), "--timeout", "120",
               "--out", "/shared.bin:%s" % (got / "shared.bin"), "--out", "/report.txt:%s" % (got / "report.txt"),
               "--out", "/never.txt:%s" % (got / "never.txt"), str(exe)]
        p = subprocess.run(cmd, capture_output=True, env=dict(os.environ, DSMK_RUN_ROOT=str(tmp_path / "run"),
                                                                DSMK_BUILD=os.path.relpath(build_dir(), REPO)),
                           timeout=180)
        assert (p.returncode, p.stdout) == (0, native.stdout), p.stderr.decode(errors="replace")[-3000:]
        for name in ("shared.bin", "report.txt"):
            assert (got / name).read_bytes() == (native_dir / name).read_bytes(), (nodes, name)
        assert b"the program wrote no file /never.txt" in p.stderr
        assert not (got / "never.txt").exists()


BIG_SOURCE = r"""
#include <stdio.h>
int main(void)
{
    FILE *f = fopen("big.bin", "w"); /* the working directory: / under dsmk */
    for (unsigned long i = 0; i < (8ul << 20) / 8; i++) {
        unsigned long v = i * 0x9e3779b97f4a7c15ul;
        fwrite(&v, sizeof v, 1, f);
    }
    fclose(f);
    puts("written");
    return 0;
}
"""


def test_a_big_out_file_comes_back_whole(tmp_path):
    """8 MiB with --out: the kernel sends it on COM4 after the exit line, at about 1 MiB/s.
    Before, `dsmk run` gave the node 5 s after that line, saved what had come and said the
    file was cut short (it was seen with zstd's 6.6 MB output)."""
    exe = build_musl(tmp_path, "big", BIG_SOURCE)
    native_dir = tmp_path / "native"
    native_dir.mkdir()
    subprocess.run([str(exe)], cwd=native_dir, check=True, capture_output=True, timeout=60)
    got = tmp_path / "big.bin"
    p = dsmk_run(tmp_path, "big-out", 1, exe, options=["--out", "/big.bin:%s" % got])
    assert (p.returncode, p.stdout) == (0, b"written\n"), p.stderr.decode(errors="replace")[-3000:]
    assert got.read_bytes() == (native_dir / "big.bin").read_bytes()
