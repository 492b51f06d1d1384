/* SPDX-License-Identifier: MIT */
/* stdout and stderr of every node reach node 0 (issue 5): a write() on another node sends
 * its bytes to node 0, which puts them on COM2/COM3, and returns only once node 0 has
 * them - so output keeps the program's own order (what happened before a futex wake or a
 * page transfer was printed before). Not done: batching several writes in one message. */
#include "kernel/dsm_glue.h"

#include "drivers/serial_ports.h"
#include "kernel/dsm_internal.h"
#include "kernel/libc.h"
#include "kernel/linux_abi.h"
#include "kernel/log.h"
#include "kernel/mm.h"
#include "kernel/net_glue.h"
#include "kernel/usercopy.h"
#include "net/net.h"

#define DSM_OUTPUT_CHUNK 4096 /* bytes per message: well under TRANSPORT_MAX_MSG */
#define DSM_OUTPUT_FD_STDOUT 1
#define DSM_OUTPUT_FD_STDERR 2

struct dsm_output_msg {
    uint32_t fd;
    uint32_t len;
    uint8_t data[DSM_OUTPUT_CHUNK];
};

static uint64_t dsm_output_bad;

bool dsm_output_forwarded(void)
{
    return dsm_active() && dsm_self != 0;
}

long dsm_output_write(uint64_t fd, uint64_t ubuf, uint64_t len)
{
    /* Private to this call: copy_from_user may park the thread while others write. */
    struct dsm_output_msg *m = kmalloc(sizeof *m);
    if (!m)
        return -LINUX_ENOMEM;
    uint64_t done = 0;
    long result = 0;
    while (done < len) {
        size_t n = len - done < DSM_OUTPUT_CHUNK ? (size_t)(len - done) : DSM_OUTPUT_CHUNK;
        if (copy_from_user(m->data, ubuf + done, n) != 0) {
            result = -LINUX_EFAULT;
            break;
        }
        m->fd = (uint32_t)fd;
        m->len = (uint32_t)n;
        int64_t rc = dsm_request_wait(0, DSM_TYPE_OUTPUT, m, offsetof(struct dsm_output_msg, data) + n);
        if (rc < 0) {
            result = (long)rc;
            break;
        }
        done += n;
    }
    kfree(m);
    return done ? (long)done : result;
}

static void dsm_output_input(void *ctx, struct net *n, uint32_t from, uint8_t type, const uint8_t *msg, size_t len,
                             uint64_t request_id)
{
    (void)ctx, (void)type;
    const struct dsm_output_msg *m = (const struct dsm_output_msg *)msg;
    int64_t status = 0;
    if (dsm_self != 0 || len < offsetof(struct dsm_output_msg, data) ||
        m->len != len - offsetof(struct dsm_output_msg, data) ||
        (m->fd != DSM_OUTPUT_FD_STDOUT && m->fd != DSM_OUTPUT_FD_STDERR)) {
        dsm_output_bad++;
        log_error("dsm: bad output message from node %u", from);
        status = -LINUX_EINVAL;
    } else {
        serial_port_write_raw(m->fd == DSM_OUTPUT_FD_STDOUT ? SERIAL_PORT_COM2 : SERIAL_PORT_COM3, m->data, m->len);
    }
    if (request_id)
        transport_reply(n, from, request_id, &status, sizeof status);
}

void dsm_output_init(void)
{
    transport_register_handler(net_glue_net(), DSM_TYPE_OUTPUT, dsm_output_input, NULL);
}
