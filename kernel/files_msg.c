/* SPDX-License-Identifier: MIT */
/* SysV message queues, the table's side (kernel/files_msg.h): node 0 keeps every queue's
 * key, permissions, limits and messages, oldest first, so any node's threads see the same
 * queues. A call that cannot go on now is queued with the other waiting file calls, and
 * every change runs the queue again, oldest first. Checks and searches follow Linux's
 * ipc/msg.c: a message fits while the queue's bytes and its message count both stay within
 * msg_qbytes; msgrcv's type picks the first message (0), the first of that type (> 0, or any
 * other with MSG_EXCEPT), or the first of the lowest type at most -msgtyp (< 0); MSG_COPY
 * copies the message at an index. Ids and keys: kernel/files_ipc.h; as root, the caller may
 * raise a queue's msg_qbytes past MSGMNB. */
#include "kernel/files_msg.h"

#include "kernel/files_internal.h"
#include "kernel/files_ipc.h"
#include "kernel/libc.h"
#include "kernel/mm.h"
#include "kernel/thread.h"

#define FILES_MSG_SEG_MAX 0xffff  /* msginfo.msgseg is an unsigned short (MSGSEG's clamp) */

struct msg_message {
    struct msg_message *next;
    int64_t mtype;
    uint32_t len;
    uint8_t text[];
};

struct msg_queue {
    struct files_ipc_obj ipc;
    uint64_t qbytes;          /* the limit on cbytes and on qnum */
    uint64_t cbytes, qnum;
    int32_t lspid, lrpid;
    int64_t stime, rtime;
    struct msg_message *head; /* oldest first */
};

static struct msg_queue files_msg_queues[FILES_IPC_SLOTS];
static const struct files_ipc_table msg_table = { files_msg_queues, sizeof files_msg_queues[0] };

static struct msg_queue *msg_by_id(uint64_t id)
{
    return (struct msg_queue *)files_ipc_by_id(&msg_table, id);
}

static int64_t msg_get(int32_t key, uint32_t flags)
{
    struct files_ipc_obj *found;
    int64_t bad = files_ipc_get(&msg_table, key, flags, &found);
    if (bad)
        return bad;
    if (found)
        return files_ipc_id(&msg_table, found);
    struct msg_queue *q = (struct msg_queue *)files_ipc_new(&msg_table, key, flags);
    if (!q)
        return -LINUX_ENOSPC;
    q->qbytes = LINUX_MSGMNB;
    return files_ipc_id(&msg_table, &q->ipc);
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
    q->stime = files_ipc_now_seconds();
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
    if (!files_ipc_input(c, &r, sizeof r))
        return -LINUX_EINVAL;
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
    q->rtime = files_ipc_now_seconds();
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
    int64_t id = files_ipc_id(&msg_table, &q->ipc);
    files_finish_waiters(msg_waits_on, &id, -LINUX_EIDRM);
    while (q->head) {
        struct msg_message *m = q->head;
        q->head = m->next;
        kfree(m);
    }
    files_ipc_forget(&q->ipc);
}

static void msg_answer(const void *src, size_t len, void *data, size_t *data_len)
{
    memcpy(data, src, len);
    *data_len = len;
}

static void msg_stat(const struct msg_queue *q, void *data, size_t *data_len)
{
    struct linux_msqid64_ds ds = {
        .msg_perm = files_ipc_perm(&q->ipc, 0),
        .msg_stime = q->stime, .msg_rtime = q->rtime, .msg_ctime = q->ipc.ctime, .msg_cbytes = q->cbytes,
        .msg_qnum = q->qnum, .msg_qbytes = q->qbytes, .msg_lspid = q->lspid, .msg_lrpid = q->lrpid,
    };
    msg_answer(&ds, sizeof ds, data, data_len);
}

/* IPC_INFO and MSG_INFO: the limits (MSG_INFO: with the queues, messages and bytes in use
 * where Linux puts them); the highest slot in use, or 0. */
static int64_t msg_info(uint32_t cmd, void *data, size_t *data_len)
{
    unsigned queues;
    int64_t highest = files_ipc_highest(&msg_table, &queues);
    uint64_t messages = 0, bytes = 0;
    for (unsigned i = 0; i < FILES_IPC_SLOTS; i++) {
        const struct msg_queue *q = &files_msg_queues[i];
        if (q->ipc.used) {
            messages += q->qnum;
            bytes += q->cbytes;
        }
    }
    int32_t pool = FILES_IPC_SLOTS * LINUX_MSGMNB / 1024; /* MSGPOOL, in KiB */
    struct linux_msginfo info = { .msgpool = pool, .msgmap = LINUX_MSGMNB, .msgmax = LINUX_MSGMAX,
                                  .msgmnb = LINUX_MSGMNB, .msgmni = FILES_IPC_SLOTS, .msgssz = LINUX_MSGSSZ,
                                  .msgtql = LINUX_MSGMNB,
                                  .msgseg = (uint16_t)(pool * 1024 / LINUX_MSGSSZ > FILES_MSG_SEG_MAX
                                                           ? FILES_MSG_SEG_MAX
                                                           : pool * 1024 / LINUX_MSGSSZ) };
    if (cmd == LINUX_MSG_INFO) {
        info.msgpool = (int32_t)queues;
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
    case LINUX_IPC_STAT:
    case LINUX_MSG_STAT:
    case LINUX_MSG_STAT_ANY: {
        int64_t answer;
        struct msg_queue *q =
            (struct msg_queue *)files_ipc_stat_target(&msg_table, id, ctl->cmd != LINUX_IPC_STAT, &answer);
        if (!q)
            return -LINUX_EINVAL;
        msg_stat(q, data, data_len);
        return answer;
    }
    default:
        break;
    }
    struct msg_queue *q = msg_by_id(id);
    if (!q)
        return -LINUX_EINVAL;
    switch (ctl->cmd) {
    case LINUX_IPC_SET:
        q->qbytes = ctl->qbytes;
        files_ipc_set(&q->ipc, &ctl->perm);
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
        if (!files_ipc_input(c, &ctl, sizeof ctl))
            return -LINUX_EINVAL;
        return msg_ctl(c->arg2, &ctl, data, data_len);
    }
    default:
        return -LINUX_EINVAL;
    }
}
