# SPDX-License-Identifier: MIT
"""Symbolic links (kernel/path.c's walk through them, kernel/file_store.c's link nodes):
symlink, readlink, lstat and the *at calls' AT_SYMLINK_NOFOLLOW / AT_SYMLINK_FOLLOW, open
through links (O_NOFOLLOW, O_CREAT through a dangling one, a loop), links in the middle of
a path and relative targets with "..", rename, unlink and hard links of a link, a directory
listing's DT_LNK, chdir through a link, from a thread on node 1 (two nodes). Every answer
must equal the native run's, made in an empty directory. Before this, symlink was ENOSYS
and lstat answered as stat."""
from dsmkpy.testing import CHECKS_ON_A_THREAD, check_source_matches_native

SOURCE = r"""
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void step(const char *name, int rc) { printf(" %s %s", name, rc < 0 ? strerror(errno) : "ok"); }

static void show_link(const char *path, size_t size)
{
    char buf[64];
    ssize_t n = readlink(path, buf, size);
    if (n < 0)
        printf(" readlink(%s) %s", path, strerror(errno));
    else
        printf(" readlink(%s)=%.*s", path, (int)n, buf);
}

static void show_stat(const char *path)
{
    struct stat st, lst;
    int s = stat(path, &st), l = lstat(path, &lst);
    printf(" %s:", path);
    if (s == 0)
        printf(" stat %s size %lld", S_ISDIR(st.st_mode) ? "dir" : S_ISREG(st.st_mode) ? "file" : "other",
               S_ISDIR(st.st_mode) ? 0ll : (long long)st.st_size); /* a directory's size is the file system's */
    else
        printf(" stat %s", strerror(errno));
    if (l == 0)
        printf(" lstat %s size %lld", S_ISLNK(lst.st_mode) ? "link" : S_ISDIR(lst.st_mode) ? "dir" : "file",
               S_ISDIR(lst.st_mode) ? 0ll : (long long)lst.st_size);
}

static void show_file(const char *path, int flags)
{
    char buf[32] = "";
    int fd = open(path, flags);
    if (fd < 0) {
        printf(" open(%s) %s", path, strerror(errno));
        return;
    }
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    printf(" open(%s)=%.*s", path, n > 0 ? (int)n : 0, buf);
}

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void list(const char *dir)
{
    DIR *d = opendir(dir);
    char *names[32];
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) && n < 32) {
        if (e->d_name[0] == '.')
            continue;
        char *s = malloc(strlen(e->d_name) + 2);
        sprintf(s, "%s%s", e->d_name, e->d_type == DT_LNK ? "@" : e->d_type == DT_DIR ? "/" : "");
        names[n++] = s;
    }
    if (d)
        closedir(d);
    qsort(names, n, sizeof *names, cmp);
    printf(" list %s:", dir);
    for (int i = 0; i < n; i++) {
        printf(" %s", names[i]);
        free(names[i]);
    }
}

static void *checks(void *arg)
{
    (void)arg;
    mkdir("d", 0755);
    int fd = open("d/f", O_CREAT | O_WRONLY, 0644);
    write(fd, "data", 4);
    close(fd);
    printf("make:");
    step("lf", symlink("d/f", "lf"));
    step("ld", symlink("d", "ld"));
    step("dangling", symlink("nowhere", "dangling"));
    step("loop", symlink("loop", "loop"));
    step("up", symlinkat("../d/f", AT_FDCWD, "d/up"));
    step("again", symlink("x", "lf"));
    step("empty", symlink("", "empty"));
    printf("\nread:");
    show_link("lf", sizeof(char[64]));
    show_link("lf", 2);
    show_link("d/f", 64);
    show_link("missing", 64);
    show_link("ld/up", 64);
    printf("\nstat:");
    show_stat("lf");
    show_stat("ld");
    show_stat("dangling");
    show_stat("ld/up");
    printf("\nopen:");
    show_file("lf", O_RDONLY);
    show_file("ld/f", O_RDONLY);
    show_file("ld/up", O_RDONLY);
    show_file("dangling", O_RDONLY);
    show_file("loop", O_RDONLY);
    show_file("lf", O_RDONLY | O_NOFOLLOW);
    show_file("ld/", O_RDONLY | O_DIRECTORY);
    fd = open("lf", O_CREAT | O_EXCL | O_WRONLY, 0644);
    printf(" excl %s", fd < 0 ? strerror(errno) : "made");
    fd = open("dangling", O_CREAT | O_WRONLY, 0644);
    printf(" through dangling %s", fd < 0 ? strerror(errno) : "made");
    if (fd >= 0)
        close(fd);
    show_stat("nowhere");
    printf("\nnames:");
    step("ld/l2", symlink("f", "ld/l2"));
    list("ld"); /* the root of the guest holds /tmp and /dev too */
    step("rename", rename("lf", "lf2"));
    show_link("lf2", 64);
    step("hard", link("lf2", "hard"));
    show_stat("hard");
    step("hard2", linkat(AT_FDCWD, "lf2", AT_FDCWD, "hard2", AT_SYMLINK_FOLLOW));
    struct stat a, b;
    printf(" same %d", stat("hard2", &a) == 0 && stat("d/f", &b) == 0 && a.st_ino == b.st_ino);
    step("mkdir", mkdir("lf2", 0755));
    step("rmdir", rmdir("lf2"));
    step("unlink ld", unlink("ld"));
    show_stat("d");
    step("lchown", lchown("lf2", 0, 0));
    step("fchownat", fchownat(AT_FDCWD, "lf2", 0, 0, AT_SYMLINK_NOFOLLOW));
    struct timespec ts[2] = { { 1, 0 }, { 2, 0 } };
    step("utimensat", utimensat(AT_FDCWD, "lf2", ts, AT_SYMLINK_NOFOLLOW));
    struct stat lt;
    lstat("lf2", &lt);
    printf(" mtime %lld", (long long)lt.st_mtime);
    step("faccessat", faccessat(AT_FDCWD, "dangling", F_OK, AT_SYMLINK_NOFOLLOW));
    printf("\ncwd:");
    step("cd link", symlink("d", "cd"));
    step("chdir", chdir("cd"));
    char cwd[512];
    printf(" physical %d", getcwd(cwd, sizeof cwd) && strcmp(cwd + strlen(cwd) - 2, "/d") == 0);
    show_file("up", O_RDONLY);
    chdir("..");
    const char *names[] = { "lf2", "hard", "hard2", "dangling", "nowhere", "loop", "cd", "d/up", "d/f", "d/l2" };
    for (int i = 0; i < 10; i++)
        unlink(names[i]);
    step("rmdir d", rmdir("d"));
    printf("\n");
    return NULL;
}
""" + CHECKS_ON_A_THREAD


def test_symbolic_links_match_native(tmp_path):
    out = check_source_matches_native(tmp_path, "symlinks", SOURCE)
    assert "readlink(lf)=d/f readlink(lf)=d/" in out and "open(loop) Symbolic link loop" in out, out
