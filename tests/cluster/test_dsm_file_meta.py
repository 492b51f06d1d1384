# SPDX-License-Identifier: MIT
"""File modes and times (kernel/file_store.c): open's and mkdir's mode less the umask,
chmod/fchmod/fchmodat, access's X_OK for root, and the access, modification and status
change times stat shows (creation, writes, chmod, a directory's new entry, utimensat with
explicit times, UTIME_OMIT and UTIME_NOW, futimens), from a thread that clone() puts on
node 1 (with two nodes). Every answer must equal the native run's. Before, every file was
0644 whatever its mode, every time was 0, and chmod and utimensat were ENOSYS."""
from dsmkpy.testing import CHECKS_ON_A_THREAD, check_source_matches_native

SOURCE = r"""
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void say(const char *name, long rc) { printf(" %s %s", name, rc < 0 ? strerror(errno) : "ok"); }
static void nap(void) { struct timespec t = { 0, 30 * 1000 * 1000 }; nanosleep(&t, 0); }
static long long ns(struct timespec t) { return t.tv_sec * 1000000000ll + t.tv_nsec; }
static long long now(void) { struct timespec t; clock_gettime(CLOCK_REALTIME, &t); return ns(t); }
static unsigned mode_of(const char *p) { struct stat st; return stat(p, &st) ? 07777 : st.st_mode & 07777; }

static void *checks(void *arg)
{
    (void)arg;
    struct stat st, st2;
    printf("modes:");
    umask(022);
    int fd = open("meta.txt", O_CREAT | O_RDWR | O_TRUNC, 0640);
    printf(" created %o", mode_of("meta.txt"));
    umask(077);
    close(open("private.txt", O_CREAT | O_WRONLY, 0666));
    printf(" umask-077 %o", mode_of("private.txt"));
    mkdir("adir", 0777);
    printf(" dir %o", mode_of("adir"));
    umask(022);
    say("chmod", chmod("meta.txt", 0600));
    printf(" %o", mode_of("meta.txt"));
    say("fchmod", fchmod(fd, 0755));
    printf(" %o", mode_of("meta.txt"));
    errno = 0;
    printf(" x-ok %s", access("meta.txt", X_OK) ? strerror(errno) : "ok");
    say("fchmodat", fchmodat(AT_FDCWD, "meta.txt", 0644, 0));
    errno = 0;
    printf(" x-ok %s", access("meta.txt", X_OK) ? strerror(errno) : "ok");
    errno = 0;
    printf(" chmod-missing %s\n", chmod("nope", 0600) ? strerror(errno) : "ok");

    printf("times:");
    long long before = now();
    int g = open("adir/new.txt", O_CREAT | O_WRONLY, 0644);
    long long after = now();
    fstat(g, &st);
    long long slack = 20000000; /* file systems keep times in clock ticks: 20 ms each way */
    printf(" created-now %s", ns(st.st_mtim) >= before - slack && ns(st.st_mtim) <= after + slack ? "yes" : "NO");
    printf(" a=m=c %s", ns(st.st_atim) == ns(st.st_mtim) && ns(st.st_mtim) == ns(st.st_ctim) ? "yes" : "NO");
    stat("adir", &st2);
    printf(" dir-touched %s", ns(st2.st_mtim) >= before - slack ? "yes" : "NO");
    nap();
    write(g, "data", 4);
    struct stat st3;
    fstat(g, &st3);
    printf(" write-moves-mtime %s", ns(st3.st_mtim) > ns(st.st_mtim) ? "yes" : "NO");
    nap();
    fchmod(g, 0600);
    struct stat st4;
    fstat(g, &st4);
    printf(" chmod-moves-ctime-only %s", ns(st4.st_ctim) > ns(st3.st_ctim) && ns(st4.st_mtim) == ns(st3.st_mtim) ? "yes" : "NO");
    struct timespec set[2] = { { 1000000000, 5 }, { 1100000000, 7 } };
    say("utimensat", utimensat(AT_FDCWD, "adir/new.txt", set, 0));
    stat("adir/new.txt", &st);
    printf(" a %lld.%ld m %lld.%ld", (long long)st.st_atim.tv_sec, st.st_atim.tv_nsec, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    struct timespec omit[2] = { { 0, UTIME_OMIT }, { 1200000000, 0 } };
    utimensat(AT_FDCWD, "adir/new.txt", omit, 0);
    stat("adir/new.txt", &st);
    printf(" omit a %lld m %lld", (long long)st.st_atim.tv_sec, (long long)st.st_mtim.tv_sec);
    before = now();
    say("futimens", futimens(g, 0));
    fstat(g, &st);
    printf(" now %s", ns(st.st_mtim) >= before - slack && ns(st.st_atim) >= before - slack ? "yes" : "NO");
    struct timespec bad[2] = { { 0, 1000000000 }, { 0, 0 } };
    errno = 0;
    printf(" bad-nsec %s", utimensat(AT_FDCWD, "adir/new.txt", bad, 0) ? strerror(errno) : "ok");
    errno = 0;
    printf(" missing %s\n", utimensat(AT_FDCWD, "adir/none", 0, 0) ? strerror(errno) : "ok");
    close(g);
    close(fd);
    unlink("adir/new.txt");
    rmdir("adir");
    unlink("meta.txt");
    unlink("private.txt");
    return 0;
}
""" + CHECKS_ON_A_THREAD


def test_file_modes_and_times_match_native(tmp_path):
    out = check_source_matches_native(tmp_path, "file_meta", SOURCE)
    assert "NO" not in out, out
