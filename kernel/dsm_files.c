/* SPDX-License-Identifier: MIT */
/* File calls of a multi-node program (kernel/files.h): the descriptor table is one for the
 * whole program (CLONE_FILES) and lives on node 0 with the boot modules and the pipes, so
 * every other node ships each call there as a request and gets the result and the bytes
 * back. Offsets, descriptors and pipes are therefore the same whichever node a thread runs
 * on, and a write to stdout reaches node 0's COM2 before it returns (output keeps the
 * program's causal order). A call that must wait (an empty or full pipe) is queued on node
 * 0 and answered when it finishes; a signal for the waiting thread sends node 0 a cancel,
 * which answers the queued call with -ERESTARTSYS (the call restarts after the handler or
 * fails with EINTR, as on one node) unless it has finished already. A call with a deadline
 * (poll) is timed on the calling node, which at the deadline sends a cancel that has node 0
 * answer what the call gives now. Not done: read-ahead or caching on the calling node
 * (every read is a round trip). */
#include "kernel/files.h"
#include "kernel/files_msg.h"
#include "kernel/files_sem.h"
#include "kernel/files_shm.h"

#include "kernel/clock.h"
#include "kernel/dsm_glue.h"
#include "kernel/dsm_internal.h"
#include "kernel/libc.h"
#include "kernel/linux_abi.h"
#include "kernel/log.h"
#include "kernel/mm.h"
#include "kernel/net_glue.h"
#include "kernel/thread.h"
#include "net/net.h"

#define DSM_FILES_TYPE (TRANSPORT_TYPE_USER_FIRST + 40) /* any -> 0: a file call (request);
                                                         * next to DSM_TYPE_* in kernel/dsm_internal.h */
#define DSM_FILES_CANCEL_RETRY_NS 1000000ull /* a deadline's cancel the window had no room for: again in 1 ms */
/* Calls of other nodes queued at once on node 0: each thread has at most one in flight,
 * so more come only from a misbehaving peer, which gets EAGAIN (memory stays bounded). */
#define DSM_FILES_WAITING_MAX 256
/* A request of this op is no file call: it cancels the sender's queued call arg (call_id),
 * answering it with -ERESTARTSYS (arg2 DSM_FILES_CANCEL_SIGNAL) or with what it gives now
 * without waiting (DSM_FILES_CANCEL_DEADLINE). */
#define DSM_FILES_OP_CANCEL (FILES_OP_LAST + 1)
#define DSM_FILES_CANCEL_SIGNAL 0
#define DSM_FILES_CANCEL_DEADLINE 1

/* The request: the call's fixed fields, then path_len bytes of path (no NUL), then for a
 * WRITE its len bytes. */
struct dsm_files_wire {
    uint32_t op;
    int32_t fd;
    uint64_t arg;
    uint64_t arg2;
    uint32_t len;
    uint32_t path_len;
    uint32_t flags;
    uint32_t reserved; /* 0 */
    uint64_t call_id;  /* the sender's name for the call, for a cancel */
};

/* A queued call of another node: where its answer goes. */
struct dsm_files_remote_wait {
    struct dsm_files_remote_wait *next;
    struct files_waiter *w;
    uint32_t from;
    uint64_t request_id;
    uint64_t call_id;
};

/* The call a thread of this node has shipped and waits for (slot = thread index). */
struct dsm_files_inflight {
    uint64_t call_id;  /* 0: none */
    bool cancel_sent;
};

/* The reply: the result, then the bytes read or the stat. */
struct dsm_files_reply {
    int64_t result;
    uint8_t data[FILES_XFER_MAX];
};

/* A call of this node in flight: where the reply goes. */
struct dsm_files_wait {
    uint64_t token;
    void *data;
    size_t *data_len;
    uint32_t want; /* most bytes of data the call can return */
};

static uint64_t dsm_files_bad_requests; /* malformed requests node 0 refused */
static uint64_t dsm_files_bad_replies;  /* replies with more data than asked for, or short */
static uint64_t dsm_files_oversized_answers; /* node 0's answers longer than dsm_files_reply_max allows */
static uint64_t dsm_files_refused_waits; /* calls refused with EAGAIN: DSM_FILES_WAITING_MAX queued */
static uint64_t dsm_files_cancels_unsent; /* cancels the transport had no room for */
static unsigned dsm_files_waiting;       /* calls of other nodes queued now */
static struct dsm_files_remote_wait *dsm_files_remote_waits; /* node 0: those calls */
static struct dsm_files_inflight dsm_files_inflight[THREAD_MAX];
static uint64_t dsm_files_last_call_id;

static bool dsm_files_remote(void)
{
    return dsm_active() && dsm_self != 0;
}

/* Most bytes of data op may return. */
static uint32_t dsm_files_reply_max(const struct files_call *c)
{
    bool io = c->op == FILES_OP_READ || c->op == FILES_OP_PREAD || c->op == FILES_OP_WRITE || c->op == FILES_OP_PWRITE;
    if (io && (c->flags & FILES_CALL_MAPS)) /* the mappings' ranges may come instead, or with a write's answer */
        return c->op == FILES_OP_READ || c->op == FILES_OP_PREAD
                   ? (c->len > FILES_MAPS_RANGES_BYTES ? c->len : (uint32_t)FILES_MAPS_RANGES_BYTES)
                   : (uint32_t)FILES_MAPS_RANGES_BYTES;
    if (c->op == FILES_OP_READ || c->op == FILES_OP_PREAD || c->op == FILES_OP_POLL || c->op == FILES_OP_GETDENTS ||
        c->op == FILES_OP_EPOLL_WAIT || c->op == FILES_OP_RECV || c->op == FILES_OP_MQ_RECEIVE ||
        c->op == FILES_OP_RECEIVE_REST || c->op == FILES_OP_RECVFROM)
        return c->len;
    if (c->op == FILES_OP_THREAD)
        return THREAD_COMM_LEN; /* GET_NAME's name */
    if (c->op == FILES_OP_MQ_GETSETATTR)
        return sizeof(struct linux_mq_attr);
    if (c->op == FILES_OP_SHM)
        return FILES_SHM_ANSWER_MAX;
    if (c->op == FILES_OP_SEM)
        return files_sem_answer_max(c);
    if (c->op == FILES_OP_MSG)
        return files_msg_answer_max(c);
    if (c->op == FILES_OP_ACCEPT || c->op == FILES_OP_SOCKNAME)
        return sizeof(struct files_sock_addr);
    if (c->op == FILES_OP_MAP_WRITE)
        return FILES_MAPS_RANGES_BYTES;
    if (c->op == FILES_OP_GETCWD || c->op == FILES_OP_READLINK)
        return FILES_PATH_MAX;
    if (c->op == FILES_OP_OPEN) /* a FIFO's open that must wait: the other end's opens */
        return sizeof(uint64_t);
    if (c->op == FILES_OP_FSTAT || c->op == FILES_OP_STAT)
        return sizeof(struct linux_stat);
    if (c->op == FILES_OP_STATFS)
        return sizeof(struct linux_statfs);
    if (c->op == FILES_OP_PIPE || c->op == FILES_OP_SOCKETPAIR)
        return 2 * sizeof(int32_t);
    if (c->op == FILES_OP_TIMERFD_SET || c->op == FILES_OP_TIMERFD_GET || c->op == FILES_OP_TIMER_SET ||
        c->op == FILES_OP_TIMER_GET)
        return sizeof(struct linux_itimerspec);
    return 0;
}

static void dsm_files_reply_done(void *ctx, int status, const uint8_t *reply, size_t len)
{
    struct dsm_files_wait *w = ctx;
    int64_t result;
    if (status != NET_OK) {
        result = -LINUX_EIO;
    } else if (len < sizeof result || len - sizeof result > w->want) {
        dsm_files_bad_replies++;
        log_error("dsm: bad file reply from node 0 (%zu bytes)", len);
        result = -LINUX_EIO;
    } else {
        memcpy(&result, reply, sizeof result);
        *w->data_len = len - sizeof result;
        if (*w->data_len)
            memcpy(w->data, reply + sizeof result, *w->data_len);
    }
    dsm_park_wake(w->token, result);
}

/* Bytes of a call's in that travel with it. */
static size_t dsm_files_in_len(uint32_t op, uint32_t len)
{
    return files_op_has_input(op) ? len : 0;
}

static void dsm_files_cancel_done(void *ctx, int status, const uint8_t *reply, size_t len)
{
    (void)ctx, (void)status, (void)reply, (void)len; /* the cancelled call's own answer wakes the thread */
}

/* Sends node 0 the cancel of call_id (how: DSM_FILES_CANCEL_*). Any context: no waiting
 * for room in the transport's window; false without it. */
static bool dsm_files_send_cancel(uint64_t call_id, uint64_t how)
{
    struct dsm_files_wire wire = { .op = DSM_FILES_OP_CANCEL, .arg = call_id, .arg2 = how };
    if (transport_request(net_glue_net(), 0, DSM_FILES_TYPE, &wire, sizeof wire, dsm_files_cancel_done, NULL) !=
        NET_OK) {
        dsm_files_cancels_unsent++;
        return false;
    }
    return true;
}

/* Ships c to node 0 and parks until its reply; at deadline (0: none) has node 0 answer at
 * once (a cancel that could not be sent is retried a tick later). */
static int64_t dsm_files_ship(const struct files_call *c, void *data, size_t *data_len, uint64_t deadline)
{
    struct dsm_files_wire wire = { .op = c->op, .fd = c->fd, .arg = c->arg, .arg2 = c->arg2, .len = c->len,
                                   .path_len = c->path_len, .flags = c->flags, .call_id = ++dsm_files_last_call_id };
    size_t in_len = dsm_files_in_len(c->op, c->len);
    if (c->path_len >= FILES_PATH_MAX || in_len > FILES_XFER_MAX)
        return -LINUX_EINVAL;
    size_t len = sizeof wire + c->path_len + in_len;
    uint8_t *msg = kmalloc(len); /* a page and more: not on the kernel stack */
    if (!msg)
        return -LINUX_ENOMEM;
    memcpy(msg, &wire, sizeof wire);
    memcpy(msg + sizeof wire, c->path, c->path_len);
    if (in_len)
        memcpy(msg + sizeof wire + c->path_len, c->in, in_len);
    struct dsm_files_wait w = { .data = data, .data_len = data_len, .want = dsm_files_reply_max(c) };
    w.token = dsm_park_prepare();
    int rc;
    while ((rc = transport_request(net_glue_net(), 0, DSM_FILES_TYPE, msg, len, dsm_files_reply_done, &w)) ==
           NET_ERR_AGAIN)
        net_glue_poll();
    kfree(msg);
    if (rc != NET_OK)
        return -LINUX_EIO;
    struct dsm_files_inflight *f = &dsm_files_inflight[thread_index(thread_current())];
    *f = (struct dsm_files_inflight){ .call_id = wire.call_id };
    bool woken;
    int64_t r = dsm_park_wait_until(w.token, deadline, &woken);
    while (!woken) {
        bool sent = f->cancel_sent || dsm_files_send_cancel(wire.call_id, DSM_FILES_CANCEL_DEADLINE);
        f->cancel_sent = sent;
        r = dsm_park_wait_until(w.token, sent ? 0 : clock_now_ns() + DSM_FILES_CANCEL_RETRY_NS, &woken);
    }
    *f = (struct dsm_files_inflight){ 0 };
    return r;
}

bool dsm_files_interrupt(const struct thread *t)
{
    struct dsm_files_inflight *f = &dsm_files_inflight[thread_index(t)];
    if (!dsm_files_remote() || !f->call_id || f->cancel_sent)
        return false;
    /* Without room to send, the call runs on until it finishes; the signal is handled then. */
    f->cancel_sent = dsm_files_send_cancel(f->call_id, DSM_FILES_CANCEL_SIGNAL);
    return f->cancel_sent;
}

int64_t files_call_until(const struct files_call *c, void *data, size_t *data_len, uint64_t deadline)
{
    *data_len = 0;
    if (dsm_files_remote())
        return dsm_files_ship(c, data, data_len, deadline);
    return files_execute_waiting(c, data, data_len, deadline);
}

int64_t files_call(const struct files_call *c, void *data, size_t *data_len)
{
    return files_call_until(c, data, data_len, 0);
}

/* Decodes a shipped call into out (a WRITE's bytes stay in msg, at out->in); false if it
 * is malformed. */
static bool dsm_files_decode(const uint8_t *msg, size_t len, struct files_call *out)
{
    struct dsm_files_wire wire;
    if (len < sizeof wire)
        return false;
    memcpy(&wire, msg, sizeof wire);
    size_t in_len = dsm_files_in_len(wire.op, wire.len);
    if (wire.path_len >= FILES_PATH_MAX || wire.op < FILES_OP_CHECK || wire.op > FILES_OP_LAST ||
        wire.len > FILES_XFER_MAX || len != sizeof wire + wire.path_len + in_len || (wire.flags & ~FILES_CALL_FLAGS) ||
        wire.reserved || !wire.call_id)
        return false;
    memset(out, 0, sizeof *out);
    *out = (struct files_call){ .op = wire.op, .fd = wire.fd, .arg = wire.arg, .arg2 = wire.arg2, .len = wire.len,
                                .path_len = wire.path_len, .flags = wire.flags };
    memcpy(out->path, msg + sizeof wire, wire.path_len);
    if (in_len)
        out->in = msg + sizeof wire + wire.path_len;
    return true;
}

/* Node 0: checks that an answer of data_len bytes to c fits what its caller takes; one that
 * does not (the caller refuses it with EIO) is this kernel's bug, logged with its op. */
static void dsm_files_answer_fits(const struct files_call *c, size_t data_len)
{
    if (data_len <= dsm_files_reply_max(c))
        return;
    dsm_files_oversized_answers++;
    log_error("dsm: node 0's answer to file op %u has %zu bytes, more than its caller takes (%u)", c->op, data_len,
              dsm_files_reply_max(c));
}

/* Node 0: the answer to a call: its result, then data_len bytes of data. */
static void dsm_files_answer(uint32_t to, uint64_t request_id, int64_t result, const void *data, size_t data_len)
{
    static struct dsm_files_reply reply; /* handlers and waiters run one at a time (IF=0, one CPU) */
    reply.result = result;
    if (data_len)
        memcpy(reply.data, data, data_len);
    transport_reply(net_glue_net(), to, request_id, &reply, sizeof reply.result + data_len);
}

/* Node 0: answers r's call with result (and its waiter's bytes) and forgets it. */
static void dsm_files_remote_finish(struct dsm_files_remote_wait *r, int64_t result)
{
    struct dsm_files_remote_wait **link = &dsm_files_remote_waits;
    while (*link != r)
        link = &(*link)->next;
    *link = r->next;
    dsm_files_answer_fits(&r->w->call, r->w->data_len);
    dsm_files_answer(r->from, r->request_id, result, r->w->bytes, r->w->data_len);
    dsm_files_waiting--;
    kfree(r->w);
    kfree(r);
}

/* Node 0: a queued call of another node finished. */
static void dsm_files_remote_done(struct files_waiter *w, int64_t result)
{
    dsm_files_remote_finish(w->ctx, result);
}

/* Node 0: the sender cancels its queued call call_id (how: DSM_FILES_CANCEL_*); one that
 * has finished already is left alone. */
static void dsm_files_cancel(uint32_t from, uint64_t call_id, uint64_t how)
{
    for (struct dsm_files_remote_wait *r = dsm_files_remote_waits; r; r = r->next) {
        if (r->from != from || r->call_id != call_id)
            continue;
        if (!files_unwait(r->w))
            return;
        int64_t result = -LINUX_ERESTARTSYS;
        if (how == DSM_FILES_CANCEL_DEADLINE) {
            struct files_call last = r->w->call;
            last.flags |= FILES_CALL_NO_WAIT;
            result = files_execute(&last, r->w->bytes, &r->w->data_len);
        }
        dsm_files_remote_finish(r, result);
        return;
    }
}

/* Node 0: queues a call of another node that must wait; false when it cannot (no room). */
static bool dsm_files_queue(const struct files_call *c, uint32_t from, uint64_t request_id, uint64_t call_id)
{
    if (dsm_files_waiting >= DSM_FILES_WAITING_MAX)
        return false;
    struct files_waiter *w = files_waiter_new(c);
    struct dsm_files_remote_wait *r = kmalloc(sizeof *r);
    if (!w || !r) {
        kfree(w);
        kfree(r);
        return false;
    }
    *r = (struct dsm_files_remote_wait){ .next = dsm_files_remote_waits, .w = w, .from = from,
                                         .request_id = request_id, .call_id = call_id };
    dsm_files_remote_waits = r;
    w->done = dsm_files_remote_done;
    w->ctx = r;
    dsm_files_waiting++;
    files_wait(w);
    return true;
}

/* Node 0: runs a shipped call on the table and answers with its result and bytes. */
static void dsm_files_input(void *ctx, struct net *n, uint32_t from, uint8_t type, const uint8_t *msg, size_t len,
                            uint64_t request_id)
{
    (void)ctx, (void)type, (void)n;
    static struct files_call call;       /* handlers run one at a time (IF=0, one CPU) */
    static uint8_t data[FILES_XFER_MAX];
    size_t data_len = 0;
    int64_t result;
    struct dsm_files_wire wire;
    if (len == sizeof wire && request_id) {
        memcpy(&wire, msg, sizeof wire);
        if (wire.op == DSM_FILES_OP_CANCEL) {
            dsm_files_cancel(from, wire.arg, wire.arg2);
            dsm_files_answer(from, request_id, 0, NULL, 0);
            return;
        }
    }
    if (!dsm_files_decode(msg, len, &call) || !request_id) {
        dsm_files_bad_requests++;
        log_error("dsm: bad file request from node %u (%zu bytes)", from, len);
        result = -LINUX_EINVAL;
    } else {
        result = files_execute(&call, data, &data_len);
        if (result == FILES_WOULD_BLOCK) {
            memcpy(&wire, msg, sizeof wire); /* decoded: at least that long */
            if (dsm_files_queue(&call, from, request_id, wire.call_id))
                return;
            dsm_files_refused_waits++;
            log_error("dsm: file call of node %u must wait but %u are queued: EAGAIN", from, dsm_files_waiting);
            result = -LINUX_EAGAIN;
        }
        dsm_files_answer_fits(&call, data_len);
    }
    if (request_id)
        dsm_files_answer(from, request_id, result, data, data_len);
}

void files_remote_init(void)
{
    if (net_glue_net() && net_glue_node_id() == 0 && net_glue_node_count() > 1)
        transport_register_handler(net_glue_net(), DSM_FILES_TYPE, dsm_files_input, NULL);
}
