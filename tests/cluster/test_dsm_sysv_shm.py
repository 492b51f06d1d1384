# SPDX-License-Identifier: MIT
"""SysV shared memory (kernel/sys_shm.c, kernel/files_shm.c; man 2 shmget, shmat, shmdt,
shmctl): a private segment written by a thread on another node and read by main, detached and
attached again with its bytes, attached twice (a read-only attach leaves the first writable),
removed while attached (still readable until the last detach, then gone), a keyed segment
with IPC_CREAT/IPC_EXCL, a bigger size, a missing key, IPC_SET, and the errors; then a
thread on another node makes, attaches, stats, detaches and removes a segment itself (its
calls' answers cross the network: they once came back as EIO). The output must
be the native run's on 1, 2 and 4 nodes (fio keeps its job table in such a segment)."""
import pytest

from dsmkpy.testing import check_source_matches_native

SOURCE = r"""
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/shm.h>
#include <unistd.h>

#define SIZE 10000

static char *seg;

static void *writer(void *arg)
{
    (void)arg;
    for (int i = 0; i < SIZE; i++)
        seg[i] = (char)(i * 7 + 3);
    return 0;
}

/* Every call from a thread on another node than main's: clone places threads round robin
 * (nodes 1, 0, 1 on 2 nodes; 1, 2, 3 on 4), so after the writer and an idle thread this,
 * the third, runs on node 1 or 3. */
static void *remote_calls(void *arg)
{
    (void)arg;
    int id = shmget(IPC_PRIVATE, 5000, IPC_CREAT | 0600);
    printf("remote get %s\n", id >= 0 ? "ok" : strerror(errno));
    char *p = shmat(id, 0, 0);
    printf("remote attach %s\n", p == (void *)-1 ? strerror(errno) : "ok");
    if (p != (void *)-1)
        memset(p, 9, 5000);
    struct shmid_ds ds;
    int r = shmctl(id, IPC_STAT, &ds);
    printf("remote stat %s segsz %zu nattch %lu\n", r ? strerror(errno) : "ok", r ? 0 : (size_t)ds.shm_segsz,
           r ? 0ul : (unsigned long)ds.shm_nattch);
    struct shminfo info;
    printf("remote info %s\n", shmctl(0, IPC_INFO, (struct shmid_ds *)&info) >= 0 ? "ok" : strerror(errno));
    printf("remote detach %s\n", shmdt(p) ? strerror(errno) : "ok");
    printf("remote rmid %s\n", shmctl(id, IPC_RMID, 0) ? strerror(errno) : "ok");
    return 0;
}

static void *idle(void *arg)
{
    return arg;
}

static long sum(const char *p)
{
    long s = 0;
    for (int i = 0; i < SIZE; i++)
        s += (unsigned char)p[i] * (i % 13 + 1);
    return s;
}

static const char *err(int r)
{
    return r >= 0 ? "ok" : errno == EINVAL ? "EINVAL" : errno == ENOENT ? "ENOENT" : errno == EEXIST ? "EEXIST"
                                                                                                    : strerror(errno);
}

static void stat_line(const char *when, int id)
{
    struct shmid_ds ds;
    int r = shmctl(id, IPC_STAT, &ds);
    if (r < 0) {
        printf("%s: stat %s\n", when, err(r));
        return;
    }
    printf("%s: segsz %zu nattch %lu mode %o dest %d private %d atime %d\n", when, (size_t)ds.shm_segsz,
           (unsigned long)ds.shm_nattch, ds.shm_perm.mode & 0777, !!(ds.shm_perm.mode & SHM_DEST),
           ds.shm_perm.__key == IPC_PRIVATE, ds.shm_atime != 0);
}

int main(void)
{
    int id = shmget(IPC_PRIVATE, SIZE, IPC_CREAT | 0640);
    printf("get private %s\n", err(id));
    stat_line("new", id);
    seg = shmat(id, 0, 0);
    printf("attach %s\n", seg == (void *)-1 ? err(-1) : "ok");
    stat_line("attached", id);
    pthread_t t;
    pthread_create(&t, 0, writer, 0);
    pthread_join(t, 0);
    printf("sum %ld\n", sum(seg));
    printf("detach %s\n", err(shmdt(seg)));
    stat_line("detached", id);
    char *again = shmat(id, 0, 0);
    printf("reattach %s sum %ld\n", again == (void *)-1 ? err(-1) : "ok", sum(again));
    char *ro = shmat(id, 0, SHM_RDONLY);
    printf("second attach %s sum %ld\n", ro == (void *)-1 ? err(-1) : "ok", sum(ro));
    again[0] = 5; /* the first attach stays writable */
    printf("write through the first %d\n", ro[0]);
    stat_line("twice", id);
    printf("detach ro %s\n", err(shmdt(ro)));
    printf("rmid attached %s\n", err(shmctl(id, IPC_RMID, 0)));
    stat_line("removed", id);
    printf("still there sum %ld\n", sum(again));
    printf("detach last %s\n", err(shmdt(again)));
    stat_line("gone", id);
    printf("detach again %s\n", err(shmdt(again)));
    printf("attach gone %s\n", shmat(id, 0, 0) == (void *)-1 ? err(-1) : "ok");

    key_t key = 0x5eed0000 | (getpid() & 0xffff);
    int k = shmget(key, 4096, IPC_CREAT | IPC_EXCL | 0600);
    printf("get key %s\n", err(k));
    printf("get key excl %s\n", err(shmget(key, 4096, IPC_CREAT | IPC_EXCL | 0600)));
    printf("get key again same %d\n", shmget(key, 100, 0) == k);
    printf("get key bigger %s\n", err(shmget(key, 8192, 0)));
    printf("get other key %s\n", err(shmget(key ^ 1, 4096, 0)));
    printf("get size 0 %s\n", err(shmget(IPC_PRIVATE, 0, IPC_CREAT | 0600)));
    struct shmid_ds set;
    shmctl(k, IPC_STAT, &set);
    set.shm_perm.mode = 0604;
    printf("set %s\n", err(shmctl(k, IPC_SET, &set)));
    stat_line("set", k);
    {   /* SHM_STAT walks the slots up to SHM_INFO's highest and answers each segment's id */
        struct shm_info si;
        int highest = shmctl(0, SHM_INFO, (struct shmid_ds *)&si), found = 0;
        for (int i = 0; i <= highest; i++)
            found |= shmctl(i, SHM_STAT, &set) == k && set.shm_segsz == 4096;
        printf("shm_stat finds the segment %d\n", found);
    }
    printf("rmid %s\n", err(shmctl(k, IPC_RMID, 0)));
    stat_line("rmid unattached", k);
    printf("get key after rmid %s\n", err(shmget(key, 4096, 0)));
    printf("attach bad id %s\n", shmat(-1, 0, 0) == (void *)-1 ? err(-1) : "ok");
    printf("detach bad address %s\n", err(shmdt((void *)0x1000)));
    pthread_create(&t, 0, idle, 0);
    pthread_join(t, 0);
    pthread_create(&t, 0, remote_calls, 0);
    pthread_join(t, 0);
    return 0;
}
"""


@pytest.mark.parametrize("nodes", [(1, 2), (4,)], ids=["1-2", "4"])
def test_sysv_shm_matches_native(tmp_path, nodes):
    out = check_source_matches_native(tmp_path, "sysv-shm", SOURCE, nodes=nodes)
    assert "sum 8916709" in out and "gone: stat EINVAL" in out, out
    assert "remote stat ok segsz 5000 nattch 1" in out and "remote rmid ok" in out, out
    assert "shm_stat finds the segment 1" in out, out
