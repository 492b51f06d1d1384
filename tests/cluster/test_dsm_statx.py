# SPDX-License-Identifier: MIT
"""statx(2) (kernel/sys_statx.c) from a thread on node 1 (two nodes) as on Linux: the basic
stats of a file, a directory, a symbolic link followed and not, an open fd through
AT_EMPTY_PATH and a character device, each equal to what fstatat says of the same path,
and the errors (a reserved mask bit, both sync types at once, no such file, a bad buffer).
Every line must equal the native run's. Before, statx was ENOSYS: programs built against
newer C libraries (Rust's std, coreutils) then fall back, or fail."""
from dsmkpy.testing import CHECKS_ON_A_THREAD, check_source_matches_native

SOURCE = r"""
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* musl 1.2.3 has the call's number but not the struct (include/uapi/linux/stat.h). */
struct sx_time { int64_t sec; uint32_t nsec; int32_t reserved; };
struct sx {
    uint32_t mask, blksize; uint64_t attributes;
    uint32_t nlink, uid, gid; uint16_t mode, spare0;
    uint64_t ino, size, blocks, attributes_mask;
    struct sx_time atime, btime, ctime, mtime;
    uint32_t rdev_major, rdev_minor, dev_major, dev_minor;
    uint64_t spare[14];
};
#define BASIC 0x7ffu
#define EMPTY_PATH 0x1000
#define NOFOLLOW 0x100
#define SYNC_BOTH 0x6000

static long statx_call(int dirfd, const char *path, int flags, unsigned mask, void *buf)
{
    return syscall(SYS_statx, dirfd, path, flags, mask, buf);
}

/* statx of path (with flags) against fstatat of the same: equal fields, type, size. */
static void show(const char *what, int dirfd, const char *path, int flags)
{
    struct sx x;
    struct stat st;
    memset(&x, 0xa5, sizeof x);
    long r = statx_call(dirfd, path, flags, BASIC, &x);
    if (r != 0) {
        printf("%s: statx %s\n", what, strerror(errno));
        return;
    }
    int at_flags = flags & (EMPTY_PATH | NOFOLLOW);
    if (fstatat(dirfd, path, &st, at_flags) != 0) {
        printf("%s: fstatat %s\n", what, strerror(errno));
        return;
    }
    int same = x.ino == st.st_ino && x.nlink == st.st_nlink && x.uid == st.st_uid && x.gid == st.st_gid &&
               x.mode == st.st_mode && x.size == (uint64_t)st.st_size && x.blocks == (uint64_t)st.st_blocks &&
               x.blksize == (uint32_t)st.st_blksize && x.dev_major == major(st.st_dev) &&
               x.dev_minor == minor(st.st_dev) && x.rdev_major == major(st.st_rdev) &&
               x.rdev_minor == minor(st.st_rdev) && x.mtime.sec == st.st_mtim.tv_sec &&
               x.mtime.nsec == st.st_mtim.tv_nsec && x.ctime.sec == st.st_ctim.tv_sec &&
               x.atime.sec == st.st_atim.tv_sec;
    const char *type = S_ISREG(x.mode) ? "file" : S_ISDIR(x.mode) ? "dir" : S_ISLNK(x.mode) ? "link"
                     : S_ISCHR(x.mode) ? "chr" : "other";
    printf("%s: basic %d same as fstatat %d %s mode %o", what, (x.mask & BASIC) == BASIC, same, type, x.mode & 07777);
    if (S_ISREG(x.mode) || S_ISLNK(x.mode))
        printf(" size %llu nlink %u", (unsigned long long)x.size, x.nlink);
    if (S_ISCHR(x.mode))
        printf(" rdev %u,%u", x.rdev_major, x.rdev_minor);
    printf("\n");
}

static void show_error(const char *what, int dirfd, const char *path, int flags, unsigned mask, void *buf)
{
    long r = statx_call(dirfd, path, flags, mask, buf);
    printf("%s: %ld %s\n", what, r, r ? strerror(errno) : "");
}

static void *checks(void *arg)
{
    (void)arg;
    int fd = open("statx_file", O_CREAT | O_WRONLY | O_TRUNC, 0640);
    char block[1234];
    memset(block, 'q', sizeof block);
    ssize_t w = write(fd, block, sizeof block);
    printf("wrote %zd\n", w);
    link("statx_file", "statx_file2");
    mkdir("statx_dir", 0751);
    symlink("statx_file", "statx_link");

    show("file", AT_FDCWD, "statx_file", 0);
    show("dir", AT_FDCWD, "statx_dir", 0);
    show("link followed", AT_FDCWD, "statx_link", 0);
    show("link itself", AT_FDCWD, "statx_link", NOFOLLOW);
    show("fd", fd, "", EMPTY_PATH);
    int dfd = open("statx_dir", O_RDONLY | O_DIRECTORY);
    show("from dirfd", dfd, ".", 0);
    show("device", AT_FDCWD, "/dev/null", 0);

    struct sx x;
    show_error("reserved mask bit", AT_FDCWD, "statx_file", 0, 0x80000000u, &x);
    show_error("both sync types", AT_FDCWD, "statx_file", SYNC_BOTH, BASIC, &x);
    show_error("empty path without the flag", AT_FDCWD, "", 0, BASIC, &x);
    show_error("no such file", AT_FDCWD, "statx_none", 0, BASIC, &x);
    show_error("bad buffer", AT_FDCWD, "statx_file", 0, BASIC, (void *)16);
    show_error("bad fd", 999, "", EMPTY_PATH, BASIC, &x);
    close(dfd);
    close(fd);
    unlink("statx_link");
    unlink("statx_file2");
    unlink("statx_file");
    rmdir("statx_dir");
    return NULL;
}
""" + CHECKS_ON_A_THREAD


def test_statx_matches_native(tmp_path):
    out = check_source_matches_native(tmp_path, "statx", SOURCE)
    assert "file: basic 1 same as fstatat 1 file mode 640 size 1234 nlink 2" in out, out
    assert "link itself: basic 1 same as fstatat 1 link mode 777 size 10 nlink 1" in out, out
    assert "reserved mask bit: -1 Invalid argument" in out, out
