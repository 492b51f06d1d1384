# SPDX-License-Identifier: MIT
"""/proc (kernel/file_proc.c), read by the program about itself and the machine, and checked
against what it knows otherwise: /proc/self/exe links to a file holding the program's own
bytes (their checksum equals the native run's, which reads the host's file), cmdline is
argv, comm and status's Name are its base name, status's Pid is getpid(), cpuinfo has one
processor per online CPU (a node), meminfo has MemTotal and MemFree, stat has its 52
fields (pid, state, a size), statm its seven (resident within size), maps has the region
of main's code (r-x), of a global (rw-) and main's stack ([stack]), uptime parses and
/proc/self is a link. The lines must equal the native run's,
on 1 and 2 nodes (the checks that read from a thread run on node 1). Before, every path
under /proc was ENOENT."""
from dsmkpy.testing import build_musl, check_matches_native

SOURCE = r"""
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int argc_seen;
static char **argv_seen;
static int global_word = 1;

/* The whole file at path into buf (NUL-terminated): its length, or -1. */
static long slurp(const char *path, char *buf, size_t size)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    size_t len = 0;
    ssize_t n;
    while (len < size - 1 && (n = read(fd, buf + len, size - 1 - len)) > 0)
        len += (size_t)n;
    close(fd);
    buf[len] = 0;
    return (long)len;
}

static const char *base(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* The maps line whose range holds addr: its permissions, and whether it names [stack]. */
static void show_region(const char *maps, const char *what, uintptr_t addr)
{
    for (const char *line = maps; *line;) {
        unsigned long lo, hi;
        char perms[5] = "";
        if (sscanf(line, "%lx-%lx %4s", &lo, &hi, perms) == 3 && lo <= addr && addr < hi) {
            const char *end = strchr(line, '\n');
            int stack = end ? (memmem(line, (size_t)(end - line), "[stack]", 7) != NULL) : strstr(line, "[stack]") != NULL;
            printf("maps %s: %.3s%s\n", what, perms, stack ? " [stack]" : "");
            return;
        }
        const char *next = strchr(line, '\n');
        if (!next)
            break;
        line = next + 1;
    }
    printf("maps %s: none\n", what);
}

static void *from_a_thread(void *arg)
{
    (void)arg;
    static char buf[1 << 16];
    char link[512];
    ssize_t n = readlink("/proc/self/exe", link, sizeof link - 1);
    link[n > 0 ? n : 0] = 0;
    printf("exe: link %s, named %d", n > 0 ? "ok" : strerror(errno), strcmp(base(link), base(argv_seen[0])) == 0);
    long len = slurp("/proc/self/exe", buf, sizeof buf);
    int elf = len > 4 && memcmp(buf, "\177ELF", 4) == 0;
    uint32_t sum = 0;
    int fd = open("/proc/self/exe", O_RDONLY);
    ssize_t got;
    long total = 0;
    while ((got = read(fd, buf, sizeof buf)) > 0)
        for (ssize_t i = 0; i < got; i++, total++)
            sum = sum * 31 + (unsigned char)buf[i];
    close(fd);
    printf(", elf %d, bytes %ld sum %08x\n", elf, total, sum);

    len = slurp("/proc/self/cmdline", buf, sizeof buf);
    long at = 0;
    int same = 1;
    for (int i = 0; i < argc_seen; i++) {
        same &= strcmp(buf + at, argv_seen[i]) == 0;
        at += (long)strlen(argv_seen[i]) + 1;
    }
    printf("cmdline: argv %d\n", same && at == len);

    slurp("/proc/self/comm", buf, sizeof buf);
    char want[32];
    snprintf(want, sizeof want, "%.15s\n", base(argv_seen[0]));
    printf("comm: base name %d\n", strcmp(buf, want) == 0);

    slurp("/proc/self/status", buf, sizeof buf);
    char pid_line[32], name_line[40];
    snprintf(pid_line, sizeof pid_line, "\nPid:\t%d\n", (int)getpid());
    snprintf(name_line, sizeof name_line, "Name:\t%.15s\n", base(argv_seen[0]));
    printf("status: pid %d name %d\n", strstr(buf, pid_line) != NULL, strncmp(buf, name_line, strlen(name_line)) == 0);

    slurp("/proc/cpuinfo", buf, sizeof buf);
    int processors = 0;
    for (const char *p = buf; (p = strstr(p, "processor\t:")); p++)
        processors++;
    printf("cpuinfo: processors as online %d, model name %d, flags %d\n",
           processors == (int)sysconf(_SC_NPROCESSORS_ONLN), strstr(buf, "model name\t:") != NULL,
           strstr(buf, "flags\t\t:") != NULL);

    double up = -1, idle = -1;
    slurp("/proc/uptime", buf, sizeof buf);
    int fields = sscanf(buf, "%lf %lf", &up, &idle); /* before the printf: its arguments run in no fixed order */
    printf("uptime: fields %d positive %d\n", fields, up > 0 && idle >= 0);

    struct stat st;
    lstat("/proc/self", &st);
    printf("self: link %d", S_ISLNK(st.st_mode));
    stat("/proc/cpuinfo", &st);
    printf(", cpuinfo regular %d mode %o", S_ISREG(st.st_mode), (unsigned)(st.st_mode & 0777));
    printf(", missing %s\n", open("/proc/self/nonesuch", O_RDONLY) < 0 ? strerror(errno) : "ok");
    return NULL;
}

int main(int argc, char **argv)
{
    argc_seen = argc;
    argv_seen = argv;
    static char buf[1 << 16];
    int on_stack = 0;
    slurp("/proc/self/maps", buf, sizeof buf);
    show_region(buf, "main's code", (uintptr_t)main);
    show_region(buf, "a global", (uintptr_t)&global_word);
    show_region(buf, "main's stack", (uintptr_t)&on_stack);

    slurp("/proc/meminfo", buf, sizeof buf);
    unsigned long kb = 0;
    int fields = sscanf(buf, "MemTotal: %lu kB", &kb);
    printf("meminfo: total parsed %d, positive %d, free line %d\n", fields, kb > 0, strstr(buf, "\nMemFree:") != NULL);

    /* stat: 52 fields after "pid (comm)"'s own; vsize (23rd) and rss (24th) */
    slurp("/proc/self/stat", buf, sizeof buf);
    int stat_fields = 2, stat_pid = 0;
    char state = 0;
    const char *after = strrchr(buf, ')');
    for (const char *p = after; p && *p; p++)
        stat_fields += *p == ' ';
    sscanf(buf, "%d", &stat_pid);
    unsigned long long value[64] = { 0 };
    int at = 3;
    sscanf(after + 2, "%c", &state);
    for (char *tok = strtok((char *)after + 2, " \n"); tok && at < 64; tok = strtok(NULL, " \n"))
        value[at++] = strtoull(tok, NULL, 10);
    printf("stat: fields %d pid %d state %c vsize>0 %d\n", stat_fields, stat_pid == getpid(), state, value[23] > 0);
    slurp("/proc/self/statm", buf, sizeof buf);
    unsigned long size = 0, resident = 0, shared, text, lib, data, dirty;
    int statm = sscanf(buf, "%lu %lu %lu %lu %lu %lu %lu", &size, &resident, &shared, &text, &lib, &data, &dirty);
    printf("statm: fields %d resident within size %d\n", statm, resident > 0 && resident <= size);

    pthread_t t;
    pthread_create(&t, NULL, from_a_thread, NULL);
    pthread_join(t, NULL);
    return 0;
}
"""


def test_proc_matches_native(tmp_path):
    exe = build_musl(tmp_path, "proc-reader", SOURCE)
    out = check_matches_native(tmp_path, "proc", exe, ["one", "two words"]).decode()
    assert "exe: link ok, named 1, elf 1" in out and "cmdline: argv 1" in out, out
    assert "maps main's stack: rw- [stack]" in out and "status: pid 1 name 1" in out, out
