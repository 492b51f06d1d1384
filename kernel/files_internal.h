/* SPDX-License-Identifier: MIT */
/* The descriptor table's internals, shared by kernel/files.c (the table, files, pipes,
 * waiting), kernel/files_path.c (the calls that name paths), kernel/files_events.c
 * (eventfd, timerfd, poll, epoll) and kernel/files_socket.c (socketpairs). Private to
 * those files; everything here runs with interrupts off on the node with the table. */
#ifndef KERNEL_FILES_INTERNAL_H
#define KERNEL_FILES_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/eventfd.h"
#include "kernel/files.h"
#include "kernel/interval_timer.h"

/* What poll finds on a descriptor that is always ready (Linux's DEFAULT_POLLMASK, for files
 * without a poll method), and what it reports whether asked or not (poll(2)). */
#define FILES_POLL_ALWAYS (LINUX_POLLIN | LINUX_POLLOUT | LINUX_POLLRDNORM | LINUX_POLLWRNORM)
#define FILES_POLL_UNASKED (LINUX_POLLERR | LINUX_POLLHUP | LINUX_POLLNVAL)
#define FILES_SOCKET_NAME_MODE 0777 /* a bound socket's node, less the umask (unix_bind) */
#define FILES_ANON_MODE 0600 /* an anonymous inode's mode, as fstat shows an eventfd, timerfd or epoll */
/* F_SETFL changes only these (fcntl(2)); the others are kept */
#define FILES_SETFL_MASK (LINUX_O_APPEND | LINUX_O_NONBLOCK)
#define FILES_ANY_EXEC 0111 /* S_IXUSR | S_IXGRP | S_IXOTH */

enum file_kind {
    FILE_KIND_STDIN,
    FILE_KIND_STDOUT,
    FILE_KIND_STDERR,
    FILE_KIND_FILE,      /* a file of kernel/file_store.h */
    FILE_KIND_PIPE_READ,
    FILE_KIND_PIPE_WRITE,
    FILE_KIND_PIPE_RDWR, /* a named FIFO opened O_RDWR: both a reader and a writer of its pipe */
    FILE_KIND_EVENTFD,
    FILE_KIND_EPOLL,
    FILE_KIND_TIMERFD,
    FILE_KIND_SOCKET,    /* an end of a socketpair: reads pipe, writes pipe_out */
    FILE_KIND_MQUEUE,    /* a POSIX message queue (kernel/files_mq.c) */
    FILE_KIND_SIGNALFD,  /* a signalfd: its signals are the reading thread's (kernel/sys_signalfd.c) */
};

struct mq_queue;
struct files_udp;

/* An open file description; refs = descriptors naming it (0: free). */
struct file_desc {
    uint32_t refs;
    enum file_kind kind;
    uint32_t status;               /* O_ACCMODE and the F_SETFL flags */
    uint64_t offset;
    struct file_node *file;        /* FILE */
    struct pipe *pipe;             /* PIPE_*; SOCKET: what it receives */
    struct pipe *pipe_out;         /* SOCKET: what it sends (the peer's pipe) */
    bool shut_rd, shut_wr;         /* SOCKET: shutdown(2) done for receiving, sending */
    uint8_t sock_type;             /* SOCKET: SOCK_STREAM, SOCK_DGRAM or SOCK_SEQPACKET */
    bool sock_inet;                /* SOCKET: AF_INET (loopback TCP), else AF_UNIX */
    bool peer_gone_told;           /* SOCKET (DGRAM): a send found the peer closed (ECONNREFUSED once) */
    bool listening;                /* SOCKET: listen(2) was called: connects queue on it */
    uint16_t backlog, pending;     /* SOCKET (listening): the most connections queued, and how many are */
    uint64_t connects;             /* SOCKET (listening): connections ever queued (edge-triggered epoll's changes) */
    struct file_desc *pending_head, *pending_tail; /* SOCKET (listening): connected, not yet accepted */
    struct file_desc *pending_next; /* SOCKET: the next one on its listener's queue */
    struct files_sock_addr *sock_name; /* SOCKET: its bound name (kmalloc'd), or NULL */
    struct files_sock_addr *sock_peer; /* SOCKET: its peer's name, if the peer had one */
    struct file_node *sock_node;   /* SOCKET bound to a path: that name's node, held */
    struct files_udp *udp;         /* SOCKET, AF_INET SOCK_DGRAM: its receive queue (kernel/files_udp.c);
                                    * sock_name is its bound name, sock_peer its connected peer */
    struct eventfd event;          /* EVENTFD */
    struct epoll_set *epoll;       /* EPOLL: its interest list */
    struct interval_timer timerfd; /* TIMERFD: its timer, on the program clock */
    uint8_t flock;                 /* FILE: the flock(2) lock it holds (FILES_FLOCK_*) */
    struct mq_queue *mq;           /* MQUEUE: its queue */
    uint64_t sigfd_mask;           /* SIGNALFD: the signals it reads (bit sig - 1) */
    int32_t comm_tid;              /* FILE: a /proc comm file open for writing: the thread a write
                                    * names (kernel/thread_names.h); 0 for any other */
};
#define FILES_FLOCK_NONE 0
#define FILES_FLOCK_SHARED 1
#define FILES_FLOCK_EXCLUSIVE 2

struct fd_slot {
    struct file_desc *desc;        /* NULL: the descriptor is closed */
    bool cloexec;                  /* FD_CLOEXEC (kept and reported; there is no execve) */
};

/* A description is named by a descriptor or held by a waiting call whose descriptor was
 * closed: twice the descriptors leaves room for those; past it, ENFILE. */
#define FILES_DESCS_MAX (2 * FILES_MAX_FDS)
extern struct file_desc files_descs[FILES_DESCS_MAX];
extern struct fd_slot files_fds[FILES_MAX_FDS];
/* Set by every change a queued call may wait for (bytes in a pipe, a count, an epoll list,
 * an end closed); files_run_waiters runs the queue again and clears it. */
extern bool files_changed;

/* A new description (one reference), or NULL when all are in use. */
struct file_desc *files_desc_new(enum file_kind kind, uint32_t status);
/* Whether d is an end of a pipe or FIFO (either way, or both). */
static inline bool files_is_pipe(const struct file_desc *d)
{
    return d->kind == FILE_KIND_PIPE_READ || d->kind == FILE_KIND_PIPE_WRITE || d->kind == FILE_KIND_PIPE_RDWR;
}
/* The lowest closed descriptor at or above from, or -EMFILE. */
int files_lowest_free(int from);
/* Makes fd (closed) name d. */
void files_fd_install(int fd, struct file_desc *d, bool cloexec);
/* Runs the queued calls again after changes (files_changed), finishing those that can go on. */
void files_run_waiters(void);

/* A pipe with its ring, one reader and one writer; NULL when out of memory. */
struct pipe *files_pipe_new(void);
void files_pipe_free(struct pipe *p);
/* The two lowest closed descriptors into fds (fds[0] < fds[1]): 0, or -EMFILE. */
int files_two_free(int fds[2]);
/* Makes fds[0] name a and fds[1] name b, and answers with both (two int32 into data): 0. */
int64_t files_install_pair(const int fds[2], struct file_desc *a, struct file_desc *b, bool cloexec, void *data,
                           size_t *data_len);
/* Drops a reader (reader) or a writer of p: the other end sees end of file or EPIPE; the
 * last of both frees it. */
void files_pipe_drop_end(struct pipe *p, bool reader);

/* The stat of description d, as fstat(2) answers it. */
void files_desc_stat(const struct file_desc *d, struct linux_stat *st);

/* Whether op makes or removes a name, which /proc's own directories refuse (EPERM). */
static inline bool files_op_makes_or_removes_name(uint32_t op)
{
    return op == FILES_OP_MKDIR || op == FILES_OP_SYMLINK || op == FILES_OP_MKNOD || op == FILES_OP_BIND ||
           op == FILES_OP_UNLINK || op == FILES_OP_RMDIR;
}
/* kernel/files_path.c: open(2) of a /proc file of kind (kernel/file_proc.h) about thread tid
 * at canonical path, with open's flags: a new descriptor of its text as of now. Only comm
 * opens for writing (its writes name the thread), others are EACCES, as proc(5)'s files
 * are read-only to their readers. */
int64_t files_proc_open(const char *path, unsigned kind, int32_t tid, uint64_t flags);
/* kernel/files_proc_fd.c: a /proc directory's listing position cookie 0 or 1: "." (dir) or
 * ".." (the directory at canonical path parent) into name, its inode number returned. */
uint64_t files_proc_dot(const struct file_node *dir, const char *parent, uint64_t cookie, char name[3]);

/* kernel/files_proc_fd.c: /proc/self/fd, each open descriptor as a link named by its number
 * (Linux's "magic" links: a store file's links to its path; any other description's opens
 * as itself, so /dev/stdout works). */
/* Makes /proc/1/fd and the /dev links to it (/dev/fd, /dev/stdin, /dev/stdout, /dev/stderr):
 * false when the store refused one. */
bool files_proc_fd_add(void);
/* Whether canonical path names an entry of /proc/1/fd (*fd: its number, open or not), or
 * lies in that directory under another name (*fd: -1). */
bool files_proc_fd_path(const char *path, int *fd);
/* Whether dir is /proc/1/fd (its listing is the descriptor table's). */
bool files_proc_fd_is_dir(const struct file_node *dir);
/* getdents64(2) of /proc/1/fd from *cookie: records into buf (len bytes), their length. */
int64_t files_proc_fd_list(uint64_t *cookie, void *buf, size_t len);
/* path_resolve's questions for /proc/1/fd/N: a link while N names a store file or
 * directory (resolution goes on to its path), a file for any other open description
 * (resolution stops: the calls below take it), missing when N is closed. */
enum path_kind files_proc_fd_kind(int fd);
int files_proc_fd_read_link(int fd, char *target, size_t size);
/* Call c on /proc/1/fd/N itself (fd -1: another name in that directory): open makes a new
 * descriptor of N's description, stat follows to it (lstat: the link), readlink tells the
 * target; other names are not found (an open that would create one too), and what would
 * make or remove a name fails as on Linux (EPERM; a rename or link: EXDEV). */
int64_t files_proc_fd_call(int fd, const struct files_call *c, bool followed, void *data, size_t *data_len);

/* kernel/files_proc_task.c: /proc/self/task, a directory per listed thread (kernel/thread_names.h). */
/* Makes /proc/1/task: false when the store refused it. */
bool files_proc_task_add(void);
/* Whether dir is /proc/1/task (its listing is the thread list's). */
bool files_proc_task_is_dir(const struct file_node *dir);
/* A name below /proc/1/task: the listed thread it is of (tid 0: none, or no such file of it)
 * and which of its files (file: an index of files_proc_task.c's table, past its end for the
 * thread's directory itself). */
struct files_proc_task_entry {
    int32_t tid;
    size_t file;
};
/* Whether canonical path lies below /proc/1/task; *out says what it names. */
bool files_proc_task_path(const char *path, struct files_proc_task_entry *out);
/* path_resolve's question for such a name: a directory, a file or missing. */
enum path_kind files_proc_task_kind(const struct files_proc_task_entry *e);
/* getdents64(2) of /proc/1/task from *cookie: records into buf (len bytes), their length. */
int64_t files_proc_task_list(uint64_t *cookie, void *buf, size_t len);
/* Call c on e (at canonical path): open of a file (a thread's directory: EOPNOTSUPP), stat,
 * access; a name no listed thread has is not found, and what would make or remove a name
 * fails as on Linux (EPERM; a rename or link: EXDEV). */
int64_t files_proc_task_call(const char *path, const struct files_proc_task_entry *e, const struct files_call *c,
                             void *data, size_t *data_len);

/* kernel/files_path.c: */
/* The ops that name a path (CHDIR, CHMOD and UTIMENS with none name c->fd instead). */
bool files_op_has_path(uint32_t op);
/* Runs c, an op with a path: resolves it, then does it. */
int64_t files_execute_path(const struct files_call *c, void *data, size_t *data_len);
/* CHMOD or UTIMENS on f (a path's, or a descriptor's file). */
struct file_node;
int64_t files_set_meta(struct file_node *f, const struct files_call *c);
/* kernel/files_store_calls.c: fallocate(2) on d (mode 0: the file grows to offset + len). */
int64_t files_fallocate(struct file_desc *d, uint64_t offset, uint64_t len);
/* statfs(2) of the one file system: a struct linux_statfs into data. */
int64_t files_statfs(void *data, size_t *data_len);
/* memfd_create(2) for c (FILES_OP_MEMFD): the new fd or a negative errno. */
int64_t files_memfd_create(const struct files_call *c);
/* Shared file mappings (kernel/files_maps.c). MAP_ADD: d's file backs the user range at
 * c->arg (its length and writability two uint64_t at c->in) from file offset c->arg2: 0,
 * -ENODEV (not a regular file), -EACCES (a writable one of a file not open for reading and
 * writing, or read-only), -EINVAL, -ENOMEM. */
int64_t files_map_add(struct file_desc *d, const struct files_call *c);
/* Before c (a READ or PREAD with FILES_CALL_MAPS, not yet FILES_CALL_MAPS_SYNCED) reads len
 * bytes of d's file at off: true, with the writable mappings of those bytes in data, when
 * they must be written back first. */
bool files_maps_newer(const struct file_desc *d, const struct files_call *c, uint64_t off, void *data,
                      size_t *data_len);
/* After c (a WRITE or PWRITE) wrote written bytes (< 0: none) of d's file at off: with
 * FILES_CALL_MAPS, the mappings of those bytes into data, for the caller to refresh. */
void files_maps_written(const struct file_desc *d, const struct files_call *c, uint64_t off, int64_t written,
                        void *data, size_t *data_len);
/* MAP_WRITE: c->len bytes at c->in are the mapping's at user address c->arg (inside one
 * record): into the file, except past its end; the file's other mappings of the bytes that
 * changed into data (struct files_map_range[], offsets from c->in), to be refreshed. 0 or
 * -errno. */
int64_t files_map_write(const struct files_call *c, void *data, size_t *data_len);
/* Named FIFOs (kernel/files_fifo.c). open(2) of FIFO f (canonical path) for mode with flags:
 * the new fd, with the other end's opens so far into data (a uint64_t) when the open must
 * wait for that end (FILES_OP_FIFO_WAIT); -ENXIO (a writer with O_NONBLOCK and no reader),
 * -EMFILE, -ENFILE, -ENOMEM. */
int64_t files_fifo_open(struct file_node *f, uint64_t mode, uint64_t flags, void *data, size_t *data_len);
/* FIFO_WAIT on d: 0 once the other end has been opened since c->arg, else FILES_WOULD_BLOCK. */
int64_t files_fifo_wait(struct file_desc *d, const struct files_call *c);
/* MAP_REMOVE: [start, end) maps no file any more (records shrink, split or go): 0, or
 * -ENOMEM when a split finds no free record. */
int64_t files_map_remove(uint64_t start, uint64_t end);
/* kernel/files_flock.c: flock(2) operation op on d: 0, -EWOULDBLOCK (LOCK_NB and another
 * description holds a conflicting lock), FILES_WOULD_BLOCK (the same without LOCK_NB: run
 * again when a lock goes) or -EINVAL. */
int64_t files_flock(struct file_desc *d, uint64_t op);
/* d's last reference went: the lock it held goes, and the calls waiting for one run again. */
void files_flock_release(struct file_desc *d);
/* The pending signals of the thread whose POLL or EPOLL_WAIT runs now (its call's arg2):
 * a signalfd is readable for it when they meet its mask (kernel/files_events.c). */
extern uint64_t files_poll_signals;
/* FILES_OP_SIGNALFD (kernel/files_events.c): a new signalfd, or c->fd's mask replaced. */
int64_t files_signalfd(const struct files_call *c);
/* The umask's bits now (open(O_CREAT), mkdir, mq_open take them off a new mode). */
uint32_t files_umask_bits(void);
/* A read of c->len bytes from d at its offset, into data (as FILES_OP_READ): the count, 0
 * at end of file, -errno or FILES_WOULD_BLOCK. */
int64_t files_read_desc(struct file_desc *d, const struct files_call *c, void *data, size_t *data_len);
/* A write of c's bytes to d (as FILES_OP_WRITE): the count, -errno or FILES_WOULD_BLOCK. */
int64_t files_write_desc(struct file_desc *d, const struct files_call *c);
/* FILES_OP_SPLICE (kernel/files_splice.c). */
int64_t files_splice(const struct files_call *c);
/* Whether a queued call matches (match(w, ctx) true for one). */
bool files_any_waiter(bool (*match)(const struct files_waiter *w, const void *ctx), const void *ctx);
/* How many queued calls match. */
unsigned files_count_waiters(bool (*match)(const struct files_waiter *w, const void *ctx), const void *ctx);
/* Every queued call that matches leaves the queue finished with result (the thing it waits
 * on is gone). */
void files_finish_waiters(bool (*match)(const struct files_waiter *w, const void *ctx), const void *ctx,
                          int64_t result);
/* POSIX message queues (kernel/files_mq.c): MQ_OPEN (c->path the name, c->arg the flags,
 * c->arg2 the mode, c->in a struct linux_mq_attr or nothing): the new fd; MQ_UNLINK. */
int64_t files_mq_open(const struct files_call *c);
int64_t files_mq_unlink(const struct files_call *c);
/* MQ_SEND on d (a piece, or the last piece and the send): 0 or the piece's length, -errno,
 * or FILES_WOULD_BLOCK (the queue is full). */
int64_t files_mq_send(struct file_desc *d, const struct files_call *c);
/* MQ_RECEIVE on d: the message's length, with its priority (uint32_t) and first piece into
 * data; -errno, or FILES_WOULD_BLOCK (empty). */
int64_t files_mq_receive(struct file_desc *d, const struct files_call *c, void *data, size_t *data_len);
/* MQ_NOTIFY on d: registers c->in's struct posix_timer_event (or with none removes it). */
int64_t files_mq_notify(struct file_desc *d, const struct files_call *c);
/* MQ_GETSETATTR on d: the old struct linux_mq_attr into data; c->in's flags set O_NONBLOCK. */
int64_t files_mq_getsetattr(struct file_desc *d, const struct files_call *c, void *data, size_t *data_len);
/* read(2) of d: its queue's status line, as Linux's mqueue file reads. */
int64_t files_mq_read_status(struct file_desc *d, const struct files_call *c, void *data, size_t *data_len);
/* d's poll(2) readiness. */
int16_t files_mq_poll(const struct file_desc *d);
/* d's stat: a regular file of the queue's mode. */
void files_mq_stat(const struct file_desc *d, struct linux_stat *st);
/* The name queue description d was opened by (without mq_open's leading '/'). */
const char *files_mq_name(const struct file_desc *d);
/* A descriptor of d's queue is closed: as Linux's flush, any close by the registering process
 * (the program) removes the queue's notification. */
void files_mq_closed(const struct file_desc *d);
/* d's last reference went: its queue loses a holder (an unlinked one goes with the last). */
void files_mq_release(struct file_desc *d);
/* umask(2): sets the mask, answers the old one. */
int64_t files_set_umask(uint64_t mask);
/* getcwd(2): the working directory with its NUL into data; its length, or -ENOENT. */
int64_t files_getcwd(void *data, size_t *data_len);
/* fchdir(2) to fd's directory: 0, -EBADF or -ENOTDIR. */
int64_t files_fchdir(int32_t fd);

/* kernel/files_socket.c: */
int64_t files_socketpair(uint64_t flags, uint64_t type, void *data, size_t *data_len);
/* read(2)/recv(2) and write(2)/send(2) of a socket; c->flags FILES_CALL_NONBLOCK, _PEEK. */
int64_t files_socket_recv(struct file_desc *d, const struct files_call *c, void *data, size_t *data_len);
int64_t files_socket_send(struct file_desc *d, const struct files_call *c);
int64_t files_socket_shutdown(struct file_desc *d, uint64_t how);
/* FILES_OP_SOCKET: an unconnected socket of type with flags: the new fd. */
int64_t files_socket_create(uint64_t flags, uint64_t type);
/* Whether socket fd may be bound now: 0, -EBADF, -ENOTSOCK, -EINVAL (bound or connected). */
int64_t files_socket_bindable(uint64_t fd);
/* bind(2) of socket fd to the path node n (made for it), named name (len bytes, as given). */
int64_t files_socket_bind_node(uint64_t fd, struct file_node *n, const char *name, size_t len);
/* connect(2) of socket fd to the listener bound to node n, or with n NULL to abstract name
 * (len bytes): 0, -ECONNREFUSED (no listener), -EISCONN, FILES_WOULD_BLOCK or with
 * O_NONBLOCK -EAGAIN (its backlog is full), -ENOMEM, -ENFILE. */
int64_t files_socket_connect_to(uint64_t fd, struct file_node *n, const char *name, size_t len);
/* The socket ops on descriptor d (FILES_OP_BIND_ABSTRACT, CONNECT_ABSTRACT, LISTEN, ACCEPT,
 * SOCKNAME): their results. */
int64_t files_socket_call(struct file_desc *d, const struct files_call *c, void *data, size_t *data_len);
/* FILES_OP_ACCEPT on listening d: the new fd, or FILES_WOULD_BLOCK. */
int64_t files_socket_accept(struct file_desc *d, const struct files_call *c, void *data, size_t *data_len);
/* The last descriptor of d is gone: both directions see it closed. */
void files_socket_release(struct file_desc *d);
/* FIONREAD of a socket: the bytes queued (a stream), or the next message's size. */
int64_t files_socket_pending(const struct file_desc *d);
/* poll(2)'s answer for a socket (Linux's unix_poll for a connected stream socket). */
int16_t files_socket_poll(const struct file_desc *d);
/* FILES_OP_RECVFROM on socket d: a struct files_recv_head, then the bytes. */
int64_t files_socket_recvfrom(struct file_desc *d, const struct files_call *c, void *data, size_t *data_len);
/* The AF_INET name addr:port (port 0: a free ephemeral one) for unbound d, in the port space
 * of its type (TCP's and UDP's are apart): 0, -EINVAL (bound or connected), -EADDRINUSE,
 * -ENOMEM. */
int64_t files_socket_bind_inet(struct file_desc *d, const uint8_t addr[FILES_SOCK_INET_LEN]);

/* kernel/files_udp.c: AF_INET SOCK_DGRAM sockets, UDP between the program's own threads. */
/* Gives new socket d its receive queue: 0 or -ENOMEM. */
int64_t files_udp_create(struct file_desc *d);
/* d's last reference went: its queue and names go. */
void files_udp_release(struct file_desc *d);
/* bind(2) to addr (c->in of FILES_OP_BIND_ABSTRACT). */
int64_t files_udp_bind(struct file_desc *d, const uint8_t addr[FILES_SOCK_INET_LEN]);
/* connect(2) to addr, or with NULL (AF_UNSPEC) the peer goes. */
int64_t files_udp_connect(struct file_desc *d, const uint8_t *addr);
/* FILES_OP_SENDTO's pieces and datagram. */
int64_t files_udp_sendto(struct file_desc *d, const struct files_call *c);
/* FILES_OP_RECVFROM: the datagram's head and first bytes into data. */
int64_t files_udp_recvfrom(struct file_desc *d, const struct files_call *c, void *data, size_t *data_len);
/* read(2)/recv(2) and write(2)/send(2) of one call (FILES_CALL_DGRAM_*: FILES_DGRAM_CALL
 * where it cannot do what the system call asks). */
int64_t files_udp_recv(struct file_desc *d, const struct files_call *c, void *data, size_t *data_len);
int64_t files_udp_send(struct file_desc *d, const struct files_call *c);
int64_t files_udp_shutdown(struct file_desc *d, uint64_t how);
/* SO_ERROR: the pending error, cleared. */
int64_t files_udp_take_error(struct file_desc *d);
/* FIONREAD: the next datagram's length (0 with none). */
int64_t files_udp_pending(const struct file_desc *d);
/* poll(2)'s answer (Linux's udp_poll). */
int16_t files_udp_poll(const struct file_desc *d);
/* Datagrams queued, taken and errors set or cleared so far (edge-triggered epoll). */
uint64_t files_udp_changes(const struct file_desc *d);

/* kernel/files_events.c: */
/* The last descriptor of d is gone: no epoll list watches it, and its timer stops. */
void files_events_release(struct file_desc *d);
int64_t files_eventfd_create(uint64_t initval, uint64_t flags);
/* read(2)/write(2) of an eventfd or a timerfd: as files_read_desc/files_write_desc. */
int64_t files_events_read(struct file_desc *d, const struct files_call *c, void *data, size_t *data_len);
int64_t files_events_write(struct file_desc *d, const struct files_call *c);
/* What d is ready for now, as poll(2) reports it. */
int16_t files_poll_mask(const struct file_desc *d);
int64_t files_poll(const struct files_call *c, void *data, size_t *data_len);
int64_t files_epoll_create(uint64_t flags);
int64_t files_epoll_ctl(struct file_desc *ep, const struct files_call *c);
int64_t files_epoll_wait(struct file_desc *ep, const struct files_call *c, void *data, size_t *data_len);
/* timerfd_create(2): arg = clock id, arg2 = TFD_CLOEXEC | TFD_NONBLOCK: the new fd. */
int64_t files_timerfd_create(uint64_t clock, uint64_t flags);
/* timerfd_settime(2) on d: c->arg = TFD_TIMER_* flags, c->in = struct linux_itimerspec;
 * the old setting into data. timerfd_gettime(2): the setting into data. */
int64_t files_timerfd_settime(struct file_desc *d, const struct files_call *c, void *data, size_t *data_len);
int64_t files_timerfd_gettime(struct file_desc *d, void *data, size_t *data_len);

#endif