# SPDX-License-Identifier: MIT
"""The /dev character devices (kernel/file_devices.c): null, zero, full, random and urandom,
opened, read, written, stat'ed and mapped from a thread on node 1 (two nodes) as on Linux.
Every answer must equal the native run's on the host's own devices. Before they existed,
opening /dev/null was ENOENT."""
from dsmkpy.testing import CHECKS_ON_A_THREAD, check_source_matches_native

SOURCE = r"""
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static void show_stat(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        printf("%s: stat %s\n", path, strerror(errno));
        return;
    }
    printf("%s: chr %d mode %o dev %u,%u size %lld\n", path, S_ISCHR(st.st_mode), st.st_mode & 07777,
           major(st.st_rdev), minor(st.st_rdev), (long long)st.st_size);
}

static void *checks(void *arg)
{
    (void)arg;
    const char *devices[] = { "/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom" };
    for (int i = 0; i < 5; i++)
        show_stat(devices[i]);

    char buf[256];
    memset(buf, 'x', sizeof buf);
    int fd = open("/dev/null", O_RDWR | O_TRUNC);
    ssize_t r = read(fd, buf, sizeof buf);
    ssize_t w = write(fd, buf, sizeof buf);
    int t = ftruncate(fd, 0);
    printf("null: read %zd write %zd ftruncate %d %s\n", r, w, t, t ? strerror(errno) : "");
    close(fd);

    fd = open("/dev/zero", O_RDONLY);
    r = read(fd, buf, sizeof buf);
    int zeros = 1;
    for (int i = 0; i < (int)sizeof buf; i++)
        zeros &= buf[i] == 0;
    printf("zero: read %zd all zero %d\n", r, zeros);
    unsigned char *p = mmap(0, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    unsigned char *s = mmap(0, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, open("/dev/zero", O_RDWR), 0);
    printf("zero: mmap private %s shared %s", p == MAP_FAILED ? strerror(errno) : "ok",
           s == MAP_FAILED ? strerror(errno) : "ok");
    if (p != MAP_FAILED && s != MAP_FAILED) {
        p[100] = 7;
        s[5000] = 9;
        printf(" reads %d %d %d %d", p[100], p[101], s[5000], s[4999]);
    }
    printf("\n");
    close(fd);

    fd = open("/dev/full", O_WRONLY);
    w = write(fd, "abc", 3);
    printf("full: write %zd %s\n", w, w < 0 ? strerror(errno) : "");
    close(fd);

    fd = open("/dev/urandom", O_RDONLY);
    memset(buf, 0, sizeof buf);
    r = read(fd, buf, sizeof buf);
    int nonzero = 0;
    for (int i = 0; i < (int)sizeof buf; i++)
        nonzero += buf[i] != 0;
    printf("urandom: read %zd mostly nonzero %d\n", r, nonzero > 200);
    void *m = mmap(0, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
    printf("urandom: mmap %s\n", m == MAP_FAILED ? strerror(errno) : "ok");
    close(fd);

    FILE *f = fopen("/dev/null", "w");
    printf("fopen null: %s", f ? "ok" : strerror(errno));
    if (f) { /* one call per statement: a printf's arguments run in no fixed order */
        int printed = fprintf(f, "gone %d\n", 42);
        printf(" fprintf %d fclose %d", printed, fclose(f));
    }
    printf("\n");
    return NULL;
}
""" + CHECKS_ON_A_THREAD


def test_devices_match_native(tmp_path):
    out = check_source_matches_native(tmp_path, "devices", SOURCE)
    assert "/dev/null: chr 1 mode 666 dev 1,3 size 0" in out and "full: write -1 No space left on device" in out, out
