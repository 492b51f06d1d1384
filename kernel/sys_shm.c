/* SPDX-License-Identifier: MIT */
/* SysV shared memory syscalls (man 2 shmget, shmat, shmdt, shmctl): the caller's side. The
 * table lives on node 0 (kernel/files_shm.c, shipped there like a file call); the memory is
 * an ordinary mapping made, protected and unmapped through the memory syscalls, so every
 * node applies it (kernel/files_shm.h says what differs from Linux). */
#include "kernel/files_shm.h"
#include "kernel/libc.h"
#include "kernel/linux_abi.h"
#include "kernel/mm.h"
#include "kernel/syscall.h"
#include "kernel/usercopy.h"

/* One FILES_OP_SHM call; with out, the answer must be out_size bytes and goes there. */
static long shm_call(uint64_t sub, uint64_t arg2, const void *in, uint32_t len, void *out, size_t out_size)
{
    uint8_t answer[FILES_SHM_ANSWER_MAX];
    struct files_call c = { .op = FILES_OP_SHM, .fd = -1, .arg = sub, .arg2 = arg2, .len = len, .in = in };
    size_t n;
    long r = (long)files_call(&c, answer, &n);
    if (r >= 0 && out) {
        if (n != out_size)
            return -LINUX_EIO; /* not an answer the table's node gives */
        memcpy(out, answer, out_size);
    }
    return r;
}

/* After a detach or an IPC_RMID: what is left of the memory at place. */
static void shm_release(long detached, const struct files_shm_place *place)
{
    if (detached == FILES_SHM_GONE && place->base)
        sys_munmap(place->base, place->size, 0, 0, 0, 0);
    else if (detached == FILES_SHM_UNUSED)
        sys_mprotect(place->base, place->size, LINUX_PROT_NONE, 0, 0, 0);
}

long sys_shmget(uint64_t key, uint64_t size, uint64_t flags, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    struct files_shm_get g = { .size = size, .flags = (uint32_t)flags };
    return shm_call(FILES_SHM_GET, (uint32_t)key, &g, sizeof g, NULL, 0);
}

long sys_shmat(uint64_t id, uint64_t uaddr, uint64_t flags, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    if (uaddr & (LINUX_SHMLBA - 1)) {
        if (!(flags & LINUX_SHM_RND))
            return -LINUX_EINVAL;
        uaddr &= ~(uint64_t)(LINUX_SHMLBA - 1);
    }
    if ((int32_t)id < 0) /* shmid is an int: the register's upper half means nothing */
        return -LINUX_EINVAL;
    id = (uint32_t)id;
    flags = (uint32_t)flags;
    struct files_shm_place place;
    long r = shm_call(FILES_SHM_AT, id, NULL, 0, &place, sizeof place);
    if (r < 0)
        return r;
    if (!place.base) { /* the first attach: the segment's memory, zeroed, at uaddr or where mmap puts it */
        long mapped = sys_mmap(uaddr, place.size, LINUX_PROT_READ | LINUX_PROT_WRITE,
                               LINUX_MAP_PRIVATE | LINUX_MAP_ANONYMOUS | (uaddr ? LINUX_MAP_FIXED_NOREPLACE : 0),
                               (uint64_t)-1, 0);
        if (mapped < 0)
            return mapped == -LINUX_EEXIST ? -LINUX_EINVAL : mapped; /* shmat(2): overlaps a mapping */
        uint64_t base = (uint64_t)mapped;
        r = shm_call(FILES_SHM_BASE, id, &base, sizeof base, &place, sizeof place);
        if (r < 0 || place.base != base)
            sys_munmap(base, place.size, 0, 0, 0, 0); /* removed meanwhile, or another attach came first */
        if (r < 0)
            return r;
    } else if (uaddr && uaddr != place.base) {
        r = shm_call(FILES_SHM_DT, place.base, NULL, 0, &place, sizeof place);
        shm_release(r, &place);
        return -LINUX_EINVAL; /* attached at one address, it cannot be at another too */
    }
    uint64_t prot = (flags & LINUX_SHM_RDONLY) ? LINUX_PROT_READ : LINUX_PROT_READ | LINUX_PROT_WRITE;
    if (place.others && (flags & LINUX_SHM_RDONLY))
        return (long)place.base; /* attached already: its rights only widen */
    r = sys_mprotect(place.base, place.size, prot | ((flags & LINUX_SHM_EXEC) ? LINUX_PROT_EXEC : 0), 0, 0, 0);
    if (r < 0) {
        long detached = shm_call(FILES_SHM_DT, place.base, NULL, 0, &place, sizeof place);
        shm_release(detached, &place);
        return r;
    }
    return (long)place.base;
}

long sys_shmdt(uint64_t uaddr, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
    if (uaddr & (PAGE_SIZE - 1))
        return -LINUX_EINVAL;
    struct files_shm_place place;
    long r = shm_call(FILES_SHM_DT, uaddr, NULL, 0, &place, sizeof place);
    if (r < 0)
        return r;
    shm_release(r, &place);
    return 0;
}

long sys_shmctl(uint64_t id, uint64_t cmd, uint64_t ubuf, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    /* shmid and cmd are ints: the registers' upper halves mean nothing. */
    struct files_shm_ctl ctl = { .cmd = (uint32_t)cmd & ~(uint32_t)LINUX_IPC_64 };
    if ((int32_t)id < 0 || (int32_t)cmd < 0)
        return -LINUX_EINVAL;
    id = (uint32_t)id;
    union {
        struct linux_shmid64_ds ds;
        struct linux_shminfo64 info;
        struct linux_shm_info shm_info;
        struct files_shm_place place;
    } out;
    size_t out_size = 0;
    switch (ctl.cmd) {
    case LINUX_IPC_STAT:
    case LINUX_SHM_STAT:
    case LINUX_SHM_STAT_ANY:
        out_size = sizeof out.ds;
        break;
    case LINUX_IPC_INFO:
        out_size = sizeof out.info;
        break;
    case LINUX_SHM_INFO:
        out_size = sizeof out.shm_info;
        break;
    case LINUX_IPC_SET:
        if (copy_from_user(&out.ds, ubuf, sizeof out.ds) != 0)
            return -LINUX_EFAULT;
        ctl.perm = out.ds.shm_perm;
        break;
    case LINUX_IPC_RMID:
        out_size = sizeof out.place;
        break;
    default:
        break;
    }
    long r = shm_call(FILES_SHM_CTL, id, &ctl, sizeof ctl, out_size ? &out : NULL, out_size);
    if (r < 0)
        return r;
    if (ctl.cmd == LINUX_IPC_RMID) {
        shm_release(r, &out.place);
        return 0;
    }
    if (out_size && copy_to_user(ubuf, &out, out_size) != 0)
        return -LINUX_EFAULT;
    return r;
}
