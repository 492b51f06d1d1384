/* SPDX-License-Identifier: MIT */
/* SysV semaphore syscalls (man 2 semget, semop, semtimedop, semctl): the caller's side. Each
 * copies the user's memory and ships one call to the table's node (kernel/files_sem.c), where
 * a semop that must wait is queued until another call lets it go on. Checks come in Linux's
 * order (ipc/sem.c): what needs no set here, the rest there. */
#include "kernel/files_sem.h"
#include "kernel/libc.h"
#include "kernel/linux_abi.h"
#include "kernel/mm.h"
#include "kernel/syscall.h"
#include "kernel/time_conv.h"
#include "kernel/usercopy.h"

/* One FILES_OP_SEM call; its answer's bytes into out (room for FILES_XFER_MAX), their
 * count into *out_len. */
static long sem_call(enum files_sem_op sub, uint64_t arg2, const void *in, uint32_t len, void *out, size_t *out_len,
                     uint64_t deadline)
{
    struct files_call c = { .op = FILES_OP_SEM, .fd = -1, .arg = sub, .arg2 = arg2, .len = len, .in = in };
    return (long)files_call_until(&c, out, out_len, deadline);
}

long sys_semget(uint64_t key, uint64_t nsems, uint64_t flags, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    struct files_sem_get g = { .nsems = (int32_t)nsems, .flags = (uint32_t)flags };
    size_t n;
    return sem_call(FILES_SEM_GET, (uint32_t)key, &g, sizeof g, NULL, &n, 0);
}

long sys_semtimedop(uint64_t id, uint64_t usops, uint64_t nsops, uint64_t utimeout, uint64_t a4, uint64_t a5)
{
    (void)a4, (void)a5;
    /* semid is an int, nsops an unsigned int: the registers' upper halves mean nothing */
    if ((uint32_t)nsops < 1 || (int32_t)id < 0)
        return -LINUX_EINVAL;
    if ((uint32_t)nsops > FILES_SEM_OPS_MAX)
        return -LINUX_E2BIG;
    uint32_t len = (uint32_t)nsops * sizeof(struct linux_sembuf);
    struct linux_sembuf *sops = kmalloc(len);
    if (!sops)
        return -LINUX_ENOMEM;
    uint64_t deadline = 0;
    long r = copy_from_user(sops, usops, len) != 0 ? -LINUX_EFAULT
             : utimeout                            ? time_deadline_from_user(utimeout, false, false, &deadline)
                                                   : 0;
    if (r == 0) {
        size_t n;
        r = sem_call(FILES_SEM_OP, (uint32_t)id, sops, len, NULL, &n, deadline);
    }
    kfree(sops);
    return r == -LINUX_ERESTARTSYS ? -LINUX_EINTR : r; /* never restarted, SA_RESTART or not (signal(7)) */
}

long sys_semop(uint64_t id, uint64_t usops, uint64_t nsops, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a3;
    return sys_semtimedop(id, usops, nsops, 0, a4, a5);
}

/* SETALL: the values at user address uvalues, as many as set id has; their count comes from
 * an IPC_STAT first (a set removed in between fails there or at the SETALL). */
static long sem_set_all(uint64_t id, struct files_sem_ctl *ctl, uint64_t uvalues, uint8_t *buf)
{
    struct files_sem_ctl stat = { .cmd = LINUX_IPC_STAT };
    struct linux_semid64_ds ds;
    size_t n;
    long r = sem_call(FILES_SEM_CTL, id, &stat, sizeof stat, buf, &n, 0);
    if (r < 0)
        return r;
    if (n != sizeof ds)
        return -LINUX_EIO; /* not an answer the table's node gives */
    memcpy(&ds, buf, sizeof ds);
    size_t values = ds.sem_nsems * sizeof(uint16_t);
    if (values > FILES_XFER_MAX - sizeof *ctl)
        return -LINUX_EIO;
    memcpy(buf, ctl, sizeof *ctl);
    if (copy_from_user(buf + sizeof *ctl, uvalues, values) != 0)
        return -LINUX_EFAULT;
    return sem_call(FILES_SEM_CTL, id, buf, (uint32_t)(sizeof *ctl + values), NULL, &n, 0);
}

long sys_semctl(uint64_t id, uint64_t semnum, uint64_t cmd, uint64_t arg, uint64_t a4, uint64_t a5)
{
    (void)a4, (void)a5;
    /* semid, semnum and cmd are ints: the registers' upper halves mean nothing */
    if ((int32_t)id < 0)
        return -LINUX_EINVAL;
    struct files_sem_ctl ctl = { .cmd = (uint32_t)cmd & ~(uint32_t)LINUX_IPC_64, .semnum = (uint32_t)semnum,
                                 .value = (int32_t)arg };
    id = (uint32_t)id;
    uint8_t *buf = kmalloc(FILES_XFER_MAX);
    if (!buf)
        return -LINUX_ENOMEM;
    size_t n = 0, want = 0;
    long r;
    if (ctl.cmd == LINUX_SETALL) {
        r = sem_set_all(id, &ctl, arg, buf);
        kfree(buf);
        return r;
    }
    if (ctl.cmd == LINUX_IPC_SET) {
        struct linux_semid64_ds ds;
        if (copy_from_user(&ds, arg, sizeof ds) != 0) {
            kfree(buf);
            return -LINUX_EFAULT;
        }
        ctl.perm = ds.sem_perm;
    }
    r = sem_call(FILES_SEM_CTL, id, &ctl, sizeof ctl, buf, &n, 0);
    switch (ctl.cmd) {
    case LINUX_IPC_STAT:
    case LINUX_SEM_STAT:
    case LINUX_SEM_STAT_ANY:
        want = sizeof(struct linux_semid64_ds);
        break;
    case LINUX_IPC_INFO:
    case LINUX_SEM_INFO:
        want = sizeof(struct linux_seminfo);
        break;
    case LINUX_GETALL:
        want = n; /* the set's count, which only the table's node knows */
        break;
    default:
        break;
    }
    if (r >= 0 && n != want)
        r = -LINUX_EIO; /* not an answer the table's node gives */
    if (r >= 0 && want && copy_to_user(arg, buf, want) != 0)
        r = -LINUX_EFAULT;
    kfree(buf);
    return r;
}
