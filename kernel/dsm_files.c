/* SPDX-License-Identifier: MIT */
/* File calls of a multi-node program (kernel/files.h): the descriptor table is one for the
 * whole program (CLONE_FILES) and lives on node 0 with the boot modules, so every other
 * node ships each call there as a request and gets the result and the bytes back. Offsets
 * and descriptors are therefore the same whichever node a thread runs on. Not done:
 * read-ahead or caching on the calling node (every read is a round trip). */
#include "kernel/files.h"

#include "kernel/dsm_glue.h"
#include "kernel/dsm_internal.h"
#include "kernel/libc.h"
#include "kernel/linux_abi.h"
#include "kernel/log.h"
#include "kernel/net_glue.h"
#include "net/net.h"

#define DSM_FILES_TYPE (TRANSPORT_TYPE_USER_FIRST + 40) /* any -> 0: a file call (request);
                                                         * next to DSM_TYPE_* in kernel/dsm_internal.h */

/* The request: the call's fixed fields, then path_len bytes of path (no NUL). */
struct dsm_files_wire {
    uint32_t op;
    int32_t fd;
    uint64_t arg;
    uint64_t arg2;
    uint32_t len;
    uint32_t path_len;
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

static bool dsm_files_remote(void)
{
    return dsm_active() && dsm_self != 0;
}

/* Most bytes of data op may return. */
static uint32_t dsm_files_reply_max(const struct files_call *c)
{
    if (c->op == FILES_OP_READ || c->op == FILES_OP_PREAD)
        return c->len;
    if (c->op == FILES_OP_FSTAT || c->op == FILES_OP_STAT)
        return sizeof(struct linux_stat);
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

/* Ships c to node 0 and parks until its reply. */
static int64_t dsm_files_ship(const struct files_call *c, void *data, size_t *data_len)
{
    uint8_t msg[sizeof(struct dsm_files_wire) + FILES_PATH_MAX];
    struct dsm_files_wire wire = { .op = c->op, .fd = c->fd, .arg = c->arg, .arg2 = c->arg2, .len = c->len,
                                   .path_len = c->path_len };
    if (c->path_len >= FILES_PATH_MAX)
        return -LINUX_EINVAL;
    memcpy(msg, &wire, sizeof wire);
    memcpy(msg + sizeof wire, c->path, c->path_len);
    struct dsm_files_wait w = { .data = data, .data_len = data_len, .want = dsm_files_reply_max(c) };
    w.token = dsm_park_prepare();
    int rc;
    while ((rc = transport_request(net_glue_net(), 0, DSM_FILES_TYPE, msg, sizeof wire + c->path_len,
                                   dsm_files_reply_done, &w)) == NET_ERR_AGAIN)
        net_glue_poll();
    if (rc != NET_OK)
        return -LINUX_EIO;
    return dsm_park_wait(w.token);
}

int64_t files_call(const struct files_call *c, void *data, size_t *data_len)
{
    *data_len = 0;
    if (dsm_files_remote())
        return dsm_files_ship(c, data, data_len);
    return files_execute(c, data, data_len);
}

/* Decodes a shipped call into out; false if it is malformed. */
static bool dsm_files_decode(const uint8_t *msg, size_t len, struct files_call *out)
{
    struct dsm_files_wire wire;
    if (len < sizeof wire)
        return false;
    memcpy(&wire, msg, sizeof wire);
    if (wire.path_len >= FILES_PATH_MAX || len != sizeof wire + wire.path_len || wire.op < FILES_OP_CHECK ||
        wire.op > FILES_OP_LAST || wire.len > FILES_XFER_MAX)
        return false;
    memset(out, 0, sizeof *out);
    *out = (struct files_call){ .op = wire.op, .fd = wire.fd, .arg = wire.arg, .arg2 = wire.arg2, .len = wire.len,
                                .path_len = wire.path_len };
    memcpy(out->path, msg + sizeof wire, wire.path_len);
    return true;
}

/* Node 0: runs a shipped call on the table and answers with its result and bytes. */
static void dsm_files_input(void *ctx, struct net *n, uint32_t from, uint8_t type, const uint8_t *msg, size_t len,
                            uint64_t request_id)
{
    (void)ctx, (void)type;
    static struct files_call call;       /* handlers run one at a time (IF=0, one CPU) */
    static struct dsm_files_reply reply;
    size_t data_len = 0;
    if (!dsm_files_decode(msg, len, &call) || !request_id) {
        dsm_files_bad_requests++;
        log_error("dsm: bad file request from node %u (%zu bytes)", from, len);
        reply.result = -LINUX_EINVAL;
    } else {
        reply.result = files_execute(&call, reply.data, &data_len);
    }
    if (request_id)
        transport_reply(n, from, request_id, &reply, sizeof reply.result + data_len);
}

void files_remote_init(void)
{
    if (net_glue_net() && net_glue_node_id() == 0 && net_glue_node_count() > 1)
        transport_register_handler(net_glue_net(), DSM_FILES_TYPE, dsm_files_input, NULL);
}
