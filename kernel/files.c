/* SPDX-License-Identifier: MIT */
/* The open file descriptions, the descriptor table (kernel/files.h) and the file operations
 * on them in kernel memory (files_execute); the files themselves, by path, are in
 * kernel/file_store.c; the calls that name paths are kernel/files_path.c's, the eventfd,
 * timerfd, poll and epoll operations kernel/files_events.c's, socketpairs
 * kernel/files_socket.c's. The system calls that marshal user arguments into these
 * operations are in kernel/sys_file.c, sys_io.c, sys_poll.c, sys_socket.c and sys_timers.c.
 * Waiting: a call that cannot go on now (an empty or full pipe, a count of 0, nothing
 * ready) answers FILES_WOULD_BLOCK; its caller queues a waiter (files_wait), and every
 * change such a call may wait for (bytes moved, an end closed, a count changed, a timer
 * expired) runs the queued calls again, oldest first, finishing those that can go on. All
 * of this runs with interrupts off on the one CPU, so a change and its retries are one step. */
#include "kernel/files.h"

#include "drivers/serial_ports.h"
#include "kernel/clock.h"
#include "kernel/epoll.h"
#include "kernel/file_devices.h"
#include "kernel/file_store.h"
#include "kernel/files_internal.h"
#include "kernel/files_msg.h"
#include "kernel/files_sem.h"
#include "kernel/files_shm.h"
#include "kernel/files_stage.h"
#include "kernel/libc.h"
#include "kernel/linux_abi.h"
#include "kernel/log.h"
#include "kernel/mm.h"
#include "kernel/pipe.h"
#include "kernel/posix_timers.h"
#include "kernel/sched.h"
#include "kernel/thread.h"
#include "kernel/thread_names.h"

#define FILES_STDIN 0
#define FILES_STDOUT 1
#define FILES_STDERR 2
#define FILES_KEY_STDIN "stdin"
#define FILES_KEY_FILE "file="
#define FILES_BLOCK_SIZE 4096
#define FILES_CHAR_MODE 0620       /* what a terminal's stat shows for stdin, stdout, stderr */
#define FILES_PIPE_MODE 0600       /* a pipe's ends, as Linux shows them */
#define FILES_SOCKET_MODE 0777     /* a socket's, as Linux shows it */
#define FILES_PIPE_FLAGS (LINUX_O_CLOEXEC | LINUX_O_NONBLOCK) /* pipe2(2) flags we take */
#define FILES_TMP_DIR "/tmp"
#define FILES_TMP_MODE 01777       /* rwx for all, sticky (FHS 3.0 3.18) */
#define FILES_DEV_DIR "/dev"
#define FILES_DEV_MODE 0755
#define FILES_SHM_DIR "/dev/shm"
#define FILES_HOSTS_PATH "/etc/hosts"
/* "localhost" is this host's loopback (hosts(5)), for musl's getaddrinfo and Go's resolver,
 * which read the file before any DNS: IPv4 only, as the program's sockets are. */
static const char files_etc_hosts[] = "127.0.0.1\tlocalhost\n";
static const uint8_t *files_stdin;   /* its bytes: empty unless a module says "stdin" */
static uint64_t files_stdin_size;
struct file_desc files_descs[FILES_DESCS_MAX];
struct fd_slot files_fds[FILES_MAX_FDS];
static struct files_waiter *files_waiting;     /* queued calls, oldest first */
bool files_changed;
static bool files_retrying;                    /* the queue is being run (no nesting) */
struct file_desc *files_desc_new(enum file_kind kind, uint32_t status)
{
    for (size_t i = 0; i < FILES_DESCS_MAX; i++) {
        struct file_desc *d = &files_descs[i];
        if (d->refs == 0) {
            *d = (struct file_desc){ .refs = 1, .kind = kind, .status = status };
            return d;
        }
    }
    return NULL;
}

/* A directory the program expects at path, unless a boot module's path made it already. */
static void files_make_dir(const char *path, uint32_t mode)
{
    int64_t rc = file_store_mkdir(path, mode);
    if (rc != 0 && rc != -LINUX_EEXIST)
        log_warn("files: no %s (%lld)", path, (long long)rc);
}

void files_init(const struct boot_info *info)
{
    for (size_t i = 1; i < info->module_count; i++) {
        const struct boot_module *m = &info->modules[i];
        const uint8_t *data = phys_to_virt(m->start);
        uint64_t size = m->end - m->start;
        const char *path = boot_module_word(m->cmdline, FILES_KEY_FILE, true);
        if (boot_module_word(m->cmdline, FILES_KEY_STDIN, false)) {
            files_stdin = data;
            files_stdin_size = size;
            log_info("files: stdin is module %zu (%llu bytes)", i, (unsigned long long)size);
        } else if (path) {
            path += strlen(FILES_KEY_FILE);
            size_t len = 0;
            while (path[len] && path[len] != ' ')
                len++;
            if (file_store_add_module(path, len, data, size))
                log_info("files: %.*s is module %zu (%llu bytes)", (int)len, path, i, (unsigned long long)size);
            else
                log_warn("files: module %zu ('%s'): no room or path too long; ignored", i, m->cmdline);
        } else if (!boot_module_word(m->cmdline, BOOT_MODULE_ENV, false)) {
            log_warn("files: module %zu ('%s') is neither stdin, env nor file=/path; ignored", i, m->cmdline);
        }
    }
    /* Programs expect a world-writable /tmp (FHS 3.0 3.18): mkstemp, tmpfile. A boot module
     * under it made it already. */
    files_make_dir(FILES_TMP_DIR, FILES_TMP_MODE);
    /* ... and POSIX shared memory and named semaphores (musl's shm_open and sem_open) a
     * world-writable /dev/shm, as Linux's tmpfs there. */
    files_make_dir(FILES_DEV_DIR, FILES_DEV_MODE);
    files_make_dir(FILES_SHM_DIR, FILES_TMP_MODE);
    /* A boot module at the path made it already (then this adds nothing). */
    file_store_add_module(FILES_HOSTS_PATH, strlen(FILES_HOSTS_PATH), (const uint8_t *)files_etc_hosts,
                          sizeof files_etc_hosts - 1);
    file_devices_add();
    files_fds[FILES_STDIN].desc = files_desc_new(FILE_KIND_STDIN, LINUX_O_RDONLY);
    files_fds[FILES_STDOUT].desc = files_desc_new(FILE_KIND_STDOUT, LINUX_O_WRONLY);
    files_fds[FILES_STDERR].desc = files_desc_new(FILE_KIND_STDERR, LINUX_O_WRONLY);
    files_remote_init();
}

/* ---- descriptors ---- */

int files_lowest_free(int from)
{
    for (int fd = from; fd < FILES_MAX_FDS; fd++)
        if (!files_fds[fd].desc)
            return fd;
    return -LINUX_EMFILE;
}

/* Drops one reference to d; the last closes its pipe end (and frees the pipe with both) or
 * its socket's ends, lets its file go, frees its interest list or stops its timer. */
static void files_desc_put(struct file_desc *d)
{
    if (--d->refs)
        return;
    files_events_release(d);
    files_flock_release(d);
    if (d->kind == FILE_KIND_SOCKET) {
        files_socket_release(d);
        return;
    }
    if (d->kind == FILE_KIND_MQUEUE) {
        files_mq_release(d);
        return;
    }
    if (d->kind == FILE_KIND_PIPE_RDWR) /* its writer end here, its reader end below */
        files_pipe_drop_end(d->pipe, false);
    if (d->pipe) /* a FIFO's pipe first: its node (d->file) must outlive it */
        files_pipe_drop_end(d->pipe, d->kind != FILE_KIND_PIPE_WRITE);
    d->pipe = NULL;
    if (d->file) {
        file_store_release(d->file);
        d->file = NULL;
    }
}

void files_pipe_drop_end(struct pipe *p, bool reader)
{
    if (reader)
        p->readers--;
    else
        p->writers--;
    p->changes++; /* the other end sees end of file or EPIPE: an edge */
    files_changed = true; /* a waiting reader now sees end of file, a writer EPIPE */
    if (!p->readers && !p->writers)
        files_pipe_free(p);
}

static void files_fd_close(int fd)
{
    struct fd_slot *s = &files_fds[fd];
    if (s->desc && s->desc->kind == FILE_KIND_MQUEUE)
        files_mq_closed(s->desc);
    if (s->desc)
        files_desc_put(s->desc);
    *s = (struct fd_slot){ 0 };
}

void files_fd_install(int fd, struct file_desc *d, bool cloexec)
{
    files_fds[fd] = (struct fd_slot){ .desc = d, .cloexec = cloexec };
}

/* ---- files ---- */

/* The bytes of stdin at offset, up to len, into data; the count. */
static int64_t files_stdin_copy(uint64_t offset, void *data, uint32_t len, size_t *data_len)
{
    uint64_t n = offset >= files_stdin_size ? 0 : files_stdin_size - offset;
    if (n > len)
        n = len;
    if (n)
        memcpy(data, files_stdin + offset, (size_t)n);
    *data_len = (size_t)n;
    return (int64_t)n;
}

static int64_t files_lseek(struct file_desc *d, uint64_t offset, uint64_t whence)
{
    if (d->kind != FILE_KIND_FILE)
        return -LINUX_ESPIPE;
    int64_t base;
    switch (whence) {
    case LINUX_SEEK_SET: base = 0; break;
    case LINUX_SEEK_CUR: base = (int64_t)d->offset; break;
    case LINUX_SEEK_END: base = (int64_t)file_store_size(d->file); break;
    default: return -LINUX_EINVAL;
    }
    int64_t off = (int64_t)offset;
    if ((off < 0 && base + off < 0) || (off > 0 && base > INT64_MAX - off))
        return -LINUX_EINVAL;
    d->offset = (uint64_t)(base + off);
    return (int64_t)d->offset;
}

/* The stat of description d (its inode number is ino unless it is a file of the store): a
 * terminal for stdin, stdout and stderr, a FIFO for a pipe's end. */
static void files_fill_stat(struct linux_stat *st, uint64_t ino, const struct file_desc *d)
{
    if (d->file) { /* a file of the store, or an end of a named FIFO */
        file_store_stat(d->file, st);
        return;
    }
    memset(st, 0, sizeof *st);
    st->st_ino = ino;
    st->st_nlink = 1;
    st->st_blksize = FILES_BLOCK_SIZE;
    bool pipe_end = files_is_pipe(d);
    st->st_mode = pipe_end ? LINUX_S_IFIFO | FILES_PIPE_MODE : LINUX_S_IFCHR | FILES_CHAR_MODE;
    if (d->kind == FILE_KIND_SOCKET)
        st->st_mode = LINUX_S_IFSOCK | FILES_SOCKET_MODE;
    if (d->kind == FILE_KIND_EVENTFD || d->kind == FILE_KIND_EPOLL || d->kind == FILE_KIND_TIMERFD ||
        d->kind == FILE_KIND_SIGNALFD)
        st->st_mode = FILES_ANON_MODE; /* no file type bits: an anonymous inode */
    if (d->kind == FILE_KIND_MQUEUE)
        files_mq_stat(d, st);
}

void files_desc_stat(const struct file_desc *d, struct linux_stat *st)
{
    files_fill_stat(st, (uint64_t)(d - files_descs) + 1, d);
}

/* A write to a file at off: bytes written or -errno. */
static int64_t files_file_write(struct file_desc *d, uint64_t off, const struct files_call *c)
{
    if ((d->status & LINUX_O_ACCMODE) == LINUX_O_RDONLY)
        return -LINUX_EBADF;
    /* A comm file's write names its thread (Linux's comm_write: all bytes taken, the first
     * TASK_COMM_LEN - 1 kept); a seq file has no pwrite (seq_open clears FMODE_PWRITE). */
    if (d->comm_tid && c->op == FILES_OP_PWRITE)
        return -LINUX_ESPIPE;
    if (d->comm_tid)
        return thread_names_rename(d->comm_tid, c->in, c->len) ? (int64_t)c->len : -LINUX_ESRCH;
    return file_store_write(d->file, off, c->in, c->len);
}

/* ---- pipes ---- */

struct pipe *files_pipe_new(void)
{
    struct pipe *p = kmalloc(sizeof *p);
    uint8_t *ring = p ? kmalloc(PIPE_CAPACITY) : NULL;
    if (!ring) {
        kfree(p);
        return NULL;
    }
    pipe_init(p, ring);
    return p;
}

void files_pipe_free(struct pipe *p)
{
    if (p->fifo) /* its bytes go with its last end (fifo(7)); the next open makes a new one */
        *file_store_fifo_pipe(p->fifo) = NULL;
    kfree(p->ring);
    kfree(p);
}

int files_two_free(int fds[2])
{
    fds[0] = files_lowest_free(0);
    if (fds[0] < 0)
        return fds[0];
    fds[1] = files_lowest_free(fds[0] + 1); /* the next lowest: fds[0] stays free until both are found */
    return fds[1] < 0 ? fds[1] : 0;
}

int64_t files_install_pair(const int fds[2], struct file_desc *a, struct file_desc *b, bool cloexec, void *data,
                           size_t *data_len)
{
    files_fd_install(fds[0], a, cloexec);
    files_fd_install(fds[1], b, cloexec);
    int32_t out[2] = { fds[0], fds[1] };
    memcpy(data, out, sizeof out);
    *data_len = sizeof out;
    return 0;
}

static int64_t files_pipe_create(uint64_t flags, void *data, size_t *data_len)
{
    if (flags & ~(uint64_t)FILES_PIPE_FLAGS)
        return -LINUX_EINVAL; /* O_DIRECT (packet mode) and O_NOTIFICATION_PIPE are not done */
    int fds[2];
    int bad = files_two_free(fds);
    if (bad)
        return bad;
    uint32_t status = (uint32_t)flags & LINUX_O_NONBLOCK;
    struct file_desc *r = files_desc_new(FILE_KIND_PIPE_READ, LINUX_O_RDONLY | status);
    struct file_desc *w = r ? files_desc_new(FILE_KIND_PIPE_WRITE, LINUX_O_WRONLY | status) : NULL;
    struct pipe *p = w ? files_pipe_new() : NULL;
    if (!p) {
        if (r)
            r->refs = 0;
        if (w)
            w->refs = 0;
        return w ? -LINUX_ENOMEM : -LINUX_ENFILE;
    }
    r->pipe = w->pipe = p;
    return files_install_pair(fds, r, w, (flags & LINUX_O_CLOEXEC) != 0, data, data_len);
}

/* A read of up to len bytes from a pipe: what is there; 0 at end of file (no writer left);
 * else EAGAIN (O_NONBLOCK), 0 (FILES_CALL_NO_WAIT) or a wait. */
static int64_t files_pipe_read(struct file_desc *d, const struct files_call *c, void *data, size_t *data_len)
{
    struct pipe *p = d->pipe;
    if (c->len == 0 || (p->count == 0 && p->writers == 0))
        return 0;
    if (p->count == 0) {
        if (d->status & LINUX_O_NONBLOCK)
            return -LINUX_EAGAIN;
        return (c->flags & FILES_CALL_NO_WAIT) ? 0 : FILES_WOULD_BLOCK;
    }
    *data_len = pipe_take(p, data, c->len);
    files_changed = true;
    return (int64_t)*data_len;
}

/* A write of c->len <= PIPE_ATOMIC_MAX bytes to a pipe: all of them at once, or none:
 * EPIPE with no reader left, EAGAIN (O_NONBLOCK) or a wait while there is no room. */
_Static_assert(FILES_XFER_MAX <= PIPE_ATOMIC_MAX, "a write call must fit the pipe's atomic size");
static int64_t files_pipe_write(struct file_desc *d, const struct files_call *c)
{
    struct pipe *p = d->pipe;
    if (c->len == 0)
        return 0; /* before the reader check: Linux's pipe_write returns 0 for nothing too */
    if (p->readers == 0)
        return -LINUX_EPIPE;
    if (pipe_free(p) < c->len)
        return (d->status & LINUX_O_NONBLOCK) ? -LINUX_EAGAIN : FILES_WOULD_BLOCK;
    pipe_put(p, c->in, c->len);
    files_changed = true;
    return c->len;
}

/* getdents64(2) on d: records into data. */
static int64_t files_getdents(struct file_desc *d, const struct files_call *c, void *data, size_t *data_len)
{
    if (d->kind != FILE_KIND_FILE || !file_store_is_dir(d->file))
        return -LINUX_ENOTDIR;
    int64_t n = files_proc_fd_is_dir(d->file)     ? files_proc_fd_list(&d->offset, data, c->len)
                : files_proc_task_is_dir(d->file) ? files_proc_task_list(&d->offset, data, c->len)
                                                  : file_store_list(d->file, &d->offset, data, c->len);
    *data_len = n > 0 ? (size_t)n : 0;
    return n;
}

/* ---- operations on a descriptor ---- */

int64_t files_read_desc(struct file_desc *d, const struct files_call *c, void *data, size_t *data_len)
{
    switch (d->kind) {
    case FILE_KIND_STDIN: {
        int64_t n = files_stdin_copy(d->offset, data, c->len, data_len);
        d->offset += (uint64_t)n;
        return n;
    }
    case FILE_KIND_FILE:
        if ((d->status & LINUX_O_ACCMODE) == LINUX_O_WRONLY)
            return -LINUX_EBADF;
        if (file_store_is_dir(d->file))
            return -LINUX_EISDIR;
        *data_len = file_store_read(d->file, d->offset, data, c->len);
        d->offset += *data_len;
        return (int64_t)*data_len;
    case FILE_KIND_PIPE_READ:
    case FILE_KIND_PIPE_RDWR:
        return files_pipe_read(d, c, data, data_len);
    case FILE_KIND_SOCKET:
        return files_socket_recv(d, c, data, data_len);
    case FILE_KIND_MQUEUE:
        return files_mq_read_status(d, c, data, data_len);
    case FILE_KIND_SIGNALFD: { /* the caller reads its own signals (kernel/sys_signalfd.c) */
        if (c->len < FILES_SIGNALFD_INFO_SIZE)
            return -LINUX_EINVAL;
        struct files_signalfd s = { .mask = d->sigfd_mask, .nonblock = (d->status & LINUX_O_NONBLOCK) != 0 };
        memcpy(data, &s, sizeof s);
        *data_len = sizeof s;
        return FILES_SIGNALFD_READ;
    }
    case FILE_KIND_EVENTFD:
    case FILE_KIND_TIMERFD:
    case FILE_KIND_EPOLL:
        return files_events_read(d, c, data, data_len);
    default:
        return -LINUX_EBADF; /* not open for reading */
    }
}

int64_t files_write_desc(struct file_desc *d, const struct files_call *c)
{
    switch (d->kind) {
    case FILE_KIND_STDOUT:
    case FILE_KIND_STDERR:
        serial_port_write_raw(d->kind == FILE_KIND_STDOUT ? SERIAL_PORT_COM2 : SERIAL_PORT_COM3, c->in, c->len);
        return c->len;
    case FILE_KIND_PIPE_WRITE:
    case FILE_KIND_PIPE_RDWR:
        return files_pipe_write(d, c);
    case FILE_KIND_SOCKET:
        return files_socket_send(d, c);
    case FILE_KIND_MQUEUE:
        return -LINUX_EINVAL; /* Linux's mqueue file has no write */
    case FILE_KIND_EVENTFD:
    case FILE_KIND_TIMERFD:
    case FILE_KIND_EPOLL:
        return files_events_write(d, c);
    case FILE_KIND_FILE: {
        /* O_APPEND: at the end, and the offset follows, as on Linux */
        int64_t n = files_file_write(d, (d->status & LINUX_O_APPEND) ? file_store_size(d->file) : d->offset, c);
        if (n > 0)
            d->offset = ((d->status & LINUX_O_APPEND) ? file_store_size(d->file) : d->offset + (uint64_t)n);
        return n;
    }
    default:
        return -LINUX_EBADF; /* not open for writing */
    }
}

static int64_t files_fcntl(struct fd_slot *s, uint64_t cmd, uint64_t value)
{
    struct file_desc *d = s->desc;
    bool is_pipe = files_is_pipe(d);
    switch (cmd) {
    case LINUX_F_GETFD:
        return s->cloexec ? LINUX_FD_CLOEXEC : 0;
    case LINUX_F_SETFD:
        s->cloexec = (value & LINUX_FD_CLOEXEC) != 0;
        return 0;
    case LINUX_F_GETFL:
        return d->status;
    case LINUX_F_SETFL:
        d->status = (d->status & ~(uint32_t)FILES_SETFL_MASK) | ((uint32_t)value & FILES_SETFL_MASK);
        return 0;
    case LINUX_F_GETPIPE_SZ:
        return is_pipe ? (int64_t)PIPE_CAPACITY : -LINUX_EBADF;
    case LINUX_F_SETPIPE_SZ: /* the ring has one size: smaller requests get it, larger ones
                              * are over this kernel's pipe-max-size, as for an unprivileged caller */
        if (!is_pipe)
            return -LINUX_EBADF;
        return (uint32_t)value <= PIPE_CAPACITY ? (int64_t)PIPE_CAPACITY : -LINUX_EPERM;
    default:
        return -LINUX_EINVAL; /* locks, owners, leases, seals: not done */
    }
}

/* The requests every descriptor takes (ioctl(2), ioctl_list(2)): FIONREAD answers for pipes,
 * sockets and files (bytes past the offset), as Linux's; the others are the terminals'. */
static int64_t files_ioctl(struct fd_slot *s, uint64_t request, uint64_t on)
{
    struct file_desc *d = s->desc;
    switch (request) {
    case LINUX_FIONBIO:
        d->status = on ? d->status | LINUX_O_NONBLOCK : d->status & ~(uint32_t)LINUX_O_NONBLOCK;
        return 0;
    case LINUX_FIOCLEX:
    case LINUX_FIONCLEX:
        s->cloexec = request == LINUX_FIOCLEX;
        return 0;
    case LINUX_FIONREAD:
        if (d->kind == FILE_KIND_PIPE_READ || d->kind == FILE_KIND_PIPE_RDWR)
            return d->pipe->count;
        if (d->kind == FILE_KIND_SOCKET)
            return files_socket_pending(d);
        if (d->kind == FILE_KIND_FILE && !file_store_is_dir(d->file))
            return file_store_size(d->file) > d->offset ? (int64_t)(file_store_size(d->file) - d->offset) : 0;
        return -LINUX_ENOTTY;
    default:
        return -LINUX_ENOTTY; /* no descriptor is a terminal: TIOCGWINSZ and the rest */
    }
}

/* Operations that name a descriptor; fd is open. */
static int64_t files_execute_fd(const struct files_call *c, void *data, size_t *data_len)
{
    struct fd_slot *s = &files_fds[c->fd];
    struct file_desc *d = s->desc;
    switch (c->op) {
    case FILES_OP_CHECK:
        return 0;
    case FILES_OP_CLOSE:
        files_fd_close(c->fd);
        return 0;
    case FILES_OP_READ:
        if (files_maps_newer(d, c, d->offset, data, data_len))
            return FILES_MAPS_WRITE_BACK;
        return files_read_desc(d, c, data, data_len);
    case FILES_OP_WRITE: {
        uint64_t at = d->kind != FILE_KIND_FILE         ? 0
                      : (d->status & LINUX_O_APPEND) ? file_store_size(d->file)
                                                      : d->offset;
        int64_t written = files_write_desc(d, c);
        files_maps_written(d, c, at, written, data, data_len);
        return written;
    }
    case FILES_OP_PREAD:
    case FILES_OP_PWRITE:
        if (d->kind != FILE_KIND_FILE)
            return -LINUX_ESPIPE;
        if ((int64_t)c->arg < 0)
            return -LINUX_EINVAL;
        if (c->op == FILES_OP_PWRITE) {
            uint64_t at = (d->status & LINUX_O_APPEND) ? file_store_size(d->file) : c->arg;
            int64_t written = files_file_write(d, at, c);
            files_maps_written(d, c, at, written, data, data_len);
            return written;
        }
        if ((d->status & LINUX_O_ACCMODE) == LINUX_O_WRONLY)
            return -LINUX_EBADF;
        if (file_store_is_dir(d->file))
            return -LINUX_EISDIR;
        if (files_maps_newer(d, c, c->arg, data, data_len))
            return FILES_MAPS_WRITE_BACK;
        *data_len = file_store_read(d->file, c->arg, data, c->len);
        return (int64_t)*data_len;
    case FILES_OP_TRUNCATE: /* ftruncate(2): a file open for writing, else EINVAL */
        if (d->kind != FILE_KIND_FILE || (d->status & LINUX_O_ACCMODE) == LINUX_O_RDONLY || (int64_t)c->arg < 0)
            return -LINUX_EINVAL;
        return file_store_truncate(d->file, c->arg);
    case FILES_OP_LSEEK:
        return files_lseek(d, c->arg, c->arg2);
    case FILES_OP_FSTAT:
        files_desc_stat(d, data);
        *data_len = sizeof(struct linux_stat);
        return 0;
    case FILES_OP_DUP: {
        if (c->arg >= FILES_MAX_FDS)
            return -LINUX_EINVAL;
        int fd = files_lowest_free((int)c->arg);
        if (fd < 0)
            return fd;
        d->refs++;
        files_fd_install(fd, d, c->arg2 != 0);
        return fd;
    }
    case FILES_OP_DUP_TO:
        if (c->arg >= FILES_MAX_FDS)
            return -LINUX_EBADF;
        if (c->arg == (uint64_t)c->fd)
            return c->fd;
        d->refs++;
        files_fd_close((int)c->arg);
        files_fd_install((int)c->arg, d, c->arg2 != 0);
        return (int64_t)c->arg;
    case FILES_OP_FCNTL:
        return files_fcntl(s, c->arg, c->arg2);
    case FILES_OP_GETDENTS:
        return files_getdents(d, c, data, data_len);
    case FILES_OP_EPOLL_CTL:
        return files_epoll_ctl(d, c);
    case FILES_OP_EPOLL_WAIT:
        files_poll_signals = c->arg2;
        return files_epoll_wait(d, c, data, data_len);
    case FILES_OP_SEND:
    case FILES_OP_RECV:
        if (d->kind != FILE_KIND_SOCKET)
            return -LINUX_ENOTSOCK;
        return c->op == FILES_OP_SEND ? files_socket_send(d, c) : files_socket_recv(d, c, data, data_len);
    case FILES_OP_RECVFROM:
        return files_socket_recvfrom(d, c, data, data_len);
    case FILES_OP_SENDTO: {
        if (d->kind != FILE_KIND_SOCKET)
            return -LINUX_ENOTSOCK;
        if (d->udp)
            return files_udp_sendto(d, c);
        struct files_sendto_head h; /* another socket's send to an address (unix_stream_sendmsg) */
        if ((c->arg2 >> FILES_STAGE_OFFSET_SHIFT) || c->len < sizeof h)
            return -LINUX_EINVAL;
        memcpy(&h, c->in, sizeof h);
        return h.to_error == LINUX_EFAULT ? -LINUX_EFAULT : d->pipe ? -LINUX_EISCONN : -LINUX_EOPNOTSUPP;
    }
    case FILES_OP_SOCKET_ERROR:
        return d->kind != FILE_KIND_SOCKET ? -LINUX_ENOTSOCK : d->udp ? files_udp_take_error(d) : 0;
    case FILES_OP_SHUTDOWN:
        return files_socket_shutdown(d, c->arg);
    case FILES_OP_IOCTL:
        return files_ioctl(s, c->arg, c->arg2);
    case FILES_OP_SOCKET_TYPE:
        return d->kind == FILE_KIND_SOCKET
                   ? d->sock_type | (d->listening ? FILES_SOCKET_LISTENING : 0) | (d->sock_inet ? FILES_SOCKET_INET : 0)
                   : -LINUX_ENOTSOCK;
    case FILES_OP_BIND_ABSTRACT:
    case FILES_OP_CONNECT_ABSTRACT:
    case FILES_OP_LISTEN:
    case FILES_OP_ACCEPT:
    case FILES_OP_SOCKNAME:
        return files_socket_call(d, c, data, data_len);
    case FILES_OP_TIMERFD_SET:
        return files_timerfd_settime(d, c, data, data_len);
    case FILES_OP_TIMERFD_GET:
        return files_timerfd_gettime(d, data, data_len);
    case FILES_OP_CHMOD: /* fchmod(2), futimens(3): a file's or directory's; pipes and the rest have no such */
    case FILES_OP_UTIMENS:
        return d->kind == FILE_KIND_FILE ? files_set_meta(d->file, c) : 0;
    case FILES_OP_CHDIR: /* fchdir(2): to a removed directory too, as Linux allows */
        return files_fchdir(c->fd);
    case FILES_OP_CHOWN: /* fchown(2): a file's or directory's; pipes and the rest keep root's */
        return d->kind == FILE_KIND_FILE ? file_store_chown(d->file, (uint32_t)c->arg, (uint32_t)c->arg2) : 0;
    case FILES_OP_FALLOCATE:
        return files_fallocate(d, c->arg, c->arg2);
    case FILES_OP_STATFS:
        return files_statfs(data, data_len);
    case FILES_OP_FLOCK:
        return files_flock(d, c->arg);
    case FILES_OP_MAP_ADD:
        return files_map_add(d, c);
    case FILES_OP_FIFO_WAIT:
        return files_fifo_wait(d, c);
    case FILES_OP_MQ_SEND:
    case FILES_OP_MQ_RECEIVE:
    case FILES_OP_MQ_NOTIFY:
    case FILES_OP_MQ_GETSETATTR:
        if (d->kind != FILE_KIND_MQUEUE)
            return -LINUX_EBADF; /* Linux: not a message queue descriptor */
        return c->op == FILES_OP_MQ_SEND      ? files_mq_send(d, c)
               : c->op == FILES_OP_MQ_RECEIVE ? files_mq_receive(d, c, data, data_len)
               : c->op == FILES_OP_MQ_NOTIFY  ? files_mq_notify(d, c)
                                              : files_mq_getsetattr(d, c, data, data_len);
    default:
        return -LINUX_EINVAL;
    }
}

bool files_op_has_input(uint32_t op)
{
    return op == FILES_OP_WRITE || op == FILES_OP_PWRITE || op == FILES_OP_POLL || op == FILES_OP_RENAME ||
           op == FILES_OP_EPOLL_CTL || op == FILES_OP_TIMERFD_SET || op == FILES_OP_TIMER_CREATE ||
           op == FILES_OP_TIMER_SET || op == FILES_OP_SEND || op == FILES_OP_UTIMENS || op == FILES_OP_MEMFD ||
           op == FILES_OP_LINK || op == FILES_OP_MAP_ADD || op == FILES_OP_MAP_WRITE || op == FILES_OP_SYMLINK ||
           op == FILES_OP_MQ_OPEN || op == FILES_OP_MQ_SEND || op == FILES_OP_MQ_NOTIFY || op == FILES_OP_MQ_GETSETATTR ||
           op == FILES_OP_BIND_ABSTRACT || op == FILES_OP_CONNECT_ABSTRACT || op == FILES_OP_SHM || op == FILES_OP_SEM ||
           op == FILES_OP_MSG || op == FILES_OP_THREAD || op == FILES_OP_SENDTO;
}

/* files_execute without running the queue. */
static int64_t files_execute_one(const struct files_call *c, void *data, size_t *data_len)
{
    *data_len = 0;
    if (c->len > FILES_XFER_MAX || c->path_len >= FILES_PATH_MAX || strnlen(c->path, c->path_len) != c->path_len ||
        c->path[c->path_len] != '\0' || (c->flags & ~FILES_CALL_FLAGS) ||
        (files_op_has_input(c->op) && c->len && !c->in))
        return -LINUX_EINVAL;
    bool on_fd = c->path_len == 0 && (c->op == FILES_OP_CHDIR || c->op == FILES_OP_CHMOD || c->op == FILES_OP_UTIMENS ||
                                      c->op == FILES_OP_CHOWN || c->op == FILES_OP_STATFS);
    if (files_op_has_path(c->op) && !on_fd)
        return files_execute_path(c, data, data_len);
    switch (c->op) {
    case FILES_OP_GETCWD:
        return files_getcwd(data, data_len);
    case FILES_OP_UMASK:
        return files_set_umask(c->arg);
    case FILES_OP_PIPE:
        return files_pipe_create(c->arg, data, data_len);
    case FILES_OP_EVENTFD:
        return files_eventfd_create(c->arg, c->arg2);
    case FILES_OP_EPOLL_CREATE:
        return files_epoll_create(c->arg);
    case FILES_OP_TIMERFD_CREATE:
        return files_timerfd_create(c->arg, c->arg2);
    case FILES_OP_SOCKETPAIR:
        return files_socketpair(c->arg, c->arg2, data, data_len);
    case FILES_OP_TIMER_CREATE:
    case FILES_OP_TIMER_SET:
    case FILES_OP_TIMER_GET:
    case FILES_OP_TIMER_OVERRUN:
    case FILES_OP_TIMER_DELETE:
        return posix_timers_call(c, data, data_len);
    case FILES_OP_CLOSE_RANGE:
    case FILES_OP_CLOEXEC_RANGE:
        for (uint64_t fd = c->arg; fd <= c->arg2 && fd < FILES_MAX_FDS; fd++) {
            if (c->op == FILES_OP_CLOSE_RANGE)
                files_fd_close((int)fd); /* a closed one stays closed */
            else if (files_fds[fd].desc)
                files_fds[fd].cloexec = true;
        }
        return 0;
    case FILES_OP_POLL:
        files_poll_signals = c->arg2;
        return files_poll(c, data, data_len);
    case FILES_OP_MEMFD:
        return files_memfd_create(c);
    case FILES_OP_MAP_WRITE:
        return files_map_write(c, data, data_len);
    case FILES_OP_MAP_REMOVE:
        return files_map_remove(c->arg, c->arg2);
    case FILES_OP_SOCKET:
        return files_socket_create(c->arg, c->arg2);
    case FILES_OP_PROCESS_ATTR:
        return process_attr_call(c);
    case FILES_OP_THREAD:
        return thread_names_execute(c, data, data_len);
    case FILES_OP_SIGNALFD:
        return files_signalfd(c);
    case FILES_OP_SHM:
        return files_shm_call(c, data, data_len);
    case FILES_OP_SEM:
        return files_sem_call(c, data, data_len);
    case FILES_OP_MSG:
        return files_msg_call(c, data, data_len);
    case FILES_OP_SPLICE:
        return files_splice(c);
    case FILES_OP_MQ_OPEN:
        return files_mq_open(c);
    case FILES_OP_MQ_UNLINK:
        return files_mq_unlink(c);
    case FILES_OP_RECEIVE_REST:
        return files_stage_rest(c, data, data_len);
    default:
        break;
    }
    if (c->fd < 0 || c->fd >= FILES_MAX_FDS || !files_fds[c->fd].desc)
        return -LINUX_EBADF;
    return files_execute_fd(c, data, data_len);
}

/* ---- waiting ---- */

/* A queued call once more: a read or write on the description it holds. */
static int64_t files_execute_queued(struct files_waiter *w)
{
    w->data_len = 0;
    if (!w->held)
        return files_execute_one(&w->call, w->bytes, &w->data_len);
    switch (w->call.op) {
    case FILES_OP_READ:
        return files_read_desc(w->held, &w->call, w->bytes, &w->data_len);
    case FILES_OP_RECV:
        return files_socket_recv(w->held, &w->call, w->bytes, &w->data_len);
    case FILES_OP_RECVFROM:
        return files_socket_recvfrom(w->held, &w->call, w->bytes, &w->data_len);
    case FILES_OP_SEND:
        return files_socket_send(w->held, &w->call);
    case FILES_OP_FIFO_WAIT:
        return files_fifo_wait(w->held, &w->call);
    case FILES_OP_MQ_SEND:
        return files_mq_send(w->held, &w->call);
    case FILES_OP_MQ_RECEIVE:
        return files_mq_receive(w->held, &w->call, w->bytes, &w->data_len);
    case FILES_OP_ACCEPT:
        return files_socket_accept(w->held, &w->call, w->bytes, &w->data_len);
    default:
        return files_write_desc(w->held, &w->call);
    }
}

/* A call leaves the queue: its description goes (which may close a pipe's end). */
static void files_waiter_drop_hold(struct files_waiter *w)
{
    if (w->held) {
        files_desc_put(w->held);
        w->held = NULL;
    }
}

/* Runs the queued calls again after pipe changes, oldest first, until a pass finishes
 * none (each finished call moved bytes or saw an end close, and leaves the queue). */
void files_run_waiters(void)
{
    if (files_retrying)
        return; /* the running pass sees the change */
    files_retrying = true;
    while (files_changed) {
        files_changed = false;
        for (struct files_waiter **link = &files_waiting; *link;) {
            struct files_waiter *w = *link;
            int64_t r = files_execute_queued(w);
            if (r == FILES_WOULD_BLOCK) {
                link = &w->next;
                continue;
            }
            *link = w->next;
            w->next = NULL;
            files_waiter_drop_hold(w);
            w->done(w, r);
        }
    }
    files_retrying = false;
}

int64_t files_execute(const struct files_call *c, void *data, size_t *data_len)
{
    int64_t r = files_execute_one(c, data, data_len);
    if (files_changed)
        files_run_waiters();
    return r;
}

struct files_waiter *files_waiter_new(const struct files_call *c)
{
    struct files_waiter *w = kmalloc(sizeof *w);
    if (!w)
        return NULL;
    memset(w, 0, offsetof(struct files_waiter, bytes));
    w->data_len = 0;
    w->done = NULL;
    w->ctx = NULL;
    w->result = 0;
    w->finished = false;
    w->held = NULL;
    w->call = *c;
    if (c->op == FILES_OP_WRITE || c->op == FILES_OP_POLL || c->op == FILES_OP_SEND || c->op == FILES_OP_MQ_SEND ||
        c->op == FILES_OP_SEM || c->op == FILES_OP_MSG) {
        memcpy(w->bytes, c->in, c->len);
        w->call.in = w->bytes;
    }
    return w;
}

void files_wait(struct files_waiter *w)
{
    const struct files_call *c = &w->call;
    bool on_fd = (c->op == FILES_OP_READ || c->op == FILES_OP_WRITE || c->op == FILES_OP_RECV ||
                  c->op == FILES_OP_RECVFROM || c->op == FILES_OP_SEND || c->op == FILES_OP_MQ_SEND ||
                  c->op == FILES_OP_MQ_RECEIVE || c->op == FILES_OP_ACCEPT) &&
                 c->fd >= 0 && c->fd < FILES_MAX_FDS;
    w->held = on_fd ? files_fds[c->fd].desc : NULL;
    if (w->held)
        w->held->refs++;
    struct files_waiter **link = &files_waiting;
    while (*link)
        link = &(*link)->next;
    w->next = NULL;
    *link = w;
}

unsigned files_count_waiters(bool (*match)(const struct files_waiter *w, const void *ctx), const void *ctx)
{
    unsigned count = 0;
    for (const struct files_waiter *w = files_waiting; w; w = w->next)
        count += match(w, ctx);
    return count;
}

bool files_any_waiter(bool (*match)(const struct files_waiter *w, const void *ctx), const void *ctx)
{
    return files_count_waiters(match, ctx) != 0;
}

void files_finish_waiters(bool (*match)(const struct files_waiter *w, const void *ctx), const void *ctx,
                          int64_t result)
{
    for (struct files_waiter **link = &files_waiting; *link;) {
        struct files_waiter *w = *link;
        if (!match(w, ctx)) {
            link = &w->next;
            continue;
        }
        *link = w->next;
        w->next = NULL;
        files_waiter_drop_hold(w);
        w->data_len = 0;
        w->done(w, result);
    }
}

bool files_unwait(struct files_waiter *w)
{
    for (struct files_waiter **link = &files_waiting; *link; link = &(*link)->next) {
        if (*link == w) {
            *link = w->next;
            w->next = NULL;
            files_waiter_drop_hold(w);
            if (files_changed)
                files_run_waiters();
            return true;
        }
    }
    return false;
}

/* A local waiter's call finished: ctx is its thread. */
static void files_local_done(struct files_waiter *w, int64_t result)
{
    w->result = result;
    w->finished = true;
    sched_wake(w->ctx);
}

/* The last run of a waiter whose deadline passed: what the call gives now, without waiting. */
static int64_t files_execute_at_deadline(const struct files_call *c, void *data, size_t *data_len)
{
    struct files_call last = *c;
    last.flags |= FILES_CALL_NO_WAIT;
    return files_execute(&last, data, data_len);
}

int64_t files_execute_waiting(const struct files_call *c, void *data, size_t *data_len, uint64_t deadline)
{
    int64_t r = files_execute(c, data, data_len);
    if (r != FILES_WOULD_BLOCK)
        return r;
    struct files_waiter *w = files_waiter_new(c);
    if (!w)
        return -LINUX_ENOMEM;
    struct thread *t = thread_current();
    w->done = files_local_done;
    w->ctx = t;
    files_wait(w);
    t->wait_interrupted = false;
    t->wait_interruptible = true;
    bool timed_out = false;
    while (!w->finished && !t->wait_interrupted && !timed_out) {
        t->wake_deadline_ns = deadline;
        sched_block();
        timed_out = deadline && clock_now_ns() >= deadline;
    }
    t->wait_interruptible = false;
    t->wake_deadline_ns = 0;
    if (!w->finished) { /* a signal's handler runs first (the call restarts or fails with
                         * EINTR), or the time is up */
        files_unwait(w);
        kfree(w);
        return timed_out ? files_execute_at_deadline(c, data, data_len) : -LINUX_ERESTARTSYS;
    }
    r = w->result;
    *data_len = w->data_len;
    if (w->data_len)
        memcpy(data, w->bytes, w->data_len);
    kfree(w);
    return r;
}
