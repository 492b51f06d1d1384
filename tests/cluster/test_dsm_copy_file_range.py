# SPDX-License-Identifier: MIT
"""copy_file_range(2) (kernel/sys_fs.c) from a thread on node 1 (two nodes): a copy at both
file offsets (which move), one at explicit offsets (which move instead, the file offsets
staying), one at the end of the input (0), within one file where the ranges do not overlap,
and the errors (flags, a pipe, a directory, an O_APPEND output, a read-only output,
overlapping ranges of one file). Every line must equal the native run's, made in an empty
directory. Before, copy_file_range was ENOSYS."""
from dsmkpy.testing import CHECKS_ON_A_THREAD, check_source_matches_native

SOURCE = r"""
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SIZE 10000

static const char *err(long r) { return r < 0 ? strerror(errno) : "ok"; }

static unsigned sum_of(int fd, off_t at, size_t len)
{
    static unsigned char buf[32768];
    ssize_t n = pread(fd, buf, len, at);
    unsigned s = 0;
    for (ssize_t i = 0; i < n; i++)
        s = s * 31 + buf[i];
    return s;
}

static void *checks(void *arg)
{
    (void)arg;
    static unsigned char data[SIZE];
    for (int i = 0; i < SIZE; i++)
        data[i] = (unsigned char)(i * 7 + (i >> 8));
    int a = open("a", O_CREAT | O_RDWR | O_TRUNC, 0644);
    write(a, data, SIZE);
    lseek(a, 0, SEEK_SET);
    int b = open("b", O_CREAT | O_RDWR | O_TRUNC, 0644);
    ssize_t n = copy_file_range(a, NULL, b, NULL, 6000, 0);
    off_t ao = lseek(a, 0, SEEK_CUR), bo = lseek(b, 0, SEEK_CUR);
    printf("file offsets: copied %zd, offsets %lld %lld, same %d\n", n, (long long)ao, (long long)bo,
           sum_of(a, 0, 6000) == sum_of(b, 0, 6000));
    off_t in = 100, out = 20000;
    n = copy_file_range(a, &in, b, &out, 500, 0);
    struct stat st;
    fstat(b, &st);
    printf("explicit: copied %zd, offsets now %lld %lld, file offsets %lld %lld, size %lld, same %d\n", n,
           (long long)in, (long long)out, (long long)lseek(a, 0, SEEK_CUR), (long long)lseek(b, 0, SEEK_CUR),
           (long long)st.st_size, sum_of(a, 100, 500) == sum_of(b, 20000, 500));
    in = SIZE;
    n = copy_file_range(a, &in, b, NULL, 100, 0);
    printf("at the end: %zd\n", n);
    in = 0;
    out = 5000;
    n = copy_file_range(a, &in, a, &out, 4000, 0);
    printf("one file apart: %zd same %d\n", n, sum_of(a, 0, 4000) == sum_of(a, 5000, 4000));

    printf("errors: flags %s", err(copy_file_range(a, NULL, b, NULL, 10, 1)));
    int p[2];
    pipe(p);
    printf(", pipe in %s", err(copy_file_range(p[0], NULL, b, NULL, 10, 0)));
    int d = open(".", O_RDONLY | O_DIRECTORY);
    printf(", directory %s", err(copy_file_range(d, NULL, b, NULL, 10, 0)));
    int app = open("b", O_WRONLY | O_APPEND);
    printf(", append out %s", err(copy_file_range(a, NULL, app, NULL, 10, 0)));
    int ro = open("b", O_RDONLY);
    printf(", read-only out %s", err(copy_file_range(a, NULL, ro, NULL, 10, 0)));
    in = 0;
    out = 100;
    printf(", overlap %s\n", err(copy_file_range(a, &in, a, &out, 1000, 0)));
    close(p[0]);
    close(p[1]);
    close(d);
    close(app);
    close(ro);
    close(a);
    close(b);
    unlink("a");
    unlink("b");
    return NULL;
}
""" + CHECKS_ON_A_THREAD


def test_copy_file_range_matches_native(tmp_path):
    out = check_source_matches_native(tmp_path, "copy-file-range", SOURCE)
    assert "file offsets: copied 6000, offsets 6000 6000, same 1" in out, out
    assert "errors: flags Invalid argument" in out, out
