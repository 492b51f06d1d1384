/* SPDX-License-Identifier: MIT */
/* Path resolution (kernel/path.h). Invariant of the walk: out holds a canonical absolute
 * path with no symbolic link in it but perhaps the last component; every component of it
 * but the last was found to be a directory, and the last was too unless unchecked is set. */
#include "kernel/path.h"

#include "kernel/libc.h"
#include "kernel/linux_abi.h"

/* What the walk still has to go through, a link's target with what followed the link:
 * room for two whole paths (Linux's PATH_MAX each). */
#define PATH_WALK_MAX 8192
/* path_check_dir's answer for a symbolic link to follow: not an errno */
#define PATH_IS_LINK 1

/* The directory the walk stands in must exist as one before it goes on from it: 0, a
 * negative errno, or PATH_IS_LINK (a link, when links are followed: out is its path). */
static int path_check_dir(const char *out, bool *unchecked, path_kind_fn kind, bool links, void *ctx)
{
    if (!*unchecked)
        return 0;
    enum path_kind k = kind(out, ctx);
    if (k == PATH_MISSING)
        return -LINUX_ENOENT;
    if (k == PATH_LINK && links)
        return PATH_IS_LINK;
    if (k != PATH_DIR)
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

/* The link at out (length *len) gives way to its target: out becomes the directory the
 * target starts from, rest the target with after (what followed the link) behind it. 0
 * or -errno. */
static int path_follow(char *out, size_t *len, char *rest, const char *after, path_link_fn read_link, void *ctx)
{
    static char target[PATH_WALK_MAX]; /* the file table's calls run one at a time */
    int n = read_link(out, target, sizeof target, ctx);
    if (n < 0)
        return n;
    if (n == 0)
        return -LINUX_ENOENT; /* an empty target names nothing */
    size_t after_len = strlen(after), slash = after_len != 0;
    if ((size_t)n + slash + after_len >= sizeof target)
        return -LINUX_ENAMETOOLONG;
    if (slash)
        target[n] = '/';
    memcpy(target + n + slash, after, after_len + 1);
    memcpy(rest, target, (size_t)n + slash + after_len + 1);
    path_pop(out, len);
    if (rest[0] == '/') {
        out[0] = '/';
        out[1] = '\0';
        *len = 1;
    }
    return 0;
}

int path_resolve_links(const char *base, const char *path, char *out, size_t out_size, path_kind_fn kind,
                       path_link_fn read_link, bool follow_last, void *ctx, struct path_result *result)
{
    static char rest[PATH_WALK_MAX]; /* the file table's calls run one at a time */
    result->dir_only = false;
    if (!path[0])
        return -LINUX_ENOENT;
    if (out_size < 2)
        return -LINUX_ENAMETOOLONG;
    size_t path_len = strlen(path);
    if (path_len >= sizeof rest)
        return -LINUX_ENAMETOOLONG;
    memcpy(rest, path, path_len + 1);
    const char *start = path[0] == '/' ? "/" : base;
    size_t len = strlen(start);
    if (len >= out_size)
        return -LINUX_ENAMETOOLONG;
    memcpy(out, start, len + 1);
    bool unchecked = path[0] != '/'; /* a base directory may have gone since it was entered */
    unsigned followed = 0;
    const char *p = rest;
    for (;;) {
        while (*p) {
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
            int rc = path_check_dir(out, &unchecked, kind, read_link != NULL, ctx);
            if (rc == PATH_IS_LINK) { /* the component before name is a link: its target, then name on */
                if (++followed > PATH_MAX_LINKS)
                    return -LINUX_ELOOP;
                rc = path_follow(out, &len, rest, name, read_link, ctx);
                if (rc)
                    return rc;
                p = rest;
                unchecked = false; /* out is a directory the walk went through (or "/") */
                result->dir_only = false;
                continue;
            }
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
        /* The last component: a link is followed when asked, or when a slash ends the path
         * (the target must then be a directory). */
        if (!read_link || !unchecked || !(follow_last || result->dir_only) || kind(out, ctx) != PATH_LINK)
            break;
        if (++followed > PATH_MAX_LINKS)
            return -LINUX_ELOOP;
        int rc = path_follow(out, &len, rest, result->dir_only ? "/" : "", read_link, ctx);
        if (rc)
            return rc;
        p = rest;
        unchecked = false;
        result->dir_only = false;
    }
    if (result->dir_only && unchecked) {
        enum path_kind k = kind(out, ctx);
        if (k == PATH_FILE || k == PATH_LINK)
            return -LINUX_ENOTDIR;
    }
    return 0;
}

int path_resolve(const char *base, const char *path, char *out, size_t out_size, path_kind_fn kind, void *ctx,
                 struct path_result *result)
{
    return path_resolve_links(base, path, out, out_size, kind, NULL, false, ctx, result);
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
