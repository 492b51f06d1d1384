# SPDX-License-Identifier: MIT
"""Directories (kernel/path.c, kernel/file_store.c, kernel/files.c): a program makes a tree,
lists it with opendir/readdir (getdents64), moves about it with chdir, fchdir and relative
paths ("..", "."), opens files from directory descriptors (openat, fstatat, mkdirat,
unlinkat), renames a whole directory and removes its working directory, all from a thread
that clone() puts on node 1 when there are two nodes (the working directory is the table's,
on node 0). A boot module's directory (--file HOST:/in/data.txt) is listed and opened
through its descriptor. Every answer must equal the native run's, made in an empty
directory holding in/data.txt. Before directories were a tree, "x/y" was a file name
whether or not x existed, chdir into a directory was EACCES and getdents64 was ENOSYS."""
from dsmkpy.testing import build_musl, check_matches_native

MODULE_TEXT = b"module bytes\n"

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

static const char *input_dir;
static char start[4096];

/* One step's answer, printed at once (a printf's arguments run in no fixed order). */
static void step(const char *name, int rc) { printf(" %s %s", name, rc < 0 ? strerror(errno) : "ok"); }
static void flag(const char *name, int v) { printf(" %s %d", name, v); }
static int ok_fd(int fd) { return fd < 0 ? -1 : 0; }
static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The names in dir, sorted (readdir's order is the file system's), each with its type. */
static void list(const char *what, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) { printf("%s: opendir %s\n", what, strerror(errno)); return; }
    char *names[64]; int n = 0; struct dirent *e;
    while ((e = readdir(d)) && n < 64) {
        char *s = malloc(strlen(e->d_name) + 3);
        sprintf(s, "%s%s", e->d_name, e->d_type == DT_DIR ? "/" : e->d_type == DT_REG ? "" : "?");
        names[n++] = s;
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp);
    printf("%s:", what);
    for (int i = 0; i < n; i++) { printf(" %s", names[i]); free(names[i]); }
    printf("\n");
}

/* Whether the working directory is start + tail. */
static int cwd_is(const char *tail)
{
    char cwd[4096], want[4200];
    snprintf(want, sizeof want, "%s%s", strcmp(start, "/") ? start : "", tail);
    return getcwd(cwd, sizeof cwd) && strcmp(cwd, *want ? want : "/") == 0;
}

static int touch(const char *path)
{
    int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
    if (fd < 0) return -1;
    int rc = write(fd, path, strlen(path)) == (ssize_t)strlen(path) ? 0 : -1;
    close(fd);
    return rc;
}

static void *work(void *arg)
{
    (void)arg;
    struct stat st;
    char buf[64];
    printf("tree:");
    step("mkdir a", mkdir("a", 0755));
    step("a/b", mkdir("a/b", 0755));
    step("again", mkdir("a/b", 0755));
    step("missing parent", mkdir("nodir/x", 0755));
    step("touch a/f1", touch("a/f1"));
    step("a/b/f2", touch("a/b/f2"));
    step("under a file", touch("a/f1/x"));
    step("O_CREAT with a slash", ok_fd(open("newdir/", O_CREAT | O_WRONLY, 0644)));
    step("stat a/f1/..", stat("a/f1/..", &st));
    step("a/./b/../f1", stat("a/./b/../f1", &st));
    flag("size", (int)st.st_size);
    printf("\n");
    list("list a", "a");
    list("list a/b/..", "a/b/..");

    printf("cwd:");
    step("chdir a/b", chdir("a/b"));
    flag("cwd", cwd_is("/a/b"));
    int fd = open("f2", O_RDONLY);
    step("open f2", ok_fd(fd));
    int up = open("../f1", O_RDONLY);
    step("open ../f1", ok_fd(up));
    step("chdir ..", chdir(".."));
    flag("cwd", cwd_is("/a"));
    step("chdir file", chdir("f1"));
    printf("\n");

    printf("dirfd:");
    int dfd = open("b", O_RDONLY | O_DIRECTORY);
    step("open b", ok_fd(dfd));
    flag("fstat dir", fstat(dfd, &st) == 0 && S_ISDIR(st.st_mode));
    int in_b = openat(dfd, "f2", O_RDONLY);
    step("openat f2", ok_fd(in_b));
    memset(buf, 0, sizeof buf);
    printf(" '%.*s'", (int)read(in_b, buf, sizeof buf - 1), buf);
    step("fstatat", fstatat(dfd, "f2", &st, 0));
    flag("size", (int)st.st_size);
    step("mkdirat", mkdirat(dfd, "c", 0755));
    step("unlinkat", unlinkat(dfd, "c", AT_REMOVEDIR));
    step("read dir", (int)read(dfd, buf, 1));
    step("pread dir", (int)pread(dfd, buf, 1, 0));
    step("O_DIRECTORY file", ok_fd(open("f1", O_RDONLY | O_DIRECTORY)));
    step("write open of dir", ok_fd(open("b", O_WRONLY)));
    step("fchdir", fchdir(dfd));
    flag("cwd", cwd_is("/a/b"));
    step("back", chdir(start));
    flag("cwd", cwd_is(""));
    printf("\n");
    close(in_b);
    close(fd);
    close(up);

    printf("rename:");
    step("a/b a/b2", rename("a/b", "a/b2"));
    step("moved", stat("a/b2/f2", &st));
    step("old", stat("a/b/f2", &st));
    step("into itself", rename("a", "a/b2/x"));
    step("mkdir a/e", mkdir("a/e", 0755));
    step("file over dir", rename("a/f1", "a/e"));
    step("dir over file", rename("a/e", "a/f1"));
    step("over a full dir", rename("a/e", "a/b2"));
    step("over an empty one", rename("a/b2", "a/e"));
    printf("\n");
    printf("cwd follows a rename:");
    step("chdir a/e", chdir("a/e"));
    step("rename a a2", rename("../../a", "../../a2"));
    flag("cwd", cwd_is("/a2/e"));
    step("back", chdir(start));
    step("rename a2 a", rename("a2", "a"));
    printf("\n");
    list("list a after", "a");
    printf("moved dirfd:");
    step("openat f2", ok_fd(openat(dfd, "f2", O_RDONLY)));
    printf("\n");
    close(dfd);

    printf("input:");
    int in = open(input_dir, O_RDONLY | O_DIRECTORY);
    step("open", ok_fd(in));
    int data = openat(in, "data.txt", O_RDONLY);
    step("openat data.txt", ok_fd(data));
    memset(buf, 0, sizeof buf);
    printf(" '%.*s'", (int)read(data, buf, sizeof buf - 1), buf);
    step("rmdir its dir", rmdir(input_dir));
    printf("\n");
    list("list input", input_dir);
    close(data);
    close(in);

    printf("removed cwd:");
    step("mkdir", mkdir("gone", 0755));
    step("chdir", chdir("gone"));
    char path[4200];
    snprintf(path, sizeof path, "%s/gone", strcmp(start, "/") ? start : "");
    step("rmdir", rmdir(path));
    step("create", touch("x"));
    char cwd[4096];
    step("getcwd", getcwd(cwd, sizeof cwd) ? 0 : -1);
    step("back", chdir(start));
    printf("\n");

    printf("clean:");
    step("unlink", unlink("a/f1"));
    step("unlink", unlink("a/e/f2"));
    step("rmdir", rmdir("a/e"));
    step("rmdir", rmdir("a"));
    printf("\n");
    list("list . at the end", ".");
    return 0;
}

int main(int argc, char **argv)
{
    input_dir = argc > 1 ? argv[1] : "in";
    if (!getcwd(start, sizeof start))
        return 1;
    pthread_t t;
    pthread_create(&t, 0, work, 0);
    pthread_join(t, 0);
    return 0;
}
"""


def test_directories_match_native_from_any_node(tmp_path):
    native_dir = tmp_path / "native"
    (native_dir / "in").mkdir(parents=True)
    (native_dir / "tmp").mkdir()  # the guest's root, where the program starts, holds /tmp
    (native_dir / "dev" / "shm").mkdir(parents=True)  # ... and /dev/shm
    (native_dir / "proc").mkdir()  # ... /proc (kernel/file_proc.c)
    (native_dir / "bin").mkdir()  # ... and /bin, which holds the program's file
    (native_dir / "etc").mkdir()  # ... and /etc, which holds hosts (kernel/files.c)
    (native_dir / "in" / "data.txt").write_bytes(MODULE_TEXT)
    host_file = tmp_path / "data.txt"
    host_file.write_bytes(MODULE_TEXT)
    out = check_matches_native(tmp_path, "dirs", build_musl(tmp_path, "dirs", SOURCE), ["in"], ["/in"],
                               ["--file", "%s:/in/data.txt" % host_file], cwd=native_dir)
    assert b"list a: ../ ./ b/ f1\n" in out and b"Not a directory" in out, out
