# SPDX-License-Identifier: MIT
"""signalfd (kernel/sys_signalfd.c): the program blocks its signals and reads them from a
signalfd instead: a non-blocking read with none (EAGAIN), a thread's own signal (raise:
SI_TKILL) seen by poll with no timeout and read, a queued process signal (sigqueue: SI_QUEUE
and its value), two records in one read (lowest signal first), a thread on another node
blocked in poll on it woken by kill() (SI_USER), another blocked in epoll_wait woken by
sigqueue, a blocking read woken by a timer's SIGALRM after the mask was replaced (SI_KERNEL),
and the errors (a read shorter than a record, signalfd on another descriptor, a bad mask
size). Every line must equal the native run's, on 1, 2 and 4 nodes. Before, signalfd was
ENOSYS."""
from dsmkpy.testing import check_source_matches_native

SOURCE = r"""
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static int sfd;

static const char *code_name(int code)
{
    return code == SI_USER ? "SI_USER" : code == SI_TKILL ? "SI_TKILL" : code == SI_QUEUE ? "SI_QUEUE"
         : code == SI_KERNEL ? "SI_KERNEL" : "other";
}

static void show_read(const char *what, int fd, size_t room)
{
    struct signalfd_siginfo si[2];
    memset(si, 0, sizeof si);
    ssize_t n = read(fd, si, room);
    if (n < 0) {
        printf("%s: %s\n", what, strerror(errno));
        return;
    }
    printf("%s: %zd bytes", what, n);
    for (ssize_t i = 0; i < n / (ssize_t)sizeof si[0]; i++)
        printf(", %s %s pid %d int %d", strsignal((int)si[i].ssi_signo), code_name(si[i].ssi_code),
               si[i].ssi_code == SI_USER || si[i].ssi_code == SI_TKILL || si[i].ssi_code == SI_QUEUE
                   ? (int)si[i].ssi_pid == getpid() : -1,
               si[i].ssi_code == SI_QUEUE ? si[i].ssi_int : 0);
    printf("\n");
}

static void *poller(void *arg)
{
    (void)arg;
    struct pollfd p = { sfd, POLLIN, 0 };
    int n = poll(&p, 1, 5000);
    printf("poller: poll %d%s\n", n, (p.revents & POLLIN) ? " in" : "");
    show_read("poller read", sfd, sizeof(struct signalfd_siginfo));
    return NULL;
}

static void *epoller(void *arg)
{
    (void)arg;
    int ep = epoll_create1(0);
    struct epoll_event ev = { .events = EPOLLIN, .data.u32 = 42 };
    epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev);
    struct epoll_event got;
    int n = epoll_wait(ep, &got, 1, 5000);
    printf("epoller: epoll_wait %d data %u\n", n, n == 1 ? got.data.u32 : 0);
    show_read("epoller read", sfd, sizeof(struct signalfd_siginfo));
    close(ep);
    return NULL;
}

static void nap(void)
{
    struct timespec t = { 0, 80 * 1000000L };
    nanosleep(&t, NULL);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGUSR1);
    sigaddset(&mask, SIGUSR2);
    sigaddset(&mask, SIGALRM);
    pthread_sigmask(SIG_BLOCK, &mask, NULL); /* threads made later block them too */
    sigset_t usr;
    sigemptyset(&usr);
    sigaddset(&usr, SIGUSR1);
    sigaddset(&usr, SIGUSR2);
    sfd = signalfd(-1, &usr, SFD_NONBLOCK | SFD_CLOEXEC);
    printf("signalfd %s\n", sfd >= 0 ? "ok" : strerror(errno));
    show_read("nothing yet", sfd, sizeof(struct signalfd_siginfo));
    raise(SIGUSR1);
    struct pollfd p = { sfd, POLLIN, 0 };
    int n = poll(&p, 1, 0);
    printf("own signal: poll %d%s\n", n, (p.revents & POLLIN) ? " in" : "");
    show_read("own signal read", sfd, sizeof(struct signalfd_siginfo));
    sigqueue(getpid(), SIGUSR2, (union sigval){ .sival_int = 7 });
    show_read("queued", sfd, sizeof(struct signalfd_siginfo));
    raise(SIGUSR2);
    raise(SIGUSR1);
    show_read("two at once", sfd, 2 * sizeof(struct signalfd_siginfo));
    show_read("short buffer", sfd, 100);

    pthread_t t;
    pthread_create(&t, NULL, poller, NULL);
    nap();
    kill(getpid(), SIGUSR1);
    pthread_join(t, NULL);
    pthread_create(&t, NULL, epoller, NULL);
    nap();
    sigqueue(getpid(), SIGUSR2, (union sigval){ .sival_int = 9 });
    pthread_join(t, NULL);

    sigset_t alrm;
    sigemptyset(&alrm);
    sigaddset(&alrm, SIGALRM);
    int blocking = signalfd(-1, &usr, 0);
    int same = signalfd(blocking, &alrm, 0);
    printf("new mask: same fd %d\n", same == blocking);
    struct itimerval it = { { 0, 0 }, { 0, 30 * 1000 } };
    setitimer(ITIMER_REAL, &it, NULL);
    show_read("blocking read", blocking, sizeof(struct signalfd_siginfo));

    int pipefd[2];
    pipe(pipefd);
    printf("errors: on a pipe %s", signalfd(pipefd[0], &usr, 0) < 0 ? strerror(errno) : "ok");
    printf(", mask size 4 %s\n", syscall(SYS_signalfd4, -1, &usr, 4, 0) < 0 ? strerror(errno) : "ok");
    return 0;
}
"""


def test_signalfd_matches_native(tmp_path):
    out = check_source_matches_native(tmp_path, "signalfd", SOURCE, nodes=(1, 2, 4))
    assert "poller: poll 1 in" in out and "epoller: epoll_wait 1 data 42" in out, out
    assert "blocking read: 128 bytes, Alarm clock SI_KERNEL" in out, out
