/* SPDX-License-Identifier: MIT */
/* The calls on the descriptor table that name paths (kernel/files_internal.h): open, stat,
 * access, unlink, mkdir, rmdir, rename, link, symlink, readlink, chdir, truncate, chmod and
 * utimensat, each path resolved against its dirfd's directory or the working directory
 * (kept here, with the umask) into the store's canonical form (kernel/path.h), through
 * symbolic links (the last one as each call wants), then done on kernel/file_store.c's
 * files. */
#include "kernel/file_proc.h"
#include "kernel/file_store.h"
#include "kernel/files_internal.h"
#include "kernel/libc.h"
#include "kernel/linux_abi.h"
#include "kernel/path.h"
#include "kernel/thread.h"
#include "kernel/time_conv.h"

#define FILES_OPEN_FLAGS (LINUX_O_ACCMODE | LINUX_O_CREAT | LINUX_O_EXCL | LINUX_O_TRUNC | LINUX_O_APPEND | \
                          LINUX_O_NONBLOCK | LINUX_O_LARGEFILE | LINUX_O_DIRECTORY | LINUX_O_CLOEXEC | \
                          LINUX_O_NOFOLLOW) /* others are ignored */
#define FILES_MKNOD_PERM 07777     /* mknod(2)'s mode without its type bits */

/* umask(2): the program's; open(O_CREAT) and mkdir take its bits off the mode they ask for */
#define FILES_UMASK_DEFAULT 022
#define FILES_UMASK_BITS 0777
static uint64_t files_umask = FILES_UMASK_DEFAULT;

uint32_t files_umask_bits(void)
{
    return (uint32_t)files_umask;
}

/* path_resolve's questions: the store's, but /proc/1/fd's entries from the descriptor table
 * and /proc/1/task's from the thread list. */
static enum path_kind files_path_kind(const char *path, void *ctx)
{
    int fd;
    struct files_proc_task_entry task;
    if (files_proc_task_path(path, &task))
        return files_proc_task_kind(&task);
    return files_proc_fd_path(path, &fd) ? files_proc_fd_kind(fd) : file_store_kind(path, ctx);
}

static int files_path_read_link(const char *path, char *target, size_t size, void *ctx)
{
    int fd;
    return files_proc_fd_path(path, &fd) ? files_proc_fd_read_link(fd, target, size)
                                         : file_store_read_link(path, target, size, ctx);
}

/* The working directory, held like an open description's file, so it follows a rename
 * of itself or a directory above and outlives its rmdir, as on Linux. NULL: the root. */
static struct file_node *files_cwd;

/* The text of a /proc file lives in a file of its description's own (kernel/file_proc.h). */
int64_t files_proc_open(const char *path, unsigned kind, int32_t tid, uint64_t flags)
{
    uint64_t mode = flags & LINUX_O_ACCMODE;
    if (mode == LINUX_O_ACCMODE)
        return -LINUX_EINVAL;
    if (flags & LINUX_O_DIRECTORY)
        return -LINUX_ENOTDIR;
    if (mode != LINUX_O_RDONLY && kind != FILE_PROC_COMM)
        return -LINUX_EACCES;
    int fd = files_lowest_free(0);
    if (fd < 0)
        return fd;
    struct file_desc *d = files_desc_new(FILE_KIND_FILE, (uint32_t)mode | LINUX_O_LARGEFILE |
                                                             ((uint32_t)flags & FILES_SETFL_MASK));
    if (!d)
        return -LINUX_ENFILE;
    int64_t err = 0;
    struct file_node *text = file_store_create_unlinked(path, &err);
    if (text && (err = file_proc_generate(kind, tid, text)) != 0) {
        file_store_hold(text);
        file_store_release(text); /* unlinked and unheld: it goes */
        text = NULL;
    }
    if (!text) {
        d->refs = 0;
        return err;
    }
    d->file = text;
    d->comm_tid = mode != LINUX_O_RDONLY ? tid : 0;
    file_store_hold(text);
    files_fd_install(fd, d, (flags & LINUX_O_CLOEXEC) != 0);
    return fd;
}

static int64_t files_open(const char *path, bool dir_only, uint64_t flags, uint64_t perm, void *data,
                          size_t *data_len)
{
    uint64_t mode = flags & LINUX_O_ACCMODE;
    flags &= FILES_OPEN_FLAGS;
    if (mode == LINUX_O_ACCMODE || ((flags & LINUX_O_CREAT) && (flags & LINUX_O_DIRECTORY)))
        return -LINUX_EINVAL; /* O_CREAT|O_DIRECTORY: EINVAL as Linux 6.4 on */
    struct file_node *f = file_store_lookup(path);
    if (f && (flags & LINUX_O_CREAT) && (flags & LINUX_O_EXCL))
        return -LINUX_EEXIST;
    if (f && file_store_is_symlink(f))
        return -LINUX_ELOOP; /* O_NOFOLLOW kept it (open(2)) */
    if (f && file_store_is_fifo(f))
        return files_fifo_open(f, mode, flags, data, data_len);
    if (f && file_store_is_socket(f))
        return -LINUX_ENXIO; /* open(2): a socket's name is for connect */
    if (!f && !(flags & LINUX_O_CREAT))
        return -LINUX_ENOENT;
    if (!f && dir_only)
        return -LINUX_EISDIR; /* O_CREAT of "name/" */
    if (f && (flags & LINUX_O_DIRECTORY) && !file_store_is_dir(f))
        return -LINUX_ENOTDIR;
    if (f && file_store_is_dir(f) && (mode != LINUX_O_RDONLY || (flags & LINUX_O_CREAT)))
        return -LINUX_EISDIR;
    if (f && file_store_generated(f)) /* the process's own: its first thread's name and pid */
        return files_proc_open(path, file_store_generated(f), THREAD_FIRST_TID, flags);
    if (f && mode != LINUX_O_RDONLY && !file_store_writable(f))
        return -LINUX_EROFS;
    int fd = files_lowest_free(0);
    if (fd < 0)
        return fd;
    struct file_desc *d = files_desc_new(FILE_KIND_FILE, (uint32_t)mode | LINUX_O_LARGEFILE |
                                                             ((uint32_t)flags & FILES_SETFL_MASK));
    if (!d)
        return -LINUX_ENFILE;
    int64_t err = 0;
    if (!f && !(f = file_store_create(path, (uint32_t)(perm & ~files_umask), &err))) {
        d->refs = 0;
        return err;
    }
    if ((flags & LINUX_O_TRUNC) && mode != LINUX_O_RDONLY && !file_store_is_device(f) && /* ignored there */
        (err = file_store_truncate(f, 0)) != 0) {
        d->refs = 0;
        return err;
    }
    d->file = f;
    file_store_hold(f);
    files_fd_install(fd, d, (flags & LINUX_O_CLOEXEC) != 0);
    return fd;
}

static int64_t files_stat_path(const char *path, void *data, size_t *data_len)
{
    const struct file_node *f = file_store_lookup(path);
    if (!f)
        return -LINUX_ENOENT;
    file_store_stat(f, data);
    *data_len = sizeof(struct linux_stat);
    return 0;
}

/* access(2) of path for mode: modules are read-only, the program's files read-write, its
 * directories writable and searchable; no file is executable. */
static int64_t files_access(const char *path, uint64_t mode)
{
    const struct file_node *f = file_store_lookup(path);
    if (!f)
        return -LINUX_ENOENT;
    if (file_store_is_dir(f))
        return 0;
    /* The program runs as root: execute needs some x bit, write a file it may write. */
    if (((mode & LINUX_X_OK) && !(file_store_perm(f) & FILES_ANY_EXEC)) ||
        ((mode & LINUX_W_OK) && !file_store_writable(f)))
        return -LINUX_EACCES;
    return 0;
}

bool files_op_has_path(uint32_t op)
{
    return op == FILES_OP_OPEN || op == FILES_OP_STAT || op == FILES_OP_ACCESS || op == FILES_OP_UNLINK ||
           op == FILES_OP_MKDIR || op == FILES_OP_RMDIR || op == FILES_OP_RENAME || op == FILES_OP_LINK ||
           op == FILES_OP_CHDIR || op == FILES_OP_TRUNCATE_PATH || op == FILES_OP_CHMOD || op == FILES_OP_UTIMENS ||
           op == FILES_OP_CHOWN || op == FILES_OP_STATFS || op == FILES_OP_SYMLINK || op == FILES_OP_READLINK ||
           op == FILES_OP_MKNOD || op == FILES_OP_BIND || op == FILES_OP_CONNECT;
}

/* The working directory. */
static struct file_node *files_cwd_dir(void)
{
    return files_cwd ? files_cwd : file_store_lookup("/");
}

static void files_set_cwd(struct file_node *dir)
{
    file_store_hold(dir);
    if (files_cwd)
        file_store_release(files_cwd);
    files_cwd = dir;
}

/* The directory a dirfd names (AT_FDCWD: the working directory), or NULL with *err
 * -EBADF (not open) or -ENOTDIR. */
static struct file_node *files_dirfd_dir(int32_t dirfd, int64_t *err)
{
    if (dirfd == LINUX_AT_FDCWD)
        return files_cwd_dir();
    if (dirfd < 0 || dirfd >= FILES_MAX_FDS || !files_fds[dirfd].desc) {
        *err = -LINUX_EBADF;
        return NULL;
    }
    struct file_desc *d = files_fds[dirfd].desc;
    if (d->kind != FILE_KIND_FILE || !file_store_is_dir(d->file)) {
        *err = -LINUX_ENOTDIR;
        return NULL;
    }
    return d->file;
}

/* path (from dirfd, unless absolute) in canonical form into out, through symbolic links
 * (the last one too if follow_last): 0 or -errno (ENOENT for a relative path from a removed
 * directory). */
static int64_t files_resolve(int32_t dirfd, const char *path, char *out, bool follow_last, struct path_result *how)
{
    int64_t err = 0;
    const struct file_node *dir = path[0] == '/' ? file_store_lookup("/") : files_dirfd_dir(dirfd, &err);
    if (!dir)
        return err;
    if (!file_store_is_linked(dir))
        return -LINUX_ENOENT;
    return path_resolve_links(file_store_path(dir), path, out, FILES_PATH_MAX, files_path_kind, files_path_read_link,
                              follow_last, NULL, how);
}

/* chdir(2) to canonical path. */
static int64_t files_chdir(const char *path)
{
    struct file_node *dir = file_store_lookup(path);
    if (!dir)
        return -LINUX_ENOENT;
    if (!file_store_is_dir(dir))
        return -LINUX_ENOTDIR;
    files_set_cwd(dir);
    return 0;
}

/* rename(2) or link(2): c->path from dirfd c->fd, the new path (c->in) from dirfd c->arg2. */
static int64_t files_two_paths(const struct files_call *c, const char *from)
{
    char to[FILES_PATH_MAX], canon[FILES_PATH_MAX];
    if (c->len >= sizeof to)
        return -LINUX_ENAMETOOLONG;
    memcpy(to, c->in, c->len);
    to[c->len] = '\0';
    if (strlen(to) != c->len)
        return -LINUX_EINVAL; /* a NUL inside: not what the caller's string was */
    struct path_result how;
    int64_t rc = files_resolve((int32_t)c->arg2, to, canon, false, &how);
    if (rc)
        return rc;
    int fd;
    struct files_proc_task_entry task;
    if (files_proc_fd_path(canon, &fd) || files_proc_task_path(canon, &task))
        return -LINUX_EXDEV; /* Linux: /proc is another file system */
    return c->op == FILES_OP_LINK ? file_store_link(from, canon) : file_store_rename(from, canon);
}

/* truncate(2): a file the program made (boot modules are a read-only file system). */
static int64_t files_truncate_path(const char *path, uint64_t size)
{
    struct file_node *f = file_store_lookup(path);
    if (!f)
        return -LINUX_ENOENT;
    if (file_store_is_dir(f))
        return -LINUX_EISDIR;
    if (!file_store_writable(f))
        return -LINUX_EROFS;
    return (int64_t)size < 0 ? -LINUX_EINVAL : file_store_truncate(f, size);
}

/* One of UTIMENS's times into *out: ns since the epoch, or FILE_STORE_TIME_OMIT; false
 * for a timespec out of range. */
static bool files_utime(const struct linux_timespec *ts, uint64_t now, uint64_t *out)
{
    if (ts->tv_nsec == LINUX_UTIME_NOW)
        *out = now;
    else if (ts->tv_nsec == LINUX_UTIME_OMIT)
        *out = FILE_STORE_TIME_OMIT;
    else if (timespec_valid(ts))
        *out = timespec_to_ns(ts);
    else
        return false;
    return true;
}

/* CHMOD or UTIMENS on f. */
int64_t files_set_meta(struct file_node *f, const struct files_call *c)
{
    if (c->op == FILES_OP_CHMOD)
        return file_store_chmod(f, (uint32_t)c->arg);
    uint64_t now = time_program_ns() + time_realtime_epoch_ns(), atime, mtime;
    struct linux_timespec ts[2] = { { 0, LINUX_UTIME_NOW }, { 0, LINUX_UTIME_NOW } };
    if (c->len && c->len != sizeof ts)
        return -LINUX_EINVAL;
    if (c->len)
        memcpy(ts, c->in, sizeof ts);
    if (!files_utime(&ts[0], now, &atime) || !files_utime(&ts[1], now, &mtime))
        return -LINUX_EINVAL;
    if (atime == FILE_STORE_TIME_OMIT && mtime == FILE_STORE_TIME_OMIT)
        return 0; /* nothing changes, not even the status time (utimensat(2)) */
    return file_store_set_times(f, atime, mtime);
}

/* Whether c follows a symbolic link that its path ends with (path_resolution(7)): calls on
 * what a path names do, unless asked not to; calls on the name itself do not. */
static bool files_follows_last(const struct files_call *c)
{
    if (c->flags & FILES_CALL_NOFOLLOW)
        return false;
    switch (c->op) {
    case FILES_OP_OPEN: /* O_CREAT | O_EXCL fails on any name there, a link too */
        return !(c->arg & LINUX_O_NOFOLLOW) &&
               (c->arg & (LINUX_O_CREAT | LINUX_O_EXCL)) != (LINUX_O_CREAT | LINUX_O_EXCL);
    case FILES_OP_STAT:
    case FILES_OP_ACCESS:
    case FILES_OP_CHDIR:
    case FILES_OP_TRUNCATE_PATH:
    case FILES_OP_CHMOD:
    case FILES_OP_UTIMENS:
    case FILES_OP_CHOWN:
    case FILES_OP_STATFS:
        return true;
    case FILES_OP_LINK:
        return (c->flags & FILES_CALL_FOLLOW) != 0;
    default: /* UNLINK, MKDIR, RMDIR, RENAME, SYMLINK, READLINK */
        return false;
    }
}

/* mknod(2) at canonical path: a regular file or a FIFO (mode's type bits); devices are
 * not made (EPERM), nor directories (EPERM, as mknod(2) says). */
static int64_t files_mknod(const char *path, bool dir_only, uint64_t mode)
{
    if (file_store_lookup(path))
        return -LINUX_EEXIST;
    if (dir_only)
        return -LINUX_ENOENT;
    uint32_t perm = (uint32_t)(mode & ~files_umask & FILES_MKNOD_PERM);
    switch (mode & LINUX_S_IFMT) {
    case 0:
    case LINUX_S_IFREG: {
        int64_t err = 0;
        return file_store_create(path, perm, &err) ? 0 : err;
    }
    case LINUX_S_IFIFO:
        return file_store_mkfifo(path, perm);
    default:
        return -LINUX_EPERM;
    }
}

/* bind(2) of socket fd to canonical path: a socket node there, named by the socket from then
 * on. As unix_bind_bsd: a taken path is EADDRINUSE before a socket bound already is EINVAL. */
static int64_t files_bind_path(const char *path, bool dir_only, const struct files_call *c)
{
    if (dir_only)
        return -LINUX_ENOENT;
    if (file_store_lookup(path))
        return -LINUX_EADDRINUSE;
    int64_t bad = files_socket_bindable(c->arg);
    if (bad)
        return bad;
    int64_t rc = file_store_mksock(path, (uint32_t)(FILES_SOCKET_NAME_MODE & ~files_umask));
    if (rc)
        return rc == -LINUX_EEXIST ? -LINUX_EADDRINUSE : rc;
    return files_socket_bind_node(c->arg, file_store_lookup(path), c->path, c->path_len);
}

/* readlink(2) of canonical path: its target into data, its length; EINVAL if no link. */
static int64_t files_readlink(const char *path, void *data, size_t *data_len)
{
    struct file_node *f = file_store_lookup(path);
    if (!f)
        return -LINUX_ENOENT;
    if (!file_store_is_symlink(f))
        return -LINUX_EINVAL;
    char target[FILES_PATH_MAX];
    int len = file_store_read_link(path, target, sizeof target, NULL);
    if (len < 0)
        return len;
    memcpy(data, target, (size_t)len);
    *data_len = (size_t)len;
    return len;
}

/* Whether canonical path is a /proc directory whose listing is made at each call. */
static bool files_proc_held_dir(const char *path)
{
    const struct file_node *f = file_store_lookup(path);
    return files_proc_fd_is_dir(f) || files_proc_task_is_dir(f);
}

int64_t files_execute_path(const struct files_call *c, void *data, size_t *data_len)
{
    char path[FILES_PATH_MAX];
    struct path_result how;
    bool follow = files_follows_last(c);
    int64_t rc = files_resolve(c->fd, c->path, path, follow, &how);
    if (rc)
        return rc;
    int fd;
    struct files_proc_task_entry task;
    if (files_proc_fd_path(path, &fd))
        return how.dir_only ? -LINUX_ENOTDIR : files_proc_fd_call(fd, c, follow, data, data_len);
    if (files_proc_task_path(path, &task))
        return how.dir_only && files_proc_task_kind(&task) == PATH_FILE ? -LINUX_ENOTDIR
                                                                         : files_proc_task_call(path, &task, c, data, data_len);
    if ((c->op == FILES_OP_RMDIR || c->op == FILES_OP_RENAME) && files_proc_held_dir(path))
        return -LINUX_EPERM; /* /proc/1/fd and /proc/1/task stay (their files hold on to them) */
    switch (c->op) {
    case FILES_OP_OPEN:
        return files_open(path, how.dir_only, c->arg, c->arg2, data, data_len);
    case FILES_OP_STAT:
        return files_stat_path(path, data, data_len);
    case FILES_OP_ACCESS:
        if (c->arg & ~(uint64_t)LINUX_ACCESS_MODE_MASK)
            return -LINUX_EINVAL;
        return files_access(path, c->arg);
    case FILES_OP_UNLINK:
        return file_store_unlink(path);
    case FILES_OP_MKDIR:
        return file_store_mkdir(path, (uint32_t)(c->arg & ~files_umask));
    case FILES_OP_RMDIR:
        return file_store_rmdir(path);
    case FILES_OP_RENAME:
    case FILES_OP_LINK:
        return files_two_paths(c, path);
    case FILES_OP_CHDIR:
        return files_chdir(path);
    case FILES_OP_TRUNCATE_PATH:
        return files_truncate_path(path, c->arg);
    case FILES_OP_CHMOD:
    case FILES_OP_UTIMENS: {
        struct file_node *f = file_store_lookup(path);
        return f ? files_set_meta(f, c) : -LINUX_ENOENT;
    }
    case FILES_OP_CHOWN: {
        struct file_node *f = file_store_lookup(path);
        return f ? file_store_chown(f, (uint32_t)c->arg, (uint32_t)c->arg2) : -LINUX_ENOENT;
    }
    case FILES_OP_STATFS:
        return file_store_lookup(path) ? files_statfs(data, data_len) : -LINUX_ENOENT;
    case FILES_OP_SYMLINK:
        if (strnlen((const char *)c->in, c->len) != c->len)
            return -LINUX_EINVAL; /* a NUL inside: not what the caller's string was */
        return how.dir_only ? -LINUX_ENOENT : file_store_symlink(path, (const char *)c->in, c->len);
    case FILES_OP_READLINK:
        return files_readlink(path, data, data_len);
    case FILES_OP_MKNOD:
        return files_mknod(path, how.dir_only, c->arg);
    case FILES_OP_BIND:
        return files_bind_path(path, how.dir_only, c);
    case FILES_OP_CONNECT: {
        struct file_node *f = file_store_lookup(path);
        if (!f)
            return -LINUX_ENOENT;
        return file_store_is_socket(f) ? files_socket_connect_to(c->arg, f, NULL, 0) : -LINUX_ECONNREFUSED;
    }
    default:
        return -LINUX_EINVAL;
    }
}

int64_t files_set_umask(uint64_t mask)
{
    uint64_t old = files_umask;
    files_umask = mask & FILES_UMASK_BITS;
    return (int64_t)old;
}

int64_t files_getcwd(void *data, size_t *data_len)
{
    if (!file_store_is_linked(files_cwd_dir()))
        return -LINUX_ENOENT; /* removed since it was entered, as Linux's getcwd answers */
    *data_len = strlen(file_store_path(files_cwd_dir())) + 1;
    memcpy(data, file_store_path(files_cwd_dir()), *data_len);
    return (int64_t)*data_len;
}

int64_t files_fchdir(int32_t fd)
{
    int64_t err = 0;
    struct file_node *dir = files_dirfd_dir(fd, &err);
    if (dir)
        files_set_cwd(dir);
    return err;
}
