# SPDX-License-Identifier: MIT
"""The wall clock (arch/x86_64/rtc.c, kernel/time_conv.h): node 0 reads the PC's real-time
clock at boot and hands its CLOCK_REALTIME epoch to every other node with their clock
offsets, so time(), gettimeofday and CLOCK_REALTIME show the host's date (to the RTC's
second) on every node, and a file's times are today's. Before, dates started at a fixed
2023-11-14."""
import re
import time

import pytest

from dsmkpy.testing import build_musl, dsmk_run

SOURCE = r"""
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static void report(const char *who)
{
    struct timespec ts;
    struct timeval tv;
    clock_gettime(CLOCK_REALTIME, &ts);
    gettimeofday(&tv, 0);
    printf("%s node %d realtime %lld timeofday %lld time %lld\n", who, sched_getcpu(), (long long)ts.tv_sec,
           (long long)tv.tv_sec, (long long)time(0));
}

static void *thread(void *arg)
{
    (void)arg;
    report("thread");
    return 0;
}

int main(void)
{
    report("main");
    pthread_t t;
    pthread_create(&t, 0, thread, 0);
    pthread_join(t, 0);
    int fd = open("/stamp", O_CREAT | O_WRONLY, 0644);
    struct stat st;
    if (fd < 0 || write(fd, "x", 1) != 1 || fstat(fd, &st) != 0)
        return 1;
    printf("file mtime %lld\n", (long long)st.st_mtime);
    return 0;
}
"""

LINE = re.compile(r"^(main|thread) node (\d+) realtime (\d+) timeofday (\d+) time (\d+)$", re.M)
SLACK_S = 3  # the RTC counts whole seconds; QEMU's start and the program's take a little more


@pytest.mark.parametrize("nodes", [1, 2])
def test_dates_are_the_hosts_on_every_node(tmp_path, nodes):
    exe = build_musl(tmp_path, "wallclock", SOURCE)
    before = time.time()
    p = dsmk_run(tmp_path, "wallclock", nodes, exe, [], ["--keep"])
    after = time.time()
    out = p.stdout.decode()
    assert p.returncode == 0, p.stderr.decode(errors="replace")[-3000:]
    seen = LINE.findall(out)
    assert [who for who, *_ in seen] == ["main", "thread"], out
    assert {int(node) for _, node, *_ in seen} == set(range(nodes)), out
    stamps = [int(v) for *_, r, g, t in seen for v in (r, g, t)]
    stamps.append(int(re.search(r"^file mtime (\d+)$", out, re.M).group(1)))
    for s in stamps:
        assert before - SLACK_S <= s <= after + SLACK_S, (before, after, out)
    if nodes > 1:
        log = next((tmp_path / "run").glob("wallclock-2-*/node1.log")).read_text(errors="replace")
        assert "dsm: wall clock from node 0" in log, log[-2000:]
