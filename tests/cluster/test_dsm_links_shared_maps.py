# SPDX-License-Identifier: MIT
"""Hard links (link, linkat: kernel/file_store.c's further names), POSIX named semaphores and
shared memory (musl's sem_open and shm_open, under /dev/shm) and MAP_SHARED file mappings
kept coherent with the file's reads and writes (kernel/shared_maps.c, kernel/files_maps.c),
from threads that clone() spreads over the nodes. Every answer must equal the native run's.
Before this, link() was ENOSYS, /dev/shm did not exist (sem_open and shm_open failed with
ENOENT), a writable shared mapping of a file was refused with ENODEV, and a read-only one
was a copy that the file's later writes did not reach."""
from dsmkpy.testing import build_musl, check_matches_native, check_source_matches_native, dsmk_run

LINKS = r"""
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void step(const char *name, int rc) { printf(" %s %s", name, rc < 0 ? strerror(errno) : "ok"); }
static int nlink(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (int)st.st_nlink : -errno;
}
static int same(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_ino == sb.st_ino;
}
static void show(const char *path)
{
    char buf[64] = "";
    int fd = open(path, O_RDONLY);
    ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
    if (fd >= 0)
        close(fd);
    printf(" %s=%s", path, n < 0 ? strerror(errno) : buf);
}

/* Many names (more than the store's 64 files of before): each file with a second name, the
 * directory renamed, every file found by both names under the new path, then the first
 * names removed (the second ones take over), then all. */
#define MANY 120
static void many(void)
{
    char a[64], b[64];
    int made = 0, linked = 0, found = 0, kept = 0, gone = 0;
    mkdir("m", 0755);
    for (int i = 0; i < MANY; i++) {
        snprintf(a, sizeof a, "m/f%d", i);
        snprintf(b, sizeof b, "m/g%d", i);
        int fd = open(a, O_CREAT | O_WRONLY, 0644);
        made += fd >= 0 && write(fd, a, strlen(a)) > 0;
        close(fd);
        linked += link(a, b) == 0;
    }
    rename("m", "n");
    for (int i = 0; i < MANY; i++) {
        snprintf(a, sizeof a, "n/f%d", i);
        snprintf(b, sizeof b, "n/g%d", i);
        found += same(a, b) && nlink(a) == 2;
        unlink(a);
        char buf[16] = "";
        int fd = open(b, O_RDONLY);
        kept += fd >= 0 && read(fd, buf, sizeof buf) > 0 && buf[0] == 'm' && nlink(b) == 1;
        close(fd);
        gone += unlink(b) == 0;
    }
    printf("many: made %d linked %d found %d kept %d gone %d", made, linked, found, kept, gone);
    step("rmdir", rmdir("n"));
    printf("\n");
}

static void *checks(void *arg)
{
    (void)arg;
    int fd = open("a", O_CREAT | O_WRONLY | O_EXCL, 0644);
    write(fd, "one", 3);
    close(fd);
    printf("link:");
    step("a-b", link("a", "b"));
    printf(" nlink %d %d same %d", nlink("a"), nlink("b"), same("a", "b"));
    step("again", link("a", "b"));
    step("missing", link("nosuch", "c"));
    step("mkdir", mkdir("d", 0755));
    step("dir", link("d", "e"));
    step("into-missing", link("a", "nodir/x"));
    fd = open("b", O_WRONLY | O_APPEND);
    write(fd, "+two", 4);
    close(fd);
    show("a");
    printf("\nunlink:");
    step("a", unlink("a"));
    printf(" nlink %d a %d", nlink("b"), nlink("a"));
    show("b");
    printf("\nrename:");
    step("b-c", rename("b", "c"));
    step("c-d/x", linkat(AT_FDCWD, "c", AT_FDCWD, "d/x", AT_SYMLINK_FOLLOW));
    step("c-f", link("c", "f"));
    printf(" nlink %d", nlink("c"));
    step("c-f same file", rename("c", "f"));
    printf(" nlink %d c %d f %d", nlink("c"), nlink("c") > 0, nlink("f") > 0);
    fd = open("g", O_CREAT | O_WRONLY, 0644);
    write(fd, "gee", 3);
    close(fd);
    step("g-f", rename("g", "f"));
    printf(" nlink c %d f %d same %d", nlink("c"), nlink("f"), same("c", "f"));
    show("f");
    step("rmdir", rmdir("d"));
    step("d-d2", rename("d", "d2"));
    printf(" same %d", same("c", "d2/x"));
    show("d2/x");
    printf("\nheld:");
    fd = open("c", O_RDONLY);
    step("c", unlink("c"));
    step("d2/x", unlink("d2/x"));
    struct stat st;
    fstat(fd, &st);
    char buf[16] = "";
    pread(fd, buf, sizeof buf - 1, 0);
    printf(" nlink %d bytes %s", (int)st.st_nlink, buf);
    close(fd);
    step("rmdir", rmdir("d2"));
    step("bad flags", linkat(AT_FDCWD, "f", AT_FDCWD, "h", 0x8000));
    unlink("f");
    printf("\n");
    many();
    return NULL;
}
""" + r"""
int main(void)
{
    pthread_t t;
    pthread_create(&t, 0, checks, 0);
    pthread_join(t, 0);
    return 0;
}
"""

# Named semaphores and shared memory: workers on every node post a semaphore that the main
# thread waits on, and fill a shm_open'd, mmap'd object; what msync and munmap wrote back
# is read with pread, as are the limits (bytes past the object's end stay out of it).
SHARED = r"""
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define WORKERS 4
#define POSTS 50
#define PAGES 3
#define OBJECT_SIZE (PAGES * 4096 - 100)

static sem_t *ready;
static unsigned char *map;

static unsigned long long fnv(const unsigned char *p, size_t n)
{
    unsigned long long h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

static unsigned long long file_hash(int fd, size_t n)
{
    unsigned char *buf = calloc(1, n);
    ssize_t got = pread(fd, buf, n, 0);
    unsigned long long h = got == (ssize_t)n ? fnv(buf, n) : 0;
    free(buf);
    return h;
}

static void *worker(void *arg)
{
    int index = (int)(long)arg;
    for (size_t i = index; i < PAGES * 4096; i += WORKERS)
        map[i] = (unsigned char)(i * 7 + index);
    for (int i = 0; i < POSTS; i++)
        sem_post(ready);
    return NULL;
}

static void *pwriter(void *arg)
{
    int fd = *(int *)arg;
    pwrite(fd, "from a thread", 13, 8000);
    return NULL;
}

/* A file's writes reach its mappings, read-only ones too, and its reads see the mappings'
 * stores, with no msync, from threads on any node (the Linux page cache's promise). */
static void coherence(const char *name)
{
    int fd = shm_open(name, O_RDWR, 0);
    unsigned char *rw = mmap(0, 2 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 4096);
    const unsigned char *ro = mmap(0, 3 * 4096, PROT_READ, MAP_SHARED, fd, 0);
    if (fd < 0 || rw == MAP_FAILED || ro == MAP_FAILED) {
        printf("coherence: setup %s\n", strerror(errno));
        return;
    }
    pwrite(fd, "pwritten", 8, 4096 + 10);
    printf("coherence: rw sees pwrite %d, ro sees it %d", memcmp(rw + 10, "pwritten", 8) == 0,
           memcmp(ro + 4096 + 10, "pwritten", 8) == 0);
    memcpy(rw + 4096 + 20, "stored", 6); /* file offset 8212 */
    char back[8] = "";
    pread(fd, back, 6, 8212);
    printf(", pread sees store %d, ro sees it %d", memcmp(back, "stored", 6) == 0, memcmp(ro + 8212, "stored", 6) == 0);
    pthread_t t;
    pthread_create(&t, NULL, pwriter, &fd);
    pthread_join(t, NULL);
    printf(", thread's pwrite in rw %d ro %d", memcmp(rw + 4096 + 8000 - 8192, "from a thread", 13) == 0,
           memcmp(ro + 8000, "from a thread", 13) == 0);
    lseek(fd, 4096 + 100, SEEK_SET);
    write(fd, "written", 7);
    int in_rw = memcmp(rw + 100, "written", 7) == 0;
    munmap(rw, 2 * 4096); /* writes back: the write above must survive it */
    char after[8] = "";
    pread(fd, after, 7, 4096 + 100);
    printf(", write in rw %d, kept after munmap %d, ro %d\n", in_rw, memcmp(after, "written", 7) == 0,
           memcmp(ro + 4096 + 100, "written", 7) == 0);
    munmap((void *)ro, 3 * 4096);
    close(fd);
}

int main(void)
{
    char sem_name[64], shm_name[64];
    snprintf(sem_name, sizeof sem_name, "/dsmk-test-sem-%d", (int)getpid());
    snprintf(shm_name, sizeof shm_name, "/dsmk-test-shm-%d", (int)getpid());

    ready = sem_open(sem_name, O_CREAT | O_EXCL, 0600, 0);
    printf("sem_open %s\n", ready == SEM_FAILED ? strerror(errno) : "ok");
    if (ready == SEM_FAILED)
        return 1;
    sem_t *again = sem_open(sem_name, 0);
    sem_t *excl = sem_open(sem_name, O_CREAT | O_EXCL, 0600, 0);
    printf("again same %d, exclusive %s\n", again == ready, excl == SEM_FAILED ? strerror(errno) : "ok");

    int fd = shm_open(shm_name, O_CREAT | O_EXCL | O_RDWR, 0600);
    printf("shm_open %s, ftruncate %d\n", fd < 0 ? strerror(errno) : "ok", ftruncate(fd, OBJECT_SIZE));
    map = mmap(0, PAGES * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    printf("mmap %s\n", map == MAP_FAILED ? strerror(errno) : "ok");
    if (map == MAP_FAILED)
        return 1;
    pthread_t t[WORKERS];
    for (long i = 0; i < WORKERS; i++)
        pthread_create(&t[i], NULL, worker, (void *)i);
    for (int i = 0; i < WORKERS * POSTS; i++)
        sem_wait(ready);
    int value = -1;
    sem_getvalue(ready, &value);
    for (int i = 0; i < WORKERS; i++)
        pthread_join(t[i], NULL);
    printf("posts seen, value %d, memory %016llx\n", value, fnv(map, OBJECT_SIZE));

    /* one call per statement: a printf's arguments run in no fixed order */
    int rc = msync(map, PAGES * 4096, MS_SYNC);
    printf("msync %d, file %016llx", rc, file_hash(fd, OBJECT_SIZE));
    struct stat st;
    fstat(fd, &st);
    printf(" size %lld\n", (long long)st.st_size);

    memset(map + 4096, 0x5a, 4096); /* the middle page, then it goes */
    printf("munmap middle %d", munmap(map + 4096, 4096));
    map[0] = 0xee;
    rc = msync(map, 4096, MS_ASYNC);
    printf(", msync %d, file %016llx", rc, file_hash(fd, OBJECT_SIZE));
    map[2 * 4096 + 5] = 0xdd; /* seen by the next read of the file */
    printf(", stored %016llx", file_hash(fd, OBJECT_SIZE));
    rc = munmap(map, 4096);
    int rc2 = munmap(map + 2 * 4096, 4096);
    printf(", munmap %d %d, file %016llx\n", rc, rc2, file_hash(fd, OBJECT_SIZE));
    fstat(fd, &st);
    printf("size after %lld\n", (long long)st.st_size);
    close(fd);
    coherence(shm_name);

    int ro = shm_open(shm_name, O_RDONLY, 0);
    void *denied = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0);
    printf("read-only descriptor: %s\n", denied == MAP_FAILED ? strerror(errno) : "mapped");
    close(ro);

    rc = shm_unlink(shm_name);
    rc2 = sem_unlink(sem_name);
    printf("unlink %d %d", rc, rc2);
    rc = shm_open(shm_name, O_RDWR, 0);
    printf(", reopen %s\n", rc < 0 ? strerror(errno) : "ok");
    sem_close(ready);
    return 0;
}
"""

# Stores in a shared mapping never written back by the program reach the file at its exit.
AT_EXIT = r"""
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static char *map;

static void *writer(void *arg)
{
    (void)arg;
    memcpy(map + 4096, "written by a thread, never synced\n", 34);
    return NULL;
}

int main(void)
{
    int fd = open("/out.txt", O_CREAT | O_RDWR | O_TRUNC, 0644);
    ftruncate(fd, 4096 + 34);
    map = mmap(0, 2 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED)
        return 1;
    memcpy(map, "first page\n", 11);
    pthread_t t;
    pthread_create(&t, NULL, writer, NULL);
    pthread_join(t, NULL);
    return 0;
}
"""


def test_hard_links_match_native(tmp_path):
    out = check_source_matches_native(tmp_path, "links", LINKS)
    assert "link: a-b ok nlink 2 2 same 1 again File exists" in out, out
    assert "many: made 120 linked 120 found 120 kept 120 gone 120 rmdir ok" in out, out


def test_named_semaphores_and_shared_memory_match_native(tmp_path):
    exe = build_musl(tmp_path, "shared", SHARED)
    out = check_matches_native(tmp_path, "shared", exe, nodes=(1, 2, 4)).decode()
    assert "posts seen, value 0" in out and "read-only descriptor: Permission denied" in out, out
    assert "coherence: rw sees pwrite 1, ro sees it 1, pread sees store 1, ro sees it 1, thread's pwrite in rw 1 ro 1, " \
        "write in rw 1, kept after munmap 1, ro 1" in out, out


def test_shared_mapping_reaches_the_file_at_exit(tmp_path):
    exe = build_musl(tmp_path, "at-exit", AT_EXIT)
    for nodes in (1, 2):
        got = tmp_path / ("out-%d.txt" % nodes)
        p = dsmk_run(tmp_path, "at-exit", nodes, exe, options=["--out", "/out.txt:%s" % got])
        assert p.returncode == 0, p.stderr.decode(errors="replace")[-3000:]
        data = got.read_bytes()
        assert data[:11] == b"first page\n" and data[11:4096] == bytes(4096 - 11), data[:64]
        assert data[4096:] == b"written by a thread, never synced\n", data[4096:]
