/* SPDX-License-Identifier: MIT */
/* /proc/self/task (proc(5)): one directory per live thread of the program, named by its tid,
 * made from the thread list (kernel/thread_names.h, on this node with the table) at each
 * lookup and listing, so it is never stale and takes no slot of the file store. A thread's
 * directory has comm (its name: read, or written to rename the thread, whichever node it
 * runs on), stat and status (kernel/file_proc.c's, with its tid and name). A tid the list
 * does not hold is not found. Not done: opening a thread's directory itself (EOPNOTSUPP;
 * stat and its files work), Linux's other entries of it, and /proc/thread-self (a link
 * whose target depends on the calling thread, which path resolution here does not know). */
#include "kernel/file_proc.h"
#include "kernel/file_store.h"
#include "kernel/files_internal.h"
#include "kernel/format.h"
#include "kernel/libc.h"
#include "kernel/linux_abi.h"
#include "kernel/thread_names.h"

#define FILES_PROC_TASK_DIR "/proc/1/task"
#define FILES_PROC_TASK_DIR_MODE 0555  /* dr-xr-xr-x, as Linux's */
#define FILES_PROC_TASK_DIR_LINKS 2    /* a directory's own "." and its name in its parent */
#define FILES_PROC_TASK_COOKIE_FIRST 2 /* getdents positions: ".", "..", then 2 + a list position */
#define FILES_PROC_TASK_TID_DIGITS 10  /* decimal digits of INT32_MAX */
/* Entries' inode numbers: past every 32-bit one of the store, the descriptions and
 * /proc/1/fd; a thread's directory and then each of its files, one apart. */
#define FILES_PROC_TASK_INO_BASE (1ull << 32)

/* A thread directory's files, by Linux's names and modes (fs/proc/base.c tid_base_stuff). */
static const struct {
    const char *name;
    unsigned kind; /* enum file_proc_kind */
    uint32_t mode;
} files_proc_task_files[] = {
    { "comm", FILE_PROC_COMM, 0644 },
    { "stat", FILE_PROC_STAT, 0444 },
    { "status", FILE_PROC_STATUS, 0444 },
};
#define FILES_PROC_TASK_FILES (sizeof files_proc_task_files / sizeof files_proc_task_files[0])

static struct file_node *files_proc_task_dir;

bool files_proc_task_add(void)
{
    file_store_mkdir(FILES_PROC_TASK_DIR, FILES_PROC_TASK_DIR_MODE);
    files_proc_task_dir = file_store_lookup(FILES_PROC_TASK_DIR);
    return files_proc_task_dir != NULL;
}

bool files_proc_task_is_dir(const struct file_node *dir)
{
    return dir && dir == files_proc_task_dir;
}

/* The tid that name (up to end) spells as Linux prints it, or 0. */
static int32_t files_proc_task_tid(const char *name, const char *end)
{
    size_t len = (size_t)(end - name);
    if (len == 0 || len > FILES_PROC_TASK_TID_DIGITS || name[0] == '0')
        return 0; /* "007" is no entry: Linux's names are the numbers as printed */
    uint64_t n = 0;
    for (const char *p = name; p < end; p++) {
        if (*p < '0' || *p > '9')
            return 0;
        n = n * 10 + (uint64_t)(*p - '0');
    }
    return n <= INT32_MAX ? (int32_t)n : 0;
}

bool files_proc_task_path(const char *path, struct files_proc_task_entry *out)
{
    if (!files_proc_task_dir || !path_is_below(path, FILES_PROC_TASK_DIR))
        return false;
    const char *name = path + strlen(FILES_PROC_TASK_DIR) + 1, *slash = name;
    while (*slash && *slash != '/')
        slash++;
    char unused[THREAD_COMM_LEN];
    *out = (struct files_proc_task_entry){ .tid = files_proc_task_tid(name, slash), .file = FILES_PROC_TASK_FILES };
    if (out->tid && !thread_names_lookup(out->tid, unused))
        out->tid = 0;
    if (!*slash)
        return true;
    for (size_t i = 0; i < FILES_PROC_TASK_FILES; i++)
        if (strcmp(slash + 1, files_proc_task_files[i].name) == 0)
            out->file = i;
    if (out->file == FILES_PROC_TASK_FILES)
        out->tid = 0; /* no such file in a thread's directory (or a path below one) */
    return true;
}

enum path_kind files_proc_task_kind(const struct files_proc_task_entry *e)
{
    return !e->tid ? PATH_MISSING : e->file == FILES_PROC_TASK_FILES ? PATH_DIR : PATH_FILE;
}

/* The inode number of e (a thread's directory or one of its files). */
static uint64_t files_proc_task_ino(const struct files_proc_task_entry *e)
{
    return FILES_PROC_TASK_INO_BASE + (uint64_t)e->tid * (FILES_PROC_TASK_FILES + 1) +
           (e->file == FILES_PROC_TASK_FILES ? 0 : e->file + 1);
}

int64_t files_proc_task_list(uint64_t *cookie, void *buf, size_t len)
{
    size_t used = 0;
    for (uint64_t c = *cookie; c < FILES_PROC_TASK_COOKIE_FIRST + THREAD_NAMES_END; c++) {
        char name[FILES_PROC_TASK_TID_DIGITS + 1];
        uint64_t ino;
        if (c < FILES_PROC_TASK_COOKIE_FIRST) {
            ino = files_proc_dot(files_proc_task_dir, "/proc/1", c, name);
        } else {
            struct files_proc_task_entry e = { .file = FILES_PROC_TASK_FILES };
            size_t at = thread_names_next((size_t)(c - FILES_PROC_TASK_COOKIE_FIRST), &e.tid);
            if (at == THREAD_NAMES_END)
                break;
            c = FILES_PROC_TASK_COOKIE_FIRST + at;
            fmt_snprintf(name, sizeof name, "%d", e.tid);
            ino = files_proc_task_ino(&e);
        }
        if (!file_store_dirent(buf, len, &used, ino, c + 1, LINUX_DT_DIR, name))
            return used ? (int64_t)used : -LINUX_EINVAL; /* the first record must fit (getdents64(2)) */
        *cookie = c + 1;
    }
    return (int64_t)used;
}

/* stat(2) of e. */
static void files_proc_task_stat(const struct files_proc_task_entry *e, struct linux_stat *st)
{
    bool dir = e->file == FILES_PROC_TASK_FILES;
    memset(st, 0, sizeof *st);
    st->st_ino = files_proc_task_ino(e);
    st->st_mode = dir ? LINUX_S_IFDIR | FILES_PROC_TASK_DIR_MODE : LINUX_S_IFREG | files_proc_task_files[e->file].mode;
    st->st_nlink = dir ? FILES_PROC_TASK_DIR_LINKS : 1;
}

/* access(2) of e for mode: the program runs as root, so only execute, which needs some x
 * bit, is refused (no file here has one). */
static int64_t files_proc_task_access(const struct files_proc_task_entry *e, uint64_t mode)
{
    if (mode & ~(uint64_t)LINUX_ACCESS_MODE_MASK)
        return -LINUX_EINVAL;
    return e->file != FILES_PROC_TASK_FILES && (mode & LINUX_X_OK) ? -LINUX_EACCES : 0;
}

int64_t files_proc_task_call(const char *path, const struct files_proc_task_entry *e, const struct files_call *c,
                             void *data, size_t *data_len)
{
    if (!e->tid)
        return -LINUX_ENOENT; /* Linux's lookup fails there: a mkdir too */
    if (files_op_makes_or_removes_name(c->op))
        return -LINUX_EPERM;
    bool dir = e->file == FILES_PROC_TASK_FILES;
    switch (c->op) {
    case FILES_OP_OPEN:
        if ((c->arg & (LINUX_O_CREAT | LINUX_O_EXCL)) == (LINUX_O_CREAT | LINUX_O_EXCL))
            return -LINUX_EEXIST;
        if (dir)
            return -LINUX_EOPNOTSUPP;
        return files_proc_open(path, files_proc_task_files[e->file].kind, e->tid, c->arg);
    case FILES_OP_STAT:
        files_proc_task_stat(e, data);
        *data_len = sizeof(struct linux_stat);
        return 0;
    case FILES_OP_ACCESS:
        return files_proc_task_access(e, c->arg);
    case FILES_OP_RENAME:
    case FILES_OP_LINK:
        return -LINUX_EXDEV; /* Linux: /proc is another file system */
    case FILES_OP_READLINK:
        return -LINUX_EINVAL; /* no link */
    default:
        return -LINUX_EPERM;
    }
}
