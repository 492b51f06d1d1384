# SPDX-License-Identifier: MIT
"""Read-ahead (docs/dsm-protocol.md section 4a; dsm_set_read_ahead, kernel word dsm.ahead=N,
default 8): a thread on node 1 scans 64 pages node 0 wrote, twice, with node 0 rewriting
every fourth page in between. The sums must be the native run's (a copy sent ahead and then
rewritten by its owner must be invalidated like any other), and the dsm-stats lines show the
pages that came ahead, and the ones the owner wrote again (never sent ahead again)."""
import re

import pytest

from dsmkpy.testing import build_musl, dsmk_run

PAGES = 64

SOURCE = r"""
#include <pthread.h>
#include <stdio.h>
#include <sys/mman.h>

#define PAGES %d
#define LONGS (4096 / sizeof(long))

static long *table;
static pthread_barrier_t turn;

static long scan(void)
{
    long sum = 0;
    for (int p = 0; p < PAGES; p++)
        for (unsigned i = 0; i < LONGS; i += 64)
            sum += table[p * LONGS + i] * (p + 1);
    return sum;
}

static void *reader(void *arg)
{
    long *sums = arg;
    pthread_barrier_wait(&turn); /* the table is written */
    sums[0] = scan();
    pthread_barrier_wait(&turn);
    pthread_barrier_wait(&turn); /* every fourth page rewritten */
    sums[1] = scan();
    return 0;
}

int main(void)
{
    static long sums[2];
    table = mmap(0, PAGES * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (table == MAP_FAILED)
        return 1;
    pthread_barrier_init(&turn, 0, 2);
    pthread_t t;
    pthread_create(&t, 0, reader, sums);
    for (unsigned i = 0; i < PAGES * LONGS; i++)
        table[i] = (long)(i %% 1000);
    pthread_barrier_wait(&turn);
    pthread_barrier_wait(&turn);
    for (int p = 0; p < PAGES; p += 4)
        for (unsigned i = 0; i < LONGS; i++)
            table[p * LONGS + i] += 7;
    pthread_barrier_wait(&turn);
    pthread_join(t, 0);
    printf("sums %%ld %%ld\n", sums[0], sums[1]);
    return 0;
}
""" % PAGES

STATS = re.compile(r"dsm-stats node=(\d+) (.*)")


def expected_output():
    """The program's sums, computed here as the native run would print them."""
    longs = 4096 // 8
    table = [i % 1000 for i in range(PAGES * longs)]
    def scan():
        return sum(table[p * longs + i] * (p + 1) for p in range(PAGES) for i in range(0, longs, 64))
    first = scan()
    for p in range(0, PAGES, 4):
        for i in range(longs):
            table[p * longs + i] += 7
    return b"sums %d %d\n" % (first, scan())


def run(tmp_path, name, words):
    exe = build_musl(tmp_path, "readahead", SOURCE)
    options = ["--keep", "-k", "dsm.affinity=off"]  # the reader must stay on node 1
    for w in words:
        options += ["-k", w]
    p = dsmk_run(tmp_path, name, 2, exe, [], options)
    assert (p.returncode, p.stdout) == (0, expected_output()), p.stderr.decode(errors="replace")[-3000:]
    stats = {}
    for log in (tmp_path / "run").glob("%s-*/node*.log" % name):
        for m in STATS.finditer(log.read_text(errors="replace")):
            stats[int(m.group(1))] = {k: int(v) for k, v in (kv.split("=", 1) for kv in m.group(2).split())}
    assert set(stats) == {0, 1}, stats
    return stats


@pytest.mark.parametrize("manager", ["dynamic", "fixed", "central"])
def test_a_scan_gets_the_following_pages_ahead(tmp_path, manager):
    """Under fixed, home stripes make node 0 the manager of the table it mapped and wrote;
    under central it manages every page."""
    stats = run(tmp_path, "ahead-" + manager, ["dsm.manager=" + manager])
    assert stats[1]["ahead"] >= PAGES // 2, stats
    assert stats[0]["ahead_sent"] == stats[1]["ahead"], stats
    # Node 0 rewrote pages it had sent ahead (the sums show the reader's copies went).
    assert stats[0]["ahead_undone"] > 0, stats


def test_no_pages_ahead_when_off(tmp_path):
    stats = run(tmp_path, "ahead-off", ["dsm.ahead=0"])
    assert all(s["ahead"] == 0 and s["ahead_sent"] == 0 for s in stats.values()), stats
    assert stats[1]["rfaults"] >= PAGES + PAGES // 4, stats


COMPUTED_SOURCE = r"""
#include <pthread.h>
#include <stdio.h>
#include <sys/mman.h>

#define PAGES %d
#define LONGS (4096 / sizeof(long))

static long *table;

static void *worker(void *arg)
{
    (void)arg;
    for (unsigned i = 0; i < PAGES * LONGS; i++)
        table[i] += (long)(i %% 7); /* read, then written: migratory data */
    return 0;
}

int main(void)
{
    table = mmap(0, PAGES * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (table == MAP_FAILED)
        return 1;
    for (unsigned i = 0; i < PAGES * LONGS; i++)
        table[i] = (long)(i %% 1000);
    pthread_t t;
    pthread_create(&t, 0, worker, 0);
    pthread_join(t, 0);
    long sum = 0;
    for (unsigned i = 0; i < PAGES * LONGS; i += 64)
        sum += table[i];
    printf("sum %%ld\n", sum);
    return 0;
}
""" % PAGES


def test_a_scan_of_pages_another_node_computed_in_place_comes_ahead(tmp_path):
    """Under dynamic, node 1's worker reads then writes every page, so each is migratory
    there; main then sums them on node 0. The first read takes its page over (migratory);
    from the second on the reads are a scan and the pages come ahead. Before, a scan of
    migratory pages moved them one fault at a time (node 1: PAGES migrations, none ahead)."""
    exe = build_musl(tmp_path, "computed", COMPUTED_SOURCE)
    p = dsmk_run(tmp_path, "computed", 2, exe, [], ["--keep", "-k", "dsm.affinity=off", "-k", "dsm.manager=dynamic"])
    longs = 4096 // 8
    expected = sum(i % 1000 + i % 7 for i in range(0, PAGES * longs, 64))
    assert (p.returncode, p.stdout) == (0, b"sum %d\n" % expected), p.stderr.decode(errors="replace")[-3000:]
    stats = {}
    for log in (tmp_path / "run").glob("computed-*/node*.log"):
        for m in STATS.finditer(log.read_text(errors="replace")):
            stats[int(m.group(1))] = {k: int(v) for k, v in (kv.split("=", 1) for kv in m.group(2).split())}
    assert set(stats) == {0, 1}, stats
    assert stats[0]["ahead"] >= PAGES // 2, stats[0]
    # Node 1 handed over only the pages read before the scan showed (not its fault count:
    # a read may run ahead of its page's copy on the wire, and waits for that copy).
    assert stats[1]["migrations"] <= PAGES // 4, stats[1]
