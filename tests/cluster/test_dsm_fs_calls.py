# SPDX-License-Identifier: MIT
"""The file and process calls added in session 8, from a thread that clone() puts on node 1
(with two nodes), each answer against the native run's: /tmp exists, world-writable and
sticky, so mkstemp and tmpfile work there; getresuid/getresgid; setpgid and setsid (the
program leads its group); statfs/fstatfs; fallocate (mode 0 grows the file, KEEP_SIZE does
not, a pipe is ESPIPE, a read-only descriptor EBADF); chown/fchown/lchown/fchownat and the
owner stat shows; memfd_create; sendfile with and without an offset pointer, into a pipe,
and from a pipe (EINVAL); mincore on touched and untouched pages; flock between open file
descriptions (conflicts, LOCK_NB, conversion, a dup sharing the lock, a waiter on the
other node woken by the unlock, release at the last close). Before, /tmp was missing
(ENOENT) and every one of these calls was ENOSYS."""
from dsmkpy.testing import CHECKS_ON_A_THREAD, check_source_matches_native

SOURCE = r"""
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

static void say(const char *name, long rc) { printf(" %s=%s", name, rc < 0 ? strerror(errno) : "ok"); }
static long long size_of(int fd) { struct stat st; return fstat(fd, &st) ? -1 : (long long)st.st_size; }
static long long offset_of(int fd) { return (long long)lseek(fd, 0, SEEK_CUR); }

static void tmp_dir(void)
{
    struct stat st;
    printf("tmp:");
    say("stat", stat("/tmp", &st));
    printf(" dir=%d mode=%o", S_ISDIR(st.st_mode), st.st_mode & 07777);
    char name[] = "/tmp/dsmk-fs-XXXXXX";
    int fd = mkstemp(name);
    say("mkstemp", fd);
    printf(" wrote=%zd", write(fd, "temporary", 9));
    char back[16] = "";
    ssize_t n = pread(fd, back, sizeof back - 1, 0);
    printf(" read=%zd '%s'", n, back);
    close(fd);
    say("unlink", unlink(name));
    FILE *f = tmpfile();
    printf(" tmpfile=%s", f ? "ok" : strerror(errno));
    if (f) {
        fputs("scratch", f);
        rewind(f);
        char got[16] = "";
        printf(" '%s'", fgets(got, sizeof got, f) ? got : "?");
        fclose(f);
    }
    printf("\n");
}

static void ids(void)
{
    uid_t r = 9, e = 9, s = 9;
    gid_t gr = 9, ge = 9, gs = 9;
    printf("ids:");
    say("getresuid", getresuid(&r, &e, &s));
    say("getresgid", getresgid(&gr, &ge, &gs));
    printf(" %u %u %u %u %u %u", r, e, s, gr, ge, gs);
    say("setpgid", setpgid(0, 0));
    printf(" leader=%d", getpgrp() == getpid());
    errno = 0;
    say("setsid", setsid());
    say("setpgid-other", setpgid(getpid() + 100000, 0));
    printf("\n");
}

static void fs_stats(void)
{
    struct statfs sf;
    printf("statfs:");
    say("tmp", statfs("/tmp", &sf));
    printf(" sane=%d", sf.f_bsize > 0 && sf.f_bfree <= sf.f_blocks && sf.f_bavail <= sf.f_blocks);
    say("missing", statfs("/no/such/dir", &sf));
    int fd = open("stats.txt", O_CREAT | O_RDWR | O_TRUNC, 0644);
    say("fstatfs", fstatfs(fd, &sf));
    say("bad-fd", fstatfs(1000, &sf));
    close(fd);
    unlink("stats.txt");
    printf("\n");
}

static void allocate(void)
{
    printf("fallocate:");
    int fd = open("alloc.txt", O_CREAT | O_RDWR | O_TRUNC, 0644);
    write(fd, "xy", 2);
    int rc = posix_fallocate(fd, 0, 10000);
    printf(" grow=%d size=%lld", rc, size_of(fd));
    char buf[8] = { 1, 1, 1 };
    pread(fd, buf, 3, 5000);
    printf(" zeros=%d", buf[0] == 0 && buf[1] == 0 && buf[2] == 0);
    say("keep-size", fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 20000));
    printf(" size=%lld", size_of(fd));
    rc = posix_fallocate(fd, 100, 100);
    printf(" inside=%d size=%lld", rc, size_of(fd));
    say("zero-len", fallocate(fd, 0, 0, 0));
    int p[2];
    pipe(p);
    printf(" pipe=%s", strerror(posix_fallocate(p[1], 0, 10)));
    close(p[0]);
    close(p[1]);
    int ro = open("alloc.txt", O_RDONLY);
    printf(" readonly=%s", strerror(posix_fallocate(ro, 0, 20000)));
    close(ro);
    close(fd);
    unlink("alloc.txt");
    printf("\n");
}

static void owners(void)
{
    struct stat st;
    printf("chown:");
    int fd = open("own.txt", O_CREAT | O_RDWR | O_TRUNC, 0644);
    say("chown", chown("own.txt", 1234, 5678));
    stat("own.txt", &st);
    printf(" %u:%u", st.st_uid, st.st_gid);
    say("fchown", fchown(fd, (uid_t)-1, 42));
    fstat(fd, &st);
    printf(" %u:%u", st.st_uid, st.st_gid);
    say("lchown", lchown("own.txt", 7, (gid_t)-1));
    say("fchownat", fchownat(AT_FDCWD, "own.txt", 8, 9, 0));
    stat("own.txt", &st);
    printf(" %u:%u", st.st_uid, st.st_gid);
    say("missing", chown("no-such.txt", 1, 1));
    close(fd);
    unlink("own.txt");
    printf("\n");
}

static void memfd(void)
{
    printf("memfd:");
    int fd = memfd_create("buffer", MFD_CLOEXEC);
    say("create", fd);
    printf(" wrote=%zd", write(fd, "in memory", 9));
    char back[16] = "";
    lseek(fd, 0, SEEK_SET);
    ssize_t n = read(fd, back, sizeof back - 1);
    printf(" read=%zd '%s' size=%lld", n, back, size_of(fd));
    printf(" cloexec=%d", (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
    say("truncate", ftruncate(fd, 4096));
    printf(" size=%lld", size_of(fd));
    say("bad-flags", memfd_create("x", 0x100));
    close(fd);
    printf("\n");
}

static void send_file(void)
{
    printf("sendfile:");
    int in = open("src.txt", O_CREAT | O_RDWR | O_TRUNC, 0644);
    char data[10000];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (char)('a' + i % 26);
    write(in, data, sizeof data);
    int out = open("dst.txt", O_CREAT | O_RDWR | O_TRUNC, 0644);
    off_t off = 100;
    ssize_t sent = sendfile(out, in, &off, 5000);
    printf(" with-offset=%zd off=%lld pos=%lld", sent, (long long)off, offset_of(in));
    lseek(in, 9000, SEEK_SET);
    sent = sendfile(out, in, NULL, 5000);
    printf(" from-pos=%zd pos=%lld", sent, offset_of(in));
    char got[5] = "";
    pread(out, got, 4, 0);
    printf(" dst=%lld '%s'", size_of(out), got);
    int p[2];
    pipe(p);
    off = 0;
    sent = sendfile(p[1], in, &off, 26);
    printf(" to-pipe=%zd", sent);
    char piped[27] = "";
    read(p[0], piped, 26);
    printf(" '%s'", piped);
    errno = 0;
    say("from-pipe", sendfile(out, p[0], NULL, 10));
    close(p[0]);
    close(p[1]);
    close(in);
    close(out);
    unlink("src.txt");
    unlink("dst.txt");
    printf("\n");
}

static void residency(void)
{
    printf("mincore:");
    long page = sysconf(_SC_PAGESIZE);
    char *m = mmap(0, 4 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    m[0] = 1;
    m[2 * page] = 1;
    unsigned char vec[4] = { 9, 9, 9, 9 };
    say("ok", mincore(m, 4 * page, vec));
    printf(" %d%d%d%d", vec[0] & 1, vec[1] & 1, vec[2] & 1, vec[3] & 1);
    say("unaligned", mincore(m + 1, page, vec));
    munmap(m, 4 * page);
    say("unmapped", mincore(m, page, vec));
    printf("\n");
}

static volatile int flock_released;

static void *flock_waiter(void *arg)
{
    int fd = open("lock.txt", O_RDWR);
    *(int *)arg = flock(fd, LOCK_EX) == 0 && flock_released; /* waited for the holder's unlock */
    close(fd);
    return 0;
}

static void locks(void)
{
    printf("flock:");
    int fd1 = open("lock.txt", O_CREAT | O_RDWR | O_TRUNC, 0644), fd2 = open("lock.txt", O_RDWR);
    say("ex", flock(fd1, LOCK_EX));
    say("other-ex", flock(fd2, LOCK_EX | LOCK_NB));
    say("other-sh", flock(fd2, LOCK_SH | LOCK_NB));
    int fd3 = dup(fd1);
    say("dup-ex", flock(fd3, LOCK_EX | LOCK_NB));
    say("un", flock(fd1, LOCK_UN));
    say("other-sh", flock(fd2, LOCK_SH | LOCK_NB));
    say("sh", flock(fd1, LOCK_SH | LOCK_NB));
    say("upgrade", flock(fd1, LOCK_EX | LOCK_NB));
    say("other-un", flock(fd2, LOCK_UN));
    say("upgrade-again", flock(fd1, LOCK_EX | LOCK_NB));
    int waited = 0;
    pthread_t t;
    pthread_create(&t, 0, flock_waiter, &waited);
    struct timespec pause = { 0, 50 * 1000 * 1000 };
    nanosleep(&pause, 0);
    flock_released = 1;
    flock(fd1, LOCK_UN);
    pthread_join(t, 0);
    printf(" waited=%d", waited);
    say("ex-again", flock(fd1, LOCK_EX));
    close(fd1);
    say("dup-holds", flock(fd2, LOCK_EX | LOCK_NB));
    close(fd3);
    say("closed", flock(fd2, LOCK_EX | LOCK_NB));
    say("bad-op", flock(fd2, 0));
    say("both", flock(fd2, LOCK_SH | LOCK_EX));
    say("bad-fd", flock(1000, LOCK_EX));
    close(fd2);
    unlink("lock.txt");
    printf("\n");
}

static void *checks(void *arg)
{
    (void)arg;
    tmp_dir();
    ids();
    fs_stats();
    allocate();
    owners();
    memfd();
    send_file();
    residency();
    locks();
    return 0;
}
""" + CHECKS_ON_A_THREAD


def test_fs_and_process_calls_match_native(tmp_path):
    out = check_source_matches_native(tmp_path, "fs_calls", SOURCE)
    assert "mode=1777" in out and "1234:5678" in out and "mincore: ok=ok 1010" in out, out
    assert "other-ex=Resource temporarily unavailable" in out and "waited=1" in out, out
