/* SPDX-License-Identifier: MIT */
/* /proc/self/fd (proc(5)): one entry per open descriptor of the program, named by its
 * number, made from node 0's descriptor table at each lookup and listing, so it is never
 * stale and takes no slot of the file store. As on Linux the entries are links that lead
 * to the open thing itself: a store file's or directory's link is its path (resolution
 * goes on there, so open and stat reach the file); any other description (the console
 * streams, pipes, sockets, eventfds, ...) has a link text in Linux's form ("pipe:[INO]",
 * "anon_inode:[eventfd]") that names nothing, and opening the entry gives a new descriptor
 * of that same description. /dev/fd, /dev/stdin, /dev/stdout and /dev/stderr link here, as
 * udev makes them on Linux, so a program may name its output "/dev/stdout". */
#include "kernel/file_store.h"
#include "kernel/files_internal.h"
#include "kernel/format.h"
#include "kernel/libc.h"
#include "kernel/linux_abi.h"
#include "kernel/path.h"

#define FILES_PROC_FD_DIR "/proc/1/fd"
#define FILES_PROC_FD_DIR_MODE 0500  /* dr-x------, as Linux's */
#define FILES_PROC_FD_LINK_MODE 0700 /* lrwx------ */
#define FILES_PROC_FD_COOKIE_FIRST 2 /* getdents positions: ".", "..", then 2 + a descriptor */
/* Entries' inode numbers: past the store's (kernel/file_store.c numbers its slots from
 * 1000) and the descriptions' (1 + their index), one per descriptor. */
#define FILES_PROC_FD_INO_BASE 100000u
#define FILES_PROC_FD_NUMBER_MAX 3 /* decimal digits of a descriptor below FILES_MAX_FDS */
_Static_assert(FILES_MAX_FDS <= 1000, "descriptor numbers fit FILES_PROC_FD_NUMBER_MAX digits");

static const struct {
    const char *path, *target;
} files_proc_fd_dev_links[] = {
    { "/dev/fd", "/proc/self/fd" },
    { "/dev/stdin", "/proc/self/fd/0" },
    { "/dev/stdout", "/proc/self/fd/1" },
    { "/dev/stderr", "/proc/self/fd/2" },
};

static struct file_node *files_proc_fd_dir;

bool files_proc_fd_add(void)
{
    bool ok = file_store_mkdir(FILES_PROC_FD_DIR, FILES_PROC_FD_DIR_MODE) == 0;
    files_proc_fd_dir = file_store_lookup(FILES_PROC_FD_DIR);
    for (size_t i = 0; i < sizeof files_proc_fd_dev_links / sizeof files_proc_fd_dev_links[0]; i++) {
        const char *target = files_proc_fd_dev_links[i].target;
        ok &= file_store_symlink(files_proc_fd_dev_links[i].path, target, strlen(target)) == 0;
    }
    return ok && files_proc_fd_dir;
}

bool files_proc_fd_is_dir(const struct file_node *dir)
{
    return dir && dir == files_proc_fd_dir;
}

bool files_proc_fd_path(const char *path, int *fd)
{
    if (!files_proc_fd_dir || !path_is_child(path, FILES_PROC_FD_DIR))
        return false;
    const char *name = path_last(path);
    size_t len = strlen(name);
    *fd = -1;
    if (len == 0 || len > FILES_PROC_FD_NUMBER_MAX || (len > 1 && name[0] == '0'))
        return true; /* "007" is no entry: Linux's names are the numbers as printed */
    int n = 0;
    for (size_t i = 0; i < len; i++) {
        if (name[i] < '0' || name[i] > '9')
            return true;
        n = n * 10 + (name[i] - '0');
    }
    if (n < FILES_MAX_FDS)
        *fd = n;
    return true;
}

/* The description descriptor fd names, or NULL. */
static struct file_desc *files_proc_fd_desc(int fd)
{
    return fd >= 0 && fd < FILES_MAX_FDS ? files_fds[fd].desc : NULL;
}

/* Whether d is a store file or directory still named by a path (its link leads there). */
static bool files_proc_fd_names_a_path(const struct file_desc *d)
{
    return d->kind == FILE_KIND_FILE && d->file && file_store_is_linked(d->file);
}

enum path_kind files_proc_fd_kind(int fd)
{
    const struct file_desc *d = files_proc_fd_desc(fd);
    return !d ? PATH_MISSING : files_proc_fd_names_a_path(d) ? PATH_LINK : PATH_FILE;
}

int files_proc_fd_read_link(int fd, char *target, size_t size)
{
    const struct file_desc *d = files_proc_fd_desc(fd);
    if (!d)
        return -LINUX_ENOENT;
    unsigned ino = (unsigned)(d - files_descs) + 1; /* what fstat shows */
    int len;
    if (d->file) /* a store file (unlinked: Linux's " (deleted)") or a named FIFO's end */
        len = fmt_snprintf(target, size, "%s%s", file_store_path(d->file),
                           file_store_is_linked(d->file) ? "" : " (deleted)");
    else if (files_is_pipe(d))
        len = fmt_snprintf(target, size, "pipe:[%u]", ino);
    else if (d->kind == FILE_KIND_SOCKET)
        len = fmt_snprintf(target, size, "socket:[%u]", ino);
    else if (d->kind == FILE_KIND_EVENTFD)
        len = fmt_snprintf(target, size, "anon_inode:[eventfd]");
    else if (d->kind == FILE_KIND_EPOLL)
        len = fmt_snprintf(target, size, "anon_inode:[eventpoll]");
    else if (d->kind == FILE_KIND_TIMERFD)
        len = fmt_snprintf(target, size, "anon_inode:[timerfd]");
    else if (d->kind == FILE_KIND_SIGNALFD)
        len = fmt_snprintf(target, size, "anon_inode:[signalfd]");
    else if (d->kind == FILE_KIND_MQUEUE)
        len = fmt_snprintf(target, size, "/%s", files_mq_name(d)); /* its path in Linux's mqueue fs */
    else /* stdin, stdout, stderr: the kernel's console streams to the controller */
        len = fmt_snprintf(target, size, "/dev/console");
    return len < 0 || (size_t)len >= size ? -LINUX_ENAMETOOLONG : len;
}

uint64_t files_proc_dot(const struct file_node *dir, const char *parent, uint64_t cookie, char name[3])
{
    const struct file_node *n = cookie == 0 ? dir : file_store_lookup(parent);
    struct linux_stat st;
    file_store_stat(n ? n : dir, &st);
    memcpy(name, cookie == 0 ? "." : "..", cookie == 0 ? 2 : 3);
    return st.st_ino;
}

int64_t files_proc_fd_list(uint64_t *cookie, void *buf, size_t len)
{
    size_t used = 0;
    const uint64_t end = FILES_PROC_FD_COOKIE_FIRST + FILES_MAX_FDS;
    for (uint64_t c = *cookie; c < end; c++) {
        char name[FILES_PROC_FD_NUMBER_MAX + 1];
        uint64_t ino;
        uint8_t type = LINUX_DT_LNK;
        if (c < FILES_PROC_FD_COOKIE_FIRST) {
            ino = files_proc_dot(files_proc_fd_dir, "/proc/1", c, name);
            type = LINUX_DT_DIR;
        } else {
            int fd = (int)(c - FILES_PROC_FD_COOKIE_FIRST);
            if (!files_proc_fd_desc(fd))
                continue;
            fmt_snprintf(name, sizeof name, "%d", fd);
            ino = FILES_PROC_FD_INO_BASE + (uint64_t)fd;
        }
        if (!file_store_dirent(buf, len, &used, ino, c + 1, type, name))
            return used ? (int64_t)used : -LINUX_EINVAL; /* the first record must fit (getdents64(2)) */
        *cookie = c + 1;
    }
    *cookie = end;
    return (int64_t)used;
}

/* open(2) of the entry: a new descriptor of fd's description, if it allows the access. */
static int64_t files_proc_fd_reopen(struct file_desc *d, uint64_t flags)
{
    uint64_t want = flags & LINUX_O_ACCMODE, has = d->status & LINUX_O_ACCMODE;
    if (flags & LINUX_O_DIRECTORY)
        return -LINUX_ENOTDIR;
    if (want == LINUX_O_ACCMODE || (want != LINUX_O_RDONLY && has == LINUX_O_RDONLY) ||
        (want != LINUX_O_WRONLY && has == LINUX_O_WRONLY))
        return -LINUX_EACCES;
    int fd = files_lowest_free(0);
    if (fd < 0)
        return fd;
    d->refs++;
    files_fd_install(fd, d, (flags & LINUX_O_CLOEXEC) != 0);
    return fd;
}

int64_t files_proc_fd_call(int fd, const struct files_call *c, bool followed, void *data, size_t *data_len)
{
    struct file_desc *d = files_proc_fd_desc(fd);
    /* Linux's errors there: a name that is no open descriptor is not found, even by an
     * open that would create it, and what makes or removes a name is EPERM. */
    if (files_op_makes_or_removes_name(c->op))
        return -LINUX_EPERM;
    if (!d)
        return -LINUX_ENOENT;
    switch (c->op) {
    case FILES_OP_OPEN:
        if ((c->arg & (LINUX_O_CREAT | LINUX_O_EXCL)) == (LINUX_O_CREAT | LINUX_O_EXCL))
            return -LINUX_EEXIST;
        if (!followed)
            return -LINUX_ELOOP; /* O_NOFOLLOW: the entry is a link */
        return files_proc_fd_reopen(d, c->arg);
    case FILES_OP_STAT: {
        struct linux_stat *st = data;
        *data_len = sizeof *st;
        if (followed) {
            files_desc_stat(d, st);
            return 0;
        }
        char target[FILES_PATH_MAX];
        int len = files_proc_fd_read_link(fd, target, sizeof target);
        memset(st, 0, sizeof *st);
        st->st_ino = FILES_PROC_FD_INO_BASE + (uint64_t)fd;
        st->st_mode = LINUX_S_IFLNK | FILES_PROC_FD_LINK_MODE;
        st->st_nlink = 1;
        st->st_size = len > 0 ? len : 0;
        return 0;
    }
    case FILES_OP_ACCESS:
        return 0;
    case FILES_OP_RENAME:
    case FILES_OP_LINK:
        return -LINUX_EXDEV; /* Linux: /proc is another file system */
    case FILES_OP_READLINK: {
        char target[FILES_PATH_MAX];
        int len = files_proc_fd_read_link(fd, target, sizeof target);
        if (len < 0)
            return len;
        memcpy(data, target, (size_t)len);
        *data_len = (size_t)len;
        return len;
    }
    default:
        return -LINUX_EPERM;
    }
}
