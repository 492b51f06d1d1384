/* SPDX-License-Identifier: MIT */
/* Identity and limits syscalls (man 2 uname, getrandom, prlimit, getrlimit, getuid, getppid). The
 * program runs as root in a one-process system; limits report what dsmk enforces. */
#include "kernel/files.h"
#include "kernel/libc.h"
#include "kernel/linux_abi.h"
#include "kernel/random.h"
#include "kernel/syscall.h"
#include "kernel/thread.h"
#include "kernel/uvm.h"
#include "kernel/usercopy.h"

#define MISC_GETRANDOM_MAX 33554431u /* Linux caps one getrandom call at 32 MiB - 1 */
#define MISC_GETRANDOM_CHUNK 256
#define MISC_RLIMIT_COUNT 16         /* RLIMIT_NLIMITS on x86-64 */

static void misc_copy_field(char *dst, const char *src)
{
    memcpy(dst, src, strlen(src) + 1);
}

long sys_uname(uint64_t ubuf, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
    struct linux_utsname u;
    memset(&u, 0, sizeof u);
    misc_copy_field(u.sysname, "Linux");
    misc_copy_field(u.nodename, "dsmk");
    misc_copy_field(u.release, "6.1.0-dsmk");
    misc_copy_field(u.version, "#1 dsmk distributed shared memory kernel");
    misc_copy_field(u.machine, "x86_64");
    misc_copy_field(u.domainname, "(none)");
    return copy_to_user(ubuf, &u, sizeof u);
}

long sys_getrandom(uint64_t ubuf, uint64_t len, uint64_t flags, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    if (flags & ~(uint64_t)(LINUX_GRND_NONBLOCK | LINUX_GRND_RANDOM | LINUX_GRND_INSECURE))
        return -LINUX_EINVAL;
    if (len > MISC_GETRANDOM_MAX)
        len = MISC_GETRANDOM_MAX;
    uint8_t chunk[MISC_GETRANDOM_CHUNK];
    uint64_t done = 0;
    while (done < len) {
        size_t n = len - done < sizeof chunk ? (size_t)(len - done) : sizeof chunk;
        random_fill(chunk, n);
        if (copy_to_user(ubuf + done, chunk, n) != 0)
            return done ? (long)done : -LINUX_EFAULT;
        done += n;
    }
    return (long)done;
}

long sys_prlimit64(uint64_t pid, uint64_t resource, uint64_t unew, uint64_t uold, uint64_t a4, uint64_t a5)
{
    (void)a4, (void)a5;
    if (pid != 0 && pid != THREAD_FIRST_TID)
        return -LINUX_ESRCH;
    if (resource >= MISC_RLIMIT_COUNT)
        return -LINUX_EINVAL;
    if (unew) {
        struct linux_rlimit want;
        if (copy_from_user(&want, unew, sizeof want) != 0)
            return -LINUX_EFAULT;
        if (want.rlim_cur > want.rlim_max)
            return -LINUX_EINVAL;
        /* Accepted and not enforced: dsmk's limits are fixed. */
    }
    if (uold) {
        struct linux_rlimit cur = { LINUX_RLIM_INFINITY, LINUX_RLIM_INFINITY };
        if (resource == LINUX_RLIMIT_STACK)
            cur.rlim_cur = UVM_STACK_SIZE;
        if (resource == LINUX_RLIMIT_NOFILE)
            cur.rlim_cur = cur.rlim_max = FILES_MAX_FDS;
        if (copy_to_user(uold, &cur, sizeof cur) != 0)
            return -LINUX_EFAULT;
    }
    return 0;
}

/* getrlimit(2) and setrlimit(2): the calling process's, as prlimit64 with pid 0 (Go's
 * runtime asks getrlimit for RLIMIT_NOFILE; musl asks prlimit64). */
long sys_getrlimit(uint64_t resource, uint64_t uold, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a2, (void)a3, (void)a4, (void)a5;
    return sys_prlimit64(0, resource, 0, uold, 0, 0);
}

long sys_setrlimit(uint64_t resource, uint64_t unew, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a2, (void)a3, (void)a4, (void)a5;
    return sys_prlimit64(0, resource, unew, 0, 0, 0);
}

long sys_getuid(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
    return 0;
}

/* getresuid(2) and getresgid(2): real, effective and saved ids, all root's, as getuid's. */
long sys_getresuid(uint64_t ureal, uint64_t ueffective, uint64_t usaved, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    const uint32_t root = 0;
    if (copy_to_user(ureal, &root, sizeof root) != 0 || copy_to_user(ueffective, &root, sizeof root) != 0 ||
        copy_to_user(usaved, &root, sizeof root) != 0)
        return -LINUX_EFAULT;
    return 0;
}

/* Setting ids: the program runs as root and stays root. There are no other users here and
 * nothing checks permissions by id, so a switch to another id could not mean what it means
 * on Linux: setting an id to what it is (0; -1 = unchanged where Linux allows it) succeeds,
 * any other value is EPERM, as for a process without CAP_SETUID / CAP_SETGID. */
#define CRED_UNCHANGED UINT32_MAX /* (uid_t)-1 */
#define CRED_NGROUPS_MAX 65536    /* Linux NGROUPS_MAX */

static long cred_set(uint32_t id, bool may_be_unchanged)
{
    if (id == CRED_UNCHANGED)
        return may_be_unchanged ? 0 : -LINUX_EINVAL;
    return id == 0 ? 0 : -LINUX_EPERM;
}

/* setuid(2), setgid(2). */
long sys_setuid(uint64_t id, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
    return cred_set((uint32_t)id, false);
}

long sys_setgid(uint64_t id, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
    return cred_set((uint32_t)id, false);
}

/* setreuid(2), setregid(2): both or neither. */
long sys_setreuid(uint64_t real, uint64_t effective, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a2, (void)a3, (void)a4, (void)a5;
    long r = cred_set((uint32_t)real, true);
    return r != 0 ? r : cred_set((uint32_t)effective, true);
}

long sys_setregid(uint64_t real, uint64_t effective, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    return sys_setreuid(real, effective, a2, a3, a4, a5);
}

/* setresuid(2), setresgid(2). */
long sys_setresuid(uint64_t real, uint64_t effective, uint64_t saved, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a3, (void)a4, (void)a5;
    long r = cred_set((uint32_t)real, true);
    if (r == 0)
        r = cred_set((uint32_t)effective, true);
    return r != 0 ? r : cred_set((uint32_t)saved, true);
}

long sys_setresgid(uint64_t real, uint64_t effective, uint64_t saved, uint64_t a3, uint64_t a4, uint64_t a5)
{
    return sys_setresuid(real, effective, saved, a3, a4, a5);
}

/* setfsuid(2), setfsgid(2): the previous value (root's), whether or not it changed. */
long sys_setfsuid(uint64_t id, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)id, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
    return 0;
}

/* setgroups(2): the supplementary groups may be none or root's group. */
long sys_setgroups(uint64_t size, uint64_t ulist, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a2, (void)a3, (void)a4, (void)a5;
    if (size > CRED_NGROUPS_MAX)
        return -LINUX_EINVAL;
    for (uint64_t i = 0; i < size; i++) {
        uint32_t gid;
        if (copy_from_user(&gid, ulist + i * sizeof gid, sizeof gid) != 0)
            return -LINUX_EFAULT;
        if (gid != 0)
            return -LINUX_EPERM;
    }
    return 0;
}

long sys_getppid(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
    return 0;
}
