/* SPDX-License-Identifier: MIT */
/* Path resolution for the program's files (kernel/files.c): a path, absolute or relative to
 * a base directory, becomes one canonical absolute path ("/" or "/a/b": no empty, "." or
 * ".." component, no trailing slash). A symbolic link on the way is replaced by its target
 * (read from the caller), relative to the link's directory, so ".." after it leaves the
 * target's directory, as on Linux; the last component's link is followed only when asked
 * (or when a trailing slash names it). Every component a path goes through (below or above
 * it) must be a directory, as the kernel's walk requires: "file/..", "file/x" and
 * "missing/x" fail as on Linux. Portable (no hardware includes; also built into host
 * tests): the caller says what a path is. */
#ifndef KERNEL_PATH_H
#define KERNEL_PATH_H

#include <stdbool.h>
#include <stddef.h>

enum path_kind {
    PATH_MISSING,
    PATH_FILE,
    PATH_DIR,
    PATH_LINK, /* a symbolic link */
};

/* Links a resolution follows at most before it fails with ELOOP (Linux's MAXSYMLINKS). */
#define PATH_MAX_LINKS 40

/* What the canonical absolute path names. */
typedef enum path_kind (*path_kind_fn)(const char *path, void *ctx);
/* The target of the symbolic link at canonical path into target[0..size) with a NUL: its
 * length, or -ENAMETOOLONG. */
typedef int (*path_link_fn)(const char *path, char *target, size_t size, void *ctx);

struct path_result {
    bool dir_only; /* the path ended with "/" (or "/." or "/.."): its last component must be a
                    * directory (it was checked when it exists) */
};

/* Resolves path against base (a canonical absolute path, used when path is relative) into
 * out[0..out_size): 0, -ENOENT (an empty path, or a directory on the way is missing),
 * -ENOTDIR (a file on the way, or a file named with a trailing slash) or -ENAMETOOLONG.
 * The last component need not exist. */
int path_resolve(const char *base, const char *path, char *out, size_t out_size, path_kind_fn kind, void *ctx,
                 struct path_result *result);
/* path_resolve through symbolic links (read with read_link), the last component's too if
 * follow_last; besides its errors, -ELOOP (more than PATH_MAX_LINKS links) and a link
 * target's -ENOENT (an empty one) or -ENAMETOOLONG. */
int path_resolve_links(const char *base, const char *path, char *out, size_t out_size, path_kind_fn kind,
                       path_link_fn read_link, bool follow_last, void *ctx, struct path_result *result);
/* What follows the last "/" of path (all of it without one; "" for "/"): its last component. */
const char *path_last(const char *path);
/* Whether canonical path lies strictly below canonical directory dir. */
bool path_is_below(const char *path, const char *dir);
/* Whether canonical path's parent directory is canonical dir. */
bool path_is_child(const char *path, const char *dir);

#endif
