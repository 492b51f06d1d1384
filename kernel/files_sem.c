/* SPDX-License-Identifier: MIT */
/* SysV semaphore sets, the table's side (kernel/files_sem.h): node 0 keeps every set's key,
 * permissions, values, last pids and the process's SEM_UNDO adjustments, so any node's
 * threads see the same sets. A semop applies its operations in order, all or none
 * (perform_atomic_semop_slow in Linux's ipc/sem.c: an operation sees the ones before it),
 * and one that must wait is queued with the other waiting file calls: every change of the
 * table runs the queue again, oldest first, so a post wakes what it lets go on (ids and
 * keys: kernel/files_ipc.h). Checks come in Linux's order. */
#include "kernel/files_sem.h"

#include "kernel/files_internal.h"
#include "kernel/files_ipc.h"
#include "kernel/libc.h"
#include "kernel/linux_abi.h"
#include "kernel/mm.h"
#include "kernel/thread.h"

struct sem_value {
    uint16_t value;
    int16_t adj; /* the process's SEM_UNDO adjustment (semadj), within [-SEMAEM - 1, SEMAEM] */
    int32_t pid; /* the process of the last operation on it (sempid), 0 before any */
};

struct sem_set {
    struct files_ipc_obj ipc;
    uint32_t nsems;
    int64_t otime;
    struct sem_value *sems;
};

static struct sem_set files_sem_sets[FILES_IPC_SLOTS];
static const struct files_ipc_table sem_table = { files_sem_sets, sizeof files_sem_sets[0] };
static uint32_t files_sem_total; /* semaphores of all sets (SEMMNS accounting) */

static struct sem_set *sem_by_id(uint64_t id)
{
    return (struct sem_set *)files_ipc_by_id(&sem_table, id);
}

static int64_t sem_get(int32_t key, const struct files_sem_get *g)
{
    if (g->nsems < 0 || (uint32_t)g->nsems > FILES_SEM_NSEMS_MAX)
        return -LINUX_EINVAL;
    struct files_ipc_obj *found;
    int64_t bad = files_ipc_get(&sem_table, key, g->flags, &found);
    if (bad)
        return bad;
    if (found)
        return (uint32_t)g->nsems > ((struct sem_set *)found)->nsems ? -LINUX_EINVAL : files_ipc_id(&sem_table, found);
    if (g->nsems == 0)
        return -LINUX_EINVAL;
    if (files_sem_total + (uint32_t)g->nsems > FILES_SEM_TOTAL_MAX)
        return -LINUX_ENOSPC;
    struct sem_value *sems = kzalloc((size_t)g->nsems * sizeof *sems);
    if (!sems)
        return -LINUX_ENOMEM;
    struct sem_set *s = (struct sem_set *)files_ipc_new(&sem_table, key, g->flags);
    if (!s) {
        kfree(sems);
        return -LINUX_ENOSPC;
    }
    s->nsems = (uint32_t)g->nsems;
    s->sems = sems;
    files_sem_total += s->nsems;
    return files_ipc_id(&sem_table, &s->ipc);
}

/* ---- semop ---- */

static struct linux_sembuf sem_sop(const uint8_t *sops, uint32_t i)
{
    struct linux_sembuf op;
    memcpy(&op, sops + (size_t)i * sizeof op, sizeof op);
    return op;
}

/* Tries the n operations at sops on s in order, as one: 0 (applied if commit, else taken
 * back), 1 (one would block: *blocking is its index), -EAGAIN (that one has IPC_NOWAIT) or
 * -ERANGE (a value above SEMVMX, or a SEM_UNDO adjustment out of range). Nothing changes
 * unless it is 0 with commit. The caller checked every sem_num against s. */
static int sem_try(struct sem_set *s, const uint8_t *sops, uint32_t n, bool commit, uint32_t *blocking)
{
    uint32_t i;
    int r = 0;
    for (i = 0; i < n; i++) {
        struct linux_sembuf op = sem_sop(sops, i);
        int32_t before = s->sems[op.sem_num].value, after = before + op.sem_op;
        if (op.sem_op == 0 ? before != 0 : after < 0) {
            *blocking = i;
            r = (op.sem_flg & LINUX_IPC_NOWAIT) ? -LINUX_EAGAIN : 1;
            break;
        }
        if (after > LINUX_SEMVMX) {
            r = -LINUX_ERANGE;
            break;
        }
        if (op.sem_flg & LINUX_SEM_UNDO) {
            int32_t adj = s->sems[op.sem_num].adj - op.sem_op;
            if (adj < -LINUX_SEMAEM - 1 || adj > LINUX_SEMAEM) {
                r = -LINUX_ERANGE;
                break;
            }
            s->sems[op.sem_num].adj = (int16_t)adj;
        }
        s->sems[op.sem_num].value = (uint16_t)after;
    }
    if (r == 0 && commit) {
        for (i = 0; i < n; i++)
            s->sems[sem_sop(sops, i).sem_num].pid = THREAD_FIRST_TID;
        return 0;
    }
    while (i-- > 0) {
        struct linux_sembuf op = sem_sop(sops, i);
        s->sems[op.sem_num].value = (uint16_t)(s->sems[op.sem_num].value - op.sem_op);
        if (op.sem_flg & LINUX_SEM_UNDO)
            s->sems[op.sem_num].adj = (int16_t)(s->sems[op.sem_num].adj + op.sem_op);
    }
    return r;
}

/* The operation count of a FILES_SEM_OP call's input, 0 if it is no whole array. */
static uint32_t sem_op_count(const struct files_call *c)
{
    uint32_t n = c->len / sizeof(struct linux_sembuf);
    return c->len % sizeof(struct linux_sembuf) == 0 && n <= FILES_SEM_OPS_MAX ? n : 0;
}

static int64_t sem_op(const struct files_call *c)
{
    uint32_t n = sem_op_count(c);
    if (n == 0)
        return -LINUX_EINVAL;
    struct sem_set *s = sem_by_id(c->arg2);
    if (!s)
        return -LINUX_EINVAL;
    uint32_t highest = 0;
    for (uint32_t i = 0; i < n; i++) {
        struct linux_sembuf op = sem_sop(c->in, i);
        highest = op.sem_num > highest ? op.sem_num : highest;
    }
    if (highest >= s->nsems)
        return -LINUX_EFBIG;
    uint32_t blocking;
    int r = sem_try(s, c->in, n, true, &blocking);
    if (r == 1)
        return (c->flags & FILES_CALL_NO_WAIT) ? -LINUX_EAGAIN : FILES_WOULD_BLOCK;
    if (r == 0) {
        s->otime = files_ipc_now_seconds();
        files_changed = true;
    }
    return r;
}

static bool sem_is_op_on(const struct files_waiter *w, uint64_t id)
{
    return w->call.op == FILES_OP_SEM && w->call.arg == FILES_SEM_OP && w->call.arg2 == id;
}

static bool sem_waits_on_set(const struct files_waiter *w, const void *ctx)
{
    return sem_is_op_on(w, *(const uint64_t *)ctx);
}

struct sem_count_query {
    uint64_t id;
    uint32_t semnum;
    bool zero; /* GETZCNT: waits for zero; else GETNCNT: waits for an increase */
};

/* Whether a queued semop waits on the query's semaphore: its operation that blocks now
 * (Linux counts that one only) is on it, of the kind asked. */
static bool sem_waits_for(const struct files_waiter *w, const void *ctx)
{
    const struct sem_count_query *q = ctx;
    uint32_t n = sem_op_count(&w->call), blocking;
    if (!sem_is_op_on(w, q->id) || n == 0 || sem_try(sem_by_id(q->id), w->call.in, n, false, &blocking) != 1)
        return false;
    struct linux_sembuf op = sem_sop(w->call.in, blocking);
    return op.sem_num == q->semnum && (q->zero ? op.sem_op == 0 : op.sem_op < 0);
}

/* ---- semctl ---- */

static void sem_answer(const void *src, size_t len, void *data, size_t *data_len)
{
    memcpy(data, src, len);
    *data_len = len;
}

static void sem_stat(const struct sem_set *s, void *data, size_t *data_len)
{
    struct linux_semid64_ds ds = {
        .sem_perm = files_ipc_perm(&s->ipc, 0), .sem_otime = s->otime, .sem_ctime = s->ipc.ctime,
        .sem_nsems = s->nsems,
    };
    sem_answer(&ds, sizeof ds, data, data_len);
}

/* IPC_INFO and SEM_INFO: the limits (SEM_INFO: with the sets and semaphores in use where
 * Linux puts them); the highest slot in use, or 0. */
static int64_t sem_info(uint32_t cmd, void *data, size_t *data_len)
{
    unsigned sets;
    int64_t highest = files_ipc_highest(&sem_table, &sets);
    struct linux_seminfo info = { .semmap = FILES_SEM_TOTAL_MAX, .semmni = FILES_IPC_SLOTS,
                                  .semmns = FILES_SEM_TOTAL_MAX, .semmnu = FILES_SEM_TOTAL_MAX,
                                  .semmsl = (int32_t)FILES_SEM_NSEMS_MAX, .semopm = FILES_SEM_OPS_MAX,
                                  .semume = FILES_SEM_OPS_MAX, .semusz = LINUX_SEMUSZ, .semvmx = LINUX_SEMVMX,
                                  .semaem = LINUX_SEMAEM };
    if (cmd == LINUX_SEM_INFO) {
        info.semusz = (int32_t)sets;
        info.semaem = (int32_t)files_sem_total;
    }
    sem_answer(&info, sizeof info, data, data_len);
    return highest;
}

static void sem_remove(struct sem_set *s)
{
    uint64_t id = (uint64_t)files_ipc_id(&sem_table, &s->ipc);
    files_finish_waiters(sem_waits_on_set, &id, -LINUX_EIDRM);
    files_sem_total -= s->nsems;
    kfree(s->sems);
    s->sems = NULL;
    files_ipc_forget(&s->ipc);
}

static int64_t sem_set_all(struct sem_set *s, const struct files_call *c)
{
    if (c->len != sizeof(struct files_sem_ctl) + s->nsems * sizeof(uint16_t))
        return -LINUX_EINVAL;
    const uint8_t *values = c->in + sizeof(struct files_sem_ctl);
    for (uint32_t i = 0; i < s->nsems; i++) {
        uint16_t v;
        memcpy(&v, values + i * sizeof v, sizeof v);
        if (v > LINUX_SEMVMX)
            return -LINUX_ERANGE;
    }
    for (uint32_t i = 0; i < s->nsems; i++) {
        memcpy(&s->sems[i].value, values + i * sizeof(uint16_t), sizeof(uint16_t));
        s->sems[i].adj = 0;
        s->sems[i].pid = THREAD_FIRST_TID;
    }
    return 0;
}

static int64_t sem_ctl(const struct files_call *c, const struct files_sem_ctl *ctl, void *data, size_t *data_len)
{
    switch (ctl->cmd) {
    case LINUX_IPC_INFO:
    case LINUX_SEM_INFO:
        return sem_info(ctl->cmd, data, data_len);
    case LINUX_IPC_STAT:
    case LINUX_SEM_STAT:
    case LINUX_SEM_STAT_ANY: {
        int64_t answer;
        struct sem_set *s =
            (struct sem_set *)files_ipc_stat_target(&sem_table, c->arg2, ctl->cmd != LINUX_IPC_STAT, &answer);
        if (!s)
            return -LINUX_EINVAL;
        sem_stat(s, data, data_len);
        return answer;
    }
    case LINUX_SETVAL:
        if (ctl->value < 0 || ctl->value > LINUX_SEMVMX)
            return -LINUX_ERANGE;
        break;
    case LINUX_IPC_SET:
    case LINUX_IPC_RMID:
    case LINUX_GETVAL:
    case LINUX_GETPID:
    case LINUX_GETNCNT:
    case LINUX_GETZCNT:
    case LINUX_GETALL:
    case LINUX_SETALL:
        break;
    default:
        return -LINUX_EINVAL;
    }
    struct sem_set *s = sem_by_id(c->arg2);
    if (!s)
        return -LINUX_EINVAL;
    bool one = ctl->cmd == LINUX_SETVAL || ctl->cmd == LINUX_GETVAL || ctl->cmd == LINUX_GETPID ||
               ctl->cmd == LINUX_GETNCNT || ctl->cmd == LINUX_GETZCNT;
    if (one && ctl->semnum >= s->nsems)
        return -LINUX_EINVAL;
    switch (ctl->cmd) {
    case LINUX_IPC_SET:
        files_ipc_set(&s->ipc, &ctl->perm);
        return 0;
    case LINUX_IPC_RMID:
        sem_remove(s);
        return 0;
    case LINUX_GETVAL:
        return s->sems[ctl->semnum].value;
    case LINUX_GETPID:
        return s->sems[ctl->semnum].pid;
    case LINUX_GETNCNT:
    case LINUX_GETZCNT: {
        struct sem_count_query q = { .id = c->arg2, .semnum = ctl->semnum, .zero = ctl->cmd == LINUX_GETZCNT };
        return files_count_waiters(sem_waits_for, &q);
    }
    case LINUX_GETALL:
        for (uint32_t i = 0; i < s->nsems; i++)
            memcpy((uint8_t *)data + i * sizeof(uint16_t), &s->sems[i].value, sizeof(uint16_t));
        *data_len = s->nsems * sizeof(uint16_t);
        return 0;
    case LINUX_SETVAL:
        s->sems[ctl->semnum].value = (uint16_t)ctl->value;
        s->sems[ctl->semnum].adj = 0;
        s->sems[ctl->semnum].pid = THREAD_FIRST_TID;
        break;
    default: { /* SETALL */
        int64_t bad = sem_set_all(s, c);
        if (bad)
            return bad;
        break;
    }
    }
    s->ipc.ctime = files_ipc_now_seconds();
    files_changed = true; /* waiters may go on */
    return 0;
}

uint32_t files_sem_answer_max(const struct files_call *c)
{
    return c->arg == FILES_SEM_CTL ? FILES_XFER_MAX : 0;
}

int64_t files_sem_call(const struct files_call *c, void *data, size_t *data_len)
{
    *data_len = 0;
    switch (c->arg) {
    case FILES_SEM_GET: {
        struct files_sem_get g;
        if (!files_ipc_input(c, &g, sizeof g))
            return -LINUX_EINVAL;
        return sem_get((int32_t)c->arg2, &g);
    }
    case FILES_SEM_OP:
        return sem_op(c);
    case FILES_SEM_CTL: {
        struct files_sem_ctl ctl;
        if (c->len < sizeof ctl)
            return -LINUX_EINVAL;
        memcpy(&ctl, c->in, sizeof ctl);
        return sem_ctl(c, &ctl, data, data_len);
    }
    default:
        return -LINUX_EINVAL;
    }
}
