// SPDX-License-Identifier: MIT
// pipeline: S stage threads joined by pipes. The main thread writes B bytes of a seeded
// stream into the first pipe in uneven pieces; stage i reads the pipe before it in uneven
// pieces, transforms each byte and writes the next pipe; a collector hashes what comes out
// of the last one. Pipes hold 64 KiB, so writers wait for readers and readers for writers
// all along; each writer's close is the next reader's end of file. Before that: stdout sent
// through a pipe with dup2 and back, and the descriptor calls around pipes (fcntl flags,
// O_NONBLOCK, FD_CLOEXEC, EPIPE). Under the DSM the stages run on different nodes.
// Usage: pipeline [S=4] [B=200000]
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PL_STAGES_MAX 16
#define PL_BYTES_MAX (64 << 20)
#define PL_PIECE_MAX 9001  /* uneven pieces, some larger than PIPE_BUF and than a page */
#define PL_FNV_OFFSET 1469598103934665603ull
#define PL_FNV_PRIME 1099511628211ull

static int pipes[PL_STAGES_MAX + 1][2];
static int stages;
static long total_bytes;
static uint64_t out_hash = PL_FNV_OFFSET;
static long out_bytes;

static uint8_t pl_source(long i) { return (uint8_t)((i * 2654435761u) >> 13); }
static uint8_t pl_transform(uint8_t x, int stage) { return (uint8_t)(x * 5 + stage + 1); }
static size_t pl_piece(uint64_t *seed)
{
    *seed = *seed * 6364136223846793005ull + 1442695040888963407ull;
    return (size_t)(*seed >> 33) % PL_PIECE_MAX + 1;
}

/* Writes all n bytes (a write to a pipe may take fewer only when a signal cuts it). */
static int pl_write_all(int fd, const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static void *pl_stage(void *arg)
{
    int stage = (int)(long)arg;
    uint8_t *buf = malloc(PL_PIECE_MAX);
    uint64_t seed = (uint64_t)stage + 100;
    ssize_t n;
    while ((n = read(pipes[stage][0], buf, pl_piece(&seed))) > 0) {
        for (ssize_t i = 0; i < n; i++)
            buf[i] = pl_transform(buf[i], stage);
        if (pl_write_all(pipes[stage + 1][1], buf, (size_t)n)) {
            perror("pipeline: stage write");
            exit(1);
        }
    }
    if (n < 0) {
        perror("pipeline: stage read");
        exit(1);
    }
    close(pipes[stage][0]);
    close(pipes[stage + 1][1]); /* the next stage's end of file */
    free(buf);
    return NULL;
}

static void *pl_collect(void *arg)
{
    (void)arg;
    uint8_t *buf = malloc(PL_PIECE_MAX);
    uint64_t seed = 7;
    ssize_t n;
    while ((n = read(pipes[stages][0], buf, pl_piece(&seed))) > 0) {
        for (ssize_t i = 0; i < n; i++)
            out_hash = (out_hash ^ buf[i]) * PL_FNV_PRIME;
        out_bytes += n;
    }
    close(pipes[stages][0]);
    free(buf);
    return NULL;
}

/* stdout into a pipe and back: what printf wrote comes out of the pipe's read end. */
static int pl_redirect_stdout(void)
{
    int p[2], saved = dup(1);
    if (saved < 0 || pipe(p))
        return -1;
    fflush(stdout);
    if (dup2(p[1], 1) != 1)
        return -1;
    printf("hello through a pipe");
    fflush(stdout);
    if (dup2(saved, 1) != 1)
        return -1;
    close(saved);
    close(p[1]);
    char text[64] = { 0 };
    ssize_t n = read(p[0], text, sizeof text - 1);
    ssize_t end = read(p[0], text + (n > 0 ? n : 0), 1); /* every write end is closed: 0 */
    close(p[0]);
    printf("pipeline: stdout via pipe: \"%s\" (%zd bytes), then %zd\n", text, n, end);
    return 0;
}

/* Flags, O_NONBLOCK, FD_CLOEXEC, dup and EPIPE on one pipe. */
static int pl_descriptor_calls(void)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC))
        return -1;
    int cloexec = fcntl(p[0], F_GETFD), rmode = fcntl(p[0], F_GETFL) & O_ACCMODE;
    int wmode = fcntl(p[1], F_GETFL) & O_ACCMODE;
    fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) | O_NONBLOCK);
    char c;
    errno = 0;
    ssize_t empty = read(p[0], &c, 1);
    const char *empty_errno = errno == EAGAIN ? "EAGAIN" : "other";
    int d = fcntl(p[1], F_DUPFD_CLOEXEC, 20);
    int dup_ok = d >= 20 && fcntl(d, F_GETFD) == FD_CLOEXEC && (fcntl(d, F_GETFL) & O_NONBLOCK) == 0;
    ssize_t via_dup = write(d, "x", 1);
    ssize_t got = read(p[0], &c, 1);
    int big_enough = fcntl(p[0], F_GETPIPE_SZ) >= 4096;
    signal(SIGPIPE, SIG_IGN);
    close(p[0]);
    errno = 0;
    ssize_t broken = write(p[1], "y", 1);
    const char *broken_errno = errno == EPIPE ? "EPIPE" : "other";
    close(p[1]);
    close(d);
    errno = 0;
    int closed = fcntl(d, F_GETFD) == -1 && errno == EBADF;
    printf("pipeline: cloexec=%d read-end=%d write-end=%d empty-nonblocking=%zd %s dup=%d via-dup=%zd got=%zd '%c' "
           "size-ok=%d no-reader=%zd %s closed-ebadf=%d\n",
           cloexec, rmode, wmode, empty, empty_errno, dup_ok, via_dup, got, c, big_enough, broken, broken_errno,
           closed);
    return 0;
}

int main(int argc, char **argv)
{
    stages = argc > 1 ? atoi(argv[1]) : 4;
    total_bytes = argc > 2 ? atol(argv[2]) : 200000;
    if (stages < 1 || stages > PL_STAGES_MAX || total_bytes < 0 || total_bytes > PL_BYTES_MAX) {
        fprintf(stderr, "usage: pipeline [1..%d] [0..%d]\n", PL_STAGES_MAX, PL_BYTES_MAX);
        return 2;
    }
    if (pl_redirect_stdout() || pl_descriptor_calls()) {
        perror("pipeline: descriptor calls");
        return 1;
    }
    for (int i = 0; i <= stages; i++)
        if (pipe(pipes[i])) {
            perror("pipeline: pipe");
            return 1;
        }
    pthread_t tids[PL_STAGES_MAX + 1];
    for (int i = 0; i < stages; i++)
        pthread_create(&tids[i], NULL, pl_stage, (void *)(long)i);
    pthread_create(&tids[stages], NULL, pl_collect, NULL);

    uint8_t *buf = malloc(PL_PIECE_MAX);
    uint64_t seed = 1, want_hash = PL_FNV_OFFSET;
    for (long done = 0; done < total_bytes;) {
        size_t n = pl_piece(&seed);
        if ((long)n > total_bytes - done)
            n = (size_t)(total_bytes - done);
        for (size_t i = 0; i < n; i++) {
            uint8_t x = pl_source(done + (long)i);
            buf[i] = x;
            for (int s = 0; s < stages; s++)
                x = pl_transform(x, s);
            want_hash = (want_hash ^ x) * PL_FNV_PRIME;
        }
        if (pl_write_all(pipes[0][1], buf, n)) {
            perror("pipeline: write");
            return 1;
        }
        done += (long)n;
    }
    close(pipes[0][1]);
    free(buf);
    for (int i = 0; i <= stages; i++)
        pthread_join(tids[i], NULL);
    int ok = out_bytes == total_bytes && out_hash == want_hash;
    printf("pipeline: stages=%d bytes=%ld out=%ld hash=%016llx %s\n", stages, total_bytes, out_bytes,
           (unsigned long long)out_hash, ok ? "ok" : "MISMATCH");
    return ok ? 0 : 1;
}
