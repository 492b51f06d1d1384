# SPDX-License-Identifier: MIT
"""Home stripes (docs/dsm-protocol.md section 2a; dsm_set_home_stripes, kernel/dsm_control.c):
node 0 places the memory a thread maps in its node's 1 GiB stripes of the mmap area, whose
pages the core homes on that node, so the thread's first touches of it need no message.
dsm.home=hash homes every page by the hash, as before. Each thread reports its node and its
mapping's address on stderr; stdout is the native run's."""
import re

import pytest

from dsmkpy.testing import build_musl, dsmk_run

SOURCE = r"""
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#define PAGES 64
#define THREADS_MAX 8

/* Maps PAGES pages, writes each (its first touch) and checks them: the sum of the words. */
static long map_and_touch(const char *who)
{
    unsigned char *p = mmap(0, PAGES * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return -1;
    for (int i = 0; i < PAGES; i++)
        p[i * 4096] = (unsigned char)i;
    long sum = 0;
    for (int i = 0; i < PAGES; i++)
        sum += p[i * 4096];
    fprintf(stderr, "%s node %d map %p\n", who, sched_getcpu(), (void *)p);
    return sum;
}

static void *worker(void *arg)
{
    (void)arg;
    return (void *)map_and_touch("thread");
}

int main(int argc, char **argv)
{
    int threads = atoi(argv[1]);
    if (threads < 0 || threads > THREADS_MAX)
        return 2;
    long total = map_and_touch("main");
    pthread_t t[THREADS_MAX];
    for (int i = 0; i < threads; i++)
        pthread_create(&t[i], 0, worker, 0);
    for (int i = 0; i < threads; i++) {
        void *r;
        pthread_join(t[i], &r);
        total += (long)r;
    }
    printf("sum %ld\n", total);
    return 0;
}
"""

MMAP_TOP = 0x7f0000000000  # kernel/uvm.h UVM_MMAP_TOP: the topmost stripe is node 0's
STRIPE = 1 << 30           # kernel/dsm_control.c: 2^18 pages
MAP_LINE = re.compile(r"^(main|thread) node (\d+) map (0x[0-9a-f]+)$", re.M)
STATS = re.compile(r"dsm-stats node=(\d+) (.*)")


def run(tmp_path, name, nodes, threads, home):
    exe = build_musl(tmp_path, "home", SOURCE)
    p = dsmk_run(tmp_path, name, nodes, exe, [str(threads)], ["--keep", "-k", "dsm.affinity=off", "-k",
                                                               "dsm.home=" + home])
    err = p.stderr.decode(errors="replace")
    assert p.returncode == 0 and p.stdout == b"sum %d\n" % ((threads + 1) * sum(range(64))), err[-3000:]
    maps = [(who, int(node), int(addr, 16)) for who, node, addr in MAP_LINE.findall(err)]
    assert len(maps) == threads + 1, err[-3000:]
    logs = {}
    for log in (tmp_path / "run").glob("%s-*/node*.log" % name):
        for m in STATS.finditer(log.read_text(errors="replace")):
            logs[int(m.group(1))] = dict(kv.split("=", 1) for kv in m.group(2).split())
    return maps, logs


@pytest.mark.parametrize("nodes", [2, 4])
def test_a_mapping_lands_in_the_stripes_of_the_node_that_asked(tmp_path, nodes):
    """Every thread's mapping (the main thread's on node 0, each other's on the node clone()
    put it on) lies in one of that node's stripes (counted upwards, mod the node count, from a
    base that makes the topmost node 0's: node 0's mappings are where mmap put every mapping
    before stripes, top-down from UVM_MMAP_TOP)."""
    maps, _ = run(tmp_path, "home-stripes", nodes, nodes - 1, "stripes")
    assert {node for _, node, _ in maps} == set(range(nodes)), maps
    for who, node, addr in maps:
        below_top = (MMAP_TOP - 1 - addr) // STRIPE  # stripes count upwards to the topmost, node 0's
        assert -below_top % nodes == node, (who, node, hex(addr))


def test_first_touches_of_a_fresh_mapping_send_nothing(tmp_path):
    """A thread on node 1 maps 64 pages and writes each: homed on node 1, the zero fills send
    no message; homed by the hash, about half of them ask node 0 (request and grant)."""
    sent = {}
    for home in ("hash", "stripes"):
        _, stats = run(tmp_path, "home-" + home, 2, 1, home)
        assert int(stats[1]["zero"]) >= 64, stats
        sent[home] = int(stats[1]["msgs_sent"])
    assert sent["stripes"] + 16 <= sent["hash"], sent
