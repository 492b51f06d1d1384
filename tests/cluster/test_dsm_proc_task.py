# SPDX-License-Identifier: MIT
"""/proc/self/task (kernel/files_proc_task.c) and thread names kept with the descriptor table
(kernel/thread_names.c): four workers, spread over the nodes by clone() on 2 and 4 nodes; main
names each with pthread_setname_np (musl writes /proc/self/task/TID/comm) and reads each with
pthread_getname_np (musl reads it), each worker reads its own with prctl(PR_GET_NAME) and one
reads another's from its node; the odd workers then move to CPU 0 (node 0) and rename
themselves with prctl(PR_SET_NAME), which main sees; the listing holds one directory per live
thread (every worker's gettid() and main's pid), and only main after the joins; comm reads
as the name and a newline, a write of it renames the thread as Linux's does (every byte taken,
the first 15 kept, a newline too; pwrite ESPIPE), stat and status give the thread's tid and
name; a tid no thread has is ENOENT, as is a mkdir there; a write of /proc/self/comm renames
main. Every line must equal the native run's on 1, 2 and 4 nodes. Before, every path under
/proc/self/task was ENOENT, so pthread_setname_np of another thread failed."""
from dsmkpy.testing import check_source_matches_native

SOURCE = r"""
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define WORKERS 4

static pthread_t threads[WORKERS];
static volatile int tids[WORKERS];
static char own_names[WORKERS][16], end_names[WORKERS][16], other_name[16];
static int other_result;
static pthread_barrier_t named, checked, moved, done;

/* A name with its newline (or any byte below ' ') shown, so lines compare exactly. */
static const char *shown(const char *s, size_t n)
{
    static char out[8][64];
    static int next;
    char *o = out[next++ % 8];
    size_t k = 0;
    for (size_t i = 0; i < n && s[i] && k + 4 < sizeof out[0]; i++)
        k += s[i] < ' ' ? (size_t)sprintf(o + k, "\\x%02x", s[i]) : (size_t)sprintf(o + k, "%c", s[i]);
    o[k] = 0;
    return o;
}

static void comm_path(char *path, size_t size, int tid, const char *file)
{
    snprintf(path, size, "/proc/self/task/%d/%s", tid, file);
}

/* The bytes of a file (read in one call), or the error. */
static const char *slurp(const char *path, char *buf, size_t size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return strerror(errno);
    ssize_t n = read(fd, buf, size - 1);
    close(fd);
    buf[n < 0 ? 0 : n] = 0;
    return n < 0 ? strerror(errno) : buf;
}

static const char *write_comm(int tid, const char *bytes, size_t len)
{
    char path[64];
    comm_path(path, sizeof path, tid, "comm");
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return strerror(errno);
    ssize_t n = write(fd, bytes, len);
    int err = errno;
    close(fd);
    static char r[32];
    snprintf(r, sizeof r, "%zd", n);
    return n < 0 ? strerror(err) : r;
}

static void *worker(void *arg)
{
    int i = (int)(long)arg;
    tids[i] = (int)syscall(SYS_gettid);
    pthread_barrier_wait(&named); /* main names every worker */
    pthread_barrier_wait(&named);
    prctl(PR_GET_NAME, own_names[i]);
    if (i == 1) /* a thread other than main reads another's name */
        other_result = pthread_getname_np(threads[2], other_name, sizeof other_name);
    pthread_barrier_wait(&checked); /* main reads every worker's name */
    pthread_barrier_wait(&checked);
    if (i % 2) { /* odd workers move to CPU 0 (node 0 in a cluster) and rename themselves */
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(0, &set);
        sched_setaffinity(0, sizeof set, &set);
        char name[16];
        snprintf(name, sizeof name, "moved-%d", i);
        prctl(PR_SET_NAME, name);
    }
    pthread_barrier_wait(&moved);
    pthread_barrier_wait(&done); /* main renames through comm */
    prctl(PR_GET_NAME, end_names[i]);
    return NULL;
}

/* Entries of /proc/self/task: their count, and how many of the workers' tids and main's are among them. */
static void list_tasks(const char *when, int expect_workers)
{
    DIR *d = opendir("/proc/self/task");
    if (!d) {
        printf("%s: opendir: %s\n", when, strerror(errno));
        return;
    }
    int count = 0, workers = 0, main_seen = 0, dots = 0, dirs = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) {
            dots++;
            continue;
        }
        count++;
        dirs += e->d_type == DT_DIR;
        int tid = atoi(e->d_name);
        main_seen += tid == getpid();
        for (int i = 0; i < expect_workers; i++)
            workers += tid == tids[i];
    }
    closedir(d);
    printf("%s: %d entries (%d directories), %d of %d workers' tids, main %d, dots %d\n", when, count, dirs, workers,
           expect_workers, main_seen, dots);
}

int main(void)
{
    pthread_barrier_init(&named, NULL, WORKERS + 1);
    pthread_barrier_init(&checked, NULL, WORKERS + 1);
    pthread_barrier_init(&moved, NULL, WORKERS + 1);
    pthread_barrier_init(&done, NULL, WORKERS + 1);
    for (int i = 0; i < WORKERS; i++)
        pthread_create(&threads[i], NULL, worker, (void *)(long)i);
    pthread_barrier_wait(&named);
    char main_name[16], path[64], buf[512];
    prctl(PR_GET_NAME, main_name);
    for (int i = 0; i < WORKERS; i++) {
        char name[16], got[16];
        pthread_getname_np(threads[i], got, sizeof got);
        printf("worker %d starts named as main: %d\n", i, strcmp(got, main_name) == 0);
        snprintf(name, sizeof name, "worker-%d", i);
        printf("setname worker %d: %d\n", i, pthread_setname_np(threads[i], name));
    }
    pthread_barrier_wait(&named);
    pthread_barrier_wait(&checked);
    printf("worker 1 reads worker 2: %d %s\n", other_result, shown(other_name, sizeof other_name));
    for (int i = 0; i < WORKERS; i++) {
        char got[16];
        int r = pthread_getname_np(threads[i], got, sizeof got);
        printf("worker %d: own %s, main reads %d %s\n", i, shown(own_names[i], 16), r, shown(got, sizeof got));
    }
    list_tasks("all running", WORKERS);
    comm_path(path, sizeof path, tids[0], "comm");
    printf("comm of worker 0: %s\n", shown(slurp(path, buf, sizeof buf), sizeof buf));
    comm_path(path, sizeof path, getpid(), "comm");
    slurp(path, buf, sizeof buf);
    printf("comm of main is its name and a newline: %d\n", strlen(buf) == strlen(main_name) + 1 &&
           strncmp(buf, main_name, strlen(main_name)) == 0 && buf[strlen(main_name)] == '\n');
    struct stat st;
    snprintf(path, sizeof path, "/proc/self/task/%d", tids[0]);
    int r = stat(path, &st);
    printf("stat of a thread's directory: %d dir %d\n", r, S_ISDIR(st.st_mode));
    comm_path(path, sizeof path, tids[0], "comm");
    r = stat(path, &st);
    printf("stat of its comm: %d file %d mode %o\n", r, S_ISREG(st.st_mode), st.st_mode & 0777);
    pthread_barrier_wait(&checked);
    pthread_barrier_wait(&moved);
    for (int i = 0; i < WORKERS; i++) {
        char got[16];
        int r = pthread_getname_np(threads[i], got, sizeof got);
        printf("after the moves, worker %d: %d %s\n", i, r, shown(got, sizeof got));
    }
    /* stat and status of a thread: its tid and name */
    comm_path(path, sizeof path, tids[1], "stat");
    slurp(path, buf, sizeof buf);
    int pid = 0;
    char name[32] = "";
    sscanf(buf, "%d (%31[^)])", &pid, name);
    printf("stat of worker 1: pid is its tid %d, name %s\n", pid == tids[1], name);
    comm_path(path, sizeof path, tids[1], "status");
    slurp(path, buf, sizeof buf);
    char *n = strstr(buf, "Name:\t"), *p = strstr(buf, "\nPid:\t"), *t = strstr(buf, "\nTgid:\t");
    printf("status of worker 1: name %s, pid is its tid %d, tgid is the pid %d\n",
           n ? shown(n + 6, strcspn(n + 6, "\n")) : "none", p && atoi(p + 6) == tids[1], t && atoi(t + 7) == getpid());
    /* comm writes, as Linux takes them: all bytes accepted, 15 kept, a newline kept */
    printf("write comm of worker 2 with a newline: %s\n", write_comm(tids[2], "nl-name\n", 8));
    printf("write comm of worker 3, 20 bytes: %s\n", write_comm(tids[3], "abcdefghijklmnopqrst", 20));
    printf("write comm of worker 0: %s\n", write_comm(tids[0], "via-comm", 8));
    comm_path(path, sizeof path, tids[0], "comm");
    int fd = open(path, O_WRONLY);
    ssize_t w = pwrite(fd, "x", 1, 0);
    printf("pwrite comm: %zd %s\n", w, strerror(errno));
    close(fd);
    /* a tid that no thread has */
    printf("bogus comm: %s\n", slurp("/proc/self/task/999999999/comm", buf, sizeof buf));
    r = stat("/proc/self/task/999999999", &st);
    printf("bogus dir: %d %s\n", r, strerror(errno));
    comm_path(path, sizeof path, tids[0], "nothing");
    printf("no such file of a thread: %s\n", slurp(path, buf, sizeof buf));
    r = mkdir("/proc/self/task/123", 0755);
    printf("mkdir in task: %d %s\n", r, strerror(errno));
    pthread_barrier_wait(&done);
    for (int i = 0; i < WORKERS; i++)
        pthread_join(threads[i], NULL);
    for (int i = 0; i < WORKERS; i++)
        printf("worker %d: its own name at the end %s\n", i, shown(end_names[i], sizeof end_names[i]));
    /* Linux unlists a thread just after it wakes its joiner: look again briefly */
    for (int tries = 0; tries < 100; tries++) {
        DIR *d = opendir("/proc/self/task");
        int count = 0;
        struct dirent *e;
        while (d && (e = readdir(d)))
            count += e->d_name[0] != '.';
        if (d)
            closedir(d);
        if (count == 1)
            break;
        usleep(10000);
    }
    list_tasks("after the joins", WORKERS);
    printf("main renames itself through comm: %s\n", write_comm(getpid(), "renamed", 7));
    printf("/proc/self/comm: %s\n", shown(slurp("/proc/self/comm", buf, sizeof buf), sizeof buf));
    return 0;
}
"""


def test_proc_task_and_thread_names_match_native(tmp_path):
    out = check_source_matches_native(tmp_path, "proc_task", SOURCE, nodes=(1, 2, 4))
    assert "all running: 5 entries (5 directories), 4 of 4 workers' tids, main 1" in out, out
    assert "after the moves, worker 1: 0 moved-1" in out and "bogus comm: No such file or directory" in out, out
