# SPDX-License-Identifier: MIT
"""/proc/self/fd and the /dev links to it (kernel/files_proc_fd.c): the listing holds exactly
the open descriptors; each entry is a link (lstat), which for a file leads to the file
(stat, open and read reach its bytes; readlink ends with its name), for a pipe reads
"pipe:[N]" and stats as a FIFO, for a socket "socket:[N]", for an eventfd
"anon_inode:[eventfd]", for a message queue "/NAME"; opening a pipe's entry gives a descriptor of that pipe; /dev/stdout
and /dev/stderr can be opened and written; a closed number is ENOENT, creating a name there
too, removing one EPERM, renaming into it EXDEV, removing the directory EPERM. The checks run on a thread (node 1 of 2),
and the lines must equal the native run's. Before, every one of these paths was ENOENT."""
from dsmkpy.testing import CHECKS_ON_A_THREAD, check_source_matches_native

SOURCE = r"""
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *link_of(int fd, char *buf, size_t size)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(path, buf, size - 1);
    buf[n < 0 ? 0 : n] = 0;
    return n < 0 ? strerror(errno) : buf;
}

static int starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static void *checks(void *arg)
{
    (void)arg;
    char buf[256], path[64];
    int file = open("fdtest.txt", O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (write(file, "file bytes\n", 11) != 11)
        return 0;
    int pipe_fds[2], pair[2];
    if (pipe(pipe_fds) || socketpair(AF_UNIX, SOCK_STREAM, 0, pair))
        return 0;
    int efd = eventfd(0, 0);
    mqd_t queue = mq_open("/procfdq", O_RDWR | O_CREAT, 0600, 0);

    /* The listing: every open descriptor (the directory's own among them), nothing else. */
    DIR *dir = opendir("/proc/self/fd");
    int seen[64] = { 0 }, listed = 0, dots = 0;
    struct dirent *e;
    while (dir && (e = readdir(dir))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            dots++;
        else if (atoi(e->d_name) < 64 && e->d_type == DT_LNK)
            seen[atoi(e->d_name)] = 1, listed++;
    }
    int all_open = 1;
    for (int fd = 0; fd < 64; fd++)
        if (seen[fd] != (fcntl(fd, F_GETFD) >= 0))
            all_open = 0;
    if (dir)
        closedir(dir);
    printf("listing: dots %d, exactly the open ones %d, the program's own among them %d\n", dots, all_open,
           listed >= 9 && seen[0] && seen[1] && seen[2] && seen[file] && seen[efd] && seen[pair[1]]);

    const char *l = link_of(file, buf, sizeof buf);
    printf("file link: absolute %d, ends with its name %d\n", l[0] == '/', strlen(l) >= 11 &&
           !strcmp(l + strlen(l) - 11, "/fdtest.txt"));
    char pipe_link[64], socket_link[64], eventfd_link[64];
    printf("pipe link: %d, socket link: %d, eventfd link: %s\n",
           starts(link_of(pipe_fds[0], pipe_link, sizeof pipe_link), "pipe:["),
           starts(link_of(pair[0], socket_link, sizeof socket_link), "socket:["),
           link_of(efd, eventfd_link, sizeof eventfd_link));

    char queue_link[64];
    printf("queue link: %s\n", link_of(queue, queue_link, sizeof queue_link));
    mq_close(queue);
    mq_unlink("/procfdq");

    struct stat st;
    snprintf(path, sizeof path, "/proc/self/fd/%d", pipe_fds[0]);
    printf("lstat: link %d; stat: fifo %d\n", lstat(path, &st) == 0 && S_ISLNK(st.st_mode),
           stat(path, &st) == 0 && S_ISFIFO(st.st_mode));
    snprintf(path, sizeof path, "/proc/self/fd/%d", file);
    int again = open(path, O_RDONLY);
    ssize_t n = again >= 0 ? read(again, buf, sizeof buf - 1) : -1;
    buf[n < 0 ? 0 : n] = 0;
    printf("reopened file reads: %s", buf);
    close(again);
    snprintf(path, sizeof path, "/proc/self/fd/%d", pipe_fds[1]);
    int writer = open(path, O_WRONLY);
    printf("pipe entry opens: %d\n", writer >= 0 && write(writer, "p", 1) == 1 && read(pipe_fds[0], buf, 1) == 1 &&
           buf[0] == 'p');
    close(writer);

    int out = open("/dev/stdout", O_WRONLY);
    printf("/dev/stdout opens: %d\n", out >= 0);
    fflush(stdout);
    if (out >= 0 && write(out, "written through /dev/stdout\n", 28) != 28)
        return 0;
    close(out);
    FILE *err = fopen("/dev/stderr", "w");
    printf("/dev/stderr opens: %d\n", err != NULL);
    if (err)
        fclose(err);

    errno = 0;
    printf("closed number: %s\n", open("/proc/self/fd/63", O_RDONLY) < 0 ? strerror(errno) : "opened");
    errno = 0;
    printf("create there: %s\n", open("/proc/self/fd/new", O_WRONLY | O_CREAT, 0600) < 0 ? strerror(errno) : "made");
    snprintf(path, sizeof path, "/proc/self/fd/%d", efd);
    errno = 0;
    printf("unlink there: %s\n", unlink(path) < 0 ? strerror(errno) : "removed");
    errno = 0;
    printf("rename into it: %s\n", rename("fdtest.txt", "/proc/self/fd/62") < 0 ? strerror(errno) : "renamed");
    errno = 0;
    printf("rmdir it: %s\n", rmdir("/proc/self/fd") < 0 ? strerror(errno) : "removed");
    unlink("fdtest.txt");
    return 0;
}
""" + CHECKS_ON_A_THREAD


def test_proc_self_fd_lists_and_leads_to_the_open_descriptors(tmp_path):
    out = check_source_matches_native(tmp_path, "procfd", SOURCE)
    assert "exactly the open ones 1" in out and "written through /dev/stdout" in out, out
