/* SPDX-License-Identifier: MIT */
/* In-kernel tests of the descriptor table's pipes and the waiting of kernel/files.c: calls
 * that cannot go on answer FILES_WOULD_BLOCK, a queued waiter finishes at the change that
 * lets it, and the last close of an end is seen by the other side. Runs on the boot table
 * (stdin, stdout, stderr open) and closes what it opened. */
#include "kernel/files.h"
#include "kernel/ktest.h"
#include "kernel/libc.h"
#include "kernel/linux_abi.h"
#include "kernel/mm.h"
#include "kernel/pipe.h"

#define FILES_KTEST_FILL_WRITES (PIPE_CAPACITY / FILES_XFER_MAX)

static int64_t files_ktest_call(enum files_op op, int fd, uint64_t arg, uint64_t arg2, void *data)
{
    struct files_call c = { .op = op, .fd = fd, .arg = arg, .arg2 = arg2 };
    size_t n;
    return files_execute(&c, data, &n);
}

static int64_t files_ktest_io(enum files_op op, int fd, const uint8_t *in, uint32_t len, void *out)
{
    struct files_call c = { .op = op, .fd = fd, .len = len, .in = in };
    size_t n;
    return files_execute(&c, out, &n);
}

/* A waiter's done for these tests: records the result in ctx (an int64_t). */
static void files_ktest_done(struct files_waiter *w, int64_t result)
{
    *(int64_t *)w->ctx = result;
}

static struct files_waiter *files_ktest_wait(const struct files_call *c, int64_t *result)
{
    struct files_waiter *w = files_waiter_new(c);
    if (w) {
        w->done = files_ktest_done;
        w->ctx = result;
        *result = FILES_WOULD_BLOCK;
        files_wait(w);
    }
    return w;
}

KTEST(files_pipe_waiters_finish_when_the_pipe_changes)
{
    uint8_t *buf = kzalloc(FILES_XFER_MAX);
    int32_t fds[2];
    if (!KT_EXPECT(buf) || !KT_EXPECT_EQ(files_ktest_call(FILES_OP_PIPE, 0, 0, 0, fds), 0)) {
        kfree(buf);
        return;
    }
    int r = fds[0], w = fds[1];
    KT_EXPECT_EQ(files_ktest_io(FILES_OP_READ, r, NULL, 1, buf), FILES_WOULD_BLOCK);

    /* A reader waits; a write of 5 bytes gives it those 5. */
    struct files_call read_call = { .op = FILES_OP_READ, .fd = r, .len = 64 };
    int64_t read_result;
    struct files_waiter *reader = files_ktest_wait(&read_call, &read_result);
    KT_EXPECT_EQ(files_ktest_io(FILES_OP_WRITE, w, (const uint8_t *)"hello", 5, NULL), 5);
    KT_EXPECT_EQ(read_result, 5);
    KT_EXPECT(reader && reader->data_len == 5 && memcmp(reader->bytes, "hello", 5) == 0);
    KT_EXPECT(reader && !files_unwait(reader)); /* finished: off the queue */
    kfree(reader);

    /* Full: the next write waits, and a read of one block lets it in whole. */
    memset(buf, 'z', FILES_XFER_MAX);
    for (unsigned i = 0; i < FILES_KTEST_FILL_WRITES; i++)
        KT_EXPECT_EQ(files_ktest_io(FILES_OP_WRITE, w, buf, FILES_XFER_MAX, NULL), FILES_XFER_MAX);
    struct files_call write_call = { .op = FILES_OP_WRITE, .fd = w, .len = FILES_XFER_MAX, .in = buf };
    KT_EXPECT_EQ(files_execute(&write_call, NULL, &(size_t){ 0 }), FILES_WOULD_BLOCK);
    int64_t write_result;
    struct files_waiter *writer = files_ktest_wait(&write_call, &write_result);
    KT_EXPECT_EQ(files_ktest_io(FILES_OP_READ, r, NULL, 1, buf), 1);
    KT_EXPECT_EQ(write_result, FILES_WOULD_BLOCK); /* one byte of room is not enough */
    KT_EXPECT_EQ(files_ktest_io(FILES_OP_READ, r, NULL, FILES_XFER_MAX, buf), FILES_XFER_MAX);
    KT_EXPECT_EQ(write_result, FILES_XFER_MAX);
    kfree(writer);

    /* O_NONBLOCK through a dup'd description; the last write end's close is end of file. */
    int64_t d = files_ktest_call(FILES_OP_DUP, w, 0, 0, NULL);
    KT_EXPECT(d > w);
    KT_EXPECT_EQ(files_ktest_call(FILES_OP_FCNTL, (int)d, LINUX_F_SETFL, LINUX_O_NONBLOCK, NULL), 0);
    KT_EXPECT_EQ(files_ktest_call(FILES_OP_FCNTL, w, LINUX_F_GETFL, 0, NULL), LINUX_O_WRONLY | LINUX_O_NONBLOCK);
    KT_EXPECT_EQ(files_ktest_io(FILES_OP_WRITE, w, buf, FILES_XFER_MAX, NULL), -LINUX_EAGAIN);
    KT_EXPECT_EQ(files_ktest_call(FILES_OP_CLOSE, w, 0, 0, NULL), 0);
    int64_t pending = 0;
    while (files_ktest_io(FILES_OP_READ, r, NULL, FILES_XFER_MAX, buf) > 0)
        pending++;
    KT_EXPECT_EQ(files_ktest_io(FILES_OP_READ, r, NULL, 1, buf), FILES_WOULD_BLOCK); /* d still writes */
    read_call.len = 1;
    struct files_waiter *eof_reader = files_ktest_wait(&read_call, &read_result);
    KT_EXPECT_EQ(files_ktest_call(FILES_OP_CLOSE, (int)d, 0, 0, NULL), 0);
    KT_EXPECT_EQ(read_result, 0);
    kfree(eof_reader);
    KT_EXPECT(pending > 0);

    /* No reader left: EPIPE. */
    int32_t again[2];
    KT_EXPECT_EQ(files_ktest_call(FILES_OP_PIPE, 0, 0, 0, again), 0);
    KT_EXPECT_EQ(again[0], w); /* the lowest free descriptors again: the first pipe's write ends */
    KT_EXPECT_EQ(files_ktest_call(FILES_OP_CLOSE, again[0], 0, 0, NULL), 0);
    KT_EXPECT_EQ(files_ktest_io(FILES_OP_WRITE, again[1], (const uint8_t *)"x", 1, NULL), -LINUX_EPIPE);
    KT_EXPECT_EQ(files_ktest_call(FILES_OP_CLOSE, again[1], 0, 0, NULL), 0);
    KT_EXPECT_EQ(files_ktest_call(FILES_OP_CLOSE, r, 0, 0, NULL), 0);
    KT_EXPECT_EQ(files_ktest_call(FILES_OP_CHECK, r, 0, 0, NULL), -LINUX_EBADF);
    kfree(buf);
}

/* dup2 onto an open descriptor closes it first; onto itself it is a no-op; F_DUPFD takes
 * the lowest free at or above its argument. */
KTEST(files_dup_to_replaces_and_dupfd_takes_the_lowest)
{
    int32_t fds[2];
    if (!KT_EXPECT_EQ(files_ktest_call(FILES_OP_PIPE, 0, 0, 0, fds), 0))
        return;
    KT_EXPECT_EQ(files_ktest_call(FILES_OP_DUP_TO, fds[1], (uint64_t)fds[1], 0, NULL), fds[1]);
    KT_EXPECT_EQ(files_ktest_call(FILES_OP_DUP_TO, fds[1], (uint64_t)fds[0], 1, NULL), fds[0]);
    KT_EXPECT_EQ(files_ktest_call(FILES_OP_FCNTL, fds[0], LINUX_F_GETFD, 0, NULL), LINUX_FD_CLOEXEC);
    /* fds[0] is now a write end too: the pipe has no reader */
    KT_EXPECT_EQ(files_ktest_io(FILES_OP_WRITE, fds[1], (const uint8_t *)"x", 1, NULL), -LINUX_EPIPE);
    int64_t high = files_ktest_call(FILES_OP_DUP, fds[1], 40, 0, NULL);
    KT_EXPECT_EQ(high, 40);
    KT_EXPECT_EQ(files_ktest_call(FILES_OP_DUP, fds[1], FILES_MAX_FDS, 0, NULL), -LINUX_EINVAL);
    KT_EXPECT_EQ(files_ktest_call(FILES_OP_DUP_TO, fds[1], FILES_MAX_FDS, 0, NULL), -LINUX_EBADF);
    files_ktest_call(FILES_OP_CLOSE, (int)high, 0, 0, NULL);
    files_ktest_call(FILES_OP_CLOSE, fds[0], 0, 0, NULL);
    files_ktest_call(FILES_OP_CLOSE, fds[1], 0, 0, NULL);
}

static int64_t files_ktest_path(enum files_op op, const char *path, uint64_t arg)
{
    struct files_call c = { .op = op, .fd = LINUX_AT_FDCWD, .arg = arg, .path_len = (uint32_t)strlen(path) };
    memcpy(c.path, path, c.path_len + 1);
    size_t n;
    return files_execute(&c, NULL, &n);
}

/* The program's files share a bounded amount of memory: writes fail with ENOSPC before the
 * node runs short, a sparse write far out counts its page list too, and unlinking a file
 * (once closed) gives its memory back. */
KTEST(files_program_files_hit_enospc_and_give_memory_back)
{
    uint8_t *page = kzalloc(FILES_XFER_MAX);
    int64_t fd = files_ktest_path(FILES_OP_OPEN, "/ktest-fill", LINUX_O_CREAT | LINUX_O_RDWR);
    if (!KT_EXPECT(page && fd >= 0)) {
        kfree(page);
        return;
    }
    struct files_call c = { .op = FILES_OP_PWRITE, .fd = (int32_t)fd, .len = FILES_XFER_MAX, .in = page };
    int64_t r = 0;
    uint64_t pages = 0;
    for (; pages < (64ull << 20) / FILES_XFER_MAX; pages++) {
        c.arg = pages * FILES_XFER_MAX;
        size_t n;
        r = files_execute(&c, NULL, &n);
        if (r != FILES_XFER_MAX)
            break;
    }
    KT_EXPECT_EQ(r, -LINUX_ENOSPC);
    KT_EXPECT(pages > 1000 && pages < (64ull << 20) / FILES_XFER_MAX);
    KT_EXPECT_EQ(files_ktest_path(FILES_OP_UNLINK, "/ktest-fill", 0), 0);
    c.arg = 0; /* still open: its pages stay until the close */
    KT_EXPECT_EQ(files_execute(&c, NULL, &(size_t){ 0 }), FILES_XFER_MAX);
    KT_EXPECT_EQ(files_ktest_call(FILES_OP_CLOSE, (int)fd, 0, 0, NULL), 0);

    fd = files_ktest_path(FILES_OP_OPEN, "ktest-sparse", LINUX_O_CREAT | LINUX_O_EXCL | LINUX_O_WRONLY);
    KT_EXPECT(fd >= 0);
    c.fd = (int32_t)fd;
    c.arg = 900ull << 20; /* one page of data, a page list of about 450 pages */
    KT_EXPECT_EQ(files_execute(&c, NULL, &(size_t){ 0 }), FILES_XFER_MAX);
    c.arg = 2ull << 30; /* past RAMFILE_MAX_BYTES */
    KT_EXPECT_EQ(files_execute(&c, NULL, &(size_t){ 0 }), -LINUX_EFBIG);
    KT_EXPECT_EQ(files_ktest_path(FILES_OP_ACCESS, "/ktest-sparse", LINUX_W_OK), 0);
    KT_EXPECT_EQ(files_ktest_path(FILES_OP_OPEN, "/ktest-sparse", LINUX_O_CREAT | LINUX_O_EXCL), -LINUX_EEXIST);
    KT_EXPECT_EQ(files_ktest_call(FILES_OP_CLOSE, (int)fd, 0, 0, NULL), 0);
    KT_EXPECT_EQ(files_ktest_path(FILES_OP_UNLINK, "ktest-sparse", 0), 0);
    KT_EXPECT_EQ(files_ktest_path(FILES_OP_UNLINK, "ktest-sparse", 0), -LINUX_ENOENT);
    kfree(page);
}

/* A read waiting on a pipe holds its description: closing its descriptor, and a new pipe
 * taking that number, change nothing for it; the write to the first pipe still reaches it.
 * Without the hold it read the new pipe's descriptor (or failed with EBADF). */
KTEST(files_waiting_read_keeps_its_description_across_close)
{
    int32_t first[2], second[2];
    if (!KT_EXPECT_EQ(files_ktest_call(FILES_OP_PIPE, 0, 0, 0, first), 0))
        return;
    struct files_call read_call = { .op = FILES_OP_READ, .fd = first[0], .len = 8 };
    int64_t result;
    struct files_waiter *reader = files_ktest_wait(&read_call, &result);
    KT_EXPECT_EQ(files_ktest_call(FILES_OP_CLOSE, first[0], 0, 0, NULL), 0);
    KT_EXPECT_EQ(files_ktest_call(FILES_OP_PIPE, 0, 0, 0, second), 0);
    KT_EXPECT_EQ(second[0], first[0]); /* the number is reused */
    KT_EXPECT_EQ(files_ktest_io(FILES_OP_WRITE, second[1], (const uint8_t *)"wrong", 5, NULL), 5);
    KT_EXPECT_EQ(result, FILES_WOULD_BLOCK);
    /* the first pipe still has its reader: no EPIPE */
    KT_EXPECT_EQ(files_ktest_io(FILES_OP_WRITE, first[1], (const uint8_t *)"right", 5, NULL), 5);
    KT_EXPECT_EQ(result, 5);
    KT_EXPECT(reader && memcmp(reader->bytes, "right", 5) == 0);
    kfree(reader);
    /* the hold went with the read: now the first pipe has no reader */
    KT_EXPECT_EQ(files_ktest_io(FILES_OP_WRITE, first[1], (const uint8_t *)"x", 1, NULL), -LINUX_EPIPE);
    files_ktest_call(FILES_OP_CLOSE, first[1], 0, 0, NULL);
    files_ktest_call(FILES_OP_CLOSE, second[0], 0, 0, NULL);
    files_ktest_call(FILES_OP_CLOSE, second[1], 0, 0, NULL);
}
