# SPDX-License-Identifier: MIT
"""Named FIFOs (kernel/files_fifo.c): mkfifo and mknod, an open that waits for the other end
(a reader first, then a writer first, each from a thread clone() puts on node 1 when there
are two), more bytes than a pipe holds, end of file after the writer's close, O_NONBLOCK
opens (ENXIO for a writer with no reader), an O_RDWR open (both ends in one descriptor,
never waiting; EINVAL before), stat and a listing's DT_FIFO. Every answer must
equal the native run's, made in an empty directory. Before this, mkfifo was ENOSYS."""
from dsmkpy.testing import check_source_matches_native

SOURCE = r"""
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define BYTES (150 * 1024) /* more than a pipe holds: the writer waits for the reader */

static void step(const char *name, int rc) { printf(" %s %s", name, rc < 0 ? strerror(errno) : "ok"); }

static void nap(void)
{
    struct timespec ts = { 0, 50 * 1000 * 1000 };
    nanosleep(&ts, NULL);
}

static long drain(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -errno;
    char buf[4096];
    long total = 0, sum = 0;
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        for (ssize_t i = 0; i < n; i++, total++)
            sum += (unsigned char)buf[i];
    close(fd);
    return total * 1000 + sum % 1000;
}

static long fill(const char *path)
{
    int fd = open(path, O_WRONLY);
    if (fd < 0)
        return -errno;
    char buf[4096];
    long done = 0;
    while (done < BYTES) {
        for (size_t i = 0; i < sizeof buf; i++)
            buf[i] = (char)(done + i);
        ssize_t n = write(fd, buf, sizeof buf);
        if (n <= 0)
            break;
        done += n;
    }
    close(fd);
    return done;
}

static volatile int alarms;
static void on_alarm(int sig) { (void)sig; alarms++; }

static void *reader(void *arg) { return (void *)drain((const char *)arg); }
static void *writer(void *arg) { return (void *)fill((const char *)arg); }

static void show_poll(int fd)
{
    struct pollfd pf = { fd, POLLIN | POLLOUT, 0 };
    int n = poll(&pf, 1, 0);
    printf(", poll %d%s%s%s", n, (pf.revents & POLLIN) ? " in" : "", (pf.revents & POLLOUT) ? " out" : "",
           (pf.revents & POLLHUP) ? " hup" : "");
}

/* O_RDWR (Linux's, fifo(7)): opens at once, and the one descriptor is both ends. */
static void *read_write(void *arg)
{
    char buf[8] = { 0 };
    printf("read-write:");
    int rw = open((const char *)arg, O_RDWR);
    printf(" open %s", rw < 0 ? strerror(errno) : "ok");
    int w = open((const char *)arg, O_WRONLY | O_NONBLOCK);
    printf(", writer %s", w < 0 ? strerror(errno) : "opened");
    int r = open((const char *)arg, O_RDONLY);
    printf(", reader %s", r < 0 ? strerror(errno) : "opened");
    show_poll(rw);
    ssize_t put = write(rw, "hello", 5);
    ssize_t got = read(r, buf, sizeof buf - 1);
    printf(", write %zd read %zd %s", put, got, buf);
    put = write(w, "ab", 2);
    show_poll(rw);
    memset(buf, 0, sizeof buf);
    got = read(rw, buf, sizeof buf - 1);
    printf(", write %zd read %zd %s", put, got, buf);
    close(w);
    close(r);
    put = write(rw, "z", 1);
    show_poll(rw);
    got = read(rw, buf, sizeof buf - 1);
    struct stat st;
    fstat(rw, &st);
    printf(", alone write %zd read %zd, fifo %d rdwr %d", put, got, S_ISFIFO(st.st_mode),
           (fcntl(rw, F_GETFL) & O_ACCMODE) == O_RDWR);
    close(rw);
    w = open((const char *)arg, O_WRONLY | O_NONBLOCK);
    printf(", writer after %s\n", w < 0 ? strerror(errno) : "opened");
    return NULL;
}

int main(void)
{
    printf("make:");
    step("mkfifo", mkfifo("fifo", 0600));
    step("again", mkfifo("fifo", 0600));
    step("mknod fifo", mknod("fifo2", S_IFIFO | 0640, 0));
    step("mknod file", mknod("plain", S_IFREG | 0640, 0));
    struct stat st;
    stat("fifo", &st);
    printf(" fifo %d mode %o", S_ISFIFO(st.st_mode), st.st_mode & 0777);
    stat("plain", &st);
    printf(" plain %d", S_ISREG(st.st_mode));
    DIR *d = opendir(".");
    struct dirent *e;
    int fifos = 0;
    while (d && (e = readdir(d)))
        fifos += e->d_type == DT_FIFO;
    closedir(d);
    printf(" listed fifos %d\n", fifos);

    pthread_t t;
    void *got;
    pthread_create(&t, NULL, reader, "fifo"); /* the reader waits in open for a writer */
    nap();
    long wrote = fill("fifo");
    pthread_join(t, &got);
    printf("reader first: wrote %ld, read %ld bytes sum %ld\n", wrote, (long)got / 1000, (long)got % 1000);

    pthread_create(&t, NULL, writer, "fifo2"); /* the writer waits in open for a reader */
    nap();
    long read_back = drain("fifo2");
    pthread_join(t, &got);
    printf("writer first: wrote %ld, read %ld bytes sum %ld\n", (long)got, read_back / 1000, read_back % 1000);

    printf("nonblocking:");
    int w = open("fifo", O_WRONLY | O_NONBLOCK);
    printf(" writer alone %s", w < 0 ? strerror(errno) : "opened");
    int r = open("fifo", O_RDONLY | O_NONBLOCK);
    char c = 0;
    ssize_t n = read(r, &c, 1);
    printf(" reader alone %s, read %zd", r < 0 ? strerror(errno) : "opened", n);
    w = open("fifo", O_WRONLY | O_NONBLOCK);
    printf(", writer %s, write %zd", w < 0 ? strerror(errno) : "opened", write(w, "x", 1));
    n = read(r, &c, 1);
    printf(", read %zd %c", n, c);
    close(w);
    n = read(r, &c, 1);
    printf(", after close %zd\n", n);
    close(r);
    /* A signal ends a waiting open (no SA_RESTART: EINTR), and leaves no reader behind. */
    struct sigaction sa = { 0 };
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = { { 0, 0 }, { 0, 100 * 1000 } };
    setitimer(ITIMER_REAL, &it, NULL);
    r = open("fifo", O_RDONLY);
    printf("interrupted: open %s, alarms %d", r < 0 ? strerror(errno) : "opened", alarms);
    w = open("fifo", O_WRONLY | O_NONBLOCK);
    printf(", writer then %s\n", w < 0 ? strerror(errno) : "opened");
    pthread_create(&t, NULL, read_write, "fifo");
    pthread_join(t, NULL);
    step("unlink", unlink("fifo"));
    step("unlink2", unlink("fifo2"));
    step("unlink plain", unlink("plain"));
    printf("\n");
    return 0;
}
"""


def test_fifos_match_native(tmp_path):
    out = check_source_matches_native(tmp_path, "fifos", SOURCE)
    assert "reader first: wrote 155648, read 155648" in out and "writer alone No such device or address" in out, out
    assert "interrupted: open Interrupted system call, alarms 1, writer then No such device or address" in out, out
    assert "read-write: open ok, writer opened, reader opened, poll 1 out, write 5 read 5 hello" in out, out
