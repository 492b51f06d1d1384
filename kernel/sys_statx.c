/* SPDX-License-Identifier: MIT */
/* statx(2): the struct stat answer of a path or fd, in statx's layout. Programs built
 * against newer C libraries (Rust's std, glibc's stat on some targets, coreutils) call it
 * first and only fall back to fstatat on ENOSYS, so it is answered from the same file
 * calls as newfstatat. The mask answered is always the basic stats: the store keeps no
 * birth time, mount ids or direct-I/O alignments. */
#include "kernel/files.h"
#include "kernel/linux_abi.h"
#include "kernel/syscall.h"
#include "kernel/usercopy.h"

/* The flags statx accepts (fs/stat.c, vfs_statx); the sync type bits only tell a network
 * filesystem how fresh the answer must be, and every answer here is current. */
#define STATX_FLAGS_KNOWN \
    (LINUX_AT_SYMLINK_NOFOLLOW | LINUX_AT_NO_AUTOMOUNT | LINUX_AT_EMPTY_PATH | LINUX_AT_STATX_SYNC_TYPE)

/* A struct stat dev_t's major and minor numbers (the glibc/musl encoding: 12 bits of major
 * and 8 of minor low, the rest of each above bit 32 and bit 20). */
static uint32_t statx_dev_major(uint64_t dev)
{
    return (uint32_t)(((dev >> 8) & 0xfff) | ((dev >> 32) & ~(uint64_t)0xfff));
}

static uint32_t statx_dev_minor(uint64_t dev)
{
    return (uint32_t)((dev & 0xff) | ((dev >> 12) & ~(uint64_t)0xff));
}

static struct linux_statx_timestamp statx_time(uint64_t sec, uint64_t nsec)
{
    return (struct linux_statx_timestamp){ .tv_sec = (int64_t)sec, .tv_nsec = (uint32_t)nsec };
}

/* struct statx holding what st says. */
static void statx_from_stat(const struct linux_stat *st, struct linux_statx *sx)
{
    *sx = (struct linux_statx){
        .stx_mask = LINUX_STATX_BASIC_STATS,
        .stx_blksize = (uint32_t)st->st_blksize,
        .stx_nlink = (uint32_t)st->st_nlink,
        .stx_uid = st->st_uid,
        .stx_gid = st->st_gid,
        .stx_mode = (uint16_t)st->st_mode,
        .stx_ino = st->st_ino,
        .stx_size = (uint64_t)st->st_size,
        .stx_blocks = (uint64_t)st->st_blocks,
        .stx_atime = statx_time(st->st_atime_sec, st->st_atime_nsec),
        .stx_ctime = statx_time(st->st_ctime_sec, st->st_ctime_nsec),
        .stx_mtime = statx_time(st->st_mtime_sec, st->st_mtime_nsec),
        .stx_rdev_major = statx_dev_major(st->st_rdev),
        .stx_rdev_minor = statx_dev_minor(st->st_rdev),
        .stx_dev_major = statx_dev_major(st->st_dev),
        .stx_dev_minor = statx_dev_minor(st->st_dev),
    };
}

long sys_statx(uint64_t dirfd, uint64_t upath, uint64_t flags, uint64_t mask, uint64_t ustatx, uint64_t a5)
{
    (void)a5;
    if ((mask & LINUX_STATX_RESERVED) || (flags & ~(uint64_t)STATX_FLAGS_KNOWN) ||
        (flags & LINUX_AT_STATX_SYNC_TYPE) == LINUX_AT_STATX_SYNC_TYPE)
        return -LINUX_EINVAL;
    int empty = (flags & LINUX_AT_EMPTY_PATH) ? files_path_is_empty(upath) : 0;
    if (empty < 0)
        return empty;
    union files_path_result out;
    long r = empty ? files_fstat(dirfd, &out.st)
                   : (long)files_path_call_into(FILES_OP_STAT, dirfd, upath, 0, 0,
                                                (flags & LINUX_AT_SYMLINK_NOFOLLOW) ? FILES_CALL_NOFOLLOW : 0, &out);
    if (r < 0)
        return r;
    struct linux_statx sx;
    statx_from_stat(&out.st, &sx);
    return copy_to_user(ustatx, &sx, sizeof sx);
}
