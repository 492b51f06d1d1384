/* SPDX-License-Identifier: MIT */
/* Messages longer than one file call, both sides (kernel/files_stage.h). */
#include "kernel/files_stage.h"

#include "kernel/libc.h"
#include "kernel/linux_abi.h"
#include "kernel/mm.h"
#include "kernel/thread.h"

#define FILES_STAGES_MAX THREAD_MAX /* a thread has one at a time: more is a peer's error */

/* ---- the caller's side ---- */

uint64_t files_stage_tid_word(void)
{
    return (uint64_t)(uint32_t)thread_current()->tid << FILES_STAGE_TID_SHIFT;
}

int64_t files_call_in_pieces(struct files_call *c, const uint8_t *msg, uint64_t len, uint64_t deadline)
{
    uint64_t offset = 0;
    int64_t r;
    do { /* the pieces before the last only wait in the stage; the last runs the call */
        uint64_t piece = len - offset < FILES_XFER_MAX ? len - offset : FILES_XFER_MAX;
        bool last = offset + piece == len;
        c->arg2 = offset << FILES_STAGE_OFFSET_SHIFT | len;
        c->len = (uint32_t)piece;
        c->in = msg + offset;
        c->flags = last ? 0 : FILES_CALL_MORE;
        size_t n;
        r = files_call_until(c, NULL, &n, last ? deadline : 0);
        offset += piece;
    } while (r >= 0 && offset < len);
    return r;
}

/* After a receive whose answer brought msg's first `first` bytes of len: the rest, from the
 * calling thread's stage. 0, -errno, or -EIO for an answer the table's node never gives. */
static int64_t files_receive_rest(uint8_t *msg, uint64_t first, uint64_t len)
{
    for (uint64_t got = first; got < len;) {
        uint64_t room = len - got < FILES_XFER_MAX ? len - got : FILES_XFER_MAX; /* bounds the answer */
        struct files_call c = { .op = FILES_OP_RECEIVE_REST, .arg = files_stage_tid_word() >> FILES_STAGE_TID_SHIFT,
                                .arg2 = got - first, .len = (uint32_t)room };
        size_t n;
        int64_t r = files_call(&c, msg + got, &n);
        if (r < 0)
            return r;
        if (r == 0 || n != (size_t)r || got + n > len)
            return -LINUX_EIO;
        got += n;
    }
    return 0;
}

int64_t files_call_receive_alloc(const struct files_call *c, uint64_t deadline, void *head, size_t head_len,
                                 uint8_t **msg, uint64_t msg_max)
{
    uint8_t *answer = kmalloc(FILES_XFER_MAX);
    *msg = NULL;
    if (!answer)
        return -LINUX_ENOMEM;
    size_t n;
    int64_t len = files_call_until(c, answer, &n, deadline);
    if (len >= 0 && (n < head_len || (uint64_t)len > msg_max || n - head_len > (uint64_t)len))
        len = -LINUX_EIO;
    if (len < 0) {
        kfree(answer);
        return len;
    }
    memcpy(head, answer, head_len);
    size_t first = n - head_len;
    uint8_t *whole = answer; /* the answer's buffer holds a short message */
    if ((uint64_t)len > FILES_XFER_MAX - head_len && !(whole = kmalloc((size_t)len)))
        len = -LINUX_ENOMEM; /* its rest stays in the stage until the thread's next message */
    if (len >= 0) {
        memmove(whole, answer + head_len, first);
        int64_t rest = files_receive_rest(whole, first, (uint64_t)len);
        if (rest < 0)
            len = rest;
    }
    if (whole != answer)
        kfree(answer);
    if (len < 0)
        kfree(whole);
    else
        *msg = whole;
    return len;
}

int64_t files_call_receive(const struct files_call *c, uint64_t deadline, void *head, size_t head_len, uint8_t *msg,
                           uint64_t msg_max)
{
    uint8_t *whole;
    int64_t len = files_call_receive_alloc(c, deadline, head, head_len, &whole, msg_max);
    if (len > 0)
        memcpy(msg, whole, (size_t)len);
    kfree(whole);
    return len;
}

/* ---- the table node's side ---- */

struct files_stage {
    struct files_stage *next;
    int32_t tid;
    uint32_t len;
    uint32_t room;     /* bytes[]'s size */
    uint8_t bytes[];
};

static struct files_stage *files_stages;
static unsigned files_stage_count;

static struct files_stage *files_stage_find(int32_t tid)
{
    for (struct files_stage *s = files_stages; s; s = s->next)
        if (s->tid == tid)
            return s;
    return NULL;
}

static void files_stage_end(struct files_stage *s)
{
    for (struct files_stage **link = &files_stages; *link; link = &(*link)->next)
        if (*link == s) {
            *link = s->next;
            kfree(s);
            files_stage_count--;
            return;
        }
}

/* tid's stage with room for a message of room bytes, made empty (a new one if it had none
 * or a smaller one); NULL when out of memory. */
static struct files_stage *files_stage_start(int32_t tid, uint32_t room)
{
    struct files_stage *s = files_stage_find(tid);
    if (s && s->room < room) {
        files_stage_end(s);
        s = NULL;
    }
    if (!s) {
        s = files_stage_count < FILES_STAGES_MAX ? kmalloc(sizeof *s + room) : NULL;
        if (!s)
            return NULL;
        files_stage_count++;
        s->tid = tid;
        s->room = room;
        s->next = files_stages;
        files_stages = s;
    }
    s->len = 0;
    return s;
}

static int32_t files_stage_tid(const struct files_call *c)
{
    return (int32_t)(c->arg >> FILES_STAGE_TID_SHIFT);
}

int64_t files_stage_piece(const struct files_call *c)
{
    uint64_t total = c->arg2 & FILES_STAGE_LOW_MASK, offset = c->arg2 >> FILES_STAGE_OFFSET_SHIFT;
    int32_t tid = files_stage_tid(c);
    if (total > FILES_STAGE_MAX || offset + c->len > total)
        return -LINUX_EINVAL;
    struct files_stage *s = files_stage_find(tid);
    if (c->flags & FILES_CALL_MORE) {
        if (offset == 0)
            s = files_stage_start(tid, (uint32_t)total);
        if (!s)
            return offset ? -LINUX_EINVAL : -LINUX_ENOMEM;
        if (s->len != offset || offset + c->len > s->room)
            return -LINUX_EINVAL;
        memcpy(s->bytes + offset, c->in, c->len);
        s->len += c->len;
        return c->len;
    }
    if (offset + c->len != total || (offset && (!s || s->len != offset)))
        return -LINUX_EINVAL;
    return 0;
}

void files_stage_peek(const struct files_call *c, void *out, size_t len)
{
    uint64_t offset = c->arg2 >> FILES_STAGE_OFFSET_SHIFT;
    size_t staged = offset < len ? (size_t)offset : len;
    if (staged)
        memcpy(out, files_stage_find(files_stage_tid(c))->bytes, staged);
    memcpy((uint8_t *)out + staged, c->in, len - staged);
}

void files_stage_take(const struct files_call *c, uint8_t *out)
{
    uint64_t offset = c->arg2 >> FILES_STAGE_OFFSET_SHIFT;
    struct files_stage *s = files_stage_find(files_stage_tid(c));
    if (offset)
        memcpy(out, s->bytes, offset);
    memcpy(out + offset, c->in, c->len);
    if (s)
        files_stage_end(s); /* used, or a stale one an interrupted send left */
}

void files_stage_discard(const struct files_call *c)
{
    struct files_stage *s = files_stage_find(files_stage_tid(c));
    if (s)
        files_stage_end(s);
}

int64_t files_stage_keep_rest(int32_t tid, const uint8_t *rest, uint32_t len)
{
    struct files_stage *s = files_stage_start(tid, len);
    if (!s)
        return -LINUX_ENOMEM;
    s->len = len;
    memcpy(s->bytes, rest, len);
    return 0;
}

int64_t files_stage_rest(const struct files_call *c, void *data, size_t *data_len)
{
    struct files_stage *s = files_stage_find((int32_t)c->arg);
    uint64_t offset = c->arg2;
    if (!s || offset >= s->len)
        return -LINUX_EINVAL;
    uint32_t n = s->len - (uint32_t)offset < c->len ? s->len - (uint32_t)offset : c->len;
    memcpy(data, s->bytes + offset, n);
    *data_len = n;
    if (offset + n == s->len)
        files_stage_end(s);
    return n;
}
