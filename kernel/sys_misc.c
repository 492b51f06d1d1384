/* SPDX-License-Identifier: MIT */
/* Identity and limits syscalls (man 2 uname, getrandom, prlimit, getuid, getppid). The
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

long sys_getppid(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    (void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
    return 0;
}
