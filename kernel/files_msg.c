/* SPDX-License-Identifier: MIT */
/* SysV message queues, the table's side (kernel/files_msg.h): node 0 keeps every queue's
 * key, permissions, limits and messages, oldest first, so any node's threads see the same
 * queues. A call that cannot go on now is queued with the other waiting file calls, and
 * every change runs the queue again, oldest first. Checks and searches follow Linux's
 * ipc/msg.c: a message fits while the queue's bytes and its message count both stay within
 * msg_qbytes; msgrcv's type picks the first message (0), the first of that type (> 0, or any
 * other with MSG_EXCEPT), or the first of the lowest type at most -msgtyp (< 0); MSG_COPY
 * copies the message at an index. An id is seq * FILES_MSG_QUEUES_MAX + slot, seq counting
 * the slot's reuses. The caller runs as root: no permission or limit check refuses it. */
#include "kernel/files_msg.h"

#include "kernel/clock.h"
#include "kernel/files_internal.h"
#include "kernel/libc.h"
#include "kernel/mm.h"
#include "kernel/thread.h"
#include "kernel/time_conv.h"

#define FILES_MSG_MODE_BITS 0777u /* msg_perm.mode: the permission bits only */
#define FILES_MSG_SEQ_MAX (INT32_MAX / FILES_MSG_QUEUES_MAX)
#define FILES_MSG_SEG_MAX 0xffff  /* msginfo.msgseg is an unsigned short (MSGSEG's clamp) */

struct msg_message {
    struct msg_message *next;
    int64_t mtype;
    uint32_t len;
    uint8_t text[];
};

struct msg_queue {
    bool used;
    int32_t key;
    uint32_t seq;
    uint32_t mode;
    uint32_t uid, gid;
    uint64_t qbytes;         /* the limit on cbytes and on qnum */
    uint64_t cbytes, qnum;
    int32_t lspid, lrpid;
    int64_t stime, rtime, ctime;
    struct msg_message *head; /* oldest first */
};

static struct msg_queue files_msg_queues[FILES_MSG_QUEUES_MAX];

static int64_t msg_now_seconds(void)
{
    return (int64_t)((time_program_ns() + time_realtime_epoch_ns()) / NS_PER_SEC);
}

static int64_t msg_id(unsigned slot)
{
    return (int64_t)files_msg_queues[slot].seq * FILES_MSG_QUEUES_MAX + slot;
}

static struct msg_queue *msg_by_id(uint64_t id)
{
    if (id > INT32_MAX)
        return NULL;
    struct msg_queue *q = &files_msg_queues[id % FILES_MSG_QUEUES_MAX];
    return q->used && q->seq == id / FILES_MSG_QUEUES_MAX ? q : NULL;
}

static int64_t msg_get(int32_t key, uint32_t flags)
{
    if (key != LINUX_IPC_PRIVATE)
        for (unsigned i = 0; i < FILES_MSG_QUEUES_MAX; i++) {
            struct msg_queue *q = &files_msg_queues[i];
            if (!q->used || q->key != key)
                continue;
            if ((flags & LINUX_IPC_CREAT) && (flags & LINUX_IPC_EXCL))
                return -LINUX_EEXIST;
            return msg_id(i);
        }
    if (key != LINUX_IPC_PRIVATE && !(flags & LINUX_IPC_CREAT))
        return -LINUX_ENOENT;
    for (unsigned i = 0; i < FILES_MSG_QUEUES_MAX; i++) {
        struct msg_queue *q = &files_msg_queues[i];
        if (q->used)
            continue;
        uint32_t seq = q->seq;
        *q = (struct msg_queue){ .used = true, .key = key, .seq = seq, .mode = flags & FILES_MSG_MODE_BITS,
                                 .qbytes = LINUX_MSGMNB, .ctime = msg_now_seconds() };
        return msg_id(i);
    }
    return -LINUX_ENOSPC;
}

static uint32_t msg_flags(const struct files_call *c)
{
    return (uint32_t)c->arg & FILES_MSG_FLAGS;
}

/* What a call that cannot go on now answers: its error with IPC_NOWAIT (or once its
 * deadline passed), or a wait. */
static int64_t msg_blocked(const struct files_call *c, int64_t error)
{
    return (msg_flags(c) & LINUX_IPC_NOWAIT) || (c->flags & FILES_CALL_NO_WAIT) ? error : FILES_WOULD_BLOCK;
}

/* ---- msgsnd ---- */

static int64_t msg_send(const struct files_call *c)
{
    uint64_t total = c->arg2 & FILES_STAGE_LOW_MASK;
    struct files_msg_head head;
    if (total < sizeof head || total - sizeof head > LINUX_MSGMAX)
        return -LINUX_EINVAL;
    int64_t piece = files_stage_piece(c);
    if (piece || (c->flags & FILES_CALL_MORE))
        return piece;
    files_stage_peek(c, &head, sizeof head);
    struct msg_queue *q = msg_by_id((uint32_t)head.id);
    if (head.id < 0 || !q)
        return -LINUX_EINVAL;
    if (head.mtype < 1)
        return -LINUX_EINVAL;
    uint64_t len = total - sizeof head;
    if (len + q->cbytes > q->qbytes || q->qnum + 1 > q->qbytes)
        return msg_blocked(c, -LINUX_EAGAIN);
    struct msg_message *m = kmalloc(sizeof *m + total); /* taken whole, then the head dropped */
    if (!m)
        return -LINUX_ENOMEM;
    files_stage_take(c, m->text);
    memmove(m->text, m->text + sizeof head, len);
    m->next = NULL;
    m->mtype = head.mtype;
    m->len = (uint32_t)len;
    struct msg_message **link = &q->head;
    while (*link)
        link = &(*link)->next;
    *link = m;
    q->cbytes += len;
    q->qnum++;
    q->lspid = THREAD_FIRST_TID;
    q->stime = msg_now_seconds();
    files_changed = true;
    return 0;
}

/* ---- msgrcv ---- */

/* The link to the message a receive of r takes (Linux's find_msg), NULL for none. */
static struct msg_message **msg_find(struct msg_queue *q, const struct files_msg_receive *r, uint32_t flags)
{
    if (flags & LINUX_MSG_COPY) {
        int64_t index = 0;
        for (struct msg_message **link = &q->head; *link; link = &(*link)->next, index++)
            if (index == r->msgtyp)
                return link;
        return NULL;
    }
    if (r->msgtyp == 0)
        return q->head ? &q->head : NULL;
    struct msg_message **lowest = NULL;
    /* -LONG_MIN does not exist: Linux takes LONG_MAX */
    int64_t most = r->msgtyp == INT64_MIN ? INT64_MAX : -r->msgtyp;
    for (struct msg_message **link = &q->head; *link; link = &(*link)->next) {
        int64_t t = (*link)->mtype;
        if (r->msgtyp > 0 && ((flags & LINUX_MSG_EXCEPT) ? t != r->msgtyp : t == r->msgtyp))
            return link;
        if (r->msgtyp < 0 && t <= most && (!lowest || t < (*lowest)->mtype))
            lowest = link;
    }
    return lowest;
}

static int64_t msg_receive(const struct files_call *c, void *data, size_t *data_len)
{
    struct files_msg_receive r;
    if (c->len != sizeof r)
        return -LINUX_EINVAL;
    memcpy(&r, c->in, sizeof r);
    uint32_t flags = msg_flags(c);
    struct msg_queue *q = r.id < 0 ? NULL : msg_by_id((uint32_t)r.id);
    if (!q)
        return -LINUX_EINVAL;
    struct msg_message **link = msg_find(q, &r, flags);
    if (!link)
        return msg_blocked(c, -LINUX_ENOMSG);
    struct msg_message *m = *link;
    if (r.room < m->len && !(flags & LINUX_MSG_NOERROR))
        return -LINUX_E2BIG; /* the message stays */
    uint32_t len = r.room < m->len ? (uint32_t)r.room : m->len;
    uint32_t first = len < FILES_MSG_FIRST_PIECE ? len : (uint32_t)FILES_MSG_FIRST_PIECE;
    int32_t tid = (int32_t)(c->arg >> FILES_STAGE_TID_SHIFT);
    if (len > first && files_stage_keep_rest(tid, m->text + first, len - first))
        return -LINUX_ENOMEM; /* before the message leaves the queue */
    memcpy(data, &m->mtype, sizeof m->mtype);
    memcpy((uint8_t *)data + sizeof m->mtype, m->text, first);
    *data_len = sizeof m->mtype + first;
    if (flags & LINUX_MSG_COPY)
        return len;
    *link = m->next;
    q->cbytes -= m->len;
    q->qnum--;
    q->lrpid = THREAD_FIRST_TID;
    q->rtime = msg_now_seconds();
    kfree(m);
    files_changed = true;
    return len;
}

/* ---- msgctl ---- */

static bool msg_waits_on(const struct files_waiter *w, const void *ctx)
{
    int64_t id = *(const int64_t *)ctx;
    const struct files_call *c = &w->call;
    if (c->op != FILES_OP_MSG)
        return false;
    if ((c->arg & FILES_MSG_SUBOP_MASK) == FILES_MSG_RECEIVE) {
        struct files_msg_receive r;
        memcpy(&r, c->in, sizeof r); /* a queued receive's input has this size */
        return r.id == id;
    }
    if ((c->arg & FILES_MSG_SUBOP_MASK) != FILES_MSG_SEND)
        return false;
    struct files_msg_head head;
    if (files_stage_piece(c) != 0) /* its pieces no longer what they were: a peer's error */
        return false;
    files_stage_peek(c, &head, sizeof head); /* a queued send is a whole message, its head first */
    return head.id == id;
}

static void msg_remove(struct msg_queue *q)
{
    int64_t id = msg_id((unsigned)(q - files_msg_queues));
    files_finish_waiters(msg_waits_on, &id, -LINUX_EIDRM);
    while (q->head) {
        struct msg_message *m = q->head;
        q->head = m->next;
        kfree(m);
    }
    q->used = false;
    q->seq = q->seq + 1 < FILES_MSG_SEQ_MAX ? q->seq + 1 : 0;
}

static void msg_answer(const void *src, size_t len, void *data, size_t *data_len)
{
    memcpy(data, src, len);
    *data_len = len;
}

static void msg_stat(const struct msg_queue *q, void *data, size_t *data_len)
{
    struct linux_msqid64_ds ds = {
        .msg_perm = { .key = q->key, .uid = q->uid, .gid = q->gid, .mode = q->mode, .seq = (uint16_t)q->seq },
        .msg_stime = q->stime, .msg_rtime = q->rtime, .msg_ctime = q->ctime, .msg_cbytes = q->cbytes,
        .msg_qnum = q->qnum, .msg_qbytes = q->qbytes, .msg_lspid = q->lspid, .msg_lrpid = q->lrpid,
    };
    msg_answer(&ds, sizeof ds, data, data_len);
}

/* IPC_INFO and MSG_INFO: the limits (MSG_INFO: with the queues, messages and bytes in use
 * where Linux puts them); the highest slot in use, or 0. */
static int64_t msg_info(uint32_t cmd, void *data, size_t *data_len)
{
    int64_t highest = 0;
    int32_t queues = 0;
    uint64_t messages = 0, bytes = 0;
    for (unsigned i = 0; i < FILES_MSG_QUEUES_MAX; i++) {
        const struct msg_queue *q = &files_msg_queues[i];
        if (!q->used)
            continue;
        highest = i;
        queues++;
        messages += q->qnum;
        bytes += q->cbytes;
    }
    int32_t pool = FILES_MSG_QUEUES_MAX * LINUX_MSGMNB / 1024; /* MSGPOOL, in KiB */
    struct linux_msginfo info = { .msgpool = pool, .msgmap = LINUX_MSGMNB, .msgmax = LINUX_MSGMAX,
                                  .msgmnb = LINUX_MSGMNB, .msgmni = FILES_MSG_QUEUES_MAX, .msgssz = LINUX_MSGSSZ,
                                  .msgtql = LINUX_MSGMNB,
                                  .msgseg = (uint16_t)(pool * 1024 / LINUX_MSGSSZ > FILES_MSG_SEG_MAX
                                                           ? FILES_MSG_SEG_MAX
                                                           : pool * 1024 / LINUX_MSGSSZ) };
    if (cmd == LINUX_MSG_INFO) {
        info.msgpool = queues;
        info.msgmap = (int32_t)messages;
        info.msgtql = (int32_t)bytes;
    }
    msg_answer(&info, sizeof info, data, data_len);
    return highest;
}

static int64_t msg_ctl(uint64_t id, const struct files_msg_ctl *ctl, void *data, size_t *data_len)
{
    switch (ctl->cmd) {
    case LINUX_IPC_INFO:
    case LINUX_MSG_INFO:
        return msg_info(ctl->cmd, data, data_len);
    case LINUX_MSG_STAT:
    case LINUX_MSG_STAT_ANY:
        if (id >= FILES_MSG_QUEUES_MAX || !files_msg_queues[id].used)
            return -LINUX_EINVAL;
        msg_stat(&files_msg_queues[id], data, data_len);
        return msg_id((unsigned)id);
    default:
        break;
    }
    struct msg_queue *q = msg_by_id(id);
    if (!q)
        return -LINUX_EINVAL;
    switch (ctl->cmd) {
    case LINUX_IPC_STAT:
        msg_stat(q, data, data_len);
        return 0;
    case LINUX_IPC_SET:
        q->qbytes = ctl->qbytes;
        q->uid = ctl->perm.uid;
        q->gid = ctl->perm.gid;
        q->mode = ctl->perm.mode & FILES_MSG_MODE_BITS;
        q->ctime = msg_now_seconds();
        files_changed = true; /* more room: senders may go on */
        return 0;
    case LINUX_IPC_RMID:
        msg_remove(q);
        return 0;
    default:
        return -LINUX_EINVAL;
    }
}

uint32_t files_msg_answer_max(const struct files_call *c)
{
    switch (c->arg & FILES_MSG_SUBOP_MASK) {
    case FILES_MSG_RECEIVE:
        return FILES_XFER_MAX;
    case FILES_MSG_CTL:
        return sizeof(struct linux_msqid64_ds);
    default:
        return 0;
    }
}

int64_t files_msg_call(const struct files_call *c, void *data, size_t *data_len)
{
    *data_len = 0;
    switch (c->arg & FILES_MSG_SUBOP_MASK) {
    case FILES_MSG_GET:
        return msg_get((int32_t)c->arg2, (uint32_t)(c->arg2 >> 32));
    case FILES_MSG_SEND:
        return msg_send(c);
    case FILES_MSG_RECEIVE:
        return msg_receive(c, data, data_len);
    case FILES_MSG_CTL: {
        struct files_msg_ctl ctl;
        if (c->len != sizeof ctl)
            return -LINUX_EINVAL;
        memcpy(&ctl, c->in, sizeof ctl);
        return msg_ctl(c->arg2, &ctl, data, data_len);
    }
    default:
        return -LINUX_EINVAL;
    }
}
