/* SPDX-License-Identifier: MIT */
/* The program's thread list with the names (kernel/thread_names.h): the calls any node's
 * threads make, and the list itself on the table's node. A call from a peer is checked like
 * every shipped file call (kernel/dsm_files.c) and then here: an unknown op, a tid that is no
 * thread's (<= 0), a name longer than a name or a second listing of a tid is refused with
 * EINVAL or EEXIST, logged and counted, and changes nothing. The price of one list: a
 * thread of another node than 0 pays a round trip to node 0 when it creates a thread, when
 * it exits, and for prctl(PR_SET_NAME) and PR_GET_NAME (2 nodes: main's create+join of an
 * empty thread that runs on node 1 went from 1.59 to 1.78 ms, tools/dsmk run bench_thread). */
#include "kernel/thread_names.h"

#include "kernel/files.h"
#include "kernel/libc.h"
#include "kernel/linux_abi.h"
#include "kernel/log.h"

struct thread_name_entry {
    int32_t tid; /* 0: a free position */
    char name[THREAD_COMM_LEN];
};

/* The list: positions below thread_names_used only, so walks cost what the program has. */
static struct thread_name_entry thread_names[THREAD_NAMES_END];
static size_t thread_names_used;
static uint64_t thread_names_refused; /* calls refused as malformed (a peer's or this kernel's bug) */

/* ---- the calls, from any node ---- */

/* FILES_OP_THREAD op on tid where the list is, with in's name (SET_NAME): its result, and
 * GET_NAME's name in out (THREAD_COMM_LEN bytes). */
static long thread_names_call(enum files_thread_op op, int32_t tid, uint64_t arg2, const char *in, void *out)
{
    struct files_call c = { .op = FILES_OP_THREAD, .fd = tid, .arg = op, .arg2 = arg2,
                            .len = in ? (uint32_t)strnlen(in, THREAD_COMM_LEN - 1) : 0, .in = (const uint8_t *)in };
    char unused[THREAD_COMM_LEN];
    size_t n;
    return (long)files_call(&c, out ? out : unused, &n);
}

long thread_names_born(int32_t tid, int32_t creator)
{
    return thread_names_call(FILES_THREAD_BORN, tid, (uint64_t)(uint32_t)creator, NULL, NULL);
}

void thread_names_gone(int32_t tid)
{
    long r = thread_names_call(FILES_THREAD_GONE, tid, 0, NULL, NULL);
    if (r < 0)
        log_warn("threads: thread %d is not taken off the list (%ld)", tid, r);
}

long thread_names_set(int32_t tid, const char *name)
{
    return thread_names_call(FILES_THREAD_SET_NAME, tid, 0, name, NULL);
}

long thread_names_get(int32_t tid, char name[THREAD_COMM_LEN])
{
    return thread_names_call(FILES_THREAD_GET_NAME, tid, 0, NULL, name);
}

/* ---- the list, on the table's node ---- */

static struct thread_name_entry *thread_names_find(int32_t tid)
{
    for (size_t i = 0; tid > 0 && i < thread_names_used; i++)
        if (thread_names[i].tid == tid)
            return &thread_names[i];
    return NULL;
}

/* Sets e's name from len bytes of bytes: the first THREAD_COMM_LEN - 1, up to a NUL. */
static void thread_names_copy(struct thread_name_entry *e, const void *bytes, size_t len)
{
    size_t n = strnlen(bytes, len < THREAD_COMM_LEN - 1 ? len : THREAD_COMM_LEN - 1);
    memset(e->name, 0, sizeof e->name);
    memcpy(e->name, bytes, n);
}

/* Lists tid named name (len bytes): 0, -EEXIST or -EAGAIN. */
static int64_t thread_names_insert(int32_t tid, const char *name, size_t len)
{
    if (thread_names_find(tid))
        return -LINUX_EEXIST;
    size_t i = 0;
    while (i < thread_names_used && thread_names[i].tid)
        i++;
    if (i == THREAD_NAMES_END)
        return -LINUX_EAGAIN; /* clone(2): the limit on threads is reached */
    if (i == thread_names_used)
        thread_names_used++;
    thread_names[i].tid = tid;
    thread_names_copy(&thread_names[i], name, len);
    return 0;
}

static void thread_names_remove(struct thread_name_entry *e)
{
    e->tid = 0;
    while (thread_names_used && !thread_names[thread_names_used - 1].tid)
        thread_names_used--;
}

bool thread_names_add_first(int32_t tid, const char *name)
{
    return thread_names_insert(tid, name, strlen(name)) == 0;
}

bool thread_names_lookup(int32_t tid, char name[THREAD_COMM_LEN])
{
    const struct thread_name_entry *e = thread_names_find(tid);
    if (e)
        memcpy(name, e->name, THREAD_COMM_LEN);
    return e != NULL;
}

bool thread_names_rename(int32_t tid, const void *bytes, size_t len)
{
    struct thread_name_entry *e = thread_names_find(tid);
    if (e)
        thread_names_copy(e, bytes, len);
    return e != NULL;
}

size_t thread_names_next(size_t from, int32_t *tid)
{
    for (size_t i = from; i < thread_names_used; i++)
        if (thread_names[i].tid) {
            *tid = thread_names[i].tid;
            return i;
        }
    return THREAD_NAMES_END;
}

int thread_names_count(void)
{
    int n = 0;
    for (size_t i = 0; i < thread_names_used; i++)
        n += thread_names[i].tid != 0;
    return n;
}

/* A malformed call: refused, logged and counted. */
static int64_t thread_names_refuse(const struct files_call *c, int64_t err)
{
    thread_names_refused++;
    log_error("threads: refused op %llu on thread %d (%llu refused so far)", (unsigned long long)c->arg, c->fd,
              (unsigned long long)thread_names_refused);
    return err;
}

int64_t thread_names_execute(const struct files_call *c, void *data, size_t *data_len)
{
    if (c->fd <= 0 || c->len > THREAD_COMM_LEN - 1 ||
        (c->len && c->arg != FILES_THREAD_SET_NAME))
        return thread_names_refuse(c, -LINUX_EINVAL);
    struct thread_name_entry *e = thread_names_find(c->fd);
    switch ((enum files_thread_op)c->arg) {
    case FILES_THREAD_BORN: {
        const struct thread_name_entry *creator = thread_names_find((int32_t)c->arg2);
        int64_t r = thread_names_insert(c->fd, creator ? creator->name : "", THREAD_COMM_LEN);
        return r == -LINUX_EEXIST ? thread_names_refuse(c, r) : r;
    }
    case FILES_THREAD_GONE:
        if (e)
            thread_names_remove(e);
        return e ? 0 : -LINUX_ESRCH;
    case FILES_THREAD_SET_NAME:
        if (e)
            thread_names_copy(e, c->in, c->len);
        return e ? 0 : -LINUX_ESRCH;
    case FILES_THREAD_GET_NAME:
        if (!e)
            return -LINUX_ESRCH;
        memcpy(data, e->name, THREAD_COMM_LEN);
        *data_len = THREAD_COMM_LEN;
        return 0;
    default:
        return thread_names_refuse(c, -LINUX_EINVAL);
    }
}
