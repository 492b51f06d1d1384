/* SPDX-License-Identifier: MIT */
/* Path resolution (kernel/path.h). Invariant of the walk: out holds a canonical absolute
 * path; every component of it but the last was found to be a directory, and the last was
 * too unless unchecked is set. */
#include "kernel/path.h"

#include "kernel/libc.h"
#include "kernel/linux_abi.h"

/* The directory the walk stands in must exist as one before it goes on from it. */
static int path_check_dir(const char *out, bool *unchecked, path_kind_fn kind, void *ctx)
{
    if (!*unchecked)
        return 0;
    enum path_kind k = kind(out, ctx);
    if (k == PATH_MISSING)
        return -LINUX_ENOENT;
    if (k == PATH_FILE)
        return -LINUX_ENOTDIR;
    *unchecked = false;
    return 0;
}

/* out (length *len) without its last component; "/" stays "/". */
static void path_pop(char *out, size_t *len)
{
    while (*len > 1 && out[*len - 1] != '/')
        (*len)--;
    if (*len > 1)
        (*len)--;
    out[*len] = '\0';
}

int path_resolve(const char *base, const char *path, char *out, size_t out_size, path_kind_fn kind, void *ctx,
                 struct path_result *result)
{
    result->dir_only = false;
    if (!path[0])
        return -LINUX_ENOENT;
    if (out_size < 2)
        return -LINUX_ENAMETOOLONG;
    const char *start = path[0] == '/' ? "/" : base;
    size_t len = strlen(start);
    if (len >= out_size)
        return -LINUX_ENAMETOOLONG;
    memcpy(out, start, len + 1);
    bool unchecked = path[0] != '/'; /* a base directory may have gone since it was entered */
    for (const char *p = path; *p;) {
        while (*p == '/')
            p++;
        if (!*p) {
            result->dir_only = true;
            break;
        }
        const char *name = p;
        while (*p && *p != '/')
            p++;
        size_t n = (size_t)(p - name);
        int rc = path_check_dir(out, &unchecked, kind, ctx);
        if (rc)
            return rc;
        if (n == 1 && name[0] == '.') {
            result->dir_only = !*p;
            continue;
        }
        if (n == 2 && name[0] == '.' && name[1] == '.') {
            path_pop(out, &len);
            result->dir_only = !*p;
            continue;
        }
        size_t slash = len > 1;
        if (len + slash + n >= out_size)
            return -LINUX_ENAMETOOLONG;
        if (slash)
            out[len++] = '/';
        memcpy(out + len, name, n);
        len += n;
        out[len] = '\0';
        unchecked = true;
        result->dir_only = false;
    }
    if (result->dir_only && unchecked && kind(out, ctx) == PATH_FILE)
        return -LINUX_ENOTDIR;
    return 0;
}

const char *path_last(const char *path)
{
    const char *last = path;
    for (const char *p = path; *p; p++)
        if (*p == '/')
            last = p + 1;
    return last;
}

bool path_is_below(const char *path, const char *dir)
{
    size_t n = strlen(dir);
    if (n == 1) /* "/" */
        return path[1] != '\0';
    return strncmp(path, dir, n) == 0 && path[n] == '/';
}

bool path_is_child(const char *path, const char *dir)
{
    if (!path_is_below(path, dir))
        return false;
    const char *rest = path + strlen(dir) + (dir[1] != '\0');
    for (; *rest; rest++)
        if (*rest == '/')
            return false;
    return true;
}
