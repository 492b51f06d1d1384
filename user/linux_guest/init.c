// SPDX-License-Identifier: MIT
// init for a throwaway Linux guest that runs sysfuzz against a real Linux kernel, to check
// that sysfuzz's skip/tame table (user/sysfuzz.c) keeps it alive where every call is real.
// PID 1 mounts /dev, runs /sysfuzz with its own argv (stdin /dev/null, stdout and stderr a
// pipe, as on dsmk: no tty), copies the output to the console, reports, and powers off.
#include <fcntl.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    (void)argc;
    mkdir("/dev", 0755);
    mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
    int console = open("/dev/console", O_RDWR);
    if (console >= 0) {
        dup2(console, 0);
        dup2(console, 1);
        dup2(console, 2);
    }
    int out[2];
    if (pipe(out) != 0) {
        perror("init: pipe");
        return 1;
    }
    pid_t pid = fork();
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDONLY);
        dup2(devnull, 0);
        dup2(out[1], 1);
        dup2(out[1], 2);
        close(out[0]);
        close(out[1]);
        argv[0] = "sysfuzz";
        execv("/sysfuzz", argv);
        _exit(127);
    }
    close(out[1]);
    char buf[4096];
    ssize_t n;
    while ((n = read(out[0], buf, sizeof buf)) > 0)
        write(1, buf, (size_t)n);
    int status;
    waitpid(pid, &status, 0);
    if (WIFEXITED(status))
        printf("INIT: sysfuzz exited status %d\n", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        printf("INIT: sysfuzz killed by signal %d\n", WTERMSIG(status));
    fflush(stdout);
    sync();
    reboot(RB_POWER_OFF);
    return 0;
}
