/* SPDX-License-Identifier: MIT */
/* POSIX message queues (mq_overview(7)) on node 0, with the descriptor table, so every
 * node's threads see the same queues: mq_open makes a descriptor of its own kind naming a
 * queue, kept by name until mq_unlink and in memory until its last description goes.
 * Messages leave by priority, oldest first within one. A send to a full queue or a receive
 * from an empty one waits like a pipe's read (unless O_NONBLOCK: EAGAIN), and at its
 * deadline answers ETIMEDOUT. Messages are at most FILES_MQ_MSGSIZE_MAX bytes, more than
 * one call carries, so a long one crosses in pieces (kernel/files_stage.h).
 * Limits are Linux's for a privileged process (HARD_MSGMAX), with its RLIMIT_MSGQUEUE
 * accounting over all queues (EMFILE past it), except the message size: 8192 at most here
 * (Linux's default msgsize_max; root may ask for up to 16 MiB there). mq_notify takes
 * SIGEV_NONE and SIGEV_SIGNAL (musl makes SIGEV_THREAD from a netlink socket: not here). */
#include "kernel/dsm_glue.h"
#include "kernel/files_internal.h"
#include "kernel/files_mq.h"
#include "kernel/files_stage.h"
#include "kernel/format.h"
#include "kernel/libc.h"
#include "kernel/linux_abi.h"
#include "kernel/log.h"
#include "kernel/mm.h"
#include "kernel/posix_timers.h"
#include "kernel/signal_frame.h"
#include "kernel/signal_process.h"
#include "kernel/thread.h"

#define FILES_MQ_MAX 64                 /* queues at once (Linux's queues_max: 256) */
#define FILES_MQ_NAME_MAX 255           /* NAME_MAX: a queue is a file of the mqueue file system */
#define FILES_MQ_MAXMSG_HARD 65536      /* HARD_MSGMAX (include/linux/ipc_namespace.h) */
#define FILES_MQ_DEFAULT_MAXMSG 10      /* DFLT_MSG: an mq_open with no attributes */
#define FILES_MQ_DEFAULT_MSGSIZE 8192   /* DFLT_MSGSIZE */
#define FILES_MQ_BYTES_LIMIT 819200     /* MQ_BYTES_MAX, RLIMIT_MSGQUEUE's default (include/uapi/linux/mqueue.h) */
/* Linux's accounting of a queue's bookkeeping per message (ipc/mqueue.c, mqueue_get_inode):
 * a struct msg_msg and a struct posix_msg_tree_node, 48 bytes each on x86-64. */
#define FILES_MQ_MSG_OVERHEAD 96
#define FILES_MQ_FILE_SIZE 80           /* FILENT_SIZE: a queue's st_size, its status line's length */
#define FILES_MQ_MODE_MASK 07777
_Static_assert(FILES_MQ_MSGSIZE_MAX <= FILES_STAGE_MAX, "a long message's pieces fit a stage");

struct mq_msg {
    struct mq_msg *next;
    uint32_t prio;
    uint32_t len;
    uint8_t bytes[];
};

struct mq_notify_reg {
    bool set;
    int32_t tid;                  /* the registering thread: the signal goes to the process from it */
    int32_t notify;               /* SIGEV_NONE or SIGEV_SIGNAL */
    int32_t signo;
    uint64_t value;
};

struct mq_queue {
    bool used;
    bool named;        /* false once unlinked: it lives on while descriptions name it */
    uint32_t refs;     /* descriptions naming it */
    char name[FILES_MQ_NAME_MAX + 1];
    uint32_t mode;
    uint64_t maxmsg, msgsize;
    uint64_t count;    /* messages queued */
    uint64_t qsize;    /* their bytes (the status line's QSIZE) */
    uint64_t accounted; /* what it counts against FILES_MQ_BYTES_LIMIT */
    struct mq_msg *head; /* highest priority first, oldest first within one */
    struct mq_notify_reg notify;
};

static struct mq_queue files_mq_queues[FILES_MQ_MAX];
static uint64_t files_mq_accounted;      /* all queues' accounting */
static uint64_t files_mq_notify_lost;   /* notifications the transport had no room for */

/* The name musl passes (its leading '/' gone) as Linux's path lookup takes it: 0, -ENOENT
 * (empty), or -EACCES (a '/' inside, "." or "..": lookup_one_len's rules). */
static int64_t files_mq_name_check(const struct files_call *c)
{
    if (c->path_len == 0)
        return -LINUX_ENOENT;
    if (strcmp(c->path, ".") == 0 || strcmp(c->path, "..") == 0)
        return -LINUX_EACCES;
    for (uint32_t i = 0; i < c->path_len; i++)
        if (c->path[i] == '/')
            return -LINUX_EACCES;
    return 0;
}

static struct mq_queue *files_mq_find(const char *name)
{
    for (size_t i = 0; i < FILES_MQ_MAX; i++)
        if (files_mq_queues[i].used && files_mq_queues[i].named && strcmp(files_mq_queues[i].name, name) == 0)
            return &files_mq_queues[i];
    return NULL;
}

static uint64_t files_mq_accounting(uint64_t maxmsg, uint64_t msgsize)
{
    return maxmsg * (msgsize + FILES_MQ_MSG_OVERHEAD);
}

static void files_mq_free(struct mq_queue *q)
{
    while (q->head) {
        struct mq_msg *m = q->head;
        q->head = m->next;
        kfree(m);
    }
    files_mq_accounted -= q->accounted;
    *q = (struct mq_queue){ 0 };
}

/* The attributes of a new queue from c's struct linux_mq_attr (none: the defaults), as
 * mq_attr_ok checks them: 0 or -EINVAL. */
static int64_t files_mq_attributes(const struct files_call *c, uint64_t *maxmsg, uint64_t *msgsize)
{
    *maxmsg = FILES_MQ_DEFAULT_MAXMSG;
    *msgsize = FILES_MQ_DEFAULT_MSGSIZE;
    if (c->len == 0)
        return 0;
    struct linux_mq_attr attr;
    if (c->len != sizeof attr)
        return -LINUX_EINVAL;
    memcpy(&attr, c->in, sizeof attr);
    if (attr.mq_maxmsg <= 0 || attr.mq_msgsize <= 0 || attr.mq_maxmsg > FILES_MQ_MAXMSG_HARD ||
        attr.mq_msgsize > FILES_MQ_MSGSIZE_MAX)
        return -LINUX_EINVAL;
    *maxmsg = (uint64_t)attr.mq_maxmsg;
    *msgsize = (uint64_t)attr.mq_msgsize;
    return 0;
}

int64_t files_mq_open(const struct files_call *c)
{
    int64_t bad_name = files_mq_name_check(c);
    if (bad_name)
        return bad_name;
    uint64_t oflag = c->arg;
    uint64_t access = oflag & LINUX_O_ACCMODE;
    struct mq_queue *q = files_mq_find(c->path);
    if (q && (oflag & LINUX_O_CREAT) && (oflag & LINUX_O_EXCL))
        return -LINUX_EEXIST;
    if (!q && !(oflag & LINUX_O_CREAT))
        return -LINUX_ENOENT;
    if (q && access == LINUX_O_ACCMODE) /* a new queue takes it (and then neither reads nor writes) */
        return -LINUX_EINVAL;
    int fd = files_lowest_free(0);
    if (fd < 0)
        return fd;
    struct file_desc *d = files_desc_new(FILE_KIND_MQUEUE, (uint32_t)access | ((uint32_t)oflag & LINUX_O_NONBLOCK));
    if (!d)
        return -LINUX_ENFILE;
    if (!q) {
        uint64_t maxmsg, msgsize;
        int64_t bad = files_mq_attributes(c, &maxmsg, &msgsize);
        uint64_t accounted = files_mq_accounting(maxmsg, msgsize);
        if (!bad && files_mq_accounted + accounted > FILES_MQ_BYTES_LIMIT)
            bad = -LINUX_EMFILE;
        for (size_t i = 0; !bad && !q && i < FILES_MQ_MAX; i++)
            if (!files_mq_queues[i].used)
                q = &files_mq_queues[i];
        if (!bad && !q)
            bad = -LINUX_ENFILE;
        if (bad) {
            d->refs = 0;
            return bad;
        }
        *q = (struct mq_queue){ .used = true, .named = true, .maxmsg = maxmsg, .msgsize = msgsize,
                                .mode = (uint32_t)c->arg2 & FILES_MQ_MODE_MASK & ~files_umask_bits(),
                                .accounted = accounted };
        memcpy(q->name, c->path, c->path_len + 1);
        files_mq_accounted += accounted;
    }
    q->refs++;
    d->mq = q;
    files_fd_install(fd, d, (oflag & LINUX_O_CLOEXEC) != 0);
    return fd;
}

int64_t files_mq_unlink(const struct files_call *c)
{
    int64_t bad_name = files_mq_name_check(c);
    if (bad_name)
        return bad_name;
    struct mq_queue *q = files_mq_find(c->path);
    if (!q)
        return -LINUX_ENOENT;
    q->named = false;
    if (!q->refs)
        files_mq_free(q);
    return 0;
}

void files_mq_closed(const struct file_desc *d)
{
    d->mq->notify.set = false;
}

void files_mq_release(struct file_desc *d)
{
    struct mq_queue *q = d->mq;
    d->mq = NULL;
    if (--q->refs == 0 && !q->named)
        files_mq_free(q);
}

/* ---- notification ---- */

static void files_mq_notify_sent(void *ctx, long result)
{
    (void)ctx;
    if (result == -LINUX_EAGAIN && files_mq_notify_lost++ == 0)
        log_warn("mq: a notification signal found no room to travel and is lost (further ones only counted)");
}

/* A message reached q empty with no receiver waiting: its registration fires, once. */
static void files_mq_notify_fire(struct mq_queue *q)
{
    struct mq_notify_reg reg = q->notify;
    q->notify.set = false;
    if (reg.notify != POSIX_TIMER_SIGEV_SIGNAL || reg.signo == 0)
        return;
    /* si_pid and si_uid of the sender stand where a timer's id and overrun do */
    struct signal_timer_source from = { .code = SIGNAL_SI_MESGQ, .timerid = THREAD_FIRST_TID, .value = reg.value };
    if (dsm_active())
        dsm_threads_signal_timer(reg.tid, reg.signo, &from, 0, true, files_mq_notify_sent, NULL);
    else
        signal_deliver_local(reg.tid, reg.signo, &from, 0, true);
}

static bool files_mq_receives_from(const struct files_waiter *w, const void *queue)
{
    return w->call.op == FILES_OP_MQ_RECEIVE && w->held && w->held->mq == queue;
}

bool files_mq_event_ok(const struct posix_timer_event *ev)
{
    if (ev->notify == POSIX_TIMER_SIGEV_SIGNAL)
        return ev->signo >= 0 && ev->signo <= THREAD_NSIG; /* valid_signal: 0 sends nothing */
    return ev->notify == POSIX_TIMER_SIGEV_NONE;
}

int64_t files_mq_notify(struct file_desc *d, const struct files_call *c)
{
    struct mq_queue *q = d->mq;
    if (c->len == 0) { /* removal: any descriptor of the registering process (there is one) */
        q->notify.set = false;
        return 0;
    }
    struct posix_timer_event ev;
    if (c->len != sizeof ev)
        return -LINUX_EINVAL;
    memcpy(&ev, c->in, sizeof ev);
    if (!files_mq_event_ok(&ev))
        return -LINUX_EINVAL;
    if (q->notify.set)
        return -LINUX_EBUSY;
    q->notify = (struct mq_notify_reg){ .set = true, .tid = (int32_t)c->arg2, .notify = ev.notify,
                                        .signo = ev.signo, .value = ev.value };
    return 0;
}

/* ---- messages ---- */

static void files_mq_insert(struct mq_queue *q, struct mq_msg *m)
{
    struct mq_msg **link = &q->head;
    while (*link && (*link)->prio >= m->prio)
        link = &(*link)->next;
    m->next = *link;
    *link = m;
    q->count++;
    q->qsize += m->len;
    files_changed = true;
}

/* Access mode 3 (O_RDWR | O_WRONLY) neither reads nor writes, as Linux's OPEN_FMODE has it. */
static bool files_mq_reads(const struct file_desc *d)
{
    uint32_t access = d->status & LINUX_O_ACCMODE;
    return access == LINUX_O_RDONLY || access == LINUX_O_RDWR;
}

static bool files_mq_writes(const struct file_desc *d)
{
    uint32_t access = d->status & LINUX_O_ACCMODE;
    return access == LINUX_O_WRONLY || access == LINUX_O_RDWR;
}

/* What a call that cannot go on now answers: EAGAIN (O_NONBLOCK), ETIMEDOUT (its deadline
 * passed), or a wait. */
static int64_t files_mq_blocked(const struct file_desc *d, const struct files_call *c)
{
    if (d->status & LINUX_O_NONBLOCK)
        return -LINUX_EAGAIN;
    return (c->flags & FILES_CALL_NO_WAIT) ? -LINUX_ETIMEDOUT : FILES_WOULD_BLOCK;
}

int64_t files_mq_send(struct file_desc *d, const struct files_call *c)
{
    struct mq_queue *q = d->mq;
    uint32_t prio = (uint32_t)c->arg;
    uint64_t total = c->arg2 & FILES_STAGE_LOW_MASK;
    if (!files_mq_writes(d))
        return -LINUX_EBADF;
    if (prio >= FILES_MQ_PRIO_MAX)
        return -LINUX_EINVAL;
    if (total > q->msgsize)
        return -LINUX_EMSGSIZE;
    int64_t piece = files_stage_piece(c);
    if (piece || (c->flags & FILES_CALL_MORE))
        return piece;
    if (q->count >= q->maxmsg)
        return files_mq_blocked(d, c);
    struct mq_msg *m = kmalloc(sizeof *m + total);
    if (!m)
        return -LINUX_ENOMEM;
    m->prio = prio;
    m->len = (uint32_t)total;
    files_stage_take(c, m->bytes);
    bool was_empty = q->count == 0;
    files_mq_insert(q, m);
    if (was_empty && q->notify.set && !files_any_waiter(files_mq_receives_from, q))
        files_mq_notify_fire(q);
    return 0;
}

int64_t files_mq_receive(struct file_desc *d, const struct files_call *c, void *data, size_t *data_len)
{
    struct mq_queue *q = d->mq;
    int32_t tid = (int32_t)(c->arg >> FILES_STAGE_TID_SHIFT);
    uint64_t room = (uint32_t)c->arg;
    if (!files_mq_reads(d))
        return -LINUX_EBADF;
    if (room < q->msgsize)
        return -LINUX_EMSGSIZE;
    if (!q->head)
        return files_mq_blocked(d, c);
    struct mq_msg *m = q->head;
    uint32_t first = m->len < FILES_MQ_FIRST_PIECE ? m->len : FILES_MQ_FIRST_PIECE;
    if (m->len > first && files_stage_keep_rest(tid, m->bytes + first, m->len - first))
        return -LINUX_ENOMEM; /* before the message leaves the queue */
    q->head = m->next;
    q->count--;
    q->qsize -= m->len;
    files_changed = true;
    memcpy(data, &m->prio, sizeof m->prio);
    memcpy((uint8_t *)data + sizeof m->prio, m->bytes, first);
    *data_len = sizeof m->prio + first;
    int64_t len = m->len;
    kfree(m);
    return len;
}

int64_t files_mq_getsetattr(struct file_desc *d, const struct files_call *c, void *data, size_t *data_len)
{
    const struct mq_queue *q = d->mq;
    struct linux_mq_attr old = { .mq_flags = d->status & LINUX_O_NONBLOCK, .mq_maxmsg = (int64_t)q->maxmsg,
                                 .mq_msgsize = (int64_t)q->msgsize, .mq_curmsgs = (int64_t)q->count };
    if (c->len) {
        struct linux_mq_attr attr;
        if (c->len != sizeof attr)
            return -LINUX_EINVAL;
        memcpy(&attr, c->in, sizeof attr);
        if (attr.mq_flags & ~(int64_t)LINUX_O_NONBLOCK)
            return -LINUX_EINVAL;
        d->status = (d->status & ~(uint32_t)LINUX_O_NONBLOCK) | (uint32_t)attr.mq_flags;
    }
    memcpy(data, &old, sizeof old);
    *data_len = sizeof old;
    return 0;
}

int64_t files_mq_read_status(struct file_desc *d, const struct files_call *c, void *data, size_t *data_len)
{
    const struct mq_queue *q = d->mq;
    char line[FILES_MQ_FILE_SIZE + 1];
    const struct mq_notify_reg *n = &q->notify;
    int len = fmt_snprintf(line, sizeof line, "QSIZE:%-10llu NOTIFY:%-5d SIGNO:%-5d NOTIFY_PID:%-6d\n",
                           (unsigned long long)q->qsize, n->set ? (int)n->notify : 0,
                           n->set && n->notify == POSIX_TIMER_SIGEV_SIGNAL ? (int)n->signo : 0,
                           n->set ? THREAD_FIRST_TID : 0);
    if (d->offset >= (uint64_t)len)
        return 0;
    size_t take = (size_t)len - d->offset < c->len ? (size_t)len - d->offset : c->len;
    memcpy(data, line + d->offset, take);
    d->offset += take;
    *data_len = take;
    return (int64_t)take;
}

int16_t files_mq_poll(const struct file_desc *d)
{
    const struct mq_queue *q = d->mq;
    return (int16_t)((q->count ? LINUX_POLLIN | LINUX_POLLRDNORM : 0) |
                     (q->count < q->maxmsg ? LINUX_POLLOUT | LINUX_POLLWRNORM : 0));
}

const char *files_mq_name(const struct file_desc *d)
{
    return d->mq->name;
}

void files_mq_stat(const struct file_desc *d, struct linux_stat *st)
{
    st->st_mode = LINUX_S_IFREG | d->mq->mode;
    st->st_size = FILES_MQ_FILE_SIZE;
}
