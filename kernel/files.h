/* SPDX-License-Identifier: MIT */
/* The program's file descriptors. Each open descriptor names an open file description
 * (shared by dup'd descriptors: offset and status flags) of one kind: stdin (the boot
 * module whose command line has the word "stdin", else empty), stdout (COM2), stderr
 * (COM3), a file of kernel/file_store.h (a read-only boot module whose command line has a
 * word "file=/path", or one the program made), an end of a pipe, a FIFO or a socket, an
 * eventfd, a timerfd, an epoll, a POSIX message queue or a signalfd. Descriptors 0, 1, 2
 * start as stdin, stdout, stderr. One table for
 * the whole program (all threads share it, CLONE_FILES): it lives on node 0, and the other
 * nodes of a cluster ship every file call there (kernel/dsm_files.c), so offsets,
 * descriptors and pipes are the same whichever node a thread runs on. A read of an empty
 * pipe or a write to a full one waits (unless O_NONBLOCK) until another thread's call, on
 * any node, lets it go on; so does a poll until a descriptor is ready (or its timeout).
 * The working directory is the table's too. */
#ifndef KERNEL_FILES_H
#define KERNEL_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/linux_abi.h"
#include "kernel/multiboot.h"

#define FILES_MAX_FDS 64
#define FILES_PATH_MAX 256
/* Bytes one read or write call moves: one transport message with room to spare
 * (TRANSPORT_MAX_MSG), and PIPE_BUF, so each is atomic on a pipe. */
#define FILES_XFER_MAX 4096
#define FILES_RW_MAX 0x7ffff000ull /* Linux's MAX_RW_COUNT: one read or write call moves at most this */
/* files_execute's answer for a call that must wait (a pipe's state must change first):
 * outside the errno range, never returned to a program. */
#define FILES_WOULD_BLOCK (-((int64_t)1 << 32))
/* The answer to a READ or PREAD with FILES_CALL_MAPS whose bytes a writable shared mapping
 * holds: data lists those mappings' ranges (struct files_map_range[]); write them back and
 * ask again with FILES_CALL_MAPS_SYNCED. Outside the errno range, never returned to a program. */
#define FILES_MAPS_WRITE_BACK (-((int64_t)1 << 33))
/* A READ's answer for a signalfd: data holds a struct files_signalfd (its mask and
 * O_NONBLOCK); the caller takes the signals itself, on its own node (kernel/sys_signalfd.c).
 * Outside the errno range, never returned to a program. */
#define FILES_SIGNALFD_READ (-((int64_t)1 << 34))
/* A POLL's or EPOLL_WAIT's answer instead of a wait when signalfds are among what it waits
 * on: data holds their masks' union (a uint64_t); the caller watches those signals and asks
 * again with FILES_CALL_SIGNALS_WATCHED. Outside the errno range, never returned to a program. */
#define FILES_SIGNALFD_WATCH (-((int64_t)1 << 35))
/* A READ's, WRITE's or SEND's answer with FILES_CALL_DGRAM_WHOLE or _VECTOR: fd is an AF_INET
 * datagram socket and nothing was done; the caller makes the call again as a datagram's
 * (kernel/sys_udp.c). Outside the errno range, never returned to a program. */
#define FILES_DGRAM_CALL (-((int64_t)1 << 36))
struct files_signalfd {
    uint64_t mask;
    uint64_t nonblock;
};

/* A user range of a shared file mapping, as node 0 names it to a caller with FILES_CALL_MAPS:
 * va and len bytes; offset is, in a write's answer, where in the written bytes it starts. */
struct files_map_range {
    uint64_t va;
    uint64_t offset;
    uint64_t len;
};
/* Ranges one answer names at most (more mappings of the same bytes stay as they were) */
#define FILES_MAPS_RANGES_MAX 16
#define FILES_MAPS_RANGES_BYTES (FILES_MAPS_RANGES_MAX * sizeof(struct files_map_range))

/* One file operation on the descriptor table, in kernel memory only (no user pointers),
 * so it can run on this node or be shipped to node 0. An operation on a path takes a
 * relative one from the directory of descriptor fd, or from the working directory when fd
 * is AT_FDCWD (callers set it: 0 is a descriptor). */
enum files_op {
    FILES_OP_CHECK = 1, /* is fd open: 0 or -EBADF */
    FILES_OP_OPEN,      /* path, arg = flags (O_CREAT makes a file in memory, arg2 = its mode): the new fd */
    FILES_OP_CLOSE,     /* fd */
    FILES_OP_READ,      /* fd, len: bytes into data at the fd's offset, which advances */
    FILES_OP_PREAD,     /* fd, len, arg = offset: bytes into data */
    FILES_OP_LSEEK,     /* fd, arg = offset, arg2 = whence: the new offset */
    FILES_OP_FSTAT,     /* fd: a struct linux_stat into data */
    FILES_OP_STAT,      /* path: a struct linux_stat into data */
    FILES_OP_ACCESS,    /* path, arg = mode */
    FILES_OP_WRITE,     /* fd, len bytes at in: the bytes written */
    FILES_OP_DUP,       /* fd, arg = lowest new fd, arg2 = close-on-exec: the new fd (F_DUPFD) */
    FILES_OP_DUP_TO,    /* fd, arg = new fd (closed first if open), arg2 = close-on-exec: arg */
    FILES_OP_FCNTL,     /* fd, arg = F_GETFD, F_SETFD, F_GETFL, F_SETFL, F_[GS]ETPIPE_SZ, arg2 = its value */
    FILES_OP_PIPE,      /* arg = O_CLOEXEC | O_NONBLOCK: the read and write ends' fds (two int32) into data */
    FILES_OP_POLL,      /* len bytes at in: struct linux_pollfd[]; the same with revents into data, and
                         * the count of ready ones (or a wait while none is) */
    FILES_OP_PWRITE,    /* fd, len bytes at in, arg = offset: the bytes written */
    FILES_OP_TRUNCATE,  /* fd, arg = size */
    FILES_OP_UNLINK,    /* path */
    FILES_OP_RENAME,    /* path = the old path, len bytes at in = the new one (no NUL), from dirfd arg2 */
    FILES_OP_UMASK,     /* arg = the new mask: the old one (the program's, kept with the table) */
    FILES_OP_MKDIR,     /* path, arg = mode */
    FILES_OP_RMDIR,     /* path */
    FILES_OP_GETDENTS,  /* fd, len: linux_dirent64 records into data from the fd's position */
    FILES_OP_CHDIR,     /* path; with no path (path_len 0), fd's directory (fchdir) */
    FILES_OP_GETCWD,    /* the working directory into data, with its NUL: its length */
    FILES_OP_EVENTFD,   /* arg = initial count, arg2 = EFD_SEMAPHORE | O_CLOEXEC | O_NONBLOCK: the new fd */
    FILES_OP_EPOLL_CREATE, /* arg = EPOLL_CLOEXEC: the new fd */
    FILES_OP_EPOLL_CTL, /* fd = the epoll, arg = op, arg2 = the watched fd, len bytes at in: its event */
    FILES_OP_EPOLL_WAIT, /* fd = the epoll, len = room for events: the ready ones into data, their
                          * count (or a wait while none is ready) */
    FILES_OP_TIMERFD_CREATE, /* arg = clock, arg2 = TFD_CLOEXEC | TFD_NONBLOCK: the new fd */
    FILES_OP_TIMERFD_SET, /* fd, arg = TFD_TIMER_* flags, len bytes at in: struct linux_itimerspec;
                           * the old setting into data */
    FILES_OP_TIMERFD_GET, /* fd: its setting (struct linux_itimerspec) into data */
    FILES_OP_CLOSE_RANGE, /* arg = the first fd, arg2 = the last: each open one closes */
    FILES_OP_CLOEXEC_RANGE, /* the same range: each open one gets FD_CLOEXEC */
    FILES_OP_TRUNCATE_PATH, /* path, arg = size (truncate(2)) */
    /* POSIX timers (kernel/posix_timers.h), which live with the table; fd = the timer's id */
    FILES_OP_TIMER_CREATE,  /* arg = clock, arg2 = the calling thread's tid, len bytes at in:
                             * struct posix_timer_event (0: none given): the new id */
    FILES_OP_TIMER_SET,     /* fd, arg = TIMER_ABSTIME or 0, arg2 = the calling thread's tid, len
                             * bytes at in: struct linux_itimerspec; the old setting into data */
    FILES_OP_TIMER_GET,     /* fd: its setting into data */
    FILES_OP_TIMER_OVERRUN, /* fd: the overrun of its signal last sent */
    FILES_OP_TIMER_DELETE,  /* fd */
    /* Connected AF_UNIX stream sockets (kernel/files_socket.c) */
    FILES_OP_SOCKETPAIR,    /* arg = SOCK_CLOEXEC | SOCK_NONBLOCK, arg2 = SOCK_STREAM, SOCK_DGRAM or
                             * SOCK_SEQPACKET: the two ends' fds (two int32) into data */
    FILES_OP_SEND,          /* fd, len bytes at in: the bytes sent (FILES_CALL_NONBLOCK: as O_NONBLOCK) */
    FILES_OP_RECV,          /* fd, len: bytes into data (FILES_CALL_NONBLOCK, FILES_CALL_PEEK) */
    FILES_OP_SHUTDOWN,      /* fd, arg = SHUT_RD, SHUT_WR or SHUT_RDWR */
    FILES_OP_SOCKET_TYPE,   /* fd: its SOCK_* type, or -ENOTSOCK */
    FILES_OP_IOCTL,         /* fd, arg = FIONREAD (the answer: bytes to read), FIONBIO (arg2: on),
                             * FIOCLEX or FIONCLEX; -ENOTTY for any other request */
    FILES_OP_CHMOD,         /* path, arg = mode; with no path (path_len 0), fd's file (fchmod) */
    FILES_OP_UTIMENS,       /* path, or with no path fd's file; len bytes at in: struct linux_timespec[2]
                             * (access, modification; UTIME_NOW, UTIME_OMIT), 0 bytes: both now */
    FILES_OP_CHOWN,         /* path, arg = owner, arg2 = group (FILE_STORE_ID_KEEP: unchanged); with no
                             * path, fd's file (fchown) */
    FILES_OP_FALLOCATE,     /* fd, arg = offset, arg2 = length: the file grows to cover them */
    FILES_OP_STATFS,        /* path, or with no path fd's: a struct linux_statfs into data */
    FILES_OP_MEMFD,         /* len bytes at in: the name (no NUL), arg = O_CLOEXEC or 0: the new fd */
    FILES_OP_FLOCK,         /* fd, arg = LOCK_SH, LOCK_EX or LOCK_UN, with LOCK_NB: waits for a conflicting
                             * lock to go unless LOCK_NB (EWOULDBLOCK) */
    FILES_OP_LINK,          /* path = the existing file, len bytes at in = the new name (no NUL), from
                             * dirfd arg2 (link(2)) */
    /* Shared writable file mappings (kernel/files_maps.c, used by kernel/shared_maps.c) */
    FILES_OP_MAP_ADD,       /* fd, arg = the user start, arg2 = the file offset, in: two uint64_t, the
                             * length and whether the mapping is writable */
    FILES_OP_MAP_WRITE,     /* arg = a user address, len bytes at in: the mapping's bytes there; the
                             * other mappings of the bytes that changed (struct files_map_range[]) into data */
    FILES_OP_MAP_REMOVE,    /* arg = the user start, arg2 = the end: no file mapped there any more */
    FILES_OP_SYMLINK,       /* path = the link's, len bytes at in = its target (no NUL) */
    FILES_OP_READLINK,      /* path: the link's target into data (no NUL): its length */
    FILES_OP_MKNOD,         /* path, arg = mode with S_IFREG or S_IFIFO (mknod(2)) */
    FILES_OP_FIFO_WAIT,     /* fd (an end of a named FIFO), arg = the other end's opens seen: waits
                             * until the other end has been opened since (open(2) of a FIFO) */
    /* POSIX message queues (kernel/files_mq.c); a thread's tid tells its stage (long messages) */
    FILES_OP_MQ_OPEN,       /* path = the name (no '/'), arg = O_* flags, arg2 = mode, len bytes at in:
                             * struct linux_mq_attr (0 bytes: the defaults): the new fd */
    FILES_OP_MQ_UNLINK,     /* path = the name */
    FILES_OP_MQ_SEND,       /* fd, arg = tid << 32 | priority, arg2 = offset << 32 | the message's length,
                             * len bytes at in: the piece at offset (FILES_CALL_MORE: more follow) */
    FILES_OP_MQ_RECEIVE,    /* fd, arg = tid << 32 | the receiver's room, len: room in data: the
                             * message's length, its priority (uint32_t) and first piece into data */
    FILES_OP_RECEIVE_REST,  /* arg = tid, arg2 = offset after the first piece, len: the long message's
                             * next bytes into data (kernel/files_stage.h) */
    FILES_OP_MQ_NOTIFY,     /* fd, arg2 = tid, len bytes at in: struct posix_timer_event (0: remove) */
    FILES_OP_MQ_GETSETATTR, /* fd, len bytes at in: struct linux_mq_attr to set (0: none): the old into data */
    /* Named AF_UNIX sockets and loopback AF_INET ones (kernel/files_socket.c) */
    FILES_OP_SOCKET,        /* arg = SOCK_CLOEXEC | SOCK_NONBLOCK, arg2 = SOCK_STREAM or SOCK_SEQPACKET
                             * (with FILES_SOCKET_INET: AF_INET SOCK_STREAM or SOCK_DGRAM): the new fd */
    FILES_OP_BIND,          /* path = the name, arg = the socket's fd (fd is the path's dirfd) */
    FILES_OP_CONNECT,       /* path = the listener's name, arg = the socket's fd */
    FILES_OP_BIND_ABSTRACT, /* fd, arg = enum files_sock_name_kind, len bytes at in: the name */
    FILES_OP_CONNECT_ABSTRACT, /* fd, arg = enum files_sock_name_kind, len bytes at in: the listener's name */
    FILES_OP_LISTEN,        /* fd, arg = backlog */
    FILES_OP_ACCEPT,        /* fd, arg = SOCK_CLOEXEC | SOCK_NONBLOCK: the new fd, the peer's struct
                             * files_sock_addr into data (or a wait while none connects) */
    FILES_OP_SOCKNAME,      /* fd, arg = 0 (its own) or 1 (its peer's): a struct files_sock_addr into data */
    FILES_OP_PROCESS_ATTR,  /* arg = FILES_PROCESS_ATTR_*, arg2 = FILES_PROCESS_ATTR_SET | the new value, or
                             * 0 to read (kernel/process_attrs.c): the value before */
    FILES_OP_SIGNALFD,      /* fd (-1: a new one), arg = the signal mask, arg2 = O_CLOEXEC | O_NONBLOCK:
                             * the fd (kernel/sys_signalfd.c) */
    FILES_OP_SHM,           /* arg = enum files_shm_op, arg2 and in as it says (kernel/files_shm.h) */
    FILES_OP_SEM,           /* arg = enum files_sem_op, arg2 and in as it says (kernel/files_sem.h) */
    FILES_OP_MSG,           /* arg = enum files_msg_op | flags | tid, arg2 and in as it says (kernel/files_msg.h) */
    FILES_OP_SPLICE,        /* fd = the one read, arg = the one written, len = most bytes, arg2 =
                             * FILES_SPLICE_OFF_* (offsets given), flags: FILES_CALL_NONBLOCK
                             * (SPLICE_F_NONBLOCK): the bytes moved */
    FILES_OP_THREAD,        /* arg = enum files_thread_op, fd = the thread's tid, arg2 and in as it says
                             * (kernel/thread_names.h) */
    /* AF_INET datagram sockets (kernel/files_udp.c); a thread's tid tells its stage (long datagrams) */
    FILES_OP_SENDTO,        /* fd, arg = tid << 32, arg2 = offset << 32 | the message's length, len bytes
                             * at in: the piece at offset (FILES_CALL_MORE: more follow) of a struct
                             * files_sendto_head and the datagram: the datagram's length (any other
                             * socket answers what a send to an address gets: EISCONN or EOPNOTSUPP) */
    FILES_OP_RECVFROM,      /* fd (any socket: recv, recvfrom), arg = tid << 32 | the receiver's room,
                             * len: room in data, flags FILES_CALL_NONBLOCK, _PEEK: a struct
                             * files_recv_head and the first bytes into data; the bytes received (a
                             * datagram's or message's past the answer wait in the stage:
                             * FILES_OP_RECEIVE_REST; a stream's stay for RECV), or a wait */
    FILES_OP_SOCKET_ERROR,  /* fd: the socket's pending error (SO_ERROR, a positive errno or 0), cleared */
    FILES_OP_LAST = FILES_OP_SOCKET_ERROR,
};

/* flags of a call */
#define FILES_CALL_NO_WAIT 1u /* READ of a pipe, POLL: 0 rather than wait (the rest of a read
                               * that already has bytes returns what is there, as Linux does;
                               * a poll with no time left answers what is ready now) */
#define FILES_CALL_NONBLOCK 2u /* SEND, RECV: this call only, as with O_NONBLOCK (MSG_DONTWAIT) */
#define FILES_CALL_PEEK 4u     /* RECV: the bytes stay (MSG_PEEK) */
#define FILES_CALL_MORE 8u     /* WRITE, SEND: more bytes of the same call follow (a message
                                * socket refuses a message that does not fit one call) */
#define FILES_CALL_MAPS 16u    /* READ, PREAD, WRITE, PWRITE: the caller keeps shared file mappings
                                * coherent with the file (kernel/shared_maps.c): a read of bytes that
                                * a writable mapping holds answers FILES_MAPS_WRITE_BACK, and a write
                                * returns the mapped ranges it changed (struct files_map_range[]) */
#define FILES_CALL_MAPS_SYNCED 32u /* READ, PREAD: the mappings FILES_MAPS_WRITE_BACK named are written back */
#define FILES_CALL_NOFOLLOW 64u /* STAT, ACCESS, UTIMENS, CHOWN: a symbolic link as the last component
                                * is itself the answer (AT_SYMLINK_NOFOLLOW, lstat, lchown) */
#define FILES_CALL_FOLLOW 128u  /* LINK: the old path's last link is followed (AT_SYMLINK_FOLLOW) */
#define FILES_CALL_SIGNALS_WATCHED 256u /* POLL, EPOLL_WAIT: the caller watches its signalfds' signals
                                         * (a new one ends the wait): wait (arg2: its pending signals) */
#define FILES_CALL_DGRAM_WHOLE 512u /* READ, WRITE, SEND from kernel/sys_file.c's loops: an AF_INET datagram
                                    * socket answers FILES_DGRAM_CALL where one call cannot do what the
                                    * system call asks (a datagram of FILES_XFER_MAX bytes or more for a
                                    * read of that many, a datagram in pieces, a send that must not raise
                                    * SIGPIPE); without it a read cuts the datagram short, pieces are EMSGSIZE */
#define FILES_CALL_DGRAM_VECTOR 1024u /* READ, WRITE of one iovec of several (readv, writev): an AF_INET
                                       * datagram socket answers FILES_DGRAM_CALL at once */
#define FILES_CALL_FLAGS (FILES_CALL_NO_WAIT | FILES_CALL_NONBLOCK | FILES_CALL_PEEK | FILES_CALL_MORE | \
                          FILES_CALL_MAPS | FILES_CALL_MAPS_SYNCED | FILES_CALL_NOFOLLOW | FILES_CALL_FOLLOW | \
                          FILES_CALL_SIGNALS_WATCHED | FILES_CALL_DGRAM_WHOLE | FILES_CALL_DGRAM_VECTOR)
/* A socket's name as getsockname shows it. AF_UNIX: sun_path's bytes (108 at most, a path
 * as bind was given it or an abstract name, whose leading NUL is not in name); len 0:
 * unnamed. AF_INET (inet set): the loopback address and port (FILES_SOCK_INET_LEN bytes,
 * both in network order); names of the two families never meet, and two inet names are
 * the same name when their ports are. */
#define FILES_SOCK_NAME_MAX 108
#define FILES_SOCK_INET_LEN 6 /* sin_addr (4 bytes), then sin_port (2) */
struct files_sock_addr {
    uint8_t abstract;
    uint8_t len;
    uint8_t inet;
    char name[FILES_SOCK_NAME_MAX];
};
/* prctl's process-wide settings (kernel/process_attrs.c) */
enum { FILES_PROCESS_ATTR_DUMPABLE, FILES_PROCESS_ATTR_SUBREAPER, FILES_PROCESS_ATTR_THP_DISABLE,
       FILES_PROCESS_ATTR_COUNT };
#define FILES_PROCESS_ATTR_SET (1ull << 32)
/* FILES_OP_PROCESS_ATTR on the table's node: the setting's value before the call, or -EINVAL. */
struct files_call;
int64_t process_attr_call(const struct files_call *c);
/* FILES_OP_THREAD's arg: what happens to thread fd's entry in the program's thread list. */
enum files_thread_op {
    FILES_THREAD_BORN,     /* listed, named as thread arg2 is (its creator) */
    FILES_THREAD_GONE,     /* no longer listed */
    FILES_THREAD_SET_NAME, /* len bytes at in (at most THREAD_COMM_LEN - 1) name it, up to a NUL */
    FILES_THREAD_GET_NAME, /* its name into data: THREAD_COMM_LEN bytes, NUL-padded */
};
/* FILES_OP_SPLICE's arg2: which ends the caller gave an offset for. */
#define FILES_SPLICE_OFF_IN 1u
#define FILES_SPLICE_OFF_OUT 2u
/* FILES_OP_SOCKET_TYPE's answer: the SOCK_* type, with this bit for a listening socket. */
#define FILES_SOCKET_LISTENING 0x100
/* ... and this one for an AF_INET socket; FILES_OP_SOCKET's arg2 has it to make one. */
#define FILES_SOCKET_INET 0x200
/* FILES_OP_BIND_ABSTRACT's and FILES_OP_CONNECT_ABSTRACT's arg: how in names the address. */
enum files_sock_name_kind {
    FILES_SOCK_ABSTRACT = 0, /* in: an AF_UNIX abstract name */
    FILES_SOCK_AUTOBIND = 1, /* bind only: the family alone, a free name is picked */
    FILES_SOCK_INET_NAME = 2, /* in: an AF_INET loopback address and port (port 0 binds a free one) */
    FILES_SOCK_INET_UNSPEC = 3, /* connect of an AF_INET datagram socket to AF_UNSPEC: its peer goes */
};
/* AF_INET datagram sockets (UDP over loopback, kernel/files_udp.c and kernel/sys_udp.c). A
 * datagram's bytes at most: 65535 less the IPv4 and UDP headers, as Linux's loopback takes. */
#define FILES_UDP_DGRAM_MAX 65507
#define FILES_UDP_LEN_MAX 0xffff /* longer sends are EMSGSIZE before their address is looked at */
/* What FILES_OP_SENDTO's message holds before the datagram's bytes. */
struct files_sendto_head {
    uint32_t len;      /* the datagram's length as the sender gave it (at most UINT32_MAX); its bytes
                        * follow unless it is over FILES_UDP_DGRAM_MAX (EMSGSIZE) */
    int32_t to_error;  /* the destination as a UDP socket finds it: 0, or a positive errno (EINVAL,
                        * EAFNOSUPPORT, ENETUNREACH; EFAULT, which any socket answers) */
    uint8_t has_to;    /* to names the destination (else the socket's peer) */
    uint8_t pad;
    uint8_t to[FILES_SOCK_INET_LEN]; /* address and port, network order, 0.0.0.0 made 127.0.0.1 */
};
/* What FILES_OP_RECVFROM's answer holds before the bytes. */
enum files_recv_kind {
    FILES_RECV_STREAM = 1,  /* a stream socket's bytes: more may follow (a plain RECV takes them) */
    FILES_RECV_MESSAGE = 2, /* an AF_UNIX message socket's message (cut to the room), unnamed sender */
    FILES_RECV_DGRAM = 3,   /* an AF_INET datagram, from `from` */
    FILES_RECV_SHUT = 4,    /* none: an AF_INET datagram socket shut for receiving answers 0 bytes
                             * and no sender */
};
struct files_recv_head {
    uint32_t len;      /* DGRAM: the datagram's whole length (MSG_TRUNC); else the bytes received */
    uint8_t kind;      /* enum files_recv_kind */
    uint8_t from[FILES_SOCK_INET_LEN]; /* DGRAM: the sender's bound address and port */
    uint8_t pad;
};
/* A signalfd's read takes whole struct signalfd_siginfo records (include/uapi/linux/signalfd.h). */
#define FILES_SIGNALFD_INFO_SIZE 128
/* The largest message a SOCK_DGRAM or SOCK_SEQPACKET socket takes: one call's bytes, less
 * one so a receive's answer is always shorter than a full call (the read loop stops). */
#define FILES_SOCKET_MSG_MAX (FILES_XFER_MAX - 1)

struct files_call {
    uint32_t op;        /* enum files_op */
    int32_t fd;
    uint64_t arg;
    uint64_t arg2;
    uint32_t len;       /* READ/PREAD/GETDENTS: bytes wanted, WRITE/POLL: bytes at in; at most FILES_XFER_MAX */
    uint32_t path_len;  /* OPEN/STAT/ACCESS/UNLINK: bytes of path, no NUL, < FILES_PATH_MAX */
    uint32_t flags;     /* FILES_CALL_* */
    const uint8_t *in;  /* WRITE, PWRITE, POLL, RENAME: the bytes (kernel memory) */
    char path[FILES_PATH_MAX];
};

/* A call that must wait, queued on node 0 until a pipe change lets it finish: then done
 * runs once with its result (the bytes read are in bytes, data_len of them). A read or
 * write holds its open file description meanwhile, so closing the descriptor (or reusing
 * its number) does not change what it waits on, as on Linux. */
struct file_desc;
struct files_waiter {
    struct files_waiter *next;
    struct files_call call; /* WRITE, POLL: call.in points into bytes */
    uint8_t bytes[FILES_XFER_MAX]; /* what call.in gave (WRITE, POLL), then what a READ or POLL gave back */
    size_t data_len;
    void (*done)(struct files_waiter *w, int64_t result);
    void *ctx;              /* the owner's */
    int64_t result;         /* files_execute_waiting's: the call's, once finished */
    bool finished;          /* files_execute_waiting's: done has run */
    struct file_desc *held; /* kernel/files.c's: the description a read or write holds */
};

/* True for the ops whose call carries len bytes at in (WRITE, PWRITE, POLL, RENAME,
 * EPOLL_CTL, TIMERFD_SET, TIMER_CREATE, TIMER_SET, SEND, UTIMENS). */
bool files_op_has_input(uint32_t op);

/* Registers the stdin and file= modules of info (module 0, the program, is skipped) and,
 * on node 0 of a cluster, serves the other nodes' file calls. */
void files_init(const struct boot_info *info);
/* Node 0 of a cluster: starts answering file calls shipped by other nodes (dsm_files.c). */
void files_remote_init(void);
/* Runs c on this node's table. Returns the result (>= 0), a negative errno, or
 * FILES_WOULD_BLOCK (nothing done); data (FILES_XFER_MAX bytes of room) receives the
 * bytes read, the stat or the pipe's fds, *data_len their count. */
int64_t files_execute(const struct files_call *c, void *data, size_t *data_len);
/* Makes a new waiter for c (whose execution answered FILES_WOULD_BLOCK), copying its
 * bytes to write; NULL when out of memory. Free it with kfree. */
struct files_waiter *files_waiter_new(const struct files_call *c);
/* Queues w to be run again at every pipe change; its done runs once it finishes. */
void files_wait(struct files_waiter *w);
/* Takes w off the queue; false if it was not there (its done has run). */
bool files_unwait(struct files_waiter *w);
/* files_execute for the calling thread on the node with the table: a call that must wait
 * blocks it until the call finishes, fails with -ERESTARTSYS when a signal's handler is to
 * run first, or at deadline (monotonic ns; 0: none) runs once more with FILES_CALL_NO_WAIT.
 * Thread context only. */
int64_t files_execute_waiting(const struct files_call *c, void *data, size_t *data_len, uint64_t deadline);
/* Runs c where the table lives: here on one node or node 0, else shipped to node 0
 * (kernel/dsm_files.c). Same contract as files_execute_waiting. Thread context only (may
 * park). files_call: no deadline. */
int64_t files_call_until(const struct files_call *c, void *data, size_t *data_len, uint64_t deadline);
int64_t files_call(const struct files_call *c, void *data, size_t *data_len);
/* kernel/sys_file.c: whether the user string at upath is "" (AT_EMPTY_PATH's case): 1, 0,
 * or -EFAULT. */
int files_path_is_empty(uint64_t upath);
/* kernel/sys_file.c: op on fd alone (check, close, lseek, fchmod, ...) with arg and arg2:
 * the call's result. */
int64_t files_fd_call(enum files_op op, uint64_t fd, uint64_t arg, uint64_t arg2);
#define FILES_CWD ((uint64_t)(int64_t)LINUX_AT_FDCWD) /* dirfd: the working directory */
/* op on the path at user address upath (relative to dirfd, or FILES_CWD) with arg and
 * arg2; STAT's struct linux_stat or STATFS's struct linux_statfs goes to uout. */
int64_t files_path_call(enum files_op op, uint64_t dirfd, uint64_t upath, uint64_t arg, uint64_t arg2, uint64_t uout);
/* files_path_call with FILES_CALL_* call_flags (FILES_CALL_NOFOLLOW). */
int64_t files_path_call_flags(enum files_op op, uint64_t dirfd, uint64_t upath, uint64_t arg, uint64_t arg2,
                              uint64_t uout, uint32_t call_flags);
/* What a path call answers besides its result: STAT's and STATFS's structs, an OPEN's FIFO count. */
union files_path_result {
    struct linux_stat st;
    struct linux_statfs sfs;
    uint64_t fifo_opens_seen; /* OPEN of a FIFO that must wait for its other end */
};
/* files_path_call_flags with the answer left in *out (kernel memory) instead of user memory. */
int64_t files_path_call_into(enum files_op op, uint64_t dirfd, uint64_t upath, uint64_t arg, uint64_t arg2,
                             uint32_t call_flags, union files_path_result *out);
/* read(2) on fd into user memory; bytes read, 0 at end, or a negative errno. have_bytes:
 * the caller holds bytes already (readv's later vectors), so an empty pipe gives 0 at once. */
long files_read(int fd, uint64_t ubuf, uint64_t len, bool have_bytes);
/* write(2) of user memory to fd; bytes written or a negative errno (EPIPE also raises
 * SIGPIPE on the calling thread, as Linux does). */
long files_write(int fd, uint64_t ubuf, uint64_t len);
/* kernel/sys_file.c's loops under read, pread, write, pwrite, recv and send: op's calls
 * (READ, PREAD from offset, RECV / WRITE, PWRITE at offset, SEND) with call_flags
 * (FILES_CALL_*) move FILES_XFER_MAX bytes at a time between fd and user memory until len
 * or a short transfer. Bytes moved or a negative errno. have_bytes: the caller holds bytes
 * already, so a read that would wait gives 0; sigpipe: EPIPE raises SIGPIPE. */
long files_read_into(enum files_op op, uint64_t fd, uint64_t ubuf, uint64_t len, uint64_t offset, bool have_bytes,
                     uint32_t call_flags);
long files_write_from(enum files_op op, int fd, uint64_t ubuf, uint64_t len, uint64_t offset, uint32_t call_flags,
                      bool sigpipe);
/* kernel/sys_udp.c: what FILES_DGRAM_CALL hands to an AF_INET datagram socket's own path:
 * read(2) (a recv(2) without flags), write(2) (a send(2) to its peer), readv(2)/writev(2)
 * (recvmsg(2)/sendmsg(2) of those iovecs). Bytes moved or a negative errno. */
long udp_read(int fd, uint64_t ubuf, uint64_t len);
long udp_write(int fd, uint64_t ubuf, uint64_t len);
long udp_vector(int fd, uint64_t uiov, uint64_t count, bool write);
/* kernel/sys_io.c: the walk of readv, writev, sendmsg and recvmsg over count user iovecs
 * at uiov: one(ctx, base, len, have_bytes) for each non-empty one in turn (have_bytes:
 * earlier ones moved some), stopping at the first short or failed one. Bytes moved, or the
 * first one's error (-EFAULT for an unreadable iovec, -EINVAL for one over FILES_RW_MAX). */
typedef long (*io_iovec_fn)(void *ctx, uint64_t base, uint64_t len, bool have_bytes);
long io_each_iovec(uint64_t uiov, uint64_t count, io_iovec_fn one, void *ctx);
/* 0 if fd is open, else -EBADF. */
int files_check_fd(int fd);
/* fstat(2) of fd into st (kernel memory): 0 or a negative errno. */
struct linux_stat;
long files_fstat(uint64_t fd, struct linux_stat *st);

#endif
